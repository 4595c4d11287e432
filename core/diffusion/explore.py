"""Computations behind the diffusion page's views (notes §10.1-10.4), kept out of the page.

* `image_to_x0`: any uint8 image -> a grey (H, W) x_0 in [-1, 1] (the data scale of §10).
* `chain_check`: closed-form q(x_t | x_0) moments vs the iterated Markov chain (§10.1), measured
  at every t in one pass.
* `trajectory_frames`: a `Trajectory` of digits -> uint8 grids of x_t and x0_hat per frame, so a
  step slider only indexes an array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from core.diffusion.forward import closed_form_moments, q_step
from core.diffusion.samplers import Trajectory
from core.diffusion.schedules import Schedule
from core.imaging import make_grid


def image_to_x0(img: np.ndarray, size: int = 64) -> np.ndarray:
    """uint8 (H, W) or (H, W, 3) -> (size', size') float32 in [-1, 1], longest side = size."""
    a = np.asarray(img)
    if a.ndim == 3:
        a = a[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    h, w = a.shape[:2]
    s = size / max(h, w)
    im = im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR)
    return np.asarray(im, dtype=np.float32) / 127.5 - 1.0


@dataclass(frozen=True)
class ChainCheck:
    """Closed form vs iterated chain at every t = 0..T (arrays of length T + 1)."""

    mean_max_z: np.ndarray  # max over coordinates of |mean_chain - sqrt(ab_t) x0| / standard error
    var_rel_err: np.ndarray  # |mean over coordinates of var_chain / (1 - alpha_bar_t) - 1|
    replicates: int
    coords: int


def chain_check(
    sched: Schedule, x0: np.ndarray, replicates: int = 100, coords: int = 100, seed: int = 0
) -> ChainCheck:
    """Run the Markov chain q(x_t | x_{t-1}) T steps, ``replicates`` times from up to ``coords``
    values of x0, and compare its sample moments at every t with the closed form
    q(x_t | x_0) = N(sqrt(alpha_bar_t) x0, (1 - alpha_bar_t) I)  (§10.1). One pass: O(T K D)."""
    flat = np.asarray(x0, dtype=np.float32).reshape(-1)
    rng = np.random.default_rng(seed)
    pick = flat[rng.choice(len(flat), size=min(coords, len(flat)), replace=False)]
    x0r = torch.from_numpy(pick).repeat(replicates, 1)  # (K, D)
    g = torch.Generator().manual_seed(seed)
    z, v = np.zeros(sched.T + 1), np.zeros(sched.T + 1)
    x = x0r
    for t in range(1, sched.T + 1):
        x = q_step(sched, x, t, generator=g)  # x_t from x_{t-1}
        mean, var = closed_form_moments(sched, x0r[0], t)
        z[t] = float(((x.mean(0) - mean).abs() / (var / replicates) ** 0.5).max())
        v[t] = float(abs(x.var(0).mean() / var - 1))
    return ChainCheck(mean_max_z=z, var_rel_err=v, replicates=replicates, coords=len(pick))


@dataclass(frozen=True)
class Frames:
    ts: np.ndarray  # (K+1,) timestep of each frame
    xt: np.ndarray  # (K+1, H', W') uint8 grids of x_t
    x0: np.ndarray  # (K+1, H', W') uint8 grids of x0_hat


def _grid_u8(x: torch.Tensor, nrow: int) -> np.ndarray:
    pix = ((x.float() + 1) / 2).clamp(0, 1).numpy()  # (B, 1, 28, 28)
    return (make_grid(pix, nrow=nrow, pad=2, pad_value=1.0) * 255).round().astype(np.uint8)


def trajectory_frames(traj: Trajectory, nrow: int = 4) -> Frames:
    """uint8 grids of x_t (data scale shown as (x + 1) / 2, clipped) and x0_hat for every frame."""
    xt = np.stack([_grid_u8(traj.xs[k], nrow) for k in range(len(traj))])
    x0 = np.stack([_grid_u8(traj.x0s[k], nrow) for k in range(len(traj))])
    return Frames(ts=np.asarray(traj.ts), xt=xt, x0=x0)


@dataclass(frozen=True)
class StepCheck:
    """Each recorded reverse step rebuilt from its own x_t and x0_hat (§10.3, DDIM):

    det_max_abs: max |x_prev - mean| over the deterministic steps (sigma = 0), NaN if none;
    z_mean, z_std, n_z: the standardised residuals z = (x_prev - mean) / sigma of the stochastic
    steps, which must be the sampler's N(0, I) draws (NaN when there are none).
    """

    det_max_abs: float
    z_mean: float
    z_std: float
    n_z: int


def reverse_step_check(traj: Trajectory, alpha_bar: np.ndarray, sampler: str, eta: float = 0.0):
    """Rebuild every step x_t -> x_prev of a recorded trajectory from its x_t and x0_hat alone,
    with the update written out here (not the sampler's code), in float64:

        eps_hat = (x_t - sqrt(ab_t) x0_hat) / sqrt(1 - ab_t)
        DDPM (Algorithm 3 as the posterior q(x_{t-1} | x_t, x0_hat)):
            mean = sqrt(ab_{t-1}) beta_t / (1 - ab_t) x0_hat + sqrt(alpha_t) (1 - ab_{t-1})
                   / (1 - ab_t) x_t,     sigma^2 = beta_tilde_t = (1 - ab_{t-1}) / (1 - ab_t) beta_t
        DDIM: sigma = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev),
              mean = sqrt(ab_prev) x0_hat + sqrt(1 - ab_prev - sigma^2) eps_hat

    A deterministic step (sigma = 0) must match exactly; a stochastic one leaves z = (x_prev -
    mean) / sigma ~ N(0, I). Catches a wrong sigma (beta vs beta_tilde), a t vs t-1 index, or
    an eps_hat inconsistent with a clipped x0_hat."""
    ab_all = np.asarray(alpha_bar, dtype=np.float64)
    xs, x0s = traj.xs.double(), traj.x0s.double()
    det, zs = [], []
    for k in range(len(traj.ts) - 1):
        t, tp = int(traj.ts[k]), int(traj.ts[k + 1])
        ab = ab_all[t - 1]
        abp = 1.0 if tp == 0 else ab_all[tp - 1]
        x, x0 = xs[k], x0s[k]
        if sampler == "DDPM":
            beta = 1 - ab / abp  # beta_t = 1 - alpha_t, alpha_t = ab_t / ab_{t-1}
            mean = (abp**0.5 * beta / (1 - ab)) * x0 + (
                (1 - beta) ** 0.5 * (1 - abp) / (1 - ab)
            ) * x
            var = (1 - abp) / (1 - ab) * beta
        else:
            eps = (x - ab**0.5 * x0) / (1 - ab) ** 0.5
            var = eta**2 * (1 - abp) / (1 - ab) * (1 - ab / abp)
            mean = abp**0.5 * x0 + max(1 - abp - var, 0.0) ** 0.5 * eps
        r = xs[k + 1] - mean
        if var < 1e-12:
            det.append(float(r.abs().max()))
        else:
            zs.append((r / var**0.5).reshape(-1))
    z = torch.cat(zs) if zs else torch.zeros(0, dtype=torch.float64)
    return StepCheck(
        det_max_abs=max(det) if det else float("nan"),
        z_mean=float(z.mean()) if len(z) else float("nan"),
        z_std=float(z.std()) if len(z) > 1 else float("nan"),
        n_z=int(len(z)),
    )
