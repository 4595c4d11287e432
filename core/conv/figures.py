"""Pure figures for the convolution page: data (numpy arrays) -> plotly Figure (notes §2–3).

Big images (photos, feature maps) travel as one PNG inside ``go.Image`` (a 512-px photo is a
few hundred kB instead of a 262k-cell heatmap). Small numeric grids with the number written in
each cell (so a step-through reads like the notes' figures) are plain data for a canvas
(``grid_panel`` ... for ``ui.conv.grids``): as plotly heatmaps every number was an SVG text node,
all redrawn on every update (~13k DOM changes per slider press). Large matrices stay heatmaps.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from core.theme import PALETTE

HIGHLIGHT = PALETTE[3]  # vermillion: patch / argmax / receptive field outlines
SECOND = PALETTE[1]  # orange: the output cell / second highlight
_RDBU = np.array(
    [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]], np.float32
)  # RdBu reversed: negative blue, positive red


def _lut(anchors: np.ndarray, n: int = 256) -> np.ndarray:
    """An n-entry colour table interpolated between equally spaced anchor colours."""
    t = np.linspace(0, len(anchors) - 1, n)
    return (
        np.stack([np.interp(t, np.arange(len(anchors)), anchors[:, c]) for c in range(3)], 1)
        .round()
        .astype(np.uint8)
    )


_SIGNED_LUT = _lut(_RDBU, 255)  # odd length: index 127 is exactly the white of 0
_GREY_LUT = _lut(np.array([[0, 0, 0], [255, 255, 255]], np.float32))


def to_rgb(img: np.ndarray, signed: bool | None = None) -> np.ndarray:
    """(H, W) floats -> (H, W, 3) uint8. Signed data: blue-white-red around 0, scaled by max |x|;
    otherwise grey levels over [min, max] (or [0, 1] when the data already lie there)."""
    a = np.nan_to_num(np.asarray(img, np.float32))
    if signed is None:
        signed = bool(a.min() < -1e-6)
    if signed:  # scale by a robust max (99.5th percentile of |x|) so a few peaks do not wash out
        m = float(np.quantile(np.abs(a.ravel()[::7]), 0.995)) if a.size > 4096 else 0.0
        m = m or float(np.abs(a).max()) or 1.0
        q = np.rint((a / m + 1) * 127).clip(0, 254).astype(np.uint8)
        return _SIGNED_LUT[q]
    lo, hi = (0.0, 1.0) if a.min() >= 0 and a.max() <= 1 else (float(a.min()), float(a.max()))
    q = ((a - lo) * (255 / ((hi - lo) or 1.0))).clip(0, 255).astype(np.uint8)
    return _GREY_LUT[q]


def png_uri(rgb: np.ndarray) -> str:
    """An (H, W, 3) uint8 array as a data URI: PNG for small or few-colour images (crisp cells),
    JPEG (quality 92) for photos, which is several times smaller and faster to send."""
    buf = io.BytesIO()
    im = Image.fromarray(rgb)
    if rgb.shape[0] * rgb.shape[1] > 96 * 96:
        im.save(buf, format="JPEG", quality=92)
        return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    im.save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def image_uri(img: np.ndarray, signed: bool | None = None) -> str:
    """`to_rgb` then `png_uri`: pages may cache this for images that do not change."""
    return png_uri(to_rgb(img, signed))


def _image_trace(img, signed: bool | None = None, axis: str = "") -> dict:
    if isinstance(img, str):
        src = img
    elif np.asarray(img).ndim == 3:  # already (H, W, 3) uint8 colours
        src = png_uri(np.ascontiguousarray(img, dtype=np.uint8))
    else:
        src = image_uri(img, signed)
    return dict(type="image", source=src, hoverinfo="skip", xaxis=f"x{axis}", yaxis=f"y{axis}")


def _panels(
    titles: list[str],
    widths: list[float] | None = None,
    gap: float = 0.03,
    square: bool = True,
    heights: list[float] | None = None,
) -> dict:
    """Layout for panels side by side (a light-weight make_subplots): axes x, x2, ... and titles.

    ``heights`` (fractions of the figure, top-aligned) let small grids keep the cell size of
    the tallest one.
    """
    n = len(titles)
    widths = widths or [1.0] * n
    heights = heights or [1.0] * n
    total = sum(widths)
    usable = 1 - gap * (n - 1)
    layout: dict = {"annotations": [], "showlegend": False}
    x0 = 0.0
    for i, (t, w, hf) in enumerate(zip(titles, widths, heights, strict=False), 1):
        x1 = min(1.0, x0 + usable * w / total)
        sfx = "" if i == 1 else str(i)
        layout[f"xaxis{sfx}"] = dict(
            domain=[min(x0, x1), x1],
            anchor=f"y{sfx}",
            showticklabels=False,
            showgrid=False,
            zeroline=False,
        )
        layout[f"yaxis{sfx}"] = dict(
            domain=[max(0.0, 1 - hf), 1],
            anchor=f"x{sfx}",
            showticklabels=False,
            showgrid=False,
            zeroline=False,
            autorange="reversed",
            **({"scaleanchor": f"x{sfx}"} if square else {}),
        )
        layout["annotations"].append(
            dict(
                text=t,
                x=(x0 + x1) / 2,
                y=1.0,
                xref="paper",
                yref="paper",
                yanchor="bottom",
                showarrow=False,
            )
        )
        x0 = x1 + gap
    return layout


def images_row(
    images: list,
    titles: list[str],
    signed: list[bool | None] | None = None,
    height: int | None = None,
    aspect: float = 1.0,
    shapes: list[tuple[int, int]] | None = None,
) -> go.Figure:
    """Several images side by side (each its own colour scaling); an entry may be a cached URI.

    Without ``height`` the figure is sized for images of ``aspect`` = H / W in a ~1000 px row.
    With ``shapes`` (each image's (H, W)) every panel gets the same pixel scale, images drawn
    from the top-left corner: a stride-2 output is drawn at half the input's size (true
    relative scale), not stretched to fill its panel.
    """
    if height is None:
        height = int(np.clip(60 + 1000 / len(images) * aspect, 160, 560))
    traces = [
        _image_trace(img, None if signed is None else signed[c], "" if c == 0 else str(c + 1))
        for c, img in enumerate(images)
    ]
    layout = _panels(titles, square=shapes is not None)
    if shapes is not None:
        Hm, Wm = max(h for h, _ in shapes), max(w for _, w in shapes)
        for c in range(len(images)):
            sfx = "" if c == 0 else str(c + 1)
            layout[f"xaxis{sfx}"].update(range=[-0.5, Wm - 0.5], constrain="domain")
            layout[f"yaxis{sfx}"].update(range=[Hm - 0.5, -0.5], autorange=False,
                                         constrain="domain")  # fmt: skip
    layout.update(height=height, margin=dict(t=40, l=10, r=10, b=10))
    return go.Figure(data=traces, layout=layout)


def _fmt(a: np.ndarray) -> str:
    a = np.asarray(a)
    return (
        ".0f"
        if np.all(np.abs(a - np.round(a)) < 1e-9) and np.abs(a).max(initial=0) < 1e6
        else ".2f"
    )


def _grid_trace(a: np.ndarray, signed: bool, axis: str = "") -> dict:
    a = np.atleast_2d(np.asarray(a, np.float64))
    fmt = _fmt(a)
    text = [[format(v + 0.0, fmt) for v in row] for row in a.tolist()]  # + 0.0: no "-0"
    return dict(
        type="heatmap",
        z=a.tolist(),
        text=text,
        texttemplate="%{text}",
        colorscale="RdBu_r" if signed else "Blues",
        zmid=0.0 if signed else None,
        showscale=False,
        xgap=1,
        ygap=1,
        hoverinfo="skip",
        xaxis=f"x{axis}",
        yaxis=f"y{axis}",
    )


def grid_panel(a: np.ndarray, signed: bool = False) -> dict:
    """One small numeric grid for ``ui.conv.grids`` (a canvas, one number per cell): its shape,
    values (colour), the numbers as written (integers without decimals, no "-0") and whether
    its colour scale is signed (red-blue around 0; also when the grid has negatives)."""
    a = np.atleast_2d(np.asarray(a, np.float64))
    fmt = _fmt(a)
    v = np.where(np.isfinite(a), a, 0.0)  # colour of a non-finite cell: that of 0
    return {
        "r": int(a.shape[0]),
        "c": int(a.shape[1]),
        "v": [float(format(x, ".6g")) for x in v.ravel().tolist()],
        "t": [format(x + 0.0, fmt) for x in a.ravel().tolist()],  # + 0.0: no "-0"
        "s": bool(signed),
    }


def grid_boxes(boxes: dict[int, list] | None) -> list:
    """{panel: [(row0, col0, row1, col1, colour), ...]} (inclusive cell ranges) -> a flat list
    [[panel, row0, col0, row1, col1, colour], ...]."""
    return [[int(c), *map(int, b[:4]), str(b[4])] for c, bs in (boxes or {}).items() for b in bs]


def grid_frames(frames: list[dict], signed: bool = False) -> list[dict]:
    """A player's frames: "grids" {panel: grid} replaced, "boxes" added, "taps" (panel, row0,
    col0, k, d, colour): a kernel window's k x k cells d apart (drawn by the browser)."""
    return [
        {
            "g": {str(c): grid_panel(a, signed) for c, a in f.get("grids", {}).items()},
            "b": grid_boxes(f.get("boxes")),
            "k": [*map(int, f["taps"][:5]), str(f["taps"][5])] if "taps" in f else None,
        }
        for f in frames
    ]


