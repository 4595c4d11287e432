"""The variational RNN (§7.6): its KL against torch.distributions, its ELBO below the exact log p
(quadrature on a 2-step, 1-latent case) and its importance-sampled estimate converging to it,
the plain RNN's exact likelihood, the rollouts, and the shipped manifest reproducing."""

import math

import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from core.autoregressive.vrnn import (
    EVAL_SEED,
    N_TEST,
    VRNN,
    GaussianRNN,
    VRNNConfig,
    gaussian_kl,
    gaussian_log_prob,
    sequences,
)
from core.pretrained import manifest_path

torch.set_num_threads(1)


def _random_gaussians(shape, seed):
    g = torch.Generator().manual_seed(seed)
    mu_q, mu_p = torch.randn(shape, generator=g), torch.randn(shape, generator=g)
    s_q, s_p = torch.rand(shape, generator=g) * 2 + 0.05, torch.rand(shape, generator=g) * 2 + 0.05
    return mu_q.double(), s_q.double(), mu_p.double(), s_p.double()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kl_matches_torch_distributions(seed):
    mu_q, s_q, mu_p, s_p = _random_gaussians((64, 5), seed)
    ref = kl_divergence(Independent(Normal(mu_q, s_q), 1), Independent(Normal(mu_p, s_p), 1))
    assert torch.allclose(gaussian_kl(mu_q, s_q, mu_p, s_p), ref, atol=1e-12)
    assert torch.allclose(gaussian_kl(mu_q, s_q, mu_q, s_q), torch.zeros(64, dtype=torch.float64))


def test_gaussian_log_prob_matches_torch():
    mu, s, x, _ = _random_gaussians((32, 3), 5)
    ref = Independent(Normal(mu, s), 1).log_prob(x)
    assert torch.allclose(gaussian_log_prob(x, mu, s), ref, atol=1e-12)


def _tiny_vrnn(seed: int = 0) -> VRNN:
    torch.manual_seed(seed)
    model = VRNN(VRNNConfig(z_dim=1, h_dim=6, feat=8)).double()
    with torch.no_grad():  # z_1 moves h^(1) visibly: a recurrence that drops z is caught
        for p in [*model.phi_z.parameters(), *model.rnn.parameters()]:
            p.mul_(3.0)
    return model


@torch.no_grad()
def _log_p_by_quadrature(model: VRNN, x: torch.Tensor, m: int = 801) -> float:
    """log p(x_1, x_2) = log ∫∫ p(z1|h0) p(x1|z1,h0) p(z2|h1) p(x2|z2,h1) dz1 dz2 on a grid.

    Each z_t is written mu_0 + sigma_0 u with u on [-8, 8]: the prior becomes N(u; 0, 1)."""
    u = torch.linspace(-8, 8, m, dtype=torch.float64)[:, None]  # (m, 1)
    du = float(u[1] - u[0])
    log_nu = Normal(0.0, 1.0).log_prob(u[:, 0]).double()  # (m,)
    h0 = torch.zeros(1, model.cfg.h_dim, dtype=torch.float64)
    mu0, s0 = model.phi_prior(h0)
    z1 = mu0 + s0 * u  # (m, 1)
    fz1 = model.phi_z(z1)
    h0m = h0.expand(m, -1)
    mux, sx = model.phi_dec(torch.cat([fz1, h0m], -1))
    lp1 = gaussian_log_prob(x[0].expand(m, 1), mux, sx)  # (m,): log p(x1 | z1)
    fx1 = model.phi_x(x[0][None]).expand(m, -1)
    h1 = model.rnn(torch.cat([fx1, fz1], -1), h0m)  # (m, h): h^(1) for every z1
    mu1, s1 = model.phi_prior(h1)  # (m, 1)
    z2 = mu1[:, None, :] + s1[:, None, :] * u[None]  # (m, m, 1): [z1 index, z2 index]
    fz2 = model.phi_z(z2)
    h1m = h1[:, None, :].expand(-1, m, -1)
    mux2, sx2 = model.phi_dec(torch.cat([fz2, h1m], -1))
    lp2 = gaussian_log_prob(x[1].expand(m, m, 1), mux2, sx2)  # (m, m)
    inner = torch.logsumexp(log_nu[None] + lp2, 1) + math.log(du)  # log p(x2 | z1, x1)
    return float(torch.logsumexp(log_nu + lp1 + inner, 0) + math.log(du))


