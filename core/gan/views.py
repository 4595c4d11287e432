"""What the GAN page draws, computed from G and D (notes §9; the GAN Lab views).

* `d_field`: D(x) = sigmoid(D_logit(x)) on a grid (the raw critic / LSGAN score for the
  Wasserstein and least-squares objectives, which have no probability);
* `generator_arrows`: at generated points x = G(z), the direction -grad_x L_G(x) in which the
  generator's loss pushes each sample (what G's update tries to move it along);
* `manifold`: the image under G of a square grid of noise lines, z in [-2.5, 2.5]^2 (extra noise
  dimensions held at 0): the warped sheet the generator lays over the data.
"""

from __future__ import annotations

import numpy as np
import torch

from core.gan.models import MLPDiscriminator, MLPGenerator
from core.gan.objectives import g_loss


def bounds(data: np.ndarray, pad: float = 0.25) -> tuple[float, float, float, float]:
    """A square-ish view box around the data, padded by ``pad`` of its extent."""
    lo, hi = np.percentile(data, 0.5, axis=0), np.percentile(data, 99.5, axis=0)
    c, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-3) * (1 + pad)
    return (float(c[0] - half), float(c[0] + half), float(c[1] - half), float(c[1] + half))


def grid_points(
    box: tuple[float, float, float, float], res: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = np.linspace(box[0], box[1], res, dtype=np.float32)
    ys = np.linspace(box[2], box[3], res, dtype=np.float32)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.stack([X.ravel(), Y.ravel()], 1)  # (res*res, 2), row-major over y


@torch.no_grad()
def d_field(
    D: MLPDiscriminator, loss: str, box, res: int = 60
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, Z (res, res)) with Z = D(x) in [0, 1], or the raw score for 'wasserstein' /
    'least_squares'. PacGAN's D is evaluated on m copies of the same point."""
    xs, ys, pts = grid_points(box, res)
    dev = next(D.parameters()).device
    s = D.score_points(torch.from_numpy(pts).to(dev)).cpu().numpy()
    if loss in ("minimax", "non_saturating"):
        s = 1.0 / (1.0 + np.exp(-s))
    return xs, ys, s.reshape(res, res).astype(np.float32)


def generator_arrows(
    G: MLPGenerator, D: MLPDiscriminator, loss: str, z: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    """Points x = G(z) (M, 2) and -grad_x L_G at each (M, 2), per-sample (not batch-averaged)."""
    dev = next(G.parameters()).device
    with torch.no_grad():
        x = G(z.to(dev))
    x = x.detach().requires_grad_(True)
    l = D.score_points(x)  # (M,)
    total = g_loss(loss, l) * len(l)  # g_loss is a batch mean; M * mean = sum of per-sample losses
    (grad,) = torch.autograd.grad(total, x)
    return x.detach().cpu().numpy(), (-grad).cpu().numpy()


@torch.no_grad()
def manifold(
    G: MLPGenerator, n_lines: int = 13, n_pts: int = 40, extent: float = 2.5
) -> np.ndarray:
    """G applied to the grid lines of [-extent, extent]^2 in noise space: (L, 2) with NaN rows
    between lines (ready for one plotly line trace)."""
    d = G.cfg.noise_dim
    t = np.linspace(-extent, extent, n_pts, dtype=np.float32)
    c = np.linspace(-extent, extent, n_lines, dtype=np.float32)
    lines = []
    for v in c:
        lines.append(np.stack([t, np.full_like(t, v)], 1))  # horizontal line in z
        lines.append(np.stack([np.full_like(t, v), t], 1))  # vertical line in z
    Z = np.concatenate(lines)  # (2*n_lines*n_pts, 2)
    z = np.zeros((len(Z), d), dtype=np.float32)
    z[:, : min(d, 2)] = Z[:, : min(d, 2)]
    dev = next(G.parameters()).device
    x = G(torch.from_numpy(z).to(dev)).cpu().numpy().reshape(2 * n_lines, n_pts, -1)
    out = np.full((2 * n_lines, n_pts + 1, x.shape[-1]), np.nan, dtype=np.float32)
    out[:, :n_pts] = x
    return out.reshape(-1, x.shape[-1])


def field_view(
    G: MLPGenerator,
    D: MLPDiscriminator,
    loss: str,
    data: np.ndarray,
    z: torch.Tensor,
    res: int = 50,
    n_fake: int = 600,
    n_arrows: int = 100,
) -> dict:
    """Everything the page's field figure needs for one (G, D) pair: view box, D on a grid,
    generated samples, gradient arrows (None when samples are not finite) and the noise sheet."""
    box = bounds(data)
    xs, ys, Z = d_field(D, loss, box, res=res)
    dev = next(G.parameters()).device
    with torch.no_grad():
        fake = G(z[:n_fake].to(dev)).cpu().numpy()
    arrows = generator_arrows(G, D, loss, z[:n_arrows]) if np.isfinite(fake).all() else None
    return dict(
        box=box,
        xs=xs,
        ys=ys,
        Z=Z,
        fake=fake,
        arrows=arrows,
        sheet=manifold(G),
        prob=loss in ("minimax", "non_saturating"),
    )
