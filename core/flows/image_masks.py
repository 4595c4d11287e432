"""RealNVP's image partitions (notes §8.5): checkerboard and channel masks, and the squeeze.

For an image x of shape (C, H, W) a coupling layer copies the masked part x_B = b ⊙ x and
transforms the rest conditioned on it: y = b ⊙ x + (1 − b) ⊙ (x ⊙ exp(s(b ⊙ x)) + t(b ⊙ x)).

* checkerboard mask: b_ij = 1 where (i + j) is even (``parity`` flips it between layers);
* squeeze: (C, H, W) -> (4C, H/2, W/2), each 2×2 block of pixels becomes 4 channels
  (the sub-images at offsets (0,0), (0,1), (1,0), (1,1));
* channel mask: after the squeeze, the first 2C channels condition the last 2C (or vice versa).

`partition_views` prepares what the page draws for one MNIST digit.
"""

from __future__ import annotations

import numpy as np
import torch


def checkerboard_mask(h: int, w: int, parity: int = 0) -> torch.Tensor:
    """b (1, H, W) with b_ij = 1 where (i + j + parity) is even."""
    i, j = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    return (((i + j + parity) % 2) == 0).float()[None]


def channel_mask(c: int, h: int, w: int, parity: int = 0) -> torch.Tensor:
    """b (C, H, W): 1 on the first C/2 channels (parity 0) or on the last C/2 (parity 1)."""
    b = torch.zeros(c, h, w)
    if parity == 0:
        b[: c // 2] = 1.0
    else:
        b[c // 2 :] = 1.0
    return b


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, 4C, H/2, W/2): channel 4c + 2a + b holds x[c, a::2, b::2]."""
    B, C, H, W = x.shape
    if H % 2 or W % 2:
        raise ValueError(f"squeeze needs even H and W, got {H}x{W}")
    x = x.reshape(B, C, H // 2, 2, W // 2, 2)  # (B, C, H/2, a, W/2, b)
    return x.permute(0, 1, 3, 5, 2, 4).reshape(B, 4 * C, H // 2, W // 2)


def unsqueeze(x: torch.Tensor) -> torch.Tensor:
    """The inverse of `squeeze`: (B, 4C, H, W) -> (B, C, 2H, 2W)."""
    B, C4, H, W = x.shape
    if C4 % 4:
        raise ValueError(f"unsqueeze needs a multiple of 4 channels, got {C4}")
    x = x.reshape(B, C4 // 4, 2, 2, H, W)  # (B, C, a, b, H, W)
    return x.permute(0, 1, 4, 2, 5, 3).reshape(B, C4 // 4, 2 * H, 2 * W)


def partition_views(digit: np.ndarray, parity: int = 0) -> dict[str, np.ndarray]:
    """For a (28, 28) digit in [0, 1]: the conditioning part x_B and the transformed part x_A
    under the checkerboard mask; the 4 squeezed channels (4, 14, 14); and x_B / x_A under the
    channel mask after the squeeze. Masked-out pixels are NaN (drawn blank)."""
    x = torch.tensor(np.array(digit, dtype=np.float32))[None, None]  # (1, 1, 28, 28)
    b = checkerboard_mask(28, 28, parity)[None]  # (1, 1, 28, 28)
    sq = squeeze(x)[0]  # (4, 14, 14)
    cb = channel_mask(4, 14, 14, parity)
    nan = torch.tensor(float("nan"))
    return {
        "digit": x[0, 0].numpy(),
        "mask": b[0, 0].numpy(),
        "checker_B": torch.where(b > 0, x, nan)[0, 0].numpy(),
        "checker_A": torch.where(b > 0, nan, x)[0, 0].numpy(),
        "squeezed": sq.numpy(),
        "channel_B": torch.where(cb > 0, sq, nan).numpy(),
        "channel_A": torch.where(cb > 0, nan, sq).numpy(),
    }
