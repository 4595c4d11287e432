"""Theory of the GAN game made measurable (notes §9.1) from density estimates.

With kernel density estimates p_data ~ p_hat and p_model ~ q_hat (Gaussian kernels of bandwidth h,
p_hat(x) = 1/N sum_i N(x; x_i, h^2 I)):

* Theorem 2, the optimal discriminator:   D*(x) = p_data(x) / (p_data(x) + p_model(x));
* Theorem 3, its value:  V(G, D*) = E_p[log D*(x)] + E_q[log(1 - D*(x))] = 2 JS(p || q) - log 4,
  so V(G, D*) >= -log 4 with equality iff p_model = p_data;
* the Jensen-Shannon divergence  JS(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2,
  in [0, log 2] nats.

The estimates fit each KDE on one half of the samples and evaluate the expectations on the other
half, so a sample never scores itself.
"""

from __future__ import annotations

import math

import numpy as np

LOG4 = math.log(4.0)


def kde_log_density(points: np.ndarray, query: np.ndarray, h: float) -> np.ndarray:
    """log p_hat(query) (M,) of a Gaussian KDE on points (N, d) with bandwidth h.

    log p_hat(q) = logsumexp_i(-||q - x_i||^2 / (2 h^2)) - d/2 log(2 pi h^2) - log N, with
    ||q - x||^2 = ||q||^2 + ||x||^2 - 2 q.x (one matmul, no (M, N, d) temporary: this runs at
    every timeline snapshot while training plays).
    """
    points = np.asarray(points, dtype=np.float64)
    query = np.asarray(query, dtype=np.float64)
    d = points.shape[1]
    d2 = (query**2).sum(1)[:, None] + (points**2).sum(1)[None, :] - 2.0 * (query @ points.T)
    np.maximum(d2, 0.0, out=d2)  # (M, N) squared distances, rounding below 0 clipped
    log_k = d2 * (-0.5 / h**2)  # log N(q; x_i, h^2 I) up to the normaliser
    m = log_k.max(1, keepdims=True)  # logsumexp, stable
    lse = np.log(np.exp(log_k - m).sum(1)) + m[:, 0]
    return lse - 0.5 * d * math.log(2 * math.pi * h**2) - math.log(len(points))


def optimal_discriminator(p_data: np.ndarray, p_model: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_model) elementwise (0.5 where both densities are 0)."""
    p_data = np.asarray(p_data, dtype=np.float64)
    p_model = np.asarray(p_model, dtype=np.float64)
    s = p_data + p_model
    return np.divide(p_data, s, out=np.full_like(s, 0.5), where=s > 0)


def optimal_discriminator_log(log_p: np.ndarray, log_q: np.ndarray) -> np.ndarray:
    """D* from log densities, stable when both are tiny: sigmoid(log p - log q)."""
    return 1.0 / (1.0 + np.exp(np.clip(np.asarray(log_q) - np.asarray(log_p), -700, 700)))


def value_at_optimum(
    log_p_on_p: np.ndarray, log_q_on_p: np.ndarray, log_p_on_q: np.ndarray, log_q_on_q: np.ndarray
) -> float:
    """V(G, D*) = E_p log D*(x) + E_q log(1 - D*(x)), from log densities at samples of p and q."""
    log_d_on_p = -np.logaddexp(0.0, log_q_on_p - log_p_on_p)  # log D*(x),  x ~ p
    log_1md_on_q = -np.logaddexp(0.0, log_p_on_q - log_q_on_q)  # log(1 - D*(x)), x ~ q
    return float(log_d_on_p.mean() + log_1md_on_q.mean())


def js_from_value(v: float) -> float:
    """JS(p || q) = (V(G, D*) + log 4) / 2 (Theorem 3)."""
    return 0.5 * (v + LOG4)


def js_estimate(x_data: np.ndarray, x_model: np.ndarray, h: float) -> tuple[float, float]:
    """(V(G, D*), JS) estimated from samples with split-half Gaussian KDEs of bandwidth h."""
    x_data = np.asarray(x_data, dtype=np.float64)
    x_model = np.asarray(x_model, dtype=np.float64)
    x_model = x_model[np.isfinite(x_model).all(1)]
    if len(x_data) < 4 or len(x_model) < 4:
        return float("nan"), float("nan")
    a, b = len(x_data) // 2, len(x_model) // 2
    p_fit, p_eval = x_data[:a], x_data[a:]
    q_fit, q_eval = x_model[:b], x_model[b:]
    v = value_at_optimum(
        kde_log_density(p_fit, p_eval, h),
        kde_log_density(q_fit, p_eval, h),
        kde_log_density(p_fit, q_eval, h),
        kde_log_density(q_fit, q_eval, h),
    )
    return v, js_from_value(v)


def dstar_grid(x_data: np.ndarray, x_model: np.ndarray, grid: np.ndarray, h: float) -> np.ndarray:
    """D*(x) on grid points (M, 2) from KDEs of data and model samples."""
    return optimal_discriminator_log(
        kde_log_density(x_data, grid, h), kde_log_density(x_model, grid, h)
    )


MIN_BANDWIDTH = 1e-3  # floor for degenerate data (all points equal): a kernel needs h > 0


def scott_bandwidth(x: np.ndarray) -> float:
    """Scott's rule h = n^(-1/(d+4)) * mean per-axis std (at least MIN_BANDWIDTH)."""
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    return max(float(n ** (-1.0 / (d + 4)) * x.std(0).mean()), MIN_BANDWIDTH)


def default_bandwidth(dataset: str, x_data: np.ndarray) -> float:
    """Kernel width for the theory panel: a few times the mode sigma for the mixture datasets
    (so a generator a little off a mode is not 'disjoint'), Scott's rule otherwise."""
    return {"ring8": 0.05, "grid25": 0.2}.get(dataset, scott_bandwidth(x_data))
