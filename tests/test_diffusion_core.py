"""Diffusion core vs references (notes §10.1-10.4): schedules, closed form vs iterated chain,
posterior vs the product of Gaussians, DDIM(eta=1, S=T) vs DDPM, guidance at rho = 0."""

import math

import pytest
import torch

from core.diffusion.forward import closed_form_moments, q_chain, q_sample
from core.diffusion.posterior import eps_from_x0, mean_from_eps, posterior_mean_variance, predict_x0
from core.diffusion.samplers import ddim_sample, ddim_timesteps, ddpm_sample, guided_eps, sample
from core.diffusion.schedules import SCHEDULES, make_schedule
from core.diffusion.unet import UNet, UNetConfig


@pytest.mark.parametrize("name", list(SCHEDULES))
@pytest.mark.parametrize("T", [1, 2, 10, 100, 1000])
def test_alpha_bar_monotone_in_unit_interval(name, T):
    s = make_schedule(name, T)
    assert s.betas.shape == (T,)
    assert torch.all((s.betas > 0) & (s.betas < 1))
    assert torch.all((s.alpha_bar > 0) & (s.alpha_bar < 1))
    assert torch.all(s.alpha_bar[1:] < s.alpha_bar[:-1])  # strictly decreasing
    assert torch.allclose(s.alpha_bar, torch.cumprod(1 - s.betas, 0))
    assert torch.all(s.snr[1:] < s.snr[:-1])
    if T >= 100:
        assert s.alpha_bar[-1] < 0.01  # x_T is (nearly) pure noise


def test_unknown_schedule_raises():
    with pytest.raises(ValueError, match="unknown schedule: 'nope'; choose from linear"):
        make_schedule("nope", 10)


@pytest.mark.parametrize("name", ["linear", "cosine"])
def test_closed_form_matches_iterated_chain_moments(name):
    sched = make_schedule(name, 50)
    g = torch.Generator().manual_seed(0)
    x0 = torch.tensor([1.5, -0.5, 0.0, 2.0]).repeat(40_000, 1)  # (N, 4), one x0 repeated
    for t in (1, 10, 30, 50):
        a = q_sample(sched, x0, t, generator=g)
        b = q_chain(sched, x0, t, generator=g)
        mean, var = closed_form_moments(sched, x0[0], t)
        se = math.sqrt(var / len(x0))
        for x in (a, b):
            assert torch.allclose(x.mean(0), mean, atol=5 * se + 1e-6)
            assert torch.allclose(x.var(0), torch.full((4,), var), rtol=0.05)
        assert torch.allclose(a.mean(0), b.mean(0), atol=7 * se + 1e-6)


def test_q_chain_keep_and_t0():
    sched = make_schedule("linear", 5)
    x0 = torch.ones(3, 2)
    path = q_chain(sched, x0, 5, keep=True)
    assert len(path) == 6 and torch.equal(path[0], x0)
    assert torch.equal(q_sample(sched, x0, 0), x0)


@pytest.mark.parametrize("t", [2, 7, 20])
def test_posterior_matches_product_of_gaussians(t):
    """The posterior as a product of two Gaussians in x_{t-1}:

    q(x_{t-1}|x_t,x_0) ∝ N(x_t; sqrt(a_t) x_{t-1}, b_t) N(x_{t-1}; sqrt(ab_{t-1}) x0, 1-ab_{t-1})
    """
    sched = make_schedule("cosine", 20)
    g = torch.Generator().manual_seed(1)
    x0, xt = (
        torch.randn(5, 3, generator=g, dtype=torch.float64),
        torch.randn(5, 3, generator=g, dtype=torch.float64),
    )
    a, b = float(sched.alphas[t - 1]), float(sched.betas[t - 1])
    ab_prev = float(sched.alpha_bar[t - 2])
    precision = a / b + 1 / (1 - ab_prev)
    mean_direct = (math.sqrt(a) * xt / b + math.sqrt(ab_prev) * x0 / (1 - ab_prev)) / precision
    mean, var = posterior_mean_variance(sched, x0, xt, t)
    assert torch.allclose(mean, mean_direct, atol=1e-10)
    assert var == pytest.approx(1 / precision, rel=1e-10)
    # with the true eps, Algorithm 3's mean equals the posterior mean (notes §10.3)
    eps = eps_from_x0(sched, xt, x0, t)
    assert torch.allclose(mean_from_eps(sched, xt, eps, t), mean, atol=1e-9)
    assert torch.allclose(predict_x0(sched, xt, eps, t), x0, atol=1e-9)


def test_posterior_matches_monte_carlo():
    """Sample (x_{t-1}, x_t) from the forward chain; regress x_{t-1} on x_t: slope/intercept/var."""
    sched = make_schedule("linear", 30)
    t, n = 12, 200_000
    g = torch.Generator().manual_seed(2)
    x0 = torch.full((n, 1), 0.7, dtype=torch.float64)
    x_prev = q_sample(sched, x0, t - 1, generator=g)
    beta = float(sched.betas[t - 1])
    x_t = math.sqrt(1 - beta) * x_prev + math.sqrt(beta) * torch.randn(
        n, 1, generator=g, dtype=torch.float64
    )
    A = torch.cat([x_t, torch.ones_like(x_t)], 1)
    coef = torch.linalg.lstsq(A, x_prev).solution
    resid_var = float((x_prev - A @ coef).var())
    mean, var = posterior_mean_variance(
        sched, x0[:2], torch.tensor([[0.0], [1.0]], dtype=torch.float64), t
    )
    slope, intercept = float(mean[1] - mean[0]), float(mean[0])
    assert float(coef[0]) == pytest.approx(slope, abs=0.01)
    assert float(coef[1]) == pytest.approx(intercept, abs=0.01)
    assert resid_var == pytest.approx(var, rel=0.02)


