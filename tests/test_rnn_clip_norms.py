"""Gradient norms in training (core.rnn.clipping.training_norms): ‖g‖ is the global norm of the
real gradient, measured before clipping, and the shipped runs reproduce from their config."""

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.rnn import clipping
from core.rnn.memory import MemoryConfig, MemoryNet, make_batch

torch.set_num_threads(1)
CFG = replace(clipping.NormRunConfig(), steps=12)


def test_first_norm_is_the_global_gradient_norm_before_any_clipping():
    cfg = CFG
    task = replace(MemoryConfig(), lag=cfg.lag)
    torch.manual_seed(0)
    net = MemoryNet("elman", task)
    with torch.no_grad():
        net.rnn.weight_hh_l0 *= cfg.w_h_scale
    x, y = make_batch(task, task.batch_size, torch.Generator().manual_seed(0))
    F.cross_entropy(net(x), y).backward()
    ref = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in net.parameters())))
    plain = clipping.training_norms(cfg, clip=False, seed=0)
    clipped = clipping.training_norms(cfg, clip=True, seed=0)
    assert plain["norms"][0] == pytest.approx(ref, rel=1e-5)
    assert clipped["norms"][0] == pytest.approx(ref, rel=1e-5)  # measured before clipping
    # the same batches: the runs part only where a step was clipped (‖g‖ > k)
    first_clip = next(i for i, v in enumerate(plain["norms"]) if v > cfg.k)
    assert plain["norms"][: first_clip + 1] == pytest.approx(clipped["norms"][: first_clip + 1])
    assert plain["norms"][first_clip + 1 :] != pytest.approx(clipped["norms"][first_clip + 1 :])


def test_shipped_runs_reproduce_and_show_the_tail():
    try:
        runs = clipping.load_norms()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    cfg = clipping.NormRunConfig(**runs["config"])
    assert len(runs["plain"]) == len(runs["clipped"]) == cfg.seeds
    assert all(len(r["norms"]) == cfg.steps for r in runs["plain"] + runs["clipped"])
    again = clipping.training_norms(replace(cfg, steps=30), clip=True, seed=0)
    assert np.allclose(again["norms"], runs["clipped"][0]["norms"][:30], rtol=1e-4, atol=1e-6)
    plain = np.concatenate([r["norms"] for r in runs["plain"]])
    assert plain.max() > 10 * np.median(plain)  # the heavy tail the histogram is there to show
