"""§4 char-level LSTM: the held-out protocol, untrained loss ≈ ln V, the fast numpy cell vs the
torch model, sampling (seeded, temperature 0 = greedy), and the shipped model vs its manifest."""

import math

import numpy as np
import pytest
import torch

from core.data.text import VOCAB, text_corpus
from core.rnn import charlm

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def untrained():
    torch.manual_seed(0)
    return charlm.CharLSTM(charlm.CharLSTMConfig())


def test_parameter_count_is_about_200k(untrained):
    n = sum(p.numel() for p in untrained.parameters())
    assert n == 200_640  # the count the manifest and the §7.7 comparison quote


def test_held_out_windows_follow_the_shared_protocol():
    win = charlm.held_out_windows()
    ho = text_corpus().held_out
    assert win.shape == (len(ho) // 129, 129)
    assert np.array_equal(win[1].numpy(), ho[129:258])  # consecutive, non-overlapping


def test_untrained_loss_is_about_ln_v(untrained):
    r = charlm.held_out_loss(untrained)
    assert abs(r["nats_per_char"] - math.log(len(VOCAB))) < 0.05
    assert r["bits_per_char"] == pytest.approx(r["nats_per_char"] / math.log(2))
    assert r["perplexity"] == pytest.approx(math.exp(r["nats_per_char"]))


def test_fast_cell_trace_matches_the_torch_model(untrained):
    with torch.no_grad():  # a non-trivial model: scale the weights up so the gates saturate
        for p in untrained.parameters():
            p.mul_(3)
    cell = charlm.FastCell(untrained)
    text = "def f(x):\n    return 'a' + x  # done"
    tr = charlm.trace(cell, text)
    ids, _ = charlm.prompt_ids(text)
    with torch.no_grad():
        logits, _ = untrained(ids[None])
    ref = torch.softmax(logits[0].double(), -1).numpy()
    assert np.abs(tr["probs"] - ref).max() < 1e-5
    assert tr["nll"].shape == (len(text) - 1,)
    assert tr["c"].shape == (len(text), 180) and tr["f"].min() >= 0 and tr["f"].max() <= 1


def test_sampling_is_seeded_and_temperature_zero_is_greedy(untrained):
    cell = charlm.FastCell(untrained)
    a = charlm.sample(cell, "The ", 60, 1.0, seed=3)
    b = charlm.sample(cell, "The ", 60, 1.0, seed=3)
    c = charlm.sample(cell, "The ", 60, 1.0, seed=4)
    assert a["text"] == b["text"] != c["text"] and len(a["text"]) == 60
    g = charlm.sample(cell, "The ", 30, 0.0, seed=1)
    assert g["text"] == charlm.sample(cell, "The ", 30, 0.0, seed=2)["text"]
    assert VOCAB[int(g["logits"][0].argmax())] == g["text"][0]
    top = charlm.top5(g["logits"][0])
    assert len(top) == 5 and top[0][0] == g["text"][0] and top[0][1] >= top[-1][1]
    empty = charlm.sample(cell, "", 5, 1.0, 0)  # an empty prompt starts after a newline
    odd = charlm.sample(cell, "naïve ☃", 5, 1.0, 0)
    assert len(empty["text"]) == 5 and odd["unknown"] == ["ï", "☃"]


def test_pretrained_model_reproduces_its_manifest():
    from core.pretrained import PretrainedError, load

    try:
        model, manifest = load(charlm.CHAR_LSTM_NAME)
    except PretrainedError as e:
        pytest.skip(f"not trained yet: {e}")
    if manifest.get("corpus_sha256") != text_corpus().sha256:
        pytest.skip("this Python ships different docs than the model was trained on")
    r = charlm.held_out_loss(model)
    assert r["nats_per_char"] == pytest.approx(manifest["metrics"]["nats_per_char"], abs=1e-4)
    assert r["nats_per_char"] < math.log(len(VOCAB)) - 2  # it learned something real
    assert manifest["parameters"] == 200_640


def test_sampler_draws_from_softmax_at_the_temperature():
    """Gumbel-max sampling: the first character's frequencies over 3,000 seeds match
    softmax(logits / T) (a sampler that ignored T, or drew argmax, fails by far more)."""
    torch.manual_seed(1)
    model = charlm.CharLSTM(charlm.CharLSTMConfig())
    with torch.no_grad():
        for p in model.head.parameters():
            p.mul_(40)  # a peaked, non-uniform next-character distribution
    cell = charlm.FastCell(model)
    T = 0.7
    first = [charlm.sample(cell, "ab", 1, T, seed=s) for s in range(3000)]
    p = charlm.softmax(first[0]["logits"][0].astype(np.float64), T)
    counts = np.bincount([VOCAB.index(f["text"]) for f in first], minlength=len(VOCAB))
    top = np.argsort(-p)[:3]
    assert p[top[0]] < 0.9  # not degenerate
    for i in top:
        assert abs(counts[i] / 3000 - p[i]) < 4 * np.sqrt(p[i] * (1 - p[i]) / 3000) + 1e-3
