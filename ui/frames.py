"""Prepare a batch of plotly frames (JSON form) for fast playback in the browser.

Measured in headless Chromium on the 2-core machine (a backprop live frame: a 60×60 decision
heatmap, 300 training points and two loss curves in two subplots): ``Plotly.react`` per frame
costs ~300 ms, so a player that reacts every frame cannot reach 10 frames/s. Two changes,
both applied here to a whole batch at once, bring a frame to ~10-40 ms:

1. **Heatmaps become images.** A ``heatmap`` trace is coloured on the server (its own
   colorscale, zmin/zmax, opacity; RGBA pixels, one per cell) and drawn as a plotly layout image
   over the same cells. The trace stays, reduced to its two extreme values and transparent,
   so the colour bar and legend are unchanged. Swapping an image's source is a cheap relayout
   (``Plotly.react`` of the image version alone: ~80 ms instead of ~300 ms).
2. **Fixed axes, then ``Plotly.animate(redraw=false)``.** Every axis that plotly would
   autorange gets the range covering all frames of the batch, so the browser can move the
   scatter traces of later frames without a full redraw (plotly's animation path), and the
   axes do not jump inside a batch. Only batches whose traces are all ``scatter`` after step 1
   qualify (``fast``); others fall back to one ``Plotly.react`` per frame.

A single figure (``ui.figure``) is never converted: it keeps the heatmap's hover values.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

import numpy as np
from PIL import Image
from plotly.colors import get_colorscale, hex_to_rgb, unlabel_rgb

_FAST_TYPES = {"scatter"}  # plotly.js animates these without a redraw


def values(a: Any) -> np.ndarray | None:
    """A trace array in any JSON form (list, numpy, ``{"dtype", "bdata", "shape"}``) as floats;
    None when absent or not numeric (categories, dates)."""
    if a is None:
        return None
    if isinstance(a, dict) and "bdata" in a:
        v = np.frombuffer(base64.b64decode(a["bdata"]), dtype=np.dtype(a["dtype"]))
        shape = a.get("shape")
        if shape:
            dims = [int(s) for s in str(shape).split(",")] if isinstance(shape, str) else shape
            v = v.reshape(dims)
        return v.astype(np.float64)
    try:
        v = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return v


def _rgb(colour: str) -> tuple[float, float, float]:
    c = colour.strip()
    if c.startswith("#"):
        return tuple(float(x) for x in hex_to_rgb(c))
    if c.startswith("rgb"):
        return tuple(float(x) for x in unlabel_rgb(c)[:3])
    raise ValueError(f"colour {colour!r}")


def _colorscale(trace: dict) -> tuple[np.ndarray, np.ndarray]:
    """(stops (k,), rgb (k, 3)) of the trace's colorscale (a name or [[stop, colour], ...])."""
    scale = trace.get("colorscale") or "Plasma"  # plotly.js's default for heatmaps
    if isinstance(scale, str):
        scale = get_colorscale(scale)
    stops = np.array([float(s) for s, _ in scale])
    rgb = np.array([_rgb(c) for _, c in scale])
    if trace.get("reversescale"):
        stops, rgb = 1 - stops[::-1], rgb[::-1]
    return stops, rgb


def _cells(trace: dict, n: int, axis: str) -> np.ndarray | None:
    """Evenly spaced cell centres along ``axis`` (``x``/``y``), or None when uneven."""
    c = values(trace.get(axis))
    if c is None:
        c = float(trace.get(axis + "0", 0)) + float(trace.get("d" + axis, 1)) * np.arange(n)
    if c.ndim != 1 or len(c) != n or n < 2:
        return None
    step = np.diff(c)
    if not np.allclose(step, step[0], rtol=1e-4) or step[0] == 0:
        return None
    return c


