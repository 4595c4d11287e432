"""The GAN page's §9.1 theory figures: the learned D(x) next to the optimum D*(x), the value
V(G, D) against −log 4 + 2·JS, and the class histogram of generated digits."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.gan.figures import FAKE, REAL, _grid_axes
from core.theme import DIVERGING, PALETTE


def dstar_figure(xs, ys, D_learned, D_star, real=None, fake=None) -> go.Figure:
    """Learned D(x) next to the KDE-based optimum D*(x) = p_data / (p_data + p_model)."""
    refs, layout, notes = _grid_axes(2, 2, ["learned D(x)", "D*(x) from density estimates"])
    fig = go.Figure(layout=dict(layout, annotations=notes))
    for c, Z in enumerate((D_learned, D_star)):
        xa, ya = refs[c]
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=Z,
                colorscale=DIVERGING,
                zmin=0,
                zmax=1,
                showscale=c == 1,
                colorbar=dict(thickness=12),
                xaxis=xa,
                yaxis=ya,
            )
        )
        for pts, color, name in ((real, REAL, "real"), (fake, FAKE, "generated")):
            if pts is not None:
                fig.add_trace(
                    go.Scatter(
                        x=pts[:, 0],
                        y=pts[:, 1],
                        mode="markers",
                        name=name,
                        showlegend=c == 0,
                        marker=dict(color=color, size=3),
                        xaxis=xa,
                        yaxis=ya,
                    )
                )
    fig.update_layout(height=420, legend=dict(orientation="h", y=-0.1))
    return fig


def value_curve_figure(steps, values: list[float], js: list[float]) -> go.Figure:
    """V(G, D*) = 2 JS - log 4 over training against the global optimum -log 4 (Theorem 3)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=list(steps),
            y=values,
            mode="lines+markers",
            name="V(G, D*) (KDE)",
            line=dict(color=PALETTE[0]),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=list(steps),
            y=js,
            mode="lines+markers",
            name="JS(p_data‖p_model)",
            line=dict(color=PALETTE[2]),
        )
    )
    x = list(steps)
    ends = [x[0], x[-1]] if x else [0, 1]
    fig.add_trace(
        go.Scatter(
            x=ends,
            y=[-math.log(4)] * 2,
            mode="lines",
            name="−log 4 (p_model = p_data)",
            line=dict(color=PALETTE[3], dash="dash"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ends,
            y=[math.log(2)] * 2,
            mode="lines",
            name="log 2 (largest JS)",
            line=dict(color=PALETTE[8], dash="dot"),
        )
    )
    fig.update_layout(
        height=340,
        xaxis_title="generator step",
        yaxis_title="nats",
        legend=dict(orientation="h", y=-0.25),
    )
    return fig


def class_histogram_figure(hist: np.ndarray, entropy: float) -> go.Figure:
    """Judged class histogram of generated digits, with the uniform 1/10 line."""
    fig = go.Figure(
        go.Bar(
            x=[str(c) for c in range(10)],
            y=np.asarray(hist, dtype=np.float32),
            marker_color=PALETTE[0],
            name="judged samples",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=["0", "9"],
            y=[0.1, 0.1],
            mode="lines",
            name="uniform 1/10",
            line=dict(color=PALETTE[3], dash="dash"),
        )
    )
    fig.update_layout(
        height=300,
        xaxis_title="class judged by the judge CNN",
        yaxis_title="fraction",
        title=f"entropy {entropy:.3f} nats (uniform ln 10 = 2.303)",
    )
    return fig
