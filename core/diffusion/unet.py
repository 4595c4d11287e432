"""A small class-conditional U-Net eps-model for 28x28 digits (notes §10.3: "Typically eps_theta is
implemented as a U-net that is shared across timesteps"; §10.4 conditioning with a null class).

    eps_hat = UNet(x_t, t, y)      x_t: (B, 1, 28, 28) in data scale [-1, 1]
                                   t:   (B,) long in 1..T
                                   y:   (B,) long in 0..9, -1 = null, or None = all null

Timestep: sinusoidal embedding -> MLP; class: an embedding table with one extra row for the null
class (label dropout during training lets one network be both eps(x, y; t) and eps(x; t)).
Their sum modulates every residual block (added after the first conv).

Resolutions 28 -> 14 -> 7 with channels ``channels``; skip connections concatenate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal embedding (B,) -> (B, dim).

    [cos(t w_k), sin(t w_k)] with w_k = max_period^(-k / (dim/2)).
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]  # (B, half)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)  # (B, dim)


@dataclass(frozen=True)
class UNetConfig:
    channels: tuple[int, ...] = (32, 64, 64)  # widths at 28x28, 14x14, 7x7
    emb_dim: int = 128  # time + class embedding width
    num_classes: int = 10  # digits; row num_classes is the null class
    groups: int = 8  # GroupNorm groups (gcd with the width)


class ResBlock(nn.Module):
    """GN-SiLU-conv3 -> + emb -> GN-SiLU-conv3, plus a (1x1) skip.

    (B, c_in, H, W) -> (B, c_out, H, W).
    """

    def __init__(self, c_in: int, c_out: int, emb_dim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(math.gcd(groups, c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(math.gcd(groups, c_out), c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNet(nn.Module):
    """eps_model(x_t, t, y) for (B, 1, 28, 28) inputs; see the module docstring."""

    def __init__(self, cfg: UNetConfig = UNetConfig()):
        super().__init__()
        self.cfg = cfg
        ch, e, g = cfg.channels, cfg.emb_dim, cfg.groups
        self.time_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.class_emb = nn.Embedding(cfg.num_classes + 1, e)  # last row: null class
        self.stem = nn.Conv2d(1, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.pool = nn.ModuleList()
        c = ch[0]
        for i, c_out in enumerate(ch):
            self.down.append(ResBlock(c, c_out, e, g))
            c = c_out
            if i < len(ch) - 1:
                self.pool.append(nn.Conv2d(c, c, 3, stride=2, padding=1))  # H -> H/2
        self.mid = ResBlock(c, c, e, g)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i in reversed(range(len(ch))):
            self.up.append(ResBlock(c + ch[i], ch[i], e, g))  # concat skip
            c = ch[i]
            if i > 0:
                self.upsample.append(
                    nn.Sequential(
                        nn.Upsample(scale_factor=2, mode="nearest"),
                        nn.Conv2d(c, ch[i - 1], 3, padding=1),
                    )
                )
                c = ch[i - 1]
        self.out = nn.Sequential(
            nn.GroupNorm(math.gcd(g, c), c), nn.SiLU(), nn.Conv2d(c, 1, 3, padding=1)
        )
        nn.init.zeros_(self.out[-1].weight)
        nn.init.zeros_(self.out[-1].bias)

    def labels(self, y: torch.Tensor | None, b: int, device) -> torch.Tensor:
        """Map labels to embedding rows: None or -1 -> the null row num_classes."""
        null = self.cfg.num_classes
        if y is None:
            return torch.full((b,), null, dtype=torch.long, device=device)
        y = y.to(device).long()
        return torch.where(y < 0, torch.full_like(y, null), y)

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None
    ) -> torch.Tensor:
        b = x.shape[0]
        emb = self.time_mlp(timestep_embedding(t, self.cfg.emb_dim))  # (B, E)
        emb = emb + self.class_emb(self.labels(y, b, x.device))  # (B, E)
        h = self.stem(x)  # (B, c0, 28, 28)
        skips = []
        for i, block in enumerate(self.down):
            h = block(h, emb)
            skips.append(h)
            if i < len(self.pool):
                h = self.pool[i](h)  # halve H, W
        h = self.mid(h, emb)  # (B, c_last, 7, 7)
        for i, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], dim=1), emb)
            if i < len(self.upsample):
                h = self.upsample[i](h)  # double H, W
        return self.out(h)  # (B, 1, 28, 28)


def count_parameters(model: nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))