def matrix(T: np.ndarray, block: tuple[int, int] | None = None, title: str = "") -> go.Figure:
    """A (Toeplitz) matrix as a heatmap; ``block`` = (rows, cols) draws the block grid."""
    T = np.asarray(T, np.float64)
    trace = _grid_trace(T, True)
    if T.size > 700:  # too many cells to write numbers into
        trace.pop("text"), trace.pop("texttemplate")
    shapes = []
    if block:
        br, bc = block
        line = dict(color=PALETTE[7], width=1.5)
        shapes += [
            dict(type="line", x0=-0.5, x1=T.shape[1] - 0.5, y0=r - 0.5, y1=r - 0.5, line=line)
            for r in range(br, T.shape[0], br)
        ]
        shapes += [
            dict(type="line", y0=-0.5, y1=T.shape[0] - 0.5, x0=c - 0.5, x1=c - 0.5, line=line)
            for c in range(bc, T.shape[1], bc)
        ]
    layout = _panels([title], square=False)
    layout.update(
        shapes=shapes,
        height=int(min(700, 120 + 22 * T.shape[0])),
        margin=dict(t=40, l=10, r=10, b=10),
    )
    return go.Figure(data=[trace], layout=layout)


def filters(w: np.ndarray, ncol: int = 8, title: str = "") -> go.Figure:
    """First-layer filters (C_out, k, k) tiled, each scaled to its own max |w| (signed)."""
    c, k, _ = w.shape
    nrow = int(np.ceil(c / ncol))
    tile = np.zeros((nrow * (k + 1) - 1, ncol * (k + 1) - 1, 3), np.uint8) + 255
    for idx in range(c):
        r, q = divmod(idx, ncol)
        tile[r * (k + 1) : r * (k + 1) + k, q * (k + 1) : q * (k + 1) + k] = to_rgb(w[idx], True)
    big = np.kron(tile, np.ones((12, 12, 1), np.uint8))
    buf = io.BytesIO()
    Image.fromarray(big).save(buf, format="PNG", compress_level=1)  # crisp cells: always PNG
    src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    layout = _panels([title], square=False)
    layout.update(height=80 + 70 * nrow, margin=dict(t=40, l=10, r=10, b=10))
    return go.Figure(data=[_image_trace(src)], layout=layout)


