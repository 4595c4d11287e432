"""Convolution as a matrix product (notes §2.1): the Toeplitz matrix in 1-D and the doubly block
Toeplitz matrix in 2-D.

Convolution is linear, so ``K * I = T(K) vec(I)``. In 1-D (the notes' matrix; "full" output):

    T[i, j] = k[i - j]  for 0 <= i - j < m, else 0        shape (n + m - 1, n)

so every row is the flipped kernel shifted one step: constant along each diagonal (Toeplitz).
In 2-D with a kh x kw kernel on an H x W image, row-major ``vec``:

    T = [ B_{i - i'} ]_{i, i'}   with   B_r = T_1d(K[r, :])   for 0 <= r < kh, else 0

blocks that are themselves Toeplitz, arranged in a Toeplitz pattern ("doubly block Toeplitz").
The transpose T^T is exactly the *transposed* convolution (notes §3.1), which is where its name
comes from: `linear_map_matrix` builds the matrix of any linear op so that can be checked.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

MODES = ("full", "valid")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode: {mode!r}; choose from {', '.join(MODES)}")


def toeplitz_1d(k: torch.Tensor, n: int, mode: str = "full") -> torch.Tensor:
    """T with T @ x == np.convolve(x, k, mode) for x of length n; T[i, j] = k[i - j]."""
    _check_mode(mode)
    m = k.shape[0]
    i = torch.arange(n + m - 1)[:, None]
    j = torch.arange(n)[None, :]
    d = i - j  # (n + m - 1, n) diagonal index
    T = torch.where((d >= 0) & (d < m), k[d.clamp(0, m - 1)], torch.zeros((), dtype=k.dtype))
    if mode == "valid":
        if n < m:
            raise ValueError(f"valid mode needs n >= kernel length ({n} < {m})")
        T = T[m - 1 : n]  # (n - m + 1, n)
    return T


def doubly_block_toeplitz(
    K: torch.Tensor, H: int, W: int, mode: str = "full", correlation: bool = False
) -> torch.Tensor:
    """T with T @ vec(I) == vec(K * I) (or K ⋆ I with ``correlation=True``) for an H x W image.

    Block (i, i') of size (W + kw - 1) x W is B_{i - i'} = T_1d(K[i - i', :]); returns the
    ((H + kh - 1)(W + kw - 1), H W) "full" matrix or its "valid" rows.
    """
    _check_mode(mode)
    if correlation:
        K = torch.flip(K, (0, 1))  # K ⋆ I = Rot180(K) * I
    kh, kw = K.shape
    Ho, Wo = H + kh - 1, W + kw - 1
    blocks = [toeplitz_1d(K[r], W, "full") for r in range(kh)]  # each (Wo, W)
    T = K.new_zeros(Ho, Wo, H, W)
    for i in range(Ho):
        for r in range(kh):
            ip = i - r
            if 0 <= ip < H:
                T[i, :, ip, :] = blocks[r]
    if mode == "valid":
        if H < kh or W < kw:
            raise ValueError(
                f"valid mode needs the image ({H}x{W}) to cover the kernel ({kh}x{kw})"
            )
        T = T[kh - 1 : H, kw - 1 : W]
    return T.reshape(-1, H * W)


def linear_map_matrix(
    fn: Callable[[torch.Tensor], torch.Tensor], in_shape: tuple[int, ...], dtype=torch.float64
) -> torch.Tensor:
    """The matrix M of a linear map: column j = vec(fn(e_j)), so M @ vec(x) == vec(fn(x))."""
    n = 1
    for s in in_shape:
        n *= s
    eye = torch.eye(n, dtype=dtype).reshape(n, *in_shape)
    cols = torch.stack([fn(eye[j]).reshape(-1) for j in range(n)], 1)
    return cols  # (out_numel, n)
