"""Pure figure functions for the GAN page: data in, plotly Figure out (notes §9).

Colours follow `core.theme`: real data blue, generated samples orange, D(x) on the diverging
RdBu scale centred at 1/2 (blue = "real", red = "fake").
"""

from __future__ import annotations

import base64
import math

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from core.theme import DIVERGING, PALETTE, SEQUENTIAL

REAL, FAKE, ARROW, SHEET = PALETTE[0], PALETTE[1], "#000000", PALETTE[2]


def _scatter(x: np.ndarray, **kw):
    cls = go.Scattergl if len(x) > 3000 else go.Scatter
    return cls(x=x[:, 0], y=x[:, 1], mode="markers", **kw)


def field_figure(
    xs,
    ys,
    Z,
    *,
    real=None,
    fake=None,
    arrows=None,
    sheet=None,
    z_label="D(x)",
    prob=True,
    box=None,
    title: str = "",
) -> go.Figure:
    """D(x) heatmap with real / generated samples, generator gradient arrows and the noise sheet.

    arrows: (points (M, 2), directions (M, 2)); sheet: (L, 2) with NaN line breaks.
    """
    fig = go.Figure()
    if Z is not None:
        zkw = dict(zmin=0.0, zmax=1.0) if prob else dict(zmid=0.0)
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=Z,
                colorscale=DIVERGING,
                opacity=0.75,
                colorbar=dict(title=z_label, thickness=12),
                name=z_label,
                hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>" + z_label + "=%{z:.3f}<extra></extra>",
                **zkw,
            )
        )
    if sheet is not None:
        fig.add_trace(
            go.Scatter(
                x=sheet[:, 0],
                y=sheet[:, 1],
                mode="lines",
                name="G(noise grid)",
                line=dict(color=SHEET, width=1),
                opacity=0.7,
                hoverinfo="skip",
            )
        )
    if real is not None:
        fig.add_trace(_scatter(real, name="real", marker=dict(color=REAL, size=4, opacity=0.6)))
    if fake is not None:
        fig.add_trace(
            _scatter(fake, name="generated", marker=dict(color=FAKE, size=4, opacity=0.8))
        )
    if arrows is not None:
        p, g = arrows
        norm = np.linalg.norm(g, axis=1, keepdims=True)
        span = (box[1] - box[0]) if box else float(np.ptp(p[:, 0]) + 1e-6)
        scale = 0.08 * span / max(float(np.percentile(norm, 90)), 1e-12)
        tip = p + g * np.minimum(scale, 0.12 * span / np.maximum(norm, 1e-12))
        seg = np.full((3 * len(p), 2), np.nan, dtype=np.float32)
        seg[0::3], seg[1::3] = p, tip
        fig.add_trace(
            go.Scatter(
                x=seg[:, 0],
                y=seg[:, 1],
                mode="lines",
                name="−∇ₓ L_G",
                line=dict(color=ARROW, width=1.5),
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=tip[:, 0],
                y=tip[:, 1],
                mode="markers",
                showlegend=False,
                marker=dict(color=ARROW, size=3),
                hoverinfo="skip",
            )
        )
    if box is not None:
        fig.update_xaxes(range=[box[0], box[1]])
        fig.update_yaxes(range=[box[2], box[3]])
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_layout(title=title, height=520, legend=dict(orientation="h", y=-0.08))
    return fig


