"""The §7.7 home-page thumbnail: the tiny GPT's attention maps (layer × head) on one line of
Python, drawn with the shared thumbnail helpers (`core.thumbnails`), no plotting library."""

from __future__ import annotations

import numpy as np
import torch

from core.data.text import encode
from core.thumbnails import fit, lut

PROBE = "for x in range(10):"


@torch.inference_mode()
def attention_grid(model, text: str = PROBE, layers: int = 2, pad: int = 2) -> np.ndarray:
    """(H, W, 4) uint8: the attention weights A (n × n, Viridis) of the first ``layers`` layers
    × every head on ``text``, side by side with a white gap."""
    _, attns = model(torch.as_tensor(encode(text))[None], return_attn=True)
    A = np.stack([a[0].cpu().numpy() for a in attns[:layers]])  # (L, H, n, n)
    L, Hh, n, _ = A.shape
    table = lut("Viridis")
    tile = n * 6  # each cell 6 px
    canvas = np.full((L * (tile + pad) - pad, Hh * (tile + pad) - pad, 3), 255, np.uint8)
    for l in range(L):  # noqa: E741
        for h in range(Hh):
            q = np.sqrt(A[l, h])  # sqrt: the small weights stay visible
            img = table[np.clip(np.rint(q * 255), 0, 255).astype(np.uint8)]
            img = np.repeat(np.repeat(img, 6, 0), 6, 1)
            y, x = l * (tile + pad), h * (tile + pad)
            canvas[y : y + tile, x : x + tile] = img
    return fit(canvas, smooth=False)
