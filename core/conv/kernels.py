"""Kernel presets for the convolution explorer (notes §2.1): name -> factory(size) -> (k, k).

The same keys feed the page's selectbox; an unknown name raises a ValueError listing them.
Fixed-size classics (Sobel, sharpen, ...) ignore ``size``; identity, box blur and Gaussian use it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def identity(size: int = 3) -> np.ndarray:
    """1 at the centre: K ⋆ I = I."""
    k = np.zeros((size, size), np.float32)
    k[size // 2, size // 2] = 1.0
    return k


def box_blur(size: int = 3) -> np.ndarray:
    """Mean over the window: every weight 1 / k^2."""
    return np.full((size, size), 1.0 / size**2, np.float32)


def gaussian(size: int = 5, sigma: float | None = None) -> np.ndarray:
    """G[m, n] ∝ exp(-(m^2 + n^2) / (2 sigma^2)), normalised to sum 1.

    sigma defaults to size / 6 (at least 0.5).
    """
    sigma = sigma or max(size / 6.0, 0.5)
    r = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma**2))
    return (g / g.sum()).astype(np.float32)


def sharpen(size: int = 3) -> np.ndarray:
    """Identity + (identity - 4-neighbour mean): boosts edges."""
    return np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)


def sobel_x(size: int = 3) -> np.ndarray:
    """Horizontal derivative (responds to vertical edges), smoothed vertically."""
    return np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)


def sobel_y(size: int = 3) -> np.ndarray:
    """Vertical derivative (responds to horizontal edges)."""
    return sobel_x().T.copy()


def laplacian(size: int = 3) -> np.ndarray:
    """Discrete Laplacian: sum of second differences; zero on flat and linear regions."""
    return np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)


def emboss(size: int = 3) -> np.ndarray:
    """Directional derivative along the diagonal plus identity: a relief look. Not symmetric, so
    correlation and convolution give visibly different results."""
    return np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], np.float32)


def shift_right(size: int = 3) -> np.ndarray:
    """A one-pixel shift: correlation moves the image left, convolution moves it right."""
    k = np.zeros((3, 3), np.float32)
    k[1, 2] = 1.0
    return k


KERNELS: dict[str, Callable[[int], np.ndarray]] = {
    "identity": identity,
    "box blur": box_blur,
    "Gaussian": gaussian,
    "sharpen": sharpen,
    "Sobel x": sobel_x,
    "Sobel y": sobel_y,
    "Laplacian": laplacian,
    "emboss": emboss,
    "shift (asymmetric)": shift_right,
}
SIZED = ("identity", "box blur", "Gaussian")  # presets whose size follows the size control


def get_kernel(name: str, size: int = 3) -> np.ndarray:
    """The preset ``name`` as a (k, k) float32 array."""
    if name not in KERNELS:
        raise ValueError(f"unknown kernel: {name!r}; choose from {', '.join(KERNELS)}")
    if size < 1:
        raise ValueError(f"kernel size must be >= 1, got {size}")
    return KERNELS[name](size)
