"""Objectives, gradient penalty and R1 against autograd / hand-written references."""

import pytest
import torch

from core.gan.objectives import (
    LOSSES,
    OBJECTIVES,
    clip_weights,
    d_loss,
    g_loss,
    get_objective,
    gradient_penalty,
    r1_penalty,
)


def _critic(seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 32),
        torch.nn.Tanh(),
        torch.nn.Linear(32, 1),
    ).double()
    return lambda x: net(x).squeeze(-1), net


def test_losses_match_their_equations():
    lr, lf = torch.randn(64, dtype=torch.float64), torch.randn(64, dtype=torch.float64)
    D_r, D_f = torch.sigmoid(lr), torch.sigmoid(lf)
    ref_d = -(torch.log(D_r).mean() + torch.log(1 - D_f).mean())
    for loss in ("minimax", "non_saturating"):
        assert torch.allclose(d_loss(loss, lr, lf), ref_d)
    assert torch.allclose(g_loss("minimax", lf), torch.log(1 - D_f).mean())
    assert torch.allclose(g_loss("non_saturating", lf), -torch.log(D_f).mean())
    assert torch.allclose(
        d_loss("least_squares", lr, lf), 0.5 * ((lr - 1) ** 2).mean() + 0.5 * (lf**2).mean()
    )
    assert torch.allclose(d_loss("wasserstein", lr, lf), lf.mean() - lr.mean())
    # LSGAN (Mao et al. 2017, a = 0, b = c = 1): L_G = 1/2 E (D(G(z)) - 1)^2, one term per sample
    ls_terms = [0.5 * (float(s) - 1.0) ** 2 for s in lf]
    assert float(g_loss("least_squares", lf)) == pytest.approx(sum(ls_terms) / 64, rel=1e-12)
    # WGAN (Arjovsky et al. 2017): G maximises E f(G(z)), so L_G = -E f(G(z))
    assert float(g_loss("wasserstein", lf)) == pytest.approx(-sum(map(float, lf)) / 64, rel=1e-12)
    # each generator loss falls when the fake score moves towards "real" (its gradient's sign)
    for loss in LOSSES:
        x = torch.tensor([-0.5], dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(g_loss(loss, x), x)
        assert grad.item() < 0, loss
        (grad_d,) = torch.autograd.grad(d_loss(loss, x, x.detach()), x)
        assert grad_d.item() < 0, loss  # D also wants a higher score on real samples
    with pytest.raises(ValueError, match="choose from"):
        g_loss("hinge", lf)
    with pytest.raises(ValueError, match="choose from"):
        d_loss("hinge", lr, lf)
    with pytest.raises(ValueError, match="choose from"):
        get_objective("nope")
    assert {o.loss for o in OBJECTIVES.values()} <= set(LOSSES)


def test_saturation_of_minimax_vs_non_saturating():
    # early in training D(G(z)) -> 0: minimax's gradient vanishes, non-saturating's does not
    lf = torch.tensor([-8.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(g_loss("minimax", lf), lf)
    (g_ns,) = torch.autograd.grad(g_loss("non_saturating", lf), lf)
    assert abs(g_mm.item()) < 1e-3 < abs(g_ns.item())


def test_gradient_penalty_vs_per_sample_autograd_reference():
    f, _ = _critic(0)
    torch.manual_seed(1)
    xr, xf = torch.randn(16, 2, dtype=torch.float64), torch.randn(16, 2, dtype=torch.float64) + 2
    eps = torch.rand(16, 1, dtype=torch.float64)
    gp = gradient_penalty(f, xr, xf, eps)
    ref = []
    for i in range(16):  # one jacobian per interpolate, independently of the batched code
        xh = eps[i] * xr[i] + (1 - eps[i]) * xf[i]
        jac = torch.autograd.functional.jacobian(lambda t: f(t[None])[0], xh)
        ref.append((jac.norm() - 1) ** 2)
    assert torch.allclose(gp, torch.stack(ref).mean(), rtol=1e-10)
    assert gp.requires_grad  # trains the critic


def test_r1_vs_finite_differences_and_trains_d():
    f, net = _critic(2)
    x = torch.randn(32, 2, dtype=torch.float64)
    r1 = r1_penalty(f, x)
    h = 1e-6
    fd = torch.stack(
        [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in torch.eye(2, dtype=torch.float64)], 1
    )  # (B, 2)
    assert torch.allclose(r1, fd.pow(2).sum(1).mean(), rtol=1e-7)
    r1.backward()
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0  # trains D


def test_clip_weights():
    _, net = _critic(3)
    clip_weights(net, 0.01)
    assert max(p.abs().max().item() for p in net.parameters()) <= 0.01 + 1e-12
