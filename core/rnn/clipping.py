"""Gradient clipping (notes §4.3) and the cliff it guards against (Pascanu et al. 2013, Fig. 6).

The notes' update rule, with g the gradient, γ the learning rate and k the threshold:

    θ ← θ − γ g                 if ‖g‖ ≤ k
    θ ← θ − γ (k / ‖g‖) g       otherwise

`clip_by_norm` is that rescaling for a list of gradients with one global norm, as
`torch.nn.utils.clip_grad_norm_` does (PyTorch scales by k / (‖g‖ + 1e-6) and only when the factor
is
below 1; a test checks the two agree).

The cliff: a one-unit RNN h⁽ᵗ⁾ = w σ(h⁽ᵗ⁻¹⁾) + b, h⁽⁰⁾ = 0.5, with loss (h⁽ᵀ⁾ − 0.7)². Over
(w, b) the loss is flat almost everywhere and drops by a wall where the map's fixed points
bifurcate; on the wall the gradient is enormous and one plain step throws θ far away. A clipped
step moves at most γk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


def clip_by_norm(grads: list[torch.Tensor], k: float) -> tuple[list[torch.Tensor], float]:
    """g ← (k/‖g‖) g when the global norm ‖g‖ = √Σ‖gᵢ‖² exceeds k. Returns (new grads, ‖g‖)."""
    norm = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    scale = k / norm if norm > k else 1.0
    return [g * scale for g in grads], norm


def clipped_update(theta: torch.Tensor, g: torch.Tensor, lr: float, k: float | None):
    """One step of the notes' rule (k = None: plain gradient descent)."""
    if k is not None:
        (g,), _ = clip_by_norm([g], k)
    return theta - lr * g


@dataclass(frozen=True)
class CliffConfig:
    T: int = 50  # unrolled steps
    h0: float = 0.5
    target: float = 0.7
    w_range: tuple[float, float] = (-1.0, 8.0)  # the paper's range for w
    b_range: tuple[float, float] = (-6.0, 2.0)
    grid: int = 90  # surface resolution


def cliff_loss(w, b, cfg: CliffConfig = CliffConfig()):
    """(h⁽ᵀ⁾ − target)² for h⁽ᵗ⁾ = w σ(h⁽ᵗ⁻¹⁾) + b; works on numpy grids and on torch scalars."""
    sig = torch.sigmoid if isinstance(w, torch.Tensor) else lambda x: 1 / (1 + np.exp(-x))
    h = cfg.h0 + 0 * w
    for _ in range(cfg.T):
        h = w * sig(h) + b
    return (h - cfg.target) ** 2


def cliff_surface(cfg: CliffConfig = CliffConfig()) -> dict[str, np.ndarray]:
    """The loss on a (grid, grid) mesh of (w, b): w (grid,), b (grid,), loss (grid_b, grid_w)."""
    w = np.linspace(*cfg.w_range, cfg.grid)
    b = np.linspace(*cfg.b_range, cfg.grid)
    W, B = np.meshgrid(w, b)
    return {"w": w, "b": b, "loss": cliff_loss(W, B, cfg)}


def descend(
    start: tuple[float, float],
    lr: float,
    steps: int,
    k: float | None,
    cfg: CliffConfig = CliffConfig(),
) -> dict[str, np.ndarray]:
    """Gradient descent on the cliff from `start` = (w, b), clipped at k (None = not clipped).

    Returns the path (steps+1, 2), the loss along it and each step's raw gradient norm ‖g‖.
    Stops early (path shorter) if θ leaves a huge box or the loss turns non-finite.
    """
    theta = torch.tensor(start, dtype=torch.float64)
    path, losses, norms = [theta.numpy().copy()], [], []
    for _ in range(steps):
        th = theta.clone().requires_grad_(True)
        L = cliff_loss(th[0], th[1], cfg)
        (g,) = torch.autograd.grad(L, th)
        losses.append(float(L.detach()))
        norms.append(float(g.norm()))
        theta = clipped_update(theta, g, lr, k)
        if not torch.isfinite(theta).all() or theta.abs().max() > 1e6:
            break
        path.append(theta.numpy().copy())
    return {"path": np.array(path), "loss": np.array(losses), "grad_norm": np.array(norms)}
