"""§6.3 objective pieces vs references: torch.distributions, Monte-Carlo, scipy, sklearn."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Normal, kl_divergence

from core.vae.interpolation import lerp, path, pixel_blend, slerp
from core.vae.models import AEConfig, MLPAutoencoder, reparameterise, sample_prior
from core.vae.objectives import (
    bernoulli_nll,
    beta_elbo_loss,
    kl_monte_carlo,
    kl_per_dim,
)
from core.vae.objectives import (
    kl_divergence as kl_closed,
)
from core.vae.pca import fit_pca, pca_reconstruct, principal_angles, squared_error


def _posterior(b=6, d=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(b, d, generator=g, dtype=torch.float64) * 1.5
    logvar = torch.randn(b, d, generator=g, dtype=torch.float64) - 0.5
    return mu, logvar


def test_kl_per_dim_matches_torch_distributions():
    mu, logvar = _posterior()
    ref = kl_divergence(
        Normal(mu, torch.exp(0.5 * logvar)), Normal(torch.zeros_like(mu), torch.ones_like(mu))
    )
    torch.testing.assert_close(kl_per_dim(mu, logvar), ref)
    torch.testing.assert_close(kl_closed(mu, logvar), ref.sum(1))


def test_kl_closed_form_equals_monte_carlo():
    mu, logvar = _posterior()
    n = 200_000
    mc = kl_monte_carlo(mu, logvar, n, torch.Generator().manual_seed(1))
    closed = kl_closed(mu, logvar)
    # the MC estimator of KL(q||p) has variance Var_q[log q - log p]; 5 standard errors
    eps = torch.randn(4000, *mu.shape, generator=torch.Generator().manual_seed(2), dtype=mu.dtype)
    z = mu + torch.exp(0.5 * logvar) * eps
    log_ratio = (
        Normal(mu, torch.exp(0.5 * logvar)).log_prob(z) - Normal(0.0, 1.0).log_prob(z)
    ).sum(-1)
    se = log_ratio.std(0) / np.sqrt(n)
    assert torch.all((mc - closed).abs() < 5 * se + 1e-9), (mc, closed, se)


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    z = torch.zeros(3, 4)
    assert torch.allclose(kl_closed(z, z), torch.zeros(3))
    mu, logvar = _posterior()
    assert torch.all(kl_per_dim(mu, logvar) > 0)


def test_bernoulli_nll_matches_distribution_and_bce():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 1, 28, 28, generator=g, dtype=torch.float64) * 3
    x_bin = (torch.rand(4, 1, 28, 28, generator=g, dtype=torch.float64) > 0.7).double()
    ref = -Bernoulli(logits=logits).log_prob(x_bin).flatten(1).sum(1)
    torch.testing.assert_close(bernoulli_nll(logits, x_bin), ref)
    x_grey = torch.rand(4, 1, 28, 28, generator=g, dtype=torch.float64)  # grey levels as targets
    ref2 = F.binary_cross_entropy(torch.sigmoid(logits), x_grey, reduction="none").flatten(1).sum(1)
    torch.testing.assert_close(bernoulli_nll(logits, x_grey), ref2)


def test_beta_elbo_weights_only_the_kl():
    g = torch.Generator().manual_seed(0)
    logits, x = torch.randn(3, 1, 28, 28, generator=g), torch.rand(3, 1, 28, 28, generator=g)
    mu, logvar = _posterior(3, 4)
    a = beta_elbo_loss(logits, x, mu.float(), logvar.float(), beta=1.0)
    b = beta_elbo_loss(logits, x, mu.float(), logvar.float(), beta=4.0)
    torch.testing.assert_close(b["recon"], a["recon"])
    torch.testing.assert_close(b["loss"] - a["loss"], 3.0 * a["kl"])


def test_reparameterisation_moments_and_gradients():
    mu = torch.tensor([1.0, -2.0], requires_grad=True)
    logvar = torch.tensor([0.0, float(np.log(0.25))], requires_grad=True)
    eps = torch.randn(100_000, 2, generator=torch.Generator().manual_seed(0))
    z = reparameterise(mu, logvar, eps)  # z = mu + sigma ⊙ eps
    sigma = torch.tensor([1.0, 0.5])
    torch.testing.assert_close(z, mu.detach() + sigma * eps)  # the equation, sample by sample
    # moments: SE of the mean sigma/316 <= 0.0032, of the std sigma/447 <= 0.0022; 0.015 is > 4.5
    # SE and fails sigma = exp(logvar) (std 0.25 instead of 0.5)
    torch.testing.assert_close(z.mean(0), mu.detach(), atol=0.015, rtol=0)
    torch.testing.assert_close(z.std(0), sigma, atol=0.015, rtol=0)
    z.sum().backward()  # d z / d mu = 1
    torch.testing.assert_close(mu.grad, torch.full((2,), 100_000.0))
    # d z / d logvar = 1/2 sigma eps (d sigma / d logvar = sigma / 2)
    torch.testing.assert_close(logvar.grad, 0.5 * sigma * eps.sum(0))


def test_same_seed_same_samples_different_seed_different():
    torch.manual_seed(0)
    model = MLPAutoencoder(AEConfig(latent_dim=4, hidden=(32,))).eval()
    a, b = sample_prior(model, 8, seed=3), sample_prior(model, 8, seed=3)
    c = sample_prior(model, 8, seed=4)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    assert a.shape == (8, 1, 28, 28) and 0 <= a.min() and a.max() <= 1


def test_interpolation_paths():
    z0, z1 = torch.tensor([3.0, 0.0]), torch.tensor([0.0, 3.0])
    lin = path(z0, z1, 5, "linear")
    sph = path(z0, z1, 5, "spherical")
    torch.testing.assert_close(lin[0], z0)
    torch.testing.assert_close(sph[-1], z1)
    torch.testing.assert_close(lin[2], torch.tensor([1.5, 1.5]))
    torch.testing.assert_close(sph.norm(dim=1), torch.full((5,), 3.0))  # slerp keeps the norm
    assert lin[2].norm() < 2.2  # lerp cuts the corner
    torch.testing.assert_close(
        slerp(z0, 2 * z0, torch.tensor([0.5])), lerp(z0, 2 * z0, torch.tensor([0.5]))
    )
    with pytest.raises(ValueError, match="unknown interpolation path"):
        path(z0, z1, 5, "cubic")
    blend = pixel_blend(np.zeros((2, 2)), np.ones((2, 2)), 3)
    np.testing.assert_allclose(blend[:, 0, 0], [0, 0.5, 1])


def test_principal_angles_match_scipy():
    from scipy.linalg import subspace_angles

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 4)), rng.normal(size=(50, 4))
    b_close = a @ rng.normal(size=(4, 4)) + 1e-3 * rng.normal(size=(50, 4))
    np.testing.assert_allclose(
        principal_angles(a, b), np.sort(np.degrees(subspace_angles(a, b))), atol=1e-8
    )
    np.testing.assert_allclose(
        principal_angles(a, b_close), np.sort(np.degrees(subspace_angles(a, b_close))), atol=1e-6
    )
    assert principal_angles(a, b_close).max() < 0.5


def test_pca_matches_sklearn():
    from sklearn.decomposition import PCA as SkPCA

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 20)) @ rng.normal(size=(20, 20))
    p = fit_pca(x, 5)
    sk = SkPCA(5).fit(x)
    np.testing.assert_allclose(p.explained_variance, sk.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(
        pca_reconstruct(p, x), sk.inverse_transform(sk.transform(x)), atol=1e-8
    )
    assert principal_angles(p.components.T, sk.components_.T).max() < 1e-5
    assert squared_error(x, pca_reconstruct(p, x)) < squared_error(x, np.tile(x.mean(0), (300, 1)))
