"""Hand backprop (core.backprop.mlp, notes §1.3) == torch.autograd == central differences."""

import itertools

import numpy as np
import pytest

from core.backprop.losses import targets
from core.backprop.mlp import MLP, MLPConfig
from core.backprop.verify import (
    autograd_grads,
    finite_difference_grads,
    gradient_check,
    sample_indices,
)

ACTS = ["linear", "step", "sigmoid", "tanh", "relu"]
# (loss, head, n_out, task): every loss with the heads it is used with on the page
LOSS_HEADS = [
    ("bce", "sigmoid", 1),
    ("mse", "sigmoid", 1),
    ("mse", "identity", 1),
    ("l1", "sigmoid", 1),
    ("l1", "identity", 1),
    ("softmax_ce", "softmax", 3),
]
REGS = ["none", "l1", "l2"]


def _problem(act, loss, head, n_out, seed, hidden=(5, 4), n_in=3, B=7):
    rng = np.random.default_rng(seed)
    net = MLP(MLPConfig(n_in, hidden, n_out, act, head), seed=seed)
    # random, non-default weights and biases so that no unit sits at a kink by construction
    for p in net.params():
        p[...] = rng.normal(scale=0.8, size=p.shape)
    x = rng.normal(size=(B, n_in))
    if head == "identity":
        y = rng.normal(size=B)
    else:
        y = rng.integers(0, max(n_out, 2), size=B)
    return net, x, targets(y, n_out, head)


@pytest.mark.parametrize("act,lh,reg", list(itertools.product(ACTS, LOSS_HEADS, REGS)))
def test_hand_equals_autograd(act, lh, reg):
    loss, head, n_out = lh
    for seed in range(3):
        net, x, t = _problem(act, loss, head, n_out, seed)
        L, hand = net.loss_and_grads(x, t, loss, reg, 0.05)
        L_ref, ref = autograd_grads(net, x, t, loss, reg, 0.05)
        assert abs(L - L_ref) < 1e-12 * max(1.0, abs(L_ref))
        for g, r in zip(hand, ref, strict=False):
            assert g.shape == r.shape
            np.testing.assert_allclose(g, r, rtol=0, atol=1e-10)


def _away_from_kinks(net, x, t, loss, reg, h):
    """True when no ReLU/step pre-activation, L1 residual or L1-penalised weight is within 10 h
    of its kink (there central differences are not the derivative)."""
    fw = net.forward(x)
    if net.cfg.activation in ("relu", "step"):
        if any(np.min(np.abs(z)) < 1e3 * h for z in fw.z[1:-1]):
            return False
    if loss == "l1" and np.min(np.abs(fw.y_hat - t)) < 1e3 * h:
        return False
    if reg == "l1" and min(np.min(np.abs(W)) for W in net.W) < 10 * h:
        return False
    return True


@pytest.mark.parametrize("act,lh,reg", list(itertools.product(ACTS, LOSS_HEADS, REGS)))
def test_hand_and_autograd_equal_finite_differences(act, lh, reg):
    loss, head, n_out = lh
    checked = 0
    for seed in range(10):
        net, x, t = _problem(act, loss, head, n_out, seed)
        if not _away_from_kinks(net, x, t, loss, reg, 1e-5):
            continue
        _, hand = net.loss_and_grads(x, t, loss, reg, 0.05)
        _, ref = autograd_grads(net, x, t, loss, reg, 0.05)
        for p, i, est in finite_difference_grads(net, x, t, loss, reg, 0.05, h=1e-5):
            assert abs(hand[p].reshape(-1)[i] - est) < 1e-6
            assert abs(ref[p].reshape(-1)[i] - est) < 1e-6
        checked += 1
        if checked == 2:
            break
    assert checked >= 1


def test_step_activation_sends_no_gradient_below_the_output():
    net, x, t = _problem("step", "bce", "sigmoid", 1, 0)
    _, g = net.loss_and_grads(x, t, "bce")
    assert all(np.all(gi == 0) for gi in g[:-2])  # W1, b1, W2, b2: exactly zero
    assert np.abs(g[-2]).max() > 0  # the output layer still learns


