"""The standard mode-coverage metric for 2-D GANs (VEEGAN Table 1, PacGAN Table 1, GDPP Table 1).

Over N = 2,500 generated samples x_i and the K known mode means mu_k with standard deviation sigma
(ring of 8: K = 8, sigma = 0.01; grid of 25: K = 25, sigma = 0.05):

* x_i is *high quality* (HQ) when ||x_i - mu_{k(i)}|| <= 3 sigma, k(i) = argmin_k ||x_i - mu_k||;
* modes captured = #{k : some HQ sample has k(i) = k};
* % HQ = 100 * #HQ / N. Even a perfect generator scores only 100 (1 - exp(-9/2)) = 98.89 %:
  for a 2-D isotropic Gaussian, ||x - mu||^2 / sigma^2 ~ chi^2_2 and P(chi^2_2 <= 9) = 1 - e^{-4.5};
* reverse KL of the mode histogram: KL(q || p) = sum_k q_k log(q_k / p_k) with q_k the fraction of
  HQ samples at mode k and p_k = 1/K (the true mixture weights). With no HQ sample at all we
  report log K, the value of a histogram collapsed onto one mode (the largest possible).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.data.toy2d import GRID25_SIGMA, RING8_SIGMA, grid25_modes, ring8_modes

N_EVAL = 2500  # samples per evaluation (the papers' count)
PERFECT_HQ_FRACTION = 1.0 - math.exp(-4.5)  # 0.98889: P(||x - mu|| <= 3 sigma) in 2-D


def mode_spec(dataset: str) -> tuple[np.ndarray, float] | None:
    """(modes (K, 2), sigma) of a mixture dataset, or None when the data has no discrete modes."""
    if dataset == "ring8":
        return ring8_modes(), RING8_SIGMA
    if dataset == "grid25":
        return grid25_modes(), GRID25_SIGMA
    return None


@dataclass(frozen=True)
class ModeMetrics:
    """Mode coverage of a sample set (see module docstring)."""

    modes_captured: int
    n_modes: int
    hq_fraction: float  # in [0, 1]
    reverse_kl: float  # nats
    counts: np.ndarray  # (K,) HQ samples per mode

    def as_dict(self) -> dict[str, float]:
        return {
            "modes": float(self.modes_captured),
            "hq_pct": 100.0 * self.hq_fraction,
            "reverse_kl": self.reverse_kl,
        }


def nearest_mode(x: np.ndarray, modes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """k(i) = argmin_k ||x_i - mu_k|| and that distance, for x (N, 2) and modes (K, 2)."""
    d2 = ((x[:, None, :] - modes[None, :, :]) ** 2).sum(-1)  # (N, K)
    k = d2.argmin(1)
    return k, np.sqrt(d2[np.arange(len(x)), k])


def mode_metrics(x: np.ndarray, modes: np.ndarray, sigma: float) -> ModeMetrics:
    """Modes captured, HQ fraction and reverse KL of samples x (N, 2); non-finite rows aren't HQ."""
    x = np.asarray(x, dtype=np.float64)
    modes = np.asarray(modes, dtype=np.float64)
    K = len(modes)
    finite = np.isfinite(x).all(1)
    k, dist = nearest_mode(np.where(finite[:, None], x, 1e9), modes)
    hq = finite & (dist <= 3.0 * sigma)
    counts = np.bincount(k[hq], minlength=K)
    n_hq = int(hq.sum())
    if n_hq == 0:
        rkl = math.log(K)
    else:
        q = counts / n_hq
        nz = q > 0
        rkl = float((q[nz] * np.log(q[nz] * K)).sum())
    return ModeMetrics(
        modes_captured=int((counts > 0).sum()),
        n_modes=K,
        hq_fraction=n_hq / max(len(x), 1),
        reverse_kl=rkl,
        counts=counts,
    )


def dataset_mode_metrics(x: np.ndarray, dataset: str) -> ModeMetrics | None:
    """`mode_metrics` for ``ring8`` / ``grid25``; None for datasets without discrete modes."""
    spec = mode_spec(dataset)
    return None if spec is None else mode_metrics(x, *spec)
