"""Pure figure functions for the GAN page: data in, plotly Figure out (notes §9).

Colours follow `core.theme`: real data blue, generated samples orange, D(x) on the diverging
RdBu scale centred at 1/2 (blue = "real", red = "fake").
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.theme import DIVERGING, PALETTE, SEQUENTIAL

REAL, FAKE, ARROW, SHEET = PALETTE[0], PALETTE[1], "#000000", PALETTE[2]


def _scatter(x: np.ndarray, **kw):
    cls = go.Scattergl if len(x) > 3000 else go.Scatter
    return cls(x=x[:, 0], y=x[:, 1], mode="markers", **kw)


def field_figure(xs, ys, Z, *, real=None, fake=None, arrows=None, sheet=None,
                 z_label="D(x)", prob=True, box=None, title: str = "") -> go.Figure:
    """D(x) heatmap with real / generated samples, generator gradient arrows and the noise sheet.

    arrows: (points (M, 2), directions (M, 2)); sheet: (L, 2) with NaN line breaks.
    """
    fig = go.Figure()
    if Z is not None:
        zkw = dict(zmin=0.0, zmax=1.0) if prob else dict(zmid=0.0)
        fig.add_trace(go.Heatmap(x=xs, y=ys, z=Z, colorscale=DIVERGING, opacity=0.75,
                                 colorbar=dict(title=z_label, thickness=12), name=z_label,
                                 hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>" + z_label + "=%{z:.3f}<extra></extra>",
                                 **zkw))
    if sheet is not None:
        fig.add_trace(go.Scatter(x=sheet[:, 0], y=sheet[:, 1], mode="lines", name="G(noise grid)",
                                 line=dict(color=SHEET, width=1), opacity=0.7, hoverinfo="skip"))
    if real is not None:
        fig.add_trace(_scatter(real, name="real", marker=dict(color=REAL, size=4, opacity=0.6)))
    if fake is not None:
        fig.add_trace(_scatter(fake, name="generated", marker=dict(color=FAKE, size=4, opacity=0.8)))
    if arrows is not None:
        p, g = arrows
        norm = np.linalg.norm(g, axis=1, keepdims=True)
        span = (box[1] - box[0]) if box else float(np.ptp(p[:, 0]) + 1e-6)
        scale = 0.08 * span / max(float(np.percentile(norm, 90)), 1e-12)
        tip = p + g * np.minimum(scale, 0.12 * span / np.maximum(norm, 1e-12))
        seg = np.full((3 * len(p), 2), np.nan, dtype=np.float32)
        seg[0::3], seg[1::3] = p, tip
        fig.add_trace(go.Scatter(x=seg[:, 0], y=seg[:, 1], mode="lines", name="−∇ₓ L_G",
                                 line=dict(color=ARROW, width=1.5), hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=tip[:, 0], y=tip[:, 1], mode="markers", showlegend=False,
                                 marker=dict(color=ARROW, size=3), hoverinfo="skip"))
    if box is not None:
        fig.update_xaxes(range=[box[0], box[1]])
        fig.update_yaxes(range=[box[2], box[3]])
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    fig.update_layout(title=title, height=520, legend=dict(orientation="h", y=-0.08))
    return fig


def mode_histogram_figure(steps, counts: np.ndarray, title: str = "Mode histogram over time") -> go.Figure:
    """Heatmap: x = training step, y = mode k, colour = fraction of HQ samples at mode k."""
    counts = np.asarray(counts, dtype=np.float64)                # (T, K)
    frac = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig = go.Figure(go.Heatmap(x=list(steps), y=[f"mode {k}" for k in range(counts.shape[1])],
                               z=frac.T.astype(np.float32), colorscale=SEQUENTIAL, zmin=0,
                               colorbar=dict(title="share", thickness=12),
                               hovertemplate="step %{x}<br>%{y}: %{z:.2f}<extra></extra>"))
    fig.update_layout(title=title, height=320, xaxis_title="generator step")
    return fig


def metric_curves_figure(steps, curves: dict[str, list[float]]) -> go.Figure:
    """One small panel per metric (modes captured, % HQ, reverse KL, JS, losses) over steps."""
    names = [k for k, v in curves.items() if len(v)]
    cols = 2
    rows = max(1, math.ceil(len(names) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, vertical_spacing=0.12)
    for i, k in enumerate(names):
        fig.add_trace(go.Scatter(x=list(steps), y=np.asarray(curves[k], dtype=np.float32),
                                 mode="lines+markers", marker=dict(size=4), name=k,
                                 line=dict(color=PALETTE[i % len(PALETTE)])),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(height=230 * rows, showlegend=False)
    return fig


def dstar_figure(xs, ys, D_learned, D_star, real=None, fake=None) -> go.Figure:
    """Learned D(x) next to the KDE-based optimum D*(x) = p_data / (p_data + p_model)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("learned D(x)", "D*(x) from density estimates"),
                        horizontal_spacing=0.08)
    for c, Z in ((1, D_learned), (2, D_star)):
        fig.add_trace(go.Heatmap(x=xs, y=ys, z=Z, colorscale=DIVERGING, zmin=0, zmax=1,
                                 showscale=c == 2, colorbar=dict(thickness=12)), row=1, col=c)
        for pts, color, name in ((real, REAL, "real"), (fake, FAKE, "generated")):
            if pts is not None:
                fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="markers", name=name,
                                         showlegend=c == 1, marker=dict(color=color, size=3)),
                              row=1, col=c)
    fig.update_layout(height=420, legend=dict(orientation="h", y=-0.1))
    return fig


def value_curve_figure(steps, values: list[float], js: list[float]) -> go.Figure:
    """V(G, D*) = 2 JS - log 4 over training against the global optimum -log 4 (Theorem 3)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(steps), y=values, mode="lines+markers", name="V(G, D*) (KDE)",
                             line=dict(color=PALETTE[0])))
    fig.add_trace(go.Scatter(x=list(steps), y=js, mode="lines+markers", name="JS(p_data‖p_model)",
                             line=dict(color=PALETTE[2])))
    fig.add_hline(y=-math.log(4), line_dash="dash", line_color=PALETTE[3],
                  annotation_text="−log 4 (p_model = p_data)")
    fig.add_hline(y=math.log(2), line_dash="dot", line_color=PALETTE[8],
                  annotation_text="log 2 (max JS)")
    fig.update_layout(height=340, xaxis_title="generator step", yaxis_title="nats",
                      legend=dict(orientation="h", y=-0.25))
    return fig


def class_histogram_figure(hist: np.ndarray, entropy: float) -> go.Figure:
    """Judged class histogram of generated digits, with the uniform 1/10 line."""
    fig = go.Figure(go.Bar(x=[str(c) for c in range(10)], y=np.asarray(hist, dtype=np.float32),
                           marker_color=PALETTE[0]))
    fig.add_hline(y=0.1, line_dash="dash", line_color=PALETTE[3], annotation_text="uniform")
    fig.update_layout(height=300, xaxis_title="class judged by the judge CNN",
                      yaxis_title="fraction", title=f"entropy {entropy:.3f} nats (uniform ln 10 = 2.303)")
    return fig
