"""Variance schedules of the forward (diffusion) process, notes §10.1.

The chain is governed by beta_t in (0, 1), t = 1..T, increasing in t. With

    alpha_t     = 1 - beta_t
    alpha_bar_t = prod_{s<=t} alpha_s
    SNR(t)      = alpha_bar_t / (1 - alpha_bar_t)

the closed form x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps holds (§10.1).

Three schedules (registry `SCHEDULES`, keys feed the page's selectbox):

* linear    (Ho et al. 2020): beta_t linear from beta_1 to beta_T, scaled by 1000 / T so that
  the total noise is comparable for every T.
* cosine    (Nichol & Dhariwal 2021): alpha_bar(t) = f(t)/f(0),
  f(t) = cos^2(((t/T + s)/(1 + s)) pi/2),
  beta_t = 1 - alpha_bar_t / alpha_bar_{t-1} clipped at 0.999 (footnote 20 of the notes: adds
  noise more slowly than linear at the start).
* quadratic: sqrt(beta_t) linear from sqrt(beta_1) to sqrt(beta_T).

Tensors are indexed 0..T-1 for t = 1..T (index t-1), plus ``alpha_bar_prev`` with alpha_bar_0 = 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

DTYPE = torch.float64  # schedules are tiny; float64 keeps alpha_bar products exact enough


def linear_betas(T: int, beta_1: float = 1e-4, beta_T: float = 0.02) -> torch.Tensor:
    """beta_t = linspace(beta_1, beta_T) * 1000 / T  (Ho et al.'s values are for T = 1000)."""
    scale = 1000.0 / T
    return torch.linspace(beta_1 * scale, min(beta_T * scale, 0.999), T, dtype=DTYPE)


def cosine_betas(T: int, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """beta_t = 1 - alpha_bar(t) / alpha_bar(t-1), alpha_bar(t) = cos^2(((t/T + s)/(1+s)) pi/2)."""
    t = torch.arange(T + 1, dtype=DTYPE) / T
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bar = f / f[0]
    return (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=max_beta)


def quadratic_betas(T: int, beta_1: float = 1e-4, beta_T: float = 0.02) -> torch.Tensor:
    """sqrt(beta_t) linear in t from sqrt(beta_1) to sqrt(beta_T) (times 1000 / T)."""
    scale = 1000.0 / T
    b = torch.linspace(
        math.sqrt(beta_1 * scale), math.sqrt(min(beta_T * scale, 0.999)), T, dtype=DTYPE
    )
    return b**2


SCHEDULES: dict[str, Callable[[int], torch.Tensor]] = {
    "linear": linear_betas,
    "cosine": cosine_betas,
    "quadratic": quadratic_betas,
}


def schedule_names() -> list[str]:
    return list(SCHEDULES)


def make_betas(name: str, T: int) -> torch.Tensor:
    """beta_1..beta_T (T,) float64 of the named schedule."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule: {name!r}; choose from {', '.join(SCHEDULES)}")
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    return SCHEDULES[name](T)


@dataclass(frozen=True)
class Schedule:
    """beta_t, alpha_t, alpha_bar_t for t = 1..T (each a (T,) float64 tensor, index t-1)."""

    name: str
    T: int
    betas: torch.Tensor  # (T,) beta_t
    alphas: torch.Tensor  # (T,) alpha_t = 1 - beta_t
    alpha_bar: torch.Tensor  # (T,) alpha_bar_t = prod_{s<=t} alpha_s

    @property
    def alpha_bar_prev(self) -> torch.Tensor:
        """(T,) alpha_bar_{t-1}, with alpha_bar_0 = 1."""
        return torch.cat([torch.ones(1, dtype=self.alpha_bar.dtype), self.alpha_bar[:-1]])

    @property
    def snr(self) -> torch.Tensor:
        """(T,) SNR(t) = alpha_bar_t / (1 - alpha_bar_t)."""
        return self.alpha_bar / (1 - self.alpha_bar)

    def at(self, t: torch.Tensor | int, field: str = "alpha_bar") -> torch.Tensor:
        """Gather a schedule field at 1-based timesteps t (int or (B,) long tensor), as float32."""
        v = getattr(self, field)
        idx = torch.as_tensor(t, dtype=torch.long) - 1
        return v[idx.cpu()].float()


def make_schedule(name: str = "cosine", T: int = 1000) -> Schedule:
    """The named schedule with T steps: betas, alphas = 1 - betas, alpha_bar = cumprod(alphas)."""
    betas = make_betas(name, T)
    alphas = 1 - betas  # alpha_t = 1 - beta_t
    alpha_bar = torch.cumprod(alphas, 0)  # alpha_bar_t = prod_s alpha_s
    return Schedule(name=name, T=T, betas=betas, alphas=alphas, alpha_bar=alpha_bar)