def mode_histogram_figure(
    steps, counts: np.ndarray, title: str = "Mode histogram over time"
) -> go.Figure:
    """Heatmap: x = training step, y = mode k, colour = fraction of HQ samples at mode k."""
    counts = np.asarray(counts, dtype=np.float64)  # (T, K)
    frac = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig = go.Figure(
        go.Heatmap(
            x=list(steps),
            y=[f"mode {k}" for k in range(counts.shape[1])],
            z=frac.T.astype(np.float32),
            colorscale=SEQUENTIAL,
            zmin=0,
            zmax=float(min(1.0, max(0.25, frac.max()))),
            colorbar=dict(title="share", thickness=12),
            hovertemplate="step %{x}<br>%{y}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, height=320, xaxis_title="generator step")
    return fig


def _grid_axes(
    n: int,
    cols: int,
    titles: list[str],
    vgap: float = 0.14,
    hgap: float = 0.08,
    y_range: tuple[float, float] = (0.0, 1.0),
) -> tuple[list[tuple[str, str]], dict, list]:
    """Explicit axis domains for n panels (much cheaper than make_subplots): (axis refs,
    layout dict, title annotations). Panels fill ``y_range`` of the paper height."""
    rows = max(1, math.ceil(n / cols))
    y_lo, y_hi = y_range
    w = (1 - hgap * (cols - 1)) / cols
    h = ((y_hi - y_lo) - vgap * (rows - 1)) / rows
    refs, layout, notes = [], {}, []
    for i in range(n):
        r, c = divmod(i, cols)
        k = "" if i == 0 else str(i + 1)
        x0, y1 = c * (w + hgap), y_hi - r * (h + vgap)
        layout[f"xaxis{k}"] = dict(domain=[max(x0, 0.0), min(x0 + w, 1.0)], anchor=f"y{k}")
        layout[f"yaxis{k}"] = dict(domain=[max(y1 - h, 0.0), min(y1, 1.0)], anchor=f"x{k}")
        refs.append((f"x{k}", f"y{k}"))
        notes.append(
            dict(
                text=titles[i],
                x=x0 + w / 2,
                y=y1,
                xref="paper",
                yref="paper",
                xanchor="center",
                yanchor="bottom",
                yshift=10,  # clear of the top y tick label, which sits half above the panel
                showarrow=False,
            )
        )
    return refs, layout, notes


def metric_curves_figure(steps, curves: dict[str, list[float]]) -> go.Figure:
    """One small panel per metric (modes captured, % HQ, reverse KL, JS) over steps."""
    names = [k for k, v in curves.items() if len(v)]
    refs, layout, notes = _grid_axes(len(names), 2, names)
    fig = go.Figure(layout=dict(layout, annotations=notes))
    x = np.asarray(list(steps), dtype=np.float32)
    for i, k in enumerate(names):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(curves[k], dtype=np.float32),
                mode="lines+markers",
                marker=dict(size=4),
                name=k,
                xaxis=refs[i][0],
                yaxis=refs[i][1],
                line=dict(color=PALETTE[i % len(PALETTE)]),
            )
        )
    fig.update_layout(height=230 * max(1, math.ceil(len(names) / 2)), showlegend=False)
    return fig


def timeline_figure(steps, counts: np.ndarray | None, curves: dict[str, list[float]]) -> go.Figure:
    """The run's history in one figure: the mode histogram over time on top (x = generator step,
    y = mode k, colour = share of the high-quality samples at mode k; collapse = one bright row,
    mode hopping = the bright row jumping), the metric curves below."""
    names = [k for k, v in curves.items() if len(v)]
    x = np.asarray(list(steps), dtype=np.float32)
    top = 0.4 if counts is not None else 0.0
    # gaps wide enough that a panel's title never sits on the tick labels of the panel above
    refs, layout, notes = _grid_axes(
        len(names), 2, names, vgap=0.2, hgap=0.14, y_range=(0.0, 1 - top - 0.04)
    )
    traces = []
    if counts is not None:
        counts = np.asarray(counts, dtype=np.float64)  # (T, K)
        frac = counts / np.maximum(counts.sum(1, keepdims=True), 1)
        traces.append(
            go.Heatmap(
                x=x,
                y=np.arange(counts.shape[1]),
                z=frac.T.astype(np.float32),
                colorscale=SEQUENTIAL,
                zmin=0,
                zmax=float(min(1.0, max(0.25, frac.max()))),
                colorbar=dict(title="share", thickness=10, len=0.38, y=0.8),
                xaxis="x9",
                yaxis="y9",
                hovertemplate="step %{x}<br>mode %{y}: %{z:.2f}<extra></extra>",
            )
        )
        layout["xaxis9"] = dict(domain=[0, 1], anchor="y9")
        layout["yaxis9"] = dict(domain=[1 - top + 0.07, 1], anchor="x9", title="mode")
        notes.append(
            dict(
                text="mode histogram over time",
                x=0.5,
                y=1,
                xref="paper",
                yref="paper",
                yanchor="bottom",
                showarrow=False,
            )
        )
    for i, k in enumerate(names):
        traces.append(
            go.Scatter(
                x=x,
                y=np.asarray(curves[k], dtype=np.float32),
                mode="lines+markers",
                marker=dict(size=4),
                name=k,
                xaxis=refs[i][0],
                yaxis=refs[i][1],
                line=dict(color=PALETTE[i % len(PALETTE)]),
            )
        )
    layout.update(
        height=660 if counts is not None else 440,
        showlegend=False,
        annotations=notes,
        margin=dict(t=40),
    )
    return go.Figure(data=traces, layout=layout)


