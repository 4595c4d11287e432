"""Images that ship with packages: sklearn's 8x8 digits and sample photos, plus test patterns."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

PHOTOS = ("china", "flower")
PATTERNS = ("edges", "checkerboard", "impulse", "stripes", "gradient", "circle")


@lru_cache(maxsize=1)
def small_digits() -> tuple[np.ndarray, np.ndarray]:
    """sklearn's 1,797 8x8 digits: images (N, 8, 8) float32 in [0, 1], labels (N,) int64."""
    from sklearn.datasets import load_digits

    d = load_digits()
    X = (d.images / 16.0).astype(np.float32)
    X.setflags(write=False)
    return X, d.target.astype(np.int64)


@lru_cache(maxsize=2)
def photo(name: str) -> np.ndarray:
    """A bundled 427x640 RGB photo ('china' or 'flower') as a read-only uint8 (H, W, 3) array."""
    if name not in PHOTOS:
        raise ValueError(f"unknown photo: {name!r}; choose from {', '.join(PHOTOS)}")
    from sklearn.datasets import load_sample_images

    data = load_sample_images()
    idx = [f.split("/")[-1].split(".")[0] for f in data.filenames].index(name)
    img = np.ascontiguousarray(data.images[idx])
    img.setflags(write=False)
    return img


def to_grayscale(img: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma of an (H, W, 3) uint8 or float image -> (H, W) float32 in [0, 1]."""
    x = img.astype(np.float32)
    if x.max() > 1.0:
        x = x / 255.0
    if x.ndim == 2:
        return x
    return x[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def test_pattern(name: str, size: int = 64) -> np.ndarray:
    """A synthetic (size, size) float32 pattern in [0, 1]."""
    if name not in PATTERNS:
        raise ValueError(f"unknown pattern: {name!r}; choose from {', '.join(PATTERNS)}")
    if size < 2:
        raise ValueError(f"size must be >= 2, got {size}")
    i, j = np.mgrid[0:size, 0:size].astype(np.float32)
    if name == "edges":  # a bright square: vertical, horizontal edges and corners
        q = size // 4
        out = ((i >= q) & (i < size - q) & (j >= q) & (j < size - q)).astype(np.float32)
    elif name == "checkerboard":
        cell = max(size // 8, 1)
        out = ((i // cell + j // cell) % 2).astype(np.float32)
    elif name == "impulse":  # a single 1 in the centre: convolving it draws the kernel
        out = np.zeros((size, size), np.float32)
        out[size // 2, size // 2] = 1.0
    elif name == "stripes":
        out = (0.5 + 0.5 * np.sin(2 * np.pi * j / max(size / 8, 2))).astype(np.float32)
    elif name == "gradient":
        out = (j / (size - 1)).astype(np.float32)
    else:  # circle
        c = (size - 1) / 2
        out = (((i - c) ** 2 + (j - c) ** 2) <= (size / 3) ** 2).astype(np.float32)
    return out
