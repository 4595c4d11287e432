"""Frames for the client-side players of the diffusion page (notes §10.1-10.3): pure numpy in,
plotly's JSON form out (dicts, no validation), so ~100 frames build in milliseconds.

A frame is ``{"data": [trace, ...], "layout": {...}}`` with numpy arrays as base64 typed arrays
(``{"dtype": "f4", "bdata": ...}``); every frame of a sequence has the same traces in the same
order and the first frame's layout (fixed axis ranges) is kept for all of them
(``ui.plot_player``). Images travel as PNG data URLs (``png_url``).

* `forward_ts` / `frame_indices`: which t get a frame (all of them up to ~100 frames).
* `forward_image_strip`: PNG frames of x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps
  beside the histogram of its values against N(0, 1) (§10.1), for ui.image_player.
* `forward_points_frames`: the same for a 2-D point cloud.
* `reverse_2d_frames`: Algorithm 3's particles x_t, the field -eps_hat(x, t) and a few paths.

Player frames use SVG traces ("scatter", <= ~1,000 points): Plotly.react redraws them faster
than WebGL ones, which headless Chromium (and GPU-less laptops) render in software.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from core.theme import PALETTE

HIST_LIM = 4.0  # histogram range [-4, 4]: N(0, 1) lives there
HIST_BINS = 60


def b64(a: np.ndarray) -> dict:
    """A float array as a plotly typed array (float32, base64): NaN breaks a line."""
    a = np.ascontiguousarray(np.asarray(a, dtype=np.float32).reshape(-1))
    return {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}


def png_url(pixels: np.ndarray) -> str:
    """uint8 (H, W) or (H, W, 3) -> PNG data URL (fast deflate level: noise barely compresses)."""
    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def to_u8(x: np.ndarray, min_side: int = 224) -> np.ndarray:
    """Data scale [-1, 1] -> uint8 pixels (x + 1) / 2, upscaled by an integer nearest-neighbour
    factor so the shorter side is >= ``min_side`` px (browsers would blur a 28 px image)."""
    p = (np.clip((np.asarray(x, dtype=np.float32) + 1) / 2, 0, 1) * 255).round().astype(np.uint8)
    k = max(1, int(np.ceil(min_side / max(1, min(p.shape[:2])))))
    return np.kron(p, np.ones((k, k), dtype=np.uint8)) if k > 1 else p


def forward_ts(T: int, start: int | None = None, n: int = 100) -> np.ndarray:
    """The t that get a frame: every t = 0..T when T <= n, else n + 1 evenly spaced (and
    ``start``, the position the player opens at)."""
    ts = np.unique(np.round(np.linspace(0, T, min(T, n) + 1)).astype(int))
    if start is not None and 0 <= start <= T:
        ts = np.union1d(ts, [int(start)])
    return ts


def frame_indices(K: int, n: int = 100) -> np.ndarray:
    """Indices into a trajectory of K + 1 frames: all when K <= n, else n + 1 evenly spaced."""
    return np.unique(np.round(np.linspace(0, K, min(K, n) + 1)).astype(int))


def histogram_density(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and densities of v over [-4, 4] (values outside count in the end bins)."""
    edges = np.linspace(-HIST_LIM, HIST_LIM, HIST_BINS + 1)
    v = np.clip(np.asarray(v, dtype=np.float32).reshape(-1), -HIST_LIM, HIST_LIM)
    h, _ = np.histogram(v, bins=edges, density=True)
    return (edges[:-1] + edges[1:]) / 2, h


