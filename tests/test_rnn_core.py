"""§4 core: hand BPTT vs autograd and finite differences, the LSTM cell vs nn.LSTMCell, the
spectrum bounds (σ_max holds, ρ does not for non-normal W_h), the leaky unit, clipping vs
clip_grad_norm_, the recall task."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from core.rnn import clipping, elman, leaky, memory, spectrum
from core.rnn.lstm import LSTMWeights, lstm_cell, lstm_run

torch.set_num_threads(1)


@pytest.mark.parametrize("act", elman.ACTIVATIONS)
@pytest.mark.parametrize("seed", [0, 1])
def test_hand_bptt_matches_autograd_and_finite_differences(act, seed):
    p, xs, ys = elman.toy_problem(T=6, seed=seed, scale=1.5)
    hand = elman.bptt(p, xs, ys, act)
    auto = elman.autograd_grads(p, xs, ys, act)
    fd = elman.finite_difference(p, xs, ys, act)
    assert elman.max_abs_diff(hand, auto) < 1e-12
    scale = max(float(v.abs().max()) for v in auto.values())
    assert elman.max_abs_diff(hand, fd) / scale < 1e-6
    assert scale > 1e-3  # the comparison is not between zeros


@pytest.mark.parametrize("t", [1, 3, 6])
def test_bptt_terms_sum_to_the_gradient_of_one_loss_term(t):
    p, xs, ys = elman.toy_problem(T=6, seed=2)
    r = elman.bptt_terms(p, xs, ys, t)
    auto = elman.autograd_grads(p, xs, ys, "tanh", t)["W_h"]
    assert torch.allclose(r["terms"].sum(0), auto, atol=1e-12, rtol=0)
    assert torch.allclose(elman.bptt(p, xs, ys, "tanh", t)["W_h"], auto, atol=1e-12, rtol=0)
    assert r["terms"].shape == (t, 3, 3)
    # the Jacobian product vs autograd: ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ for k = 1
    if t > 1:
        f = elman.forward(p, xs)

        def roll(h):
            for s in range(1, t):
                h = torch.tanh(p.W_h @ h + p.W_x @ xs[s] + p.b)
            return h

        J = torch.autograd.functional.jacobian(roll, f["h"][1])
        assert torch.allclose(r["jac"][0], J, atol=1e-12, rtol=0)


def test_unknown_activation_raises():
    with pytest.raises(ValueError, match="choose from"):
        elman.sigma("relu6", torch.zeros(2))


def test_lstm_cell_matches_torch_lstmcell_with_copied_weights():
    torch.manual_seed(0)
    ref = torch.nn.LSTMCell(5, 7).double()
    w = LSTMWeights.from_module(ref)
    x = torch.randn(8, 3, 5, dtype=torch.float64)
    h = c = torch.zeros(3, 7, dtype=torch.float64)
    hr, cr = h.clone(), c.clone()
    with torch.no_grad():
        run = lstm_run(w, x)
        for t in range(8):
            h, c, g = lstm_cell(w, x[t], h, c)
            hr, cr = ref(x[t], (hr, cr))
            assert torch.allclose(h, hr, atol=1e-13) and torch.allclose(c, cr, atol=1e-13)
            assert torch.allclose(run["h"][t], hr, atol=1e-13)
            assert set(g) == {"f", "i", "g", "o"} and float(g["f"].min()) >= 0


def test_forget_bias_moves_the_forget_gate():
    w0 = LSTMWeights.random(3, 4, seed=0, forget_bias=0.0)
    w5 = LSTMWeights.random(3, 4, seed=0, forget_bias=5.0)
    x = torch.zeros(1, 3, dtype=torch.float64)
    h = c = torch.zeros(1, 4, dtype=torch.float64)
    assert lstm_cell(w5, x, h, c)[2]["f"].mean() > 0.95 > lstm_cell(w0, x, h, c)[2]["f"].mean()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "linear"])
def test_sigma_max_bound_holds_on_random_matrices(seed, act):
    W = spectrum.make_W("random", 6, 1.2, seed)
    r = spectrum.jacobian_norms(W, act, T=20, seed=seed)
    assert np.all(r["measured"] <= r["sigma_bound"] * (1 + 1e-9))
    assert r["sigma_max"] >= r["rho"] - 1e-12


def test_non_normal_example_breaks_the_eigenvalue_bound():
    W = spectrum.make_W("non_normal", 8, 0.9, shear=2.0)
    assert spectrum.spectral_radius(W) == pytest.approx(0.9)
    assert spectrum.sigma_max(W) > 2.5
    r = spectrum.jacobian_norms(W, "linear", T=30)
    assert np.all(r["measured"] <= r["sigma_bound"] * (1 + 1e-9))  # σ_max bound still holds
    peak = spectrum.transient_peak(r["measured"], r["eig_bound"])
    assert peak["violated"] and peak["ratio"] > 1e3  # ρ < 1, yet the gradient grows
    assert r["measured"][9] > 1.0  # grows (not just 'decays slower') at lag 10
    # the autograd measurement equals the closed form ‖W^n‖ for a linear RNN
    assert np.allclose(r["measured"], spectrum.power_norms(W, 30).numpy(), rtol=1e-10)


def test_normal_matrices_have_sigma_max_equal_to_rho():
    for kind in ("orthogonal", "identity", "symmetric"):
        W = spectrum.make_W(kind, 6, 0.8, seed=3)
        assert spectrum.sigma_max(W) == pytest.approx(spectrum.spectral_radius(W), rel=1e-9)
    with pytest.raises(ValueError, match="choose from"):
        spectrum.make_W("hermitian-ish", 4)


def test_leaky_unit_at_alpha_zero_is_elman_and_alpha_one_freezes():
    cfg = leaky.FlowConfig(T=12, d=6)
    e = leaky.run_cell("elman", cfg)
    lk0 = leaky.run_cell("leaky", leaky.FlowConfig(T=12, d=6, alpha=0.0))
    assert torch.allclose(e["states"], lk0["states"])
    flow = leaky.gradient_vs_lag(leaky.FlowConfig(T=20, d=6, alpha=0.95, scale=0.8))
    assert flow["leaky"][-1] > 100 * flow["elman"][-1]  # the leak keeps the gradient alive
    # the chained per-step Jacobians vs one autograd graph (Elman)
    hs = [torch.zeros(6, dtype=torch.float64, requires_grad=True)]
    for t in range(12):
        hs.append(e["step"](hs[-1][None], t)[0])
    ref = spectrum.state_jacobian_norms(hs)
    assert torch.allclose(leaky.chained_jacobian_norms(e["states"], e["step"]), ref, rtol=1e-10)


def test_step_jacobian_of_the_leaky_unit_is_alpha_i_plus_the_rest():
    cfg = leaky.FlowConfig(T=3, d=4, alpha=0.7)
    r = leaky.run_cell("leaky", cfg)
    J = leaky.step_jacobian(r["step"], r["states"][1], 1)
    assert J.shape == (4, 4)
    J_fd = torch.autograd.functional.jacobian(lambda s: r["step"](s[None], 1)[0], r["states"][1])
    assert torch.allclose(J, J_fd, atol=1e-12)


@pytest.mark.parametrize("k", [0.01, 1.0, 1e6])
def test_clip_by_norm_matches_clip_grad_norm(k):
    torch.manual_seed(0)
    rnn = torch.nn.RNN(3, 5).double()
    out, _ = rnn(torch.randn(20, 2, 3, dtype=torch.float64) * 3)
    out.pow(2).sum().backward()
    ours, norm = clipping.clip_by_norm([p.grad.clone() for p in rnn.parameters()], k)
    total = torch.nn.utils.clip_grad_norm_(rnn.parameters(), k)
    assert norm == pytest.approx(float(total), rel=1e-12)
    for a, p in zip(ours, rnn.parameters(), strict=True):
        assert torch.allclose(a, p.grad, rtol=1e-5, atol=0)
    new_norm = math.sqrt(sum(float((a**2).sum()) for a in ours))
    assert new_norm == pytest.approx(min(norm, k), rel=1e-9)


def test_the_cliff_throws_plain_descent_and_clipping_bounds_the_step():
    p = clipping.descend((4.9, -2.55), 0.05, 30, None)
    q = clipping.descend((4.9, -2.55), 0.05, 30, 1.0)
    assert p["grad_norm"][0] > 100  # on the wall
    plain_step = np.linalg.norm(np.diff(p["path"], axis=0), axis=1).max()
    clip_step = np.linalg.norm(np.diff(q["path"], axis=0), axis=1).max()
    assert plain_step > 10 and clip_step <= 0.05 * 1.0 + 1e-12
    s = clipping.cliff_surface(clipping.CliffConfig(grid=20))
    assert s["loss"].shape == (20, 20) and np.isfinite(s["loss"]).all()


def test_recall_task_batches_and_lag_validation():
    cfg = memory.MemoryConfig(lag=5)
    x, y = memory.make_batch(cfg, 16, torch.Generator().manual_seed(0))
    assert x.shape == (16, 6, 9) and torch.equal(x[:, 0, :4].argmax(1), y)
    assert torch.all(x[:, 5, 8] == 1) and torch.all(x[:, 1:5, 4:8].sum(-1) == 1)
    for bad in (0, -3, memory.MAX_LAG + 1, 2.5, True):
        with pytest.raises(ValueError):
            memory.check_lag(bad)


def test_memory_trainers_learn_a_short_lag():
    r = memory.train_to("lstm", memory.MemoryConfig(lag=2, eval_size=64), seed=0, steps=150)
    assert r["accuracy"] > 0.9
    pair = memory.PairTrainer(memory.MemoryConfig(lag=3), seed=0)
    m = pair.step(2)
    assert pair.steps_done == 2 and set(m) == {"elman_loss", "elman_accuracy", "lstm_loss",
                                               "lstm_accuracy"}  # fmt: skip


def test_the_fields_a_cell_ignores_do_not_change_it():
    """The gates view caches each cell without the fields it ignores (ui.rnn.gates._IGNORED):
    changing them must leave that cell's states exactly as they were."""
    from ui.rnn.gates import _IGNORED

    base = leaky.FlowConfig(T=10, d=5, alpha=0.6, forget_bias=2.0)
    for cell, fields in _IGNORED.items():
        other = leaky.FlowConfig(T=10, d=5, alpha=0.1, forget_bias=-1.0)
        kept = {f: getattr(base, f) for f in ("alpha", "forget_bias") if f not in fields}
        a = leaky.run_cell(cell, base)["states"]
        b = leaky.run_cell(cell, replace(other, **kept))["states"]
        assert torch.equal(a, b), cell
        for f in {"alpha", "forget_bias"} - set(fields):  # and the others do change it
            c = leaky.run_cell(cell, replace(base, **{f: getattr(other, f)}))["states"]
            assert not torch.equal(a, c), (cell, f)
