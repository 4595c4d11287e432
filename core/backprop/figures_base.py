"""Shared parts of the backprop figures (notes §1): the colours (TFP-style blue +, orange −),
the plane grid, downsampling, log-axis ticks and float32 typed arrays for plotly's JSON form.
"""

from __future__ import annotations

import base64

import numpy as np

from core.theme import PALETTE

POS, NEG = "#0072B2", "#E69F00"  # TFP-style: blue positive, orange negative
CLASS_COLOURS = (NEG, POS, PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[5])
BINARY_SCALE = [[0.0, NEG], [0.5, "#f7f7f7"], [1.0, POS]]
SIGNED_SCALE = [[0.0, NEG], [0.5, "#f7f7f7"], [1.0, POS]]


def _downsample(x, *ys, max_points: int = 600):
    x = np.asarray(x)
    if len(x) <= max_points:
        return (x, *[np.asarray(y, np.float32) for y in ys])
    idx = np.unique(np.linspace(0, len(x) - 1, max_points).astype(int))
    return (x[idx], *[np.asarray(y, np.float32)[idx] for y in ys])


def grid(bounds: tuple[float, float, float, float], n: int = 60):
    """(xs (n,), ys (n,), P (n*n, 2)) over [x0, x1] x [y0, y1]; P row-major in y then x."""
    x0, x1, y0, y1 = bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    XX, YY = np.meshgrid(xs, ys)
    return xs, ys, np.stack([XX.ravel(), YY.ravel()], axis=1)


def data_bounds(X: np.ndarray, pad: float = 0.15) -> tuple[float, float, float, float]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.maximum(hi - lo, 1e-3)
    lo, hi = lo - pad * span, hi + pad * span
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Tick values and labels for a log axis over [lo, hi]: every decade, plus 2x and 5x when
    the range spans fewer than two decades; each label is the full number ("0.02", never a
    bare "2" after "10" as plotly's minor log labels read)."""
    lo, hi = max(float(lo), 1e-300), max(float(hi), 1e-300)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= 0:
        return [], []
    a, b = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    mults = (1, 2, 3, 5) if b - a <= 1 else (1, 2, 5) if b - a < 3 else (1,)
    vals = [m * 10.0**e for e in range(a, b + 1) for m in mults]
    vals = [v for v in vals if lo / 1.5 <= v <= hi * 1.5] or [10.0**a]
    return vals, [f"{v:g}" for v in vals]


def _typed(a: np.ndarray) -> dict:
    """A float32 array in plotly's JSON form (base64 typed array, with its shape when 2-D)."""
    a = np.ascontiguousarray(a, np.float32)
    d = {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim == 2:
        d["shape"] = f"{a.shape[0]}, {a.shape[1]}"
    return d
