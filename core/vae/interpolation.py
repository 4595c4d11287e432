"""Latent-space paths between two codes (notes §6 "continuity and interpolation").

* linear:    z(t) = (1 - t) z0 + t z1
* spherical: z(t) = sin((1-t) Omega)/sin(Omega) z0 + sin(t Omega)/sin(Omega) z1, with
             cos Omega = <z0, z1> / (|z0| |z1|) (Shoemake's slerp; keeps the norm typical of a
             N(0, I) sample instead of cutting through the low-norm centre)
* pixels:    x(t) = (1 - t) x0 + t x1, a cross-fade that ignores the data manifold (for contrast)
"""

from __future__ import annotations

import numpy as np
import torch

PATHS = ("linear", "spherical")


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(d,), (d,), (T,) -> (T, d): (1 - t) z0 + t z1."""
    t = t[:, None]
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(d,), (d,), (T,) -> (T, d) spherical interpolation; falls back to lerp for parallel codes."""
    n0, n1 = z0.norm(), z1.norm()
    if n0 < 1e-8 or n1 < 1e-8:
        return lerp(z0, z1, t)
    cos_omega = torch.clamp((z0 @ z1) / (n0 * n1), -1.0, 1.0)
    omega = torch.arccos(cos_omega)
    if omega.abs() < 1e-4 or (np.pi - omega.abs()) < 1e-4:
        return lerp(z0, z1, t)
    t = t[:, None]
    so = torch.sin(omega)
    return torch.sin((1 - t) * omega) / so * z0 + torch.sin(t * omega) / so * z1


def path(z0: torch.Tensor, z1: torch.Tensor, n_steps: int, kind: str = "linear") -> torch.Tensor:
    """``n_steps`` codes from z0 to z1 (endpoints included) along a linear or spherical path."""
    if kind not in PATHS:
        raise ValueError(f"unknown interpolation path: {kind!r}; choose from {', '.join(PATHS)}")
    if n_steps < 2:
        raise ValueError(f"n_steps must be >= 2, got {n_steps}")
    t = torch.linspace(0, 1, n_steps, dtype=z0.dtype)
    return (lerp if kind == "linear" else slerp)(z0, z1, t)


def pixel_blend(x0: np.ndarray, x1: np.ndarray, n_steps: int) -> np.ndarray:
    """Cross-fade (T, *x.shape): (1 - t) x0 + t x1 in pixel space."""
    t = np.linspace(0, 1, n_steps, dtype=np.float32).reshape(-1, *([1] * np.ndim(x0)))
    return (1 - t) * np.asarray(x0, np.float32) + t * np.asarray(x1, np.float32)
