"""Samples as PNG bytes, drawn with Pillow (no plotting library): a grid of digits, or 2-D points
scattered over a sample of the target density (notes §5: look at the samples first)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from core.imaging import make_grid, to_png_bytes


def grid_png(images: np.ndarray, scale: int = 2) -> bytes:
    """(n, 1, 28, 28) in [0, 1] -> a square-ish grid PNG (white gutters), upscaled ``scale``x."""
    return to_png_bytes(make_grid(images), scale=scale)


def scatter_png(
    points: np.ndarray, target: np.ndarray | None = None, size: int = 480, pad: float = 0.08
) -> bytes:
    """Model samples (n, 2) as blue dots over ``target`` points (m, 2) in light grey.

    Both share one square box around the target (or the samples when no target is given).
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    ref = pts if target is None else np.asarray(target, dtype=np.float64).reshape(-1, 2)
    lo, hi = ref.min(0), ref.max(0)
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2 * (1 + 2 * pad) or 1.0

    def to_px(p: np.ndarray) -> np.ndarray:  # data -> pixel (y up)
        u = (p - centre) / half  # [-1, 1]
        return np.stack([(u[:, 0] + 1) / 2 * (size - 1), (1 - u[:, 1]) / 2 * (size - 1)], 1)

    im = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(im)
    if target is not None:
        for x, y in to_px(ref):
            d.point((float(x), float(y)), fill=(200, 200, 200))
    r = 2 if len(pts) <= 2000 else 1
    for x, y in to_px(pts):
        if -r <= x <= size + r and -r <= y <= size + r:
            d.ellipse((x - r, y - r, x + r, y + r), fill=(31, 119, 180))
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def flow_target_points(name: str, n: int = 5000) -> np.ndarray:
    """Points of the flow's target density, drawn with its held-out seed (1)."""
    from core.data import make_toy

    target = name.removeprefix("flow_realnvp_")
    return make_toy(target, n, seed=1).X


def samples_png(name: str, x: np.ndarray) -> bytes:
    """The picture of ``x`` drawn from ``name``: a digit grid, or a scatter over its target."""
    if x.ndim == 2:
        return scatter_png(x, flow_target_points(name))
    return grid_png(x, scale=2 if len(x) <= 256 else 1)
