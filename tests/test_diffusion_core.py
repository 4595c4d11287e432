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
    # alpha_t = 1 - beta_t and alpha_bar_t = exp(sum_{s<=t} log(1 - beta_s)), summed in Python
    # floats (not a cumulative product), with alpha_bar_0 = 1 in alpha_bar_prev
    log_ab, ab = 0.0, []
    for b in s.betas.tolist():
        log_ab += math.log1p(-b)
        ab.append(math.exp(log_ab))
    assert s.alphas.tolist() == pytest.approx([1 - b for b in s.betas.tolist()], rel=1e-15)
    assert s.alpha_bar.tolist() == pytest.approx(ab, rel=1e-10)
    assert s.alpha_bar_prev.tolist() == pytest.approx([1.0] + ab[:-1], rel=1e-10)
    assert s.snr.tolist() == pytest.approx([a / (1 - a) for a in ab], rel=1e-9)
    assert torch.all(s.snr[1:] < s.snr[:-1])
    if T >= 100:
        assert s.alpha_bar[-1] < 0.01  # x_T is (nearly) pure noise


@pytest.mark.parametrize("T", [1, 2, 10, 100, 1000])
def test_cosine_schedule_matches_its_closed_form(T):
    """Nichol & Dhariwal 2021, eq. 17: alpha_bar(t) = f(t)/f(0), f(t) = cos^2(((t/T + s)/(1 + s))
    pi/2), s = 0.008; beta_t = 1 - alpha_bar(t)/alpha_bar(t-1) clipped at 0.999 (the last step,
    where f(T) = 0, is the only one clipped, so alpha_bar_T = 0.001 alpha_bar_{T-1}). Detects a
    shifted t (t-1 vs t), a missing square, s dropped, or the clip at the wrong value."""
    s_off = 0.008

    def f(t):
        return math.cos((t / T + s_off) / (1 + s_off) * math.pi / 2) ** 2

    sched = make_schedule("cosine", T)
    ab = sched.alpha_bar.tolist()
    for t in range(1, T):  # unclipped steps: the closed form exactly
        assert ab[t - 1] == pytest.approx(f(t) / f(0), rel=1e-12), t
        assert float(sched.betas[t - 1]) == pytest.approx(1 - f(t) / f(t - 1), rel=1e-12)
    assert 1 - f(T) / f(T - 1) > 0.999 and float(sched.betas[-1]) == 0.999
    assert ab[-1] == pytest.approx(0.001 * (ab[-2] if T > 1 else 1.0), rel=1e-12)


def test_linear_and_quadratic_schedules_match_ho_et_al():
    """Ho et al. 2020: beta_t linear from 1e-4 to 0.02 over T = 1000, which gives the well-known
    alpha_bar_1000 = 4.04e-5 (sqrt = 0.0064); other T scale the betas by 1000/T. Quadratic:
    sqrt(beta_t) linear between the same end points."""
    lin = make_schedule("linear", 1000)
    ref = [1e-4 + (t - 1) * (0.02 - 1e-4) / 999 for t in range(1, 1001)]
    assert lin.betas.tolist() == pytest.approx(ref, rel=1e-12)
    assert float(lin.alpha_bar[-1]) == pytest.approx(4.04e-5, rel=0.01)
    lin100 = make_schedule("linear", 100).betas.tolist()
    assert lin100 == pytest.approx([1e-3 + (t - 1) * (0.2 - 1e-3) / 99 for t in range(1, 101)])
    quad = make_schedule("quadratic", 50).betas.tolist()
    lo, hi = math.sqrt(1e-4 * 20), math.sqrt(0.02 * 20)
    assert quad == pytest.approx([(lo + k * (hi - lo) / 49) ** 2 for k in range(50)], rel=1e-12)


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
            # the sample variance's relative SE is sqrt(2 / N) = 0.007: 5 SE
            assert torch.allclose(x.var(0), torch.full((4,), var), rtol=5 * math.sqrt(2 / len(x0)))
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