def _png(z: np.ndarray, lo: float, hi: float, trace: dict) -> str:
    stops, rgb = _colorscale(trace)
    t = np.clip((z - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    t = np.where(np.isfinite(t), t, 0.0)  # NaN cells (a diverged run) are transparent below
    pix = np.stack([np.interp(t, stops, rgb[:, k]) for k in range(3)], axis=-1)
    alpha = np.where(np.isfinite(z), 255.0 * float(trace.get("opacity", 1.0)), 0.0)
    img = np.concatenate([pix, alpha[..., None]], axis=-1).round().astype(np.uint8)[::-1]
    buf = io.BytesIO()  # row 0 of z is the bottom row of the plot: flipped for the image
    Image.fromarray(img, "RGBA").save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _convertible(trace: dict, layout: dict) -> bool:
    if trace.get("type") != "heatmap" or trace.get("visible") is False:
        return False
    if trace.get("texttemplate") is not None:  # numbers drawn in the cells
        return False
    if trace.get("zsmooth") not in (None, False):
        return False
    for ax in (trace.get("xaxis", "x"), trace.get("yaxis", "y")):
        spec = layout.get(ax[0] + "axis" + ax[1:], {})
        if spec.get("type") not in (None, "linear", "-") or spec.get("autorange") == "reversed":
            return False
    z = values(trace.get("z"))
    return z is not None and z.ndim == 2


def heatmaps_to_images(frames: list[list[dict]], layout: dict) -> list[list[dict]]:
    """Turn each convertible heatmap (same index in every frame) into layout images.

    ``frames``: each frame's trace dicts, edited in place. Colours come from one zmin/zmax over
    the batch where the trace does not fix them, so the colour bar is true for every frame.
    Returns each frame's layout images (to append to ``layout["images"]``).
    """
    out: list[list[dict]] = [[] for _ in frames]
    for j, first in enumerate(frames[0]):
        same = all(j < len(f) and f[j].get("type") == first.get("type") for f in frames)
        if not same or not all(_convertible(f[j], layout) for f in frames):
            continue
        zs = [values(f[j]["z"]) for f in frames]
        cells = [(_cells(f[j], z.shape[1], "x"), _cells(f[j], z.shape[0], "y"))
                 for f, z in zip(frames, zs, strict=True)]  # fmt: skip
        if any(cx is None or cy is None for cx, cy in cells):
            continue
        finite = np.concatenate([z[np.isfinite(z)] for z in zs] + [np.zeros(0)])
        lo = first.get("zmin", float(finite.min()) if finite.size else 0.0)
        hi = first.get("zmax", float(finite.max()) if finite.size else 1.0)
        mid = first.get("zmid")
        if mid is not None and ("zmin" not in first or "zmax" not in first):
            r = float(np.abs(finite - mid).max()) if finite.size else 1.0
            lo, hi = mid - r, mid + r  # plotly's colour range centred on zmid
        for f, z, (cx, cy), imgs in zip(frames, zs, cells, out, strict=True):
            t = f[j]
            dx, dy = cx[1] - cx[0], cy[1] - cy[0]
            imgs.append(dict(source=_png(z, lo, hi, t), xref=t.get("xaxis", "x"),
                             yref=t.get("yaxis", "y"), x=float(cx[0] - dx / 2),
                             y=float(cy[-1] + dy / 2), sizex=float(cx[-1] - cx[0] + dx),
                             sizey=float(cy[-1] - cy[0] + dy), sizing="stretch",
                             layer="below", xanchor="left", yanchor="top"))  # fmt: skip
            # the trace keeps its colour bar: two cells with the extreme values, invisible
            f[j] = {k: v for k, v in t.items() if k not in ("z", "x", "y", "x0", "y0", "dx", "dy")}
            f[j] = {k: v for k, v in f[j].items() if k not in ("text", "customdata", "zmid")}
            f[j].update(z=[[lo, hi]], x=[float(cx[0]), float(cx[-1])], y=[float(cy[0])],
                        zmin=lo, zmax=hi, opacity=0, hoverinfo="skip")  # fmt: skip
    return out


def _image_size(source: str) -> tuple[int, int] | None:
    """(width, height) of a data-URL image, read from its header."""
    if not isinstance(source, str) or not source.startswith("data:image/"):
        return None
    try:
        with Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))) as im:
            return im.size
    except (ValueError, OSError):
        return None