def _normal_trace(axis: str) -> dict:
    u = np.linspace(-HIST_LIM, HIST_LIM, 121)
    return {"type": "scatter", "x": b64(u), "y": b64(np.exp(-(u**2) / 2) / np.sqrt(2 * np.pi)),
            "mode": "lines", "name": "N(0, 1)", "line": {"color": PALETTE[3], "width": 3},
            "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "skip"}  # fmt: skip


def _bar_trace(v: np.ndarray, t: int, axis: str) -> dict:
    """The histogram as one filled step line (one SVG path: far cheaper to redraw per frame
    than 60 bars)."""
    c, h = histogram_density(v)
    return {"type": "scatter", "x": b64(c), "y": b64(h), "name": f"values of x_{t}",
            "mode": "lines", "line": {"shape": "hvh", "color": PALETTE[0], "width": 1},
            "fill": "tozeroy", "fillcolor": "rgba(0,114,178,0.45)", "xaxis": f"x{axis}",
            "yaxis": f"y{axis}", "hoverinfo": "skip"}  # fmt: skip


def _title(t: int, ab: float) -> dict:
    return {"text": f"t = {t}:  x_t = {np.sqrt(ab):.3f}·x₀ + {np.sqrt(1 - ab):.3f}·ε  "
            f"(ᾱ_t = {ab:.3g})", "x": 0.01, "xanchor": "left"}  # fmt: skip


def forward_points_frames(
    x0: np.ndarray, eps: np.ndarray, alpha_bar: np.ndarray, ts: np.ndarray, lim: float = 3.5,
    height: int = 440, n_ref: int = 600,
) -> list[dict]:  # fmt: skip
    """Frames of the forward process on 2-D points: x_t over the data x_0 (faint), and the
    histogram of x_t's coordinates vs N(0, 1) (§10.1). x0, eps: (N, 2)."""
    x0 = np.asarray(x0, dtype=np.float32)
    eps = np.asarray(eps, dtype=np.float32)
    ref = x0[:: max(1, len(x0) // n_ref)]
    layout = {"height": height, "margin": {"l": 40, "r": 10, "t": 60, "b": 40},
              "uirevision": "forward_pts",
              "legend": {"x": 1, "xanchor": "right", "y": 1, "yanchor": "top",
                         "bgcolor": "rgba(255,255,255,0.7)"},
              "xaxis": {"domain": [0, 0.5], "range": [-lim, lim], "zeroline": False},
              "yaxis": {"range": [-lim, lim], "scaleanchor": "x", "zeroline": False},
              "xaxis2": {"domain": [0.6, 1], "range": [-HIST_LIM, HIST_LIM], "anchor": "y2",
                         "title": {"text": "coordinate value"}},
              "yaxis2": {"range": [0, max(float(histogram_density(x0)[1].max()), 0.45) * 1.05],
                         "anchor": "x2", "title": {"text": "density"}},
              }  # fmt: skip
    frames = []
    for t in ts:
        ab = 1.0 if t == 0 else float(alpha_bar[t - 1])
        xt = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps
        data = [
            {"type": "scatter", "x": b64(ref[:, 0]), "y": b64(ref[:, 1]), "mode": "markers",
             "name": "data x₀", "marker": {"size": 3, "color": "#BBBBBB"}},
            {"type": "scatter", "x": b64(xt[:, 0]), "y": b64(xt[:, 1]), "mode": "markers",
             "name": "x_t", "marker": {"size": 4, "color": PALETTE[0], "opacity": 0.7}},
            _bar_trace(xt, int(t), "2"),
            _normal_trace("2"),
        ]  # fmt: skip
        frames.append({"data": data, "layout": {"title": _title(int(t), ab)}})
    frames[0]["layout"] = {**layout, "title": frames[0]["layout"]["title"]}
    return frames


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments start -> end as one polyline with NaN gaps (x, y)."""
    n = len(starts)
    xs = np.stack([starts[:, 0], ends[:, 0], np.full(n, np.nan)], 1).reshape(-1)
    ys = np.stack([starts[:, 1], ends[:, 1], np.full(n, np.nan)], 1).reshape(-1)
    return xs, ys


def reverse_2d_frames(
    xs: np.ndarray, ts: np.ndarray, ref: np.ndarray, fields: list | None = None,
    n_paths: int = 6, lim: float = 3.5, arrow_scale: float = 0.25, height: int = 480,
    n_ref: int = 400, n_show: int = 500,
) -> list[dict]:  # fmt: skip
    """Frames of Algorithm 3 in 2-D (§10.3): particles x_t (xs: (F, N, 2), frame f at timestep
    ts[f], from x_T to x_0), the field -eps_hat(x, t) on a grid (fields[f] = (grid, eps) or
    None), and ``n_paths`` particle paths x_T .. x_t."""
    xs = np.asarray(xs, dtype=np.float32)
    ref = np.asarray(ref, dtype=np.float32)[:: max(1, len(ref) // n_ref)]
    layout = {"height": height, "margin": {"l": 40, "r": 10, "t": 50, "b": 40},
              "uirevision": "reverse_2d", "legend": {"orientation": "h", "y": -0.1},
              "xaxis": {"range": [-lim, lim], "zeroline": False},
              "yaxis": {"range": [-lim, lim], "scaleanchor": "x", "zeroline": False}}  # fmt: skip
    P = min(n_paths, xs.shape[1])
    frames = []
    for f, t in enumerate(ts):
        data = [
            {
                "type": "scatter",
                "x": b64(ref[:, 0]),
                "y": b64(ref[:, 1]),
                "mode": "markers",
                "name": "data",
                "marker": {"size": 3, "color": "#CCCCCC"},
            }
        ]
        if fields is not None:
            grid, eps = fields[f]
            d = -np.asarray(eps, dtype=np.float32) * arrow_scale  # -eps_hat: the score direction
            ax, ay = _segments(grid, grid + d)
            data += [
                {"type": "scatter", "x": b64(ax), "y": b64(ay), "mode": "lines",
                 "name": "−ε̂(x, t) (score direction)", "hoverinfo": "skip",
                 "line": {"color": PALETTE[2], "width": 1.5}},
                {"type": "scatter", "x": b64(grid[:, 0] + d[:, 0]),
                 "y": b64(grid[:, 1] + d[:, 1]), "mode": "markers", "showlegend": False,
                 "hoverinfo": "skip", "marker": {"size": 4, "color": PALETTE[2]}},
            ]  # fmt: skip
        pts = xs[f, :n_show]
        data.append({"type": "scatter", "x": b64(pts[:, 0]), "y": b64(pts[:, 1]),
                     "mode": "markers", "name": "particles x_t",
                     "marker": {"size": 4, "color": PALETTE[0], "opacity": 0.7}})  # fmt: skip
        if P:
            seg = xs[: f + 1, :P]  # (f+1, P, 2): paths up to this frame
            gap = np.full((1, P, 2), np.nan, np.float32)
            line = np.concatenate([seg, gap], 0).transpose(1, 0, 2).reshape(-1, 2)
            data += [
                {"type": "scatter", "x": b64(line[:, 0]), "y": b64(line[:, 1]),
                 "mode": "lines", "name": "particle paths", "opacity": 0.8,
                 "line": {"color": PALETTE[3], "width": 1.5}},
                {"type": "scatter", "x": b64(seg[-1, :, 0]), "y": b64(seg[-1, :, 1]),
                 "mode": "markers", "showlegend": False,
                 "marker": {"size": 8, "color": PALETTE[3]}},
            ]  # fmt: skip
        frames.append({"data": data, "layout": {"title": {"text": f"reverse process at t = {t}"}}})
    frames[0]["layout"] = {**layout, "title": frames[0]["layout"]["title"]}
    return frames


# a palette PNG (one byte a pixel): 250 grey levels, then white, blue, orange and three greys
_WHITE, _BLUE, _ORANGE, _GRID, _ZERO, _AXIS = 250, 251, 252, 253, 254, 255
_PALETTE = [round(i * 255 / 249) for i in range(250) for _ in range(3)] + [
    255,
    255,
    255,
    0,
    114,
    178,
    213,
    94,
    0,
    225,
    225,
    225,
    150,
    150,
    150,
    120,
    120,
    120,
]


def _png_palette_url(index: np.ndarray) -> str:
    im = Image.fromarray(np.asarray(index, dtype=np.uint8), mode="P")
    im.putpalette(_PALETTE)
    buf = io.BytesIO()
    im.save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def histogram_raster(v: np.ndarray, height: int, width: int, y_max: float) -> np.ndarray:
    """The histogram of v's values on [-4, 4] as palette indices (height, width): blue bars,
    the N(0, 1) density in orange, grey lines at the integers (0 darker). A picture, not a
    plot, so a player swaps it as cheaply as the image beside it."""
    img = np.full((height, width), _WHITE, np.uint8)
    xs = np.linspace(-HIST_LIM, HIST_LIM, width)
    for k in range(-int(HIST_LIM), int(HIST_LIM) + 1):
        col = int(round((k + HIST_LIM) / (2 * HIST_LIM) * (width - 1)))
        img[:, col] = _ZERO if k == 0 else _GRID
    c, h = histogram_density(v)
    bin_of_col = np.clip(((xs + HIST_LIM) / (2 * HIST_LIM) * len(c)).astype(int), 0, len(c) - 1)
    bar = np.clip(h[bin_of_col] / y_max, 0, 1) * (height - 1)  # bar height per column (px)
    rows = np.arange(height)[:, None]
    img[(height - 1 - rows) < bar[None, :]] = _BLUE
    pdf = np.exp(-(xs**2) / 2) / np.sqrt(2 * np.pi)
    yc = (height - 1 - np.clip(pdf / y_max, 0, 1) * (height - 1)).round().astype(int)
    for dy in (-1, 0, 1):  # a 3 px line
        img[np.clip(yc + dy, 0, height - 1), np.arange(width)] = _ORANGE
    img[-2:, :] = _AXIS
    return img


def forward_image_strip(
    x0: np.ndarray, eps: np.ndarray, alpha_bar: np.ndarray, ts: np.ndarray, gap: int = 8
) -> tuple[list[str], list[str]]:
    """PNG frames for ui.image_player (§10.1): x_t = sqrt(ab_t) x_0 + sqrt(1 - ab_t) eps,
    upscaled (nearest), beside the histogram of its values vs N(0, 1) (``histogram_raster``);
    and the frames' labels with the mix of signal and noise. One byte a pixel (palette PNG)."""
    x0 = np.asarray(x0, dtype=np.float32)
    eps = np.asarray(eps, dtype=np.float32)
    k = max(1, int(np.ceil(120 / min(x0.shape))))  # upscale so the histogram has >= 120 rows
    h = x0.shape[0] * k
    w_hist = int(h * 1.2)
    y_max = max(0.45, min(1.2, float(histogram_density(x0)[1].max()) * 1.05))
    white = np.full((h, gap), _WHITE, np.uint8)
    up = np.ones((k, k), np.uint8)
    urls, labels = [], []
    for t in ts:
        ab = 1.0 if t == 0 else float(alpha_bar[t - 1])
        xt = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps  # q(x_t | x_0) with the fixed eps
        grey = (np.clip((xt + 1) / 2, 0, 1) * 249).round().astype(np.uint8)
        pix = np.kron(grey, up) if k > 1 else grey
        urls.append(
            _png_palette_url(
                np.concatenate([pix, white, histogram_raster(xt, h, w_hist, y_max)], 1)
            )
        )
        labels.append(f"t = {t} · {np.sqrt(ab):.2f} x₀ + {np.sqrt(1 - ab):.2f} ε")
    return urls, labels
