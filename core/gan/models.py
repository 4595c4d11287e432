"""GAN networks (notes §9): a generator G: R^d -> R^n and a discriminator D: R^n -> [0, 1].

* `MLPGenerator` / `MLPDiscriminator`: small ReLU / LeakyReLU MLPs for 2-D data (the GAN Lab
  setting). The discriminator returns a *logit* ``D_logit(x)``; ``D(x) = sigmoid(D_logit(x))``
  for the log-loss objectives, the raw output is the critic f(x) for WGAN. With PacGAN packing
  ``m`` it sees m samples at once: input dimension ``m * 2``.
* `DCGANGenerator` / `DCGANDiscriminator`: a small DCGAN-style pair for 28x28 MNIST digits
  (Radford et al. 2016: strided (transposed) convolutions, batch norm in G, LeakyReLU in D).

Every constructor takes a frozen config; move the module with ``.to(device)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class MLPConfig:
    """Sizes of the 2-D generator / discriminator pair (GAN Lab-sized defaults)."""

    noise_dim: int = 2  # d: dimension of z ~ N(0, I); 2 lets the page draw the noise grid
    g_width: int = 128  # hidden units per generator layer
    g_depth: int = 3  # hidden layers of G (more depth -> sharper multi-mode maps)
    d_width: int = 128  # hidden units per discriminator layer
    d_depth: int = 3  # hidden layers of D
    data_dim: int = 2  # n: dimension of x
    pack: int = 1  # PacGAN packing m: D judges m samples jointly (1 = ordinary GAN)


def _mlp(
    d_in: int, width: int, depth: int, d_out: int, act: type[nn.Module], **act_kw
) -> nn.Sequential:
    layers: list[nn.Module] = []
    d = d_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), act(**act_kw)]
        d = width
    layers.append(nn.Linear(d, d_out))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """G(z): (B, noise_dim) -> (B, data_dim), ReLU hidden layers, linear output."""

    def __init__(self, cfg: MLPConfig = MLPConfig()):
        super().__init__()
        self.cfg = cfg
        self.net = _mlp(cfg.noise_dim, cfg.g_width, cfg.g_depth, cfg.data_dim, nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, data_dim)


class MLPDiscriminator(nn.Module):
    """D_logit(x): (B, pack * data_dim) -> (B,), LeakyReLU(0.2) hidden layers.

    ``forward`` accepts either packed input (B, pack*data_dim) or, for pack = 1, (B, data_dim).
    `packed` groups a batch of single samples (B*m, data_dim) into (B, m*data_dim).
    """

    def __init__(self, cfg: MLPConfig = MLPConfig()):
        super().__init__()
        self.cfg = cfg
        self.net = _mlp(
            cfg.pack * cfg.data_dim, cfg.d_width, cfg.d_depth, 1, nn.LeakyReLU, negative_slope=0.2
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)  # (B,) logit / critic value

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """(B*m, n) -> (B, m*n): PacGAN's packing of m consecutive samples."""
        m = self.cfg.pack
        b = x.shape[0] // m
        return x[: b * m].reshape(b, m * x.shape[1])

    def score_points(self, x: torch.Tensor) -> torch.Tensor:
        """D_logit at single points (B, n): with packing, each point is repeated m times."""
        m = self.cfg.pack
        return self.net(x.repeat(1, m)).squeeze(-1) if m > 1 else self.forward(x)


# ------------------------------------------------------------------------- MNIST DCGAN
@dataclass(frozen=True)
class DCGANConfig:
    """A small DCGAN for 28x28 digits, sized to train on a 2-core CPU in ~20 minutes."""

    noise_dim: int = 64  # d: z ~ N(0, I_d)
    g_channels: int = 64  # channels at 14x14 in G (2x this at 7x7)
    d_channels: int = 32  # channels at 14x14 in D (2x this at 7x7)
    steps: int = 4000  # generator steps (one D step each), batch_size samples per step
    batch_size: int = 64
    lr_g: float = 2e-4  # Adam(beta1 = 0.5), the DCGAN recipe
    lr_d: float = 2e-4
    beta1: float = 0.5
    r1_gamma: float = 0.0  # R1 penalty weight on real digits (0 = off)


class DCGANGenerator(nn.Module):
    """z (B, d) -> Linear -> (B, 2c, 7, 7) -> ConvT -> (B, c, 14, 14) -> ConvT -> (B, 1, 28, 28).

    Outputs lie in [0, 1].
    """

    def __init__(self, cfg: DCGANConfig = DCGANConfig()):
        super().__init__()
        self.cfg = cfg
        c = cfg.g_channels
        self.project = nn.Sequential(
            nn.Linear(cfg.noise_dim, 2 * c * 49, bias=False), nn.BatchNorm1d(2 * c * 49), nn.ReLU()
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(),  # (B, c, 14, 14)
            nn.ConvTranspose2d(c, 1, 4, 2, 1),
            nn.Sigmoid(),  # (B, 1, 28, 28)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(z.shape[0], 2 * self.cfg.g_channels, 7, 7)  # (B, 2c, 7, 7)
        return self.up(h)


class DCGANDiscriminator(nn.Module):
    """x (B, 1, 28, 28) -> Conv s2 -> (B, c, 14, 14) -> Conv s2 -> (B, 2c, 7, 7) -> logit (B,)."""

    def __init__(self, cfg: DCGANConfig = DCGANConfig()):
        super().__init__()
        c = cfg.d_channels
        self.net = nn.Sequential(
            nn.Conv2d(1, c, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (B, c, 14, 14)
            nn.Conv2d(c, 2 * c, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (B, 2c, 7, 7)
            nn.Flatten(),
            nn.Linear(2 * c * 49, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 - 1).squeeze(-1)  # pixels to [-1, 1]; (B,) logit