def _overshooting_eps_model(sched):
    """An eps-model whose x0_hat = (x_t - sqrt(1 - ab) eps)/sqrt(ab) = 2.5 tanh(x_t) + 0.3 t/T
    leaves [-1, 1] for most x_t, so the clipped path is exercised at every step (float64 inputs:
    x0_hat divides by sqrt(alpha_bar_T) ~ 1e-3)."""

    def eps_model(x, t, y=None):
        ab = sched.alpha_bar.to(x.dtype)[t - 1].reshape(-1, *([1] * (x.ndim - 1)))
        x0 = 2.5 * torch.tanh(x) + 0.3 * t.reshape(ab.shape).to(x.dtype) / sched.T
        return (x - ab.sqrt() * x0) / (1 - ab).sqrt()

    return eps_model


def test_ddim_clipped_x0_eta0_vs_equation_written_out():
    """DDIM (Song et al. 2021, eq. 12) with eta = 0 on S < T steps and x0_hat clipped to [-1, 1]:
    x_prev = sqrt(ab_prev) clip(x0_hat) + sqrt(1 - ab_prev) eps', where eps' = (x_t - sqrt(ab)
    clip(x0_hat)) / sqrt(1 - ab) is the noise consistent with the clipped x0_hat, stepped here by
    hand in float64. Detects eps' not recomputed, ab/ab_prev off by one step of tau, or clipping
    x_t instead of x0_hat."""
    sched = make_schedule("cosine", 40)
    model = _overshooting_eps_model(sched)
    x_T = torch.randn(64, 3, generator=torch.Generator().manual_seed(11), dtype=torch.float64)
    traj = ddim_sample(model, sched, x_T, S=7, eta=0.0, clip_x0=1.0)
    taus = ddim_timesteps(40, 7)
    ab_of = [1.0] + sched.alpha_bar.tolist()  # ab_of[t] = alpha_bar_t, alpha_bar_0 = 1
    x, clipped = x_T.clone(), 0
    for i, t in enumerate(taus):
        t_prev = taus[i + 1] if i + 1 < len(taus) else 0
        ab, ab_prev = ab_of[t], ab_of[t_prev]
        x0 = 2.5 * torch.tanh(x) + 0.3 * t / 40  # the model's x0_hat
        clipped += int((x0.abs() > 1).sum())
        x0 = x0.clamp(-1, 1)
        eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
        x = math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * eps
        assert torch.allclose(traj.x0s[i].double(), x0, atol=1e-5), t
        assert torch.allclose(traj.xs[i + 1].double(), x, atol=1e-4), t
    assert clipped > 64 and list(traj.ts) == taus + [0]
    assert traj.sample.abs().max() <= 1 + 1e-6  # the last step returns clip(x0_hat)


def test_ddim_clipped_eta1_full_steps_equals_clipped_ddpm_step_for_step():
    """With x0_hat clipped, DDIM(eta = 1, S = T) is DDPM whose mean is the posterior mean
    mu_q(x_t, clip(x0_hat)) (tested above against the product of Gaussians) with
    sigma^2 = beta_tilde: on the same noise the two paths agree at every step. An independent
    reference for DDIM's clipped path (a different formula for the same step)."""
    sched = make_schedule("linear", 30)
    model = _overshooting_eps_model(sched)
    x_T = torch.randn(256, 2, generator=torch.Generator().manual_seed(12), dtype=torch.float64)
    a = ddpm_sample(model, sched, x_T, generator=torch.Generator().manual_seed(13), clip_x0=1.0)
    b = ddim_sample(
        model, sched, x_T, S=30, eta=1.0, generator=torch.Generator().manual_seed(13), clip_x0=1.0
    )
    assert torch.allclose(a.x0s, b.x0s, atol=1e-5)
    assert torch.allclose(a.xs, b.xs, atol=1e-4)
    assert (a.x0s[:-1].abs() > 1 - 1e-6).float().mean() > 0.2  # clipping was active


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