def feature_maps(maps: dict[str, np.ndarray], n: int = 8, size: int = 28) -> go.Figure:
    """One row per layer: its first ``n`` channels of a (C, H, W) map, each min-max scaled;
    everything is tiled into ONE image (fast to send).

    Maps are drawn at TRUE RELATIVE SCALE: one pixel scale for all rows (the largest map shown
    at ``size`` px, nearest), so a 7x7 map after two poolings is a quarter of the 28x28 input's
    width, as it is, instead of being stretched to the same tile size."""
    rows, pad = [], 3
    arrays = [np.asarray(maps[name], np.float32)[:n] for name in maps]
    rep = max(1, size // max(a.shape[1] for a in arrays))  # one scale for every row
    for m in arrays:
        c, h, w = m.shape
        tile = np.ones((h * rep, c * (w * rep + pad) - pad), np.float32)
        for q in range(c):
            a = m[q]
            a = (a - a.min()) / ((a.max() - a.min()) or 1.0)
            tile[:, q * (w * rep + pad) : q * (w * rep + pad) + w * rep] = np.kron(
                a, np.ones((rep, rep))
            )
        rows.append(tile)
    width = max(r.shape[1] for r in rows)
    canvas = np.ones((sum(r.shape[0] + pad for r in rows) - pad, width), np.float32)
    annotations, y = [], 0
    for name, r in zip(maps, rows, strict=False):
        canvas[y : y + r.shape[0], : r.shape[1]] = r
        annotations.append(
            dict(
                text=name,
                x=-4,
                y=y + r.shape[0] / 2,
                xref="x",
                yref="y",
                xanchor="right",
                showarrow=False,
            )
        )
        y += r.shape[0] + pad
    rgb = to_rgb(canvas, False)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    layout = _panels([""], square=False)
    layout.update(
        annotations=annotations,
        height=int(30 + 2.2 * canvas.shape[0]),
        margin=dict(l=170, r=10, t=10, b=10),
    )
    return go.Figure(data=[_image_trace(src)], layout=layout)


def probabilities(p: np.ndarray, title: str = "") -> go.Figure:
    """Class probabilities as bars (the predicted class highlighted)."""
    colours = [HIGHLIGHT if i == int(np.argmax(p)) else PALETTE[0] for i in range(len(p))]
    fig = go.Figure(go.Bar(x=[str(i) for i in range(len(p))], y=p, marker_color=colours))
    fig.update_layout(
        title=title, height=260, yaxis=dict(range=[0, 1], title="p(class | x)"), xaxis_title="class"
    )
    return fig


def receptive_field(
    img: np.ndarray, windows: list[tuple[str, float, float, float, float]]
) -> go.Figure:
    """The input with rectangles (name, row0, row1, col0, col1) in pixel coordinates."""
    h, w = img.shape[:2]
    traces, shapes = [_image_trace(img, False)], []
    for k, (name, r0, r1, c0, c1) in enumerate(windows):
        colour = PALETTE[(k + 3) % len(PALETTE)]
        shapes.append(
            dict(
                type="rect",
                x0=c0 - 0.5,
                x1=c1 - 0.5,
                y0=r0 - 0.5,
                y1=r1 - 0.5,
                line=dict(color=colour, width=3),
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=[None],
                y=[None],
                mode="lines",
                name=name,
                line=dict(color=colour, width=3),
            )
        )
    layout = _panels([""], square=False)
    layout["xaxis"]["range"] = [-0.5 - 0.2 * w, 1.2 * w - 0.5]
    layout["yaxis"].pop("autorange")
    layout["yaxis"]["range"] = [1.2 * h - 0.5, -0.5 - 0.2 * h]
    layout.update(
        shapes=shapes,
        height=460,
        showlegend=True,
        legend=dict(orientation="h", y=-0.05),
        margin=dict(t=10, l=10, r=10, b=10),
    )
    return go.Figure(data=traces, layout=layout)


def latex_matrix(a: np.ndarray) -> str:
    """A small matrix as a LaTeX bmatrix (integers without decimals)."""
    a = np.asarray(a, np.float64)
    fmt = _fmt(a) if a.size else ".0f"
    rows = [" & ".join(format(v, fmt) for v in row) for row in a.tolist()]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def error_map(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Segmentation errors as colours: hit white, miss (false negative) blue, false alarm
    (false positive) vermillion, background black -> (H, W, 3) uint8."""
    p, t = np.asarray(pred, bool), np.asarray(target, bool)
    out = np.zeros(p.shape + (3,), np.uint8)
    out[p & t] = (255, 255, 255)
    out[~p & t] = (0, 114, 178)
    out[p & ~t] = (213, 94, 0)
    return out