def image_traces_to_images(frames: list[list[dict]], layout: dict) -> list[list[dict]]:
    """``image`` traces given by ``source`` (a PNG data URL) become layout images too: a new
    ``source`` is then a swapped href, not a redraw. The trace's axes get the range plotly
    gives an image (pixel centres at x0 + j·dx, y downwards) and square pixels."""
    out: list[list[dict]] = [[] for _ in frames]
    for j, first in enumerate(frames[0]):
        ts = [f[j] if j < len(f) else {} for f in frames]
        if any(t.get("type") != "image" or "z" in t for t in ts):
            continue
        sizes = [_image_size(t.get("source")) for t in ts]
        if any(sz is None or sz != sizes[0] for sz in sizes):
            continue
        w, h = sizes[0]
        x0, dx = float(first.get("x0", 0)), float(first.get("dx", 1))
        y0, dy = float(first.get("y0", 0)), float(first.get("dy", 1))
        xa, ya = first.get("xaxis", "x"), first.get("yaxis", "y")
        xname, yname = "xaxis" + xa[1:], "yaxis" + ya[1:]
        layout[xname] = {**(layout.get(xname) or {}), "autorange": False,
                         "range": [x0 - dx / 2, x0 + (w - 0.5) * dx]}  # fmt: skip
        y_range = [y0 + (h - 0.5) * dy, y0 - dy / 2]  # reversed: row 0 on top
        layout[yname] = {"scaleanchor": xa, "constrain": "domain", **(layout.get(yname) or {}),
                         "autorange": False, "range": y_range}  # fmt: skip
        for f, t, imgs in zip(frames, ts, out, strict=True):
            imgs.append(dict(source=t["source"], xref=xa, yref=ya, x=x0 - dx / 2, y=y0 - dy / 2,
                             sizex=w * dx, sizey=h * dy, sizing="stretch", layer="below",
                             xanchor="left", yanchor="top"))  # fmt: skip
            f[j] = {"type": "scatter", "x": [], "y": [], "xaxis": xa, "yaxis": ya,
                    "showlegend": False, "hoverinfo": "skip"}  # fmt: skip
    return out


def _axis_names(layout: dict, frames: list[list[dict]]) -> set[str]:
    names = {k for k in layout if k.startswith(("xaxis", "yaxis"))}
    for f in frames:
        for t in f:
            names.add("xaxis" + t.get("xaxis", "x")[1:])
            names.add("yaxis" + t.get("yaxis", "y")[1:])
    return names


def fix_ranges(frames: list[list[dict]], layout: dict, images: list[list[dict]]) -> bool:
    """Give every autoranged axis the range of all frames (and images); False when an axis
    cannot be fixed (non-numeric data, log or reversed axes) and must stay autoranged."""
    lows: dict[str, float] = {}
    highs: dict[str, float] = {}

    def extend(axis: str, v: np.ndarray | None) -> bool:
        if v is None:
            return False
        v = v[np.isfinite(v)]
        if v.size:
            lows[axis] = min(lows.get(axis, np.inf), float(v.min()))
            highs[axis] = max(highs.get(axis, -np.inf), float(v.max()))
        return True

    for f in frames:
        for t in f:
            xa, ya = "xaxis" + t.get("xaxis", "x")[1:], "yaxis" + t.get("yaxis", "y")[1:]
            if t.get("type") not in ("scatter", "heatmap"):
                return False
            ok = extend(xa, values(t.get("x"))) if t.get("x") is not None else True
            ok &= extend(ya, values(t.get("y"))) if t.get("y") is not None else True
            if not ok:
                return False
    for imgs in images:
        for im in imgs:
            xa, ya = "xaxis" + im["xref"][1:], "yaxis" + im["yref"][1:]
            extend(xa, np.array([im["x"], im["x"] + im["sizex"]]))
            extend(ya, np.array([im["y"] - im["sizey"], im["y"]]))
    for name in _axis_names(layout, frames):
        spec = dict(layout.get(name) or {})
        if spec.get("range") is not None and spec.get("autorange") in (None, False):
            continue
        if spec.get("type") not in (None, "linear", "-") or spec.get("autorange") == "reversed":
            return False
        if name not in lows:
            continue
        lo, hi = lows[name], highs[name]
        if spec.get("rangemode") == "tozero":
            lo, hi = min(lo, 0.0), max(hi, 0.0)
        elif spec.get("rangemode") == "nonnegative":
            lo = max(lo, 0.0)
        pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.05
        lo_pad = 0.0 if spec.get("rangemode") in ("tozero", "nonnegative") and lo == 0 else pad
        spec.update(range=[lo - lo_pad, hi + pad], autorange=False)
        layout[name] = spec
    return True


