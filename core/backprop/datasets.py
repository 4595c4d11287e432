"""Data for the playground: TF-Playground classification sets and regression targets, split.

Classification sets come from `core.data.make_toy` (xor, circles, two_gaussians, spiral, moons
and the 3-class spiral3 / blobs3). Regression targets are generated here, seeded, on [-1, 1]^d:

    reg_plane     y = (x1 + x2) / 2                       (2-D, linear)
    reg_gaussian  y = exp(-2 ||x||^2) - 0.5               (2-D, TFP's "regress gaussian")
    reg_sin1d     y = sin(3 x1)                           (1-D)
    reg_step1d    y = sign(x1) / 2                        (1-D, discontinuous)

plus observation noise y + noise * N(0, 1). 1-D sets keep x2 = 0 so every feature is defined.
`split` shuffles with the seed and keeps ``train_frac`` of the points for training.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from core.data import make_toy
from core.data.points_csv import DataError

CLASSIFICATION = ("xor", "circles", "two_gaussians", "spiral", "moons", "spiral3", "blobs3")
REGRESSION = {
    "reg_plane": (2, lambda X: 0.5 * (X[:, 0] + X[:, 1])),
    "reg_gaussian": (2, lambda X: np.exp(-2.0 * (X**2).sum(axis=1)) - 0.5),
    "reg_sin1d": (1, lambda X: np.sin(3.0 * X[:, 0])),
    "reg_step1d": (1, lambda X: 0.5 * np.sign(X[:, 0])),
}
DATASETS: tuple[str, ...] = CLASSIFICATION + tuple(REGRESSION)
MAX_CLASSES = 10  # uploads: at most this many distinct labels (softmax head, legend, colours)


@dataclass(frozen=True)
class Split:
    """Train/test points X (n, 2) float64, labels y (int classes, or float targets).

    task: "classification" or "regression"; n_classes: 2, 3 (0 for regression);
    dim: 1 for 1-D regression (x2 = 0), else 2; key: a short hashable id of the data.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int
    dim: int
    key: tuple

    @property
    def X_all(self) -> np.ndarray:
        return np.concatenate([self.X_train, self.X_test])


def split(
    X: np.ndarray,
    y: np.ndarray,
    train_frac: float,
    seed: int,
    *,
    task: str,
    n_classes: int,
    dim: int,
    key: tuple,
) -> Split:
    """Shuffle (seeded) and cut into train / test; at least one point on each side."""
    if not 0.0 < train_frac < 1.0:
        raise ValueError(f"train_frac must be in (0, 1), got {train_frac}")
    n = len(X)
    if n < 2:
        raise ValueError(f"need at least 2 points, got {n}")
    perm = np.random.default_rng(seed + 1).permutation(n)
    k = int(round(train_frac * n))
    k = min(max(k, 1), n - 1)
    tr, te = perm[:k], perm[k:]
    X = np.asarray(X, np.float64)
    return Split(X[tr], y[tr], X[te], y[te], task, n_classes, dim, key)


def make_dataset(
    name: str, n: int = 300, noise: float = 0.1, seed: int = 0, train_frac: float = 0.5
) -> Split:
    """The named data set, ``n`` points, drawn with ``seed``, split ``train_frac`` / rest."""
    key = (name, int(n), float(noise), int(seed), float(train_frac))
    if name in CLASSIFICATION:
        d = make_toy(name, n, noise=noise, seed=seed)
        return split(
            d.X, d.y, train_frac, seed, task="classification", n_classes=d.n_classes, dim=2, key=key
        )
    if name in REGRESSION:
        dim, g = REGRESSION[name]
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1.0, 1.0, size=(n, 2))
        if dim == 1:
            X[:, 1] = 0.0
        y = g(X) + noise * rng.normal(size=n)
        return split(
            X,
            y.astype(np.float64),
            train_frac,
            seed,
            task="regression",
            n_classes=0,
            dim=dim,
            key=key,
        )
    raise ValueError(f"unknown dataset: {name!r}; choose from {', '.join(DATASETS)}")


def from_points(X: np.ndarray, y: np.ndarray, train_frac: float = 0.5, seed: int = 0) -> Split:
    """An uploaded labelled point set (labels 0..K-1 relabelled to consecutive classes).

    Raises `DataError` (a message for the user) for more than MAX_CLASSES distinct labels: a
    softmax head over thousands of one-point classes is not a classification demo.
    """
    classes, y_idx = np.unique(np.asarray(y), return_inverse=True)
    if len(classes) > MAX_CLASSES:
        raise DataError(
            f"the label column has {len(classes):,} distinct values; the playground "
            f"classifies at most {MAX_CLASSES} classes (labels such as 0, 1, 2)"
        )
    # key on a digest of the points themselves: (n, sum x, sum y) is the same for a CSV whose
    # columns or labels were swapped, and the live run would keep the old points
    digest = hashlib.sha1(
        np.ascontiguousarray(X, np.float64).tobytes()
        + np.ascontiguousarray(y_idx, np.int64).tobytes()
    ).hexdigest()
    key = ("upload", len(X), digest, float(train_frac), int(seed))
    return split(
        np.asarray(X, np.float64),
        y_idx.astype(np.int64),
        train_frac,
        seed,
        task="classification",
        n_classes=max(2, len(classes)),
        dim=2,
        key=key,
    )
