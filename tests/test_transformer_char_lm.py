"""The tiny GPT as a char-level LM: the shared held-out protocol, the stepper, and the shipped
weights reproducing their manifests."""

import dataclasses
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.data.text import text_corpus
from core.pretrained import PretrainedError, load
from core.rnn.charlm import PRETRAINED as LSTM_SPECS
from core.rnn.charlm import CharLSTMConfig
from core.transformer.char_lm import (
    MAIN,
    CharLMConfig,
    CharLMStepper,
    chars_seen,
    held_out_loss,
    held_out_windows,
    lr_at,
)
from core.transformer.gpt import GPT, GPTConfig

torch.set_num_threads(1)
TINY = GPTConfig(block_size=16, n_layer=1, n_head=2, n_embd=16)


def test_windows_are_consecutive_and_non_overlapping():
    ho = text_corpus().held_out
    W = held_out_windows()
    assert W.shape == (len(ho) // 129, 129)
    assert W[0, 0] == ho[0] and W[1, 0] == ho[129] and W[-1, -1] == ho[129 * len(W) - 1]


def test_uniform_model_scores_ln_V():
    m = GPT(TINY)
    with torch.no_grad():
        m.wte.weight.zero_()  # tied head: every logit 0 -> p = 1/96
    r = held_out_loss(m, max_windows=5)
    assert abs(r["nats_per_char"] - math.log(96)) < 1e-9
    assert abs(r["bits_per_char"] - math.log2(96)) < 1e-9
    assert abs(r["perplexity"] - 96) < 1e-6


def test_held_out_loss_matches_a_per_window_loop():
    torch.manual_seed(0)
    m = GPT(TINY).eval()
    W = held_out_windows(window=17)[:7]
    with torch.no_grad():
        per = [F.cross_entropy(m(w[None, :-1])[0], w[1:], reduction="sum") for w in W]
    ref = float(sum(per)) / (7 * 16)
    assert abs(held_out_loss(m, max_windows=7, batch=3)["nats_per_char"] - ref) < 1e-5


def test_lr_schedule():
    cfg = CharLMConfig(steps=1000, warmup=100, lr=1e-3, min_lr_frac=0.1)
    assert lr_at(cfg, 0) == pytest.approx(1e-5)
    assert lr_at(cfg, 99) == pytest.approx(1e-3)
    assert lr_at(cfg, 550) == pytest.approx(0.55e-3)
    assert lr_at(cfg, 1000) == pytest.approx(1e-4)


def test_stepper_learns_and_is_seeded():
    cfg = CharLMConfig(
        gpt=TINY, steps=40, batch_size=8, lr=1e-2, warmup=5, eval_every=20, eval_windows=4
    )
    a = CharLMStepper(cfg, seed=3)
    first = a.step(1)["loss"]
    a.step(39)
    assert np.mean(a.losses[-5:]) < first - 0.5  # from ~ln 96 to character frequencies
    assert len(a.curve) == 2 and a.curve[-1][0] == 40
    b = CharLMStepper(cfg, seed=3)
    b.step(3)
    assert b.losses == a.losses[:3]


def test_mask_off_curve_also_scores_prefixes():
    """The leak model's curve carries the prefix-only held-out loss; a causal model's does not."""
    leak = dataclasses.replace(TINY, causal=False)
    cfg = CharLMConfig(gpt=leak, steps=6, batch_size=4, warmup=2, eval_every=3, eval_windows=3)
    s = CharLMStepper(cfg, seed=1)
    s.step(6)
    assert [len(p) for p in s.curve] == [4, 4]
    assert s.curve[-1][3] == pytest.approx(
        held_out_loss(s.model, 3, causal=True)["nats_per_char"], abs=1e-9
    )
    assert s.curve[-1][2] == pytest.approx(held_out_loss(s.model, 3)["nats_per_char"], abs=1e-9)
    c = CharLMStepper(dataclasses.replace(cfg, gpt=TINY), seed=1)
    c.step(3)
    assert len(c.curve[0]) == 3


def test_characters_seen_by_each_run():
    """steps x batch x 128: the GPT saw half the characters of the shipped §4 LSTM (batch 16 vs
    32, 1,500 steps each); the page's table shows these budgets next to the bits/char."""
    assert chars_seen(CharLMConfig(steps=10, batch_size=4)) == 10 * 4 * 128
    lstm = next(s.config for s in LSTM_SPECS if isinstance(s.config, CharLSTMConfig))
    assert chars_seen(MAIN) == 3_072_000 and chars_seen(lstm) == 2 * chars_seen(MAIN)


def _load_or_skip(name):
    try:
        model, manifest = load(name)
    except PretrainedError as e:
        pytest.skip(str(e))
    if manifest["metrics"].get("windows") != float(len(held_out_windows(window=_window(model)))):
        pytest.skip("another Python's docs: the corpus differs from the manifest's")
    return model, manifest


def _window(model) -> int:
    """The held-out window of a model: its context + 1 (the LSTM's 128 + 1)."""
    return getattr(model.cfg, "block_size", 128) + 1


@pytest.mark.parametrize(
    "name", ["gpt_char", "gpt_ablation_learned", "gpt_ablation_nopos", "gpt_ablation_leak"]
)
def test_pretrained_held_out_loss_reproduces_manifest(name):
    model, manifest = _load_or_skip(name)
    got = held_out_loss(model)
    assert got["nats_per_char"] == pytest.approx(manifest["metrics"]["nats_per_char"], abs=1e-4)
    assert got["nats_per_char"] < math.log(96) - 1.0  # it did learn something
    assert manifest["parameters"] == sum(p.numel() for p in model.parameters())
    if name == "gpt_ablation_leak":  # the mask off: scored fairly on prefixes it is much worse
        pre = held_out_loss(model, causal=True)["nats_per_char"]
        assert pre == pytest.approx(manifest["metrics"]["prefix_nats_per_char"], abs=1e-4)
        assert pre > got["nats_per_char"] + 0.1  # measured: 2.719 vs 2.485 at 400 steps
