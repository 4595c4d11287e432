"""The VAE objective of notes §6.3–6.4, in nats per image.

ELBO(x) = E_{z~q_phi(z|x)}[log p_psi(x|z)] - D_KL(q_phi(z|x) || p(z))          (§6.3)
β-ELBO(x) = E_{z~q_phi(z|x)}[log p_psi(x|z)] - β D_KL(q_phi(z|x) || p(z))      (§6.4)

* Reconstruction: p_psi(x|z) is a product of 784 Bernoullis with means sigmoid(logits), so
  -log p_psi(x|z) = sum_pixels BCE(x, sigmoid(logits)) (grey levels in [0, 1] as targets, as
  pytorch/examples/vae does).
* KL, closed form for q = N(mu, diag(sigma^2)) and p = N(0, I), per latent dimension j:
  D_KL,j = 1/2 (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1)
* Monte-Carlo KL: E_q[log q(z|x) - log p(z)] estimated with z = mu + sigma ⊙ eps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p_psi(x|z) per image in nats: the sum over pixels of BCE.

    logits, x (B, 1, 28, 28) -> (B,).
    """
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none")  # (B, 1, 28, 28)
    return bce.flatten(1).sum(1)


def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """D_KL(N(mu, sigma^2) || N(0, 1)) per dimension, (B, d).

    1/2 (mu^2 + sigma^2 - log sigma^2 - 1)
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Closed-form D_KL(q_phi(z|x) || p(z)) per image, summed over dimensions. (B,)."""
    return kl_per_dim(mu, logvar).sum(1)


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(-1)


def kl_monte_carlo(
    mu: torch.Tensor, logvar: torch.Tensor, n_samples: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """E_q[log q(z|x) - log p(z)] from n_samples draws z = mu + sigma ⊙ eps. (B,)."""
    eps = torch.randn(n_samples, *mu.shape, generator=generator, dtype=mu.dtype)  # (S, B, d)
    z = mu + torch.exp(0.5 * logvar) * eps.to(mu.device)  # (S, B, d)
    log_q = log_normal(z, mu, logvar)  # (S, B)
    log_p = log_normal(z, torch.zeros_like(z), torch.zeros_like(z))  # (S, B)
    return (log_q - log_p).mean(0)


def beta_elbo_loss(
    logits: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor | None,
    beta: float = 1.0,
) -> dict[str, torch.Tensor]:
    """Minibatch loss -β-ELBO = recon + β KL (means over the batch, nats/image).

    For a deterministic AE (``logvar`` None) the loss is the reconstruction term only (§6.2,
    with the Bernoulli likelihood instead of squared error).
    """
    recon = bernoulli_nll(logits, x).mean()
    if logvar is None:
        kl = torch.zeros((), device=x.device)
    else:
        kl = kl_divergence(mu, logvar).mean()
    return {"loss": recon + beta * kl, "recon": recon, "kl": kl}


@torch.inference_mode()
def evaluate(
    model, x: torch.Tensor, n_eps: int = 8, seed: int = 0, batch: int = 500
) -> dict[str, float]:
    """Held-out numbers in nats/image, averaged over images and ``n_eps`` draws of eps.

    recon = E_q[-log p(x|z)], kl = D_KL(q||p) (closed form), neg_elbo = recon + kl,
    plus ``kl_per_dim`` (list, mean over images) for the active-units view. A deterministic AE
    reports recon at z = f(x) and no KL.
    """
    dev = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    recon_sum, kl_sum, n = 0.0, 0.0, 0
    kl_dims = torch.zeros(model.latent_dim, dtype=torch.float64)
    for i in range(0, len(x), batch):
        xb = x[i : i + batch].to(dev)
        mu, logvar = model.encode(xb)
        if logvar is None:
            recon_sum += bernoulli_nll(model.decode_logits(mu), xb).sum().item()
        else:
            for _ in range(n_eps):
                eps = torch.randn(mu.shape, generator=g).to(dev)
                z = mu + torch.exp(0.5 * logvar) * eps  # z = mu + sigma ⊙ eps
                recon_sum += bernoulli_nll(model.decode_logits(z), xb).sum().item() / n_eps
            kd = kl_per_dim(mu, logvar)
            kl_sum += kd.sum().item()
            kl_dims += kd.double().sum(0).cpu()
        n += len(xb)
    out = {"recon": recon_sum / n}
    if model.variational:
        out.update(
            kl=kl_sum / n, neg_elbo=(recon_sum + kl_sum) / n, kl_per_dim=(kl_dims / n).tolist()
        )
    return out