@pytest.mark.parametrize("seed", [1, 3])
def test_elbo_below_exact_log_p_and_importance_sampling_converges(seed):
    model = _tiny_vrnn(seed)
    x = torch.tensor([[0.7], [-0.4]], dtype=torch.float64)  # (T = 2, x_dim = 1)
    log_p = _log_p_by_quadrature(model, x)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        elbo = model.elbo(x[None].expand(20_000, -1, -1), g)  # 20,000 draws of z ~ q
        iwae = model.log_prob_is(x[None], 20_000, g)
    se = float(elbo.std()) / math.sqrt(len(elbo))
    assert float(elbo.mean()) < log_p - 10 * se  # a real gap: q is not the posterior
    assert abs(float(iwae) - log_p) < 0.03, (float(iwae), log_p)
    assert float(iwae) > float(elbo.mean())


def test_kl_per_step_is_the_elbo_gap_accounting():
    """ELBO = Σ_t recon_t − kl_t, and E_q[log_w] equals it (the KL is exact, not sampled)."""
    model = _tiny_vrnn(1)
    x = sequences(4, 16, 3).double()
    with torch.no_grad():
        s = model.steps(x.repeat(2000, 1, 1), torch.Generator().manual_seed(0))
    assert (s["kl"] >= 0).all()
    a = (s["recon"] - s["kl"]).sum(1).mean()
    b = s["log_w"].sum(1).mean()  # Monte Carlo of the same expectation
    assert abs(float(a - b)) < 0.05 * abs(float(a)) + 0.05


def test_plain_rnn_log_prob_equals_its_step_by_step_rollout():
    torch.manual_seed(0)
    rnn = GaussianRNN(VRNNConfig(h_dim=8, feat=8)).double()
    x = sequences(3, 20, 4).double()
    lp = rnn.step_log_prob(x)  # (3, 20)
    h = torch.zeros(1, 3, 8, dtype=torch.float64)
    for t in range(20):  # the same numbers from the cell, one step at a time
        mu, s = rnn.phi_dec(h[0])
        assert torch.allclose(lp[:, t], gaussian_log_prob(x[:, t], mu, s), atol=1e-10)
        _, h = rnn.rnn(rnn.phi_x(x[:, t])[:, None], h)
    r1, r2 = rnn.rollout(x[:, :5], 20), rnn.rollout(x[:, :5], 20)
    assert torch.equal(r1, r2) and torch.equal(r1[:, :5], x[:, :5])  # deterministic, prompt kept


def test_vrnn_samples_keep_the_prompt_and_differ():
    model = _tiny_vrnn(2).float()
    prompt = sequences(1, 10, 5)
    s = model.sample(4, 30, torch.Generator().manual_seed(0), prompt=prompt)
    assert s.shape == (4, 30, 1) and torch.equal(s[:, :10], prompt.expand(4, -1, -1))
    assert (s[0, 10:] - s[1, 10:]).abs().max() > 1e-3  # randomness from z_t ~ prior


def test_vrnn_manifest_reproduces():
    if not manifest_path("ar_vrnn").exists():
        pytest.skip("ar_vrnn not trained")
    from core.pretrained import load

    pair, m = load("ar_vrnn")
    x = sequences(N_TEST, pair.cfg.length, 2)
    with torch.no_grad():
        s = pair.vrnn.steps(x, torch.Generator().manual_seed(EVAL_SEED))
        rnn = float(pair.rnn.step_log_prob(x).mean())
    mm, T = m["metrics"], pair.cfg.length
    assert abs(float((s["recon"] - s["kl"]).sum(1).mean()) / T - mm["test_elbo_per_step"]) < 1e-5
    assert abs(float(s["kl"].mean()) - mm["test_kl_per_step"]) < 1e-5
    assert abs(rnn - mm["rnn_test_log_prob_per_step"]) < 1e-5
    k = pair.cfg.iw_samples
    assert mm[f"test_iwae{k}_per_step"] >= mm["test_elbo_per_step"]  # IWAE_K >= ELBO