def test_zero_hidden_layers_is_logistic_regression():
    """No hidden layer + BCE: dL/dw = X^T (sigmoid(Xw + b) - y) / B, the textbook formula."""
    rng = np.random.default_rng(0)
    net = MLP(MLPConfig(2, (), 1, "tanh", "sigmoid"), seed=0)
    x, y = rng.normal(size=(9, 2)), rng.integers(0, 2, size=9)
    t = targets(y, 1, "sigmoid")
    _, (gW, gb) = net.loss_and_grads(x, t, "bce")
    p = 1 / (1 + np.exp(-(x @ net.W[0] + net.b[0])))
    np.testing.assert_allclose(gW, x.T @ (p - t) / 9, atol=1e-14)
    np.testing.assert_allclose(gb, (p - t).sum(0) / 9, atol=1e-14)


def test_gradient_check_report_and_indices():
    net, x, t = _problem("tanh", "softmax_ce", "softmax", 3, 1, hidden=(16, 16, 16))
    idx = sample_indices(net, 40, seed=0)
    assert len(idx) == 40 and len({p for p, _ in idx}) == len(net.params())
    c = gradient_check(net, x, t, "softmax_ce", "l2", 0.01, n_fd=40)
    assert c.n_params == sum(p.size for p in net.params())
    assert c.max_abs_autograd < 1e-10 and c.max_abs_fd < 1e-6 and c.max_abs_grad > 1e-4


def test_a_wrong_gradient_is_caught(monkeypatch):
    """The check can fail: corrupt sigma' and autograd disagrees by far more than 1e-10."""
    from core.backprop import activations

    good = activations.ACTIVATIONS["tanh"]
    monkeypatch.setitem(
        activations.ACTIVATIONS,
        "tanh",
        activations.Activation(good.f, lambda z, a: 1.0 - a, "broken"),
    )
    net, x, t = _problem("tanh", "mse", "identity", 1, 0)
    c = gradient_check(net, x, t, "mse")
    assert c.max_abs_autograd > 1e-4 and c.max_abs_fd > 1e-4


@pytest.mark.parametrize("loss,head,n_out", LOSS_HEADS)
def test_loss_output_factors_vs_autograd(loss, head, n_out):
    """The two chain-rule factors the step-through shows, dL/dy_hat and delta_L = dL/dz_L, each
    against torch.autograd of the loss written out as a function of y_hat (resp. z), with
    L = mean over the batch of ell. Detects a missing 1/B in dL/dy_hat (it is displayed, not
    used by backward, so the gradient tests cannot see it) or a wrong fused delta."""
    import torch

    from core.backprop.losses import loss_and_delta

    rng = np.random.default_rng(5)
    B = 6
    z = rng.normal(size=(B, n_out))
    y = rng.normal(size=B) if head == "identity" else rng.integers(0, max(n_out, 2), size=B)
    t = targets(y, n_out, head)
    L, y_hat, dL_dyhat, delta = loss_and_delta(loss, head, z, t)
    tt = torch.tensor(t)

    def ell(yh):  # the per-point losses of notes §1.2, averaged over the batch
        if loss == "bce":
            return -(tt * yh.log() + (1 - tt) * (1 - yh).log()).sum(1).mean()
        if loss == "softmax_ce":
            return -(tt * yh.log()).sum(1).mean()
        if loss == "mse":
            return 0.5 * ((tt - yh) ** 2).sum(1).mean()
        return (tt - yh).abs().sum(1).mean()

    heads = {"sigmoid": torch.sigmoid, "identity": lambda v: v}
    heads["softmax"] = lambda v: torch.softmax(v, 1)
    zt = torch.tensor(z, requires_grad=True)
    yh = heads[head](zt)
    yh.retain_grad()
    L_ref = ell(yh)
    L_ref.backward()
    assert L == pytest.approx(L_ref.item(), rel=1e-12)
    np.testing.assert_allclose(y_hat, yh.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dL_dyhat, yh.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(delta, zt.grad.numpy(), rtol=1e-9, atol=1e-12)
