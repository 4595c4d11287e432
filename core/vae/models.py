"""Autoencoders of notes §6: linear AE (§6.1), non-linear AE (§6.2), VAE (§6.3) and β-VAE (§6.4).

All models share one small interface so a page can swap them:

* ``embed(x) -> z``            the code of an image: f(x) for an AE, the posterior mean mu_phi(x)
                               for a VAE; x is (B, 1, 28, 28) in [0, 1], z is (B, latent_dim);
* ``decode(z) -> x_hat``       images (B, 1, 28, 28) in [0, 1] (Bernoulli means for a VAE);
* ``forward(x)``               what the objective needs (see each class).

The VAE's encoder outputs q_phi(z|x) = N(mu, diag(sigma^2)) through ``mu_head`` and
``logvar_head`` (log sigma^2); sampling uses the reparameterisation z = mu + sigma ⊙ eps with
eps ~ N(0, I), so gradients flow to mu and sigma (notes §6.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

IMAGE_SHAPE = (1, 28, 28)
N_PIXELS = 784


@dataclass(frozen=True)
class LinearAEConfig:
    """Linear autoencoder g(f(x)) = W_dec (W_enc x + b_enc) + b_dec trained on squared error."""

    latent_dim: int = 6  # k: compared with the top-k PCs (lambda_6 / lambda_7 = 1.32: a clear gap)
    steps: int = 3000  # full-batch Adam steps (the subspace settles to < 0.1° by ~2,500)
    lr: float = 1e-2  # Adam, cosine-decayed to 0


@dataclass(frozen=True)
class AEConfig:
    """MLP (variational) autoencoder on 784 pixels with a Bernoulli decoder."""

    latent_dim: int = 16  # dim(Z): 2 for the map, 16 for sampling / β-VAE
    hidden: tuple[int, ...] = (512, 256)  # encoder widths; the decoder mirrors them
    variational: bool = True  # False: deterministic AE (§6.2); True: VAE (§6.3)
    beta: float = 1.0  # weight of the KL term: 1 is the ELBO, others β-VAE (§6.4)
    epochs: int = 40  # passes over the 4,500 training digits
    batch_size: int = 128  # as pytorch/examples/vae
    lr: float = 1e-3  # Adam, as pytorch/examples/vae
    activation: str = "relu"  # hidden non-linearity: "relu" | "elu" | "tanh"
    weight_decay: float = 0.0  # AdamW decoupled weight decay (regularises on 4,500 digits)


ACTIVATIONS = {"relu": nn.ReLU, "elu": nn.ELU, "tanh": nn.Tanh}


def _mlp(widths: list[int], activation: str) -> nn.Sequential:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation: {activation!r}; choose from {', '.join(ACTIVATIONS)}"
        )
    layers: list[nn.Module] = []
    for a, b in zip(widths[:-1], widths[1:], strict=False):
        layers += [nn.Linear(a, b), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers)


class LinearAE(nn.Module):
    """f(x) = W_enc x + b_enc, g(z) = W_dec z + b_dec (notes §6.1); same subspace as PCA."""

    def __init__(self, cfg: LinearAEConfig = LinearAEConfig()):
        super().__init__()
        self.cfg = cfg
        self.encoder = nn.Linear(N_PIXELS, cfg.latent_dim)
        self.decoder = nn.Linear(cfg.latent_dim, N_PIXELS)

    @property
    def latent_dim(self) -> int:
        return self.cfg.latent_dim

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.reshape(len(x), N_PIXELS))  # (B, k)

    def decode_raw(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).reshape(len(z), *IMAGE_SHAPE)  # (B, 1, 28, 28), unclipped

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode_raw(z).clamp(0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode_raw(self.embed(x))  # x_hat = g(f(x))


class MLPAutoencoder(nn.Module):
    """Encoder 784 -> hidden -> (mu_head, logvar_head) or a code; decoder mirrors it -> 784 logits.

    ``cfg.variational=False`` is the deterministic AE of §6.2 (only ``mu_head`` is used: z = f(x)).
    ``forward(x, eps)`` returns ``(logits, mu, logvar)``; for the AE ``logvar`` is None and z = mu.
    """

    def __init__(self, cfg: AEConfig = AEConfig()):
        super().__init__()
        self.cfg = cfg
        widths = [N_PIXELS, *cfg.hidden]
        self.encoder = _mlp(widths, cfg.activation)  # (B, 784) -> (B, h)
        self.mu_head = nn.Linear(widths[-1], cfg.latent_dim)  # mu_phi(x)
        self.logvar_head = (
            nn.Linear(widths[-1], cfg.latent_dim)  # log sigma_phi^2(x)
            if cfg.variational
            else None
        )
        self.decoder = _mlp([cfg.latent_dim, *reversed(cfg.hidden)], cfg.activation)
        self.logits_head = nn.Linear(cfg.hidden[0] if cfg.hidden else cfg.latent_dim, N_PIXELS)
        # Gaussian fitted to the training codes after training (mean, Cholesky factor): what a
        # deterministic AE is sampled from, since it has no prior (see registry.fit_code_gaussian)
        self.register_buffer("code_mean", torch.zeros(cfg.latent_dim))
        self.register_buffer("code_chol", torch.eye(cfg.latent_dim))

    @property
    def latent_dim(self) -> int:
        return self.cfg.latent_dim

    @property
    def variational(self) -> bool:
        return self.cfg.variational

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """q_phi(z|x): (mu, logvar), each (B, latent_dim); logvar is None for the plain AE."""
        h = self.encoder(x.reshape(len(x), N_PIXELS))
        mu = self.mu_head(h)
        logvar = self.logvar_head(h).clamp(-12.0, 8.0) if self.logvar_head is not None else None
        return mu, logvar

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x)[0]

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of p_psi(x|z), (B, 1, 28, 28)."""
        return self.logits_head(self.decoder(z)).reshape(len(z), *IMAGE_SHAPE)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z))  # E[x|z] in [0, 1]

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None):
        mu, logvar = self.encode(x)
        if logvar is None:
            return self.decode_logits(mu), mu, None
        if eps is None:
            eps = torch.randn_like(mu)
        z = reparameterise(mu, logvar, eps)
        return self.decode_logits(z), mu, logvar


def reparameterise(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma ⊙ eps with sigma = exp(logvar / 2) and eps ~ N(0, I) (notes §6.3)."""
    sigma = torch.exp(0.5 * logvar)
    return mu + sigma * eps


def build_linear(cfg: LinearAEConfig) -> LinearAE:
    return LinearAE(cfg)


def build_mlp(cfg: AEConfig) -> MLPAutoencoder:
    return MLPAutoencoder(cfg)


@torch.inference_mode()
def sample_prior(
    model: MLPAutoencoder,
    n: int,
    seed: int,
    temperature: float = 1.0,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """x = g(z), z ~ N(0, temperature^2 I), seeded (same seed -> same samples): (n, 1, 28, 28)."""
    dev = device or next(model.parameters()).device
    g = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n, model.latent_dim, generator=g) * temperature  # (n, d), drawn on the CPU
    return model.decode(z.to(dev)).cpu()