def prepare(frames: list[list[dict]], layout: dict) -> tuple[list[list[dict]], bool]:
    """Apply both steps to a batch (edits ``frames`` and ``layout`` in place); returns each
    frame's layout images and whether the batch can play with ``Plotly.animate``."""
    images = [
        a + b
        for a, b in zip(
            heatmaps_to_images(frames, layout), image_traces_to_images(frames, layout), strict=True
        )
    ]
    fixed = fix_ranges(frames, layout, images)
    kinds0 = [t.get("type", "scatter") for t in frames[0]]
    same_shape = all([t.get("type", "scatter") for t in f] == kinds0 for f in frames)
    kinds = {t.get("type", "scatter") for f in frames for t in f}
    stub = {"heatmap"} if any(images) else set()  # converted heatmaps are constant stubs
    fast = fixed and same_shape and kinds <= _FAST_TYPES | stub
    if images[0]:
        layout["images"] = list(layout.get("images") or []) + images[0]
        for im in images[0]:  # the heatmap covered its axes' grid lines; the image lies below
            for name in ("xaxis" + im["xref"][1:], "yaxis" + im["yref"][1:]):
                layout[name] = {**(layout.get(name) or {}), "showgrid": False}
    return images, fast


def jsonable(o: Any) -> Any:
    """``json.dumps(default=...)``: numpy values inside a dict frame become plain numbers."""
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def signature(frames: list[list[dict]], layout: dict) -> tuple[list[bool], dict, str]:
    """For a fast batch: which traces never change (the browser leaves them alone), the fixed
    axis ranges, and a signature of everything else a next batch must share to continue the
    chart on screen without a redraw (layout without ranges/images/title, static traces)."""

    def dump(o: Any) -> str:
        return json.dumps(o, sort_keys=True, separators=(",", ":"), default=jsonable)

    n = len(frames[0])
    per_trace = [[dump(f[k]) for f in frames] for k in range(n)]
    static = [all(x == col[0] for x in col) for col in per_trace]
    axes = {k: v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}
    ranges = {k: {"range": v["range"]} for k, v in axes.items() if v.get("range") is not None}
    rest = {k: v for k, v in layout.items() if k not in ("images", "title") and k not in axes}
    rest["axes"] = {k: {a: b for a, b in v.items() if a != "range"} for k, v in axes.items()}
    rest["images"] = [{a: b for a, b in im.items() if a != "source"}
                      for im in layout.get("images") or []]  # fmt: skip
    kinds = [t.get("type", "scatter") for t in frames[0]]
    rest["static"] = [col[0] if s else kind
                      for col, s, kind in zip(per_trace, static, kinds, strict=True)]  # fmt: skip
    return static, ranges, hashlib.sha1(dump(rest).encode()).hexdigest()


CANVAS_MIN_POINTS = 100  # a moving cloud this big is drawn on a canvas during fast playback


def canvas_traces(frames: list[list[dict]], static: list[bool]) -> list[int]:
    """Moving marker clouds: plotly restyles every SVG point of an animated trace (~1 ms per
    10 points in software-rendered Chromium: a 1,000-point GAN sample cloud alone caps the
    frame rate at ~6/s), so the player draws these on a <canvas> over the chart instead,
    with plotly's own axis transforms and the trace's resolved marker style. All moving
    markers-only traces go there once they hold ``CANVAS_MIN_POINTS`` points together (a
    VAE's codes come as ten 50-point traces, one per class)."""
    picked, total = [], 0
    for k, moving in enumerate(not s for s in static):
        ts = [f[k] for f in frames]
        if not moving or any(t.get("type", "scatter") != "scatter" for t in ts):
            continue
        if any(t.get("mode") != "markers" or t.get("text") is not None for t in ts):
            continue
        marker = ts[0].get("marker") or {}
        if marker.get("symbol") not in (None, "circle") or isinstance(marker.get("size"), list):
            continue
        picked.append(k)
        total += min(len(v) if (v := values(t.get("x"))) is not None else 0 for t in ts)
    return picked if total >= CANVAS_MIN_POINTS else []