# ------------------------------------------------------------------ frames for ui.plot_player
def _f4(a) -> dict:
    """A float32 array in plotly's JSON typed-array form (what ``fig.to_json()`` writes)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    out = {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim == 2:
        out["shape"] = f"{a.shape[0]}, {a.shape[1]}"
    return out


# plotly.py resolves a named scale to its own list (RdBu: red at 0, blue at 1); plotly.js's
# built-in "RdBu" runs the other way, so a dict frame carries the resolved list
_DIVERGING_SCALE = [[float(p), c] for p, c in get_colorscale(DIVERGING)]


def field_frame(
    xs,
    ys,
    Z,
    *,
    real=None,
    fake=None,
    arrows=None,
    sheet=None,
    z_label="D(x)",
    prob=True,
    box,
    title: str = "",
    height: int = 520,
) -> dict:
    """`field_figure` as a plain dict in plotly's JSON form (same traces, same order), for
    animation frames: building a validated ``go.Figure`` costs ~10x the data it shows, and the
    live view draws 8 of these per tick. Arrays travel as float32 base64."""
    data: list[dict] = []
    if Z is not None:
        zkw = dict(zmin=0.0, zmax=1.0) if prob else dict(zmid=0.0)
        data.append(
            dict(
                type="heatmap",
                x=_f4(xs),
                y=_f4(ys),
                z=_f4(Z),
                colorscale=_DIVERGING_SCALE,
                opacity=0.75,
                colorbar=dict(title=dict(text=z_label), thickness=12),
                name=z_label,
                hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>" + z_label + "=%{z:.3f}<extra></extra>",
                **zkw,
            )  # fmt: skip
        )
    if sheet is not None:
        data.append(
            dict(
                type="scatter",
                x=_f4(sheet[:, 0]),
                y=_f4(sheet[:, 1]),
                mode="lines",
                name="G(noise grid)",
                line=dict(color=SHEET, width=1),
                opacity=0.7,
                hoverinfo="skip",
            )  # fmt: skip
        )
    for pts, name, color, op in ((real, "real", REAL, 0.6), (fake, "generated", FAKE, 0.8)):
        if pts is not None:
            data.append(
                dict(
                    type="scattergl" if len(pts) > 3000 else "scatter",
                    x=_f4(pts[:, 0]),
                    y=_f4(pts[:, 1]),
                    mode="markers",
                    name=name,
                    marker=dict(color=color, size=4, opacity=op),
                )  # fmt: skip
            )
    if arrows is not None:
        p, g = arrows
        norm = np.linalg.norm(g, axis=1, keepdims=True)
        span = box[1] - box[0]
        scale = 0.08 * span / max(float(np.percentile(norm, 90)), 1e-12)
        tip = p + g * np.minimum(scale, 0.12 * span / np.maximum(norm, 1e-12))
        seg = np.full((3 * len(p), 2), np.nan, dtype=np.float32)
        seg[0::3], seg[1::3] = p, tip
        data.append(
            dict(
                type="scatter",
                x=_f4(seg[:, 0]),
                y=_f4(seg[:, 1]),
                mode="lines",
                name="−∇ₓ L_G",
                line=dict(color=ARROW, width=1.5),
                hoverinfo="skip",
            )  # fmt: skip
        )
        data.append(
            dict(
                type="scatter",
                x=_f4(tip[:, 0]),
                y=_f4(tip[:, 1]),
                mode="markers",
                showlegend=False,
                marker=dict(color=ARROW, size=3),
                hoverinfo="skip",
            )  # fmt: skip
        )
    layout = dict(
        title=dict(text=title),
        height=height,
        xaxis=dict(range=[box[0], box[1]]),
        yaxis=dict(range=[box[2], box[3]], scaleanchor="x", scaleratio=1),
        legend=dict(orientation="h", y=-0.08),
        uirevision="gan_field",
    )
    return {"data": data, "layout": layout}


# the §9.1 theory panel's figures live in their own module; imported here for callers
from core.gan.figures_theory import (  # noqa: E402
    class_histogram_figure,
    dstar_figure,
    value_curve_figure,
)

__all__ = ["class_histogram_figure", "dstar_figure", "value_curve_figure"]