def _gaussian_eps_model(sched, m: float, s: float):
    """The exact eps-model for data N(m, s^2 I): E[eps | x_t]."""

    def eps_model(x, t, y=None):
        ab = sched.alpha_bar.float()[t - 1].reshape(-1, *([1] * (x.ndim - 1)))
        return (1 - ab).sqrt() * (x - ab.sqrt() * m) / (ab * s * s + 1 - ab)

    return eps_model


@pytest.mark.slow
def test_ddim_eta1_full_steps_equals_ddpm_in_distribution():
    sched = make_schedule("linear", 200)
    m, s = 1.0, 0.5
    eps_model = _gaussian_eps_model(sched, m, s)
    n = 20_000
    x_T = torch.randn(n, 2, generator=torch.Generator().manual_seed(3))
    a = ddpm_sample(
        eps_model, sched, x_T, generator=torch.Generator().manual_seed(4), record=False
    ).sample
    b = ddim_sample(
        eps_model,
        sched,
        x_T,
        S=200,
        eta=1.0,
        generator=torch.Generator().manual_seed(5),
        record=False,
    ).sample
    for x in (a, b):
        assert torch.allclose(x.mean(0), torch.full((2,), m), atol=0.03)
        assert torch.allclose(x.std(0), torch.full((2,), s), atol=0.03)
    assert torch.allclose(a.mean(0), b.mean(0), atol=0.03)
    assert torch.allclose(a.std(0), b.std(0), rtol=0.04)
    # same noise -> same path: DDIM(eta=1, S=T) is DDPM with sigma^2 = beta_tilde, step for step
    c = ddim_sample(
        eps_model,
        sched,
        x_T,
        S=200,
        eta=1.0,
        generator=torch.Generator().manual_seed(4),
        record=False,
    ).sample
    assert torch.allclose(a, c, atol=1e-4)


def test_ddim_eta0_is_deterministic_and_hits_target():
    sched = make_schedule("cosine", 100)
    eps_model = _gaussian_eps_model(sched, -0.5, 0.8)
    x_T = torch.randn(20_000, 1, generator=torch.Generator().manual_seed(6))
    a = ddim_sample(
        eps_model, sched, x_T, S=100, eta=0.0, generator=torch.Generator().manual_seed(7)
    )
    b = ddim_sample(
        eps_model, sched, x_T, S=100, eta=0.0, generator=torch.Generator().manual_seed(8)
    )
    assert torch.equal(a.sample, b.sample)
    assert float(a.sample.mean()) == pytest.approx(-0.5, abs=0.03)
    assert float(a.sample.std()) == pytest.approx(0.8, abs=0.04)
    assert a.xs.shape == (101, 20_000, 1) and a.x0s.shape == (101, 20_000, 1)
    assert list(a.ts[[0, -1]]) == [100, 0]


def test_ddim_timesteps_extremes():
    assert ddim_timesteps(100, 1) == [100]
    assert ddim_timesteps(100, 100) == list(range(100, 0, -1))
    assert ddim_timesteps(10, 500) == list(range(10, 0, -1))
    t = ddim_timesteps(1000, 50)
    assert len(t) == 50 and t[0] == 1000 and t[-1] == 1


def test_guidance_rho0_equals_conditional_model_and_formula():
    torch.manual_seed(0)
    model = UNet(UNetConfig(channels=(8, 16))).eval()
    for p in model.out.parameters():  # the zero-initialised head would make every eps = 0
        torch.nn.init.normal_(p, std=0.1)
    x = torch.randn(4, 1, 28, 28)
    t = torch.tensor([1, 5, 50, 99])
    y = torch.tensor([0, 3, 7, 9])
    with torch.no_grad():
        cond, uncond = model(x, t, y), model(x, t, None)
        assert not torch.allclose(cond, uncond)
        assert torch.allclose(guided_eps(model, x, t, y, 0.0), cond)
        assert torch.allclose(guided_eps(model, x, t, y, 2.5), 3.5 * cond - 2.5 * uncond, atol=1e-5)
        assert torch.allclose(model(x, t, torch.full((4,), -1)), uncond)
    sched = make_schedule("cosine", 20)
    x_T = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    y3 = torch.tensor([1, 2, 3])
    a = sample(model, sched, x_T, "DDIM", S=5, y=y3, rho=0.0, clip_x0=1.0)
    b = sample(lambda xx, tt, yy: model(xx, tt, y3), sched, x_T, "DDIM", S=5, y=None, clip_x0=1.0)
    assert torch.allclose(a.sample, b.sample, atol=1e-6)


def test_unet_shapes_and_unknown_sampler():
    model = UNet(UNetConfig(channels=(8, 16, 16)))
    out = model(torch.randn(2, 1, 28, 28), torch.tensor([1, 2]), torch.tensor([0, -1]))
    assert out.shape == (2, 1, 28, 28)
    with pytest.raises(ValueError, match="unknown sampler"):
        sample(model, make_schedule("linear", 5), torch.randn(1, 1, 28, 28), "Euler")
    with pytest.raises(ValueError, match="eta must be in"):
        ddim_sample(model, make_schedule("linear", 5), torch.randn(1, 1, 28, 28), eta=2.0)
