"""Curves for the RL page (notes §11): pure functions data -> plotly Figure: value-iteration
convergence against its contraction bound, learning curves over seeds, learned vs exact values.
These are drawn once per state of the page (the views cache them), so they stay ``go.Figure``s."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.theme import PALETTE


def _positive(x) -> np.ndarray:
    """Values for a log axis: non-positive entries become NaN (gaps, not errors)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, np.nan)


def convergence_plot(
    residuals: np.ndarray, errors: np.ndarray | None, bound: np.ndarray | None, t: int | None = None
) -> go.Figure:
    """Bellman residual ||v_{t+1} - v_t||, error ||v_t - v*|| and the bound gamma^t ||v_0 - v*||
    against t on a log axis (notes §11: linear convergence in gamma)."""
    fig = go.Figure()
    if errors is not None:
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(errors)),
                y=_positive(errors),
                name="‖v_t − v*‖∞",
                line=dict(color=PALETTE[0], width=3),
            )
        )
    if bound is not None:
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(bound)),
                y=_positive(bound),
                name="γ^t ‖v_0 − v*‖∞ (bound)",
                line=dict(color=PALETTE[3], dash="dash", width=2),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=np.arange(1, len(residuals) + 1),
            y=_positive(residuals),
            name="residual ‖v_t − v_{t−1}‖∞",
            line=dict(color=PALETTE[2], dash="dot", width=2),
        )
    )
    marker = (
        []
        if t is None
        else [
            dict(
                type="line",
                x0=t,
                x1=t,
                y0=0,
                y1=1,
                yref="paper",
                line=dict(color="#333333", width=2, dash="dot"),
            )
        ]
    )
    fig.update_layout(
        height=340,
        legend=dict(orientation="h", y=1.12),
        shapes=marker,
        yaxis=dict(type="log", title="sup-norm", exponentformat="power"),
        xaxis=dict(title="iteration t"),
    )
    return fig


def _smooth(y: np.ndarray, window: int) -> np.ndarray:
    """Moving average along the last axis (valid part padded at the start)."""
    if window <= 1 or y.shape[-1] < window:
        return y
    c = np.cumsum(np.pad(y, [(0, 0)] * (y.ndim - 1) + [(1, 0)]), axis=-1)
    out = (c[..., window:] - c[..., :-window]) / window
    head = c[..., 1:window] / np.arange(1, window)
    return np.concatenate([head, out], axis=-1)


def learning_curves(
    curves: dict[str, np.ndarray],
    *,
    ylabel: str,
    smooth: int = 1,
    references: dict[str, float] | None = None,
    log_y: bool = False,
    max_points: int = 1000,
    yrange: tuple[float, float] | None = None,
) -> go.Figure:
    """Mean over seeds of each (B, E) curve with a band (mean ± one standard deviation over
    seeds); dashed horizontal lines for ``references`` (e.g. the book's values)."""
    fig = go.Figure()
    for k, (label, y) in enumerate(curves.items()):
        y = _smooth(np.asarray(y, dtype=np.float64), smooth)
        if y.shape[1] == 0:
            continue
        m, sd = y.mean(0), y.std(0)
        x = np.arange(1, y.shape[1] + 1)
        step = max(1, len(x) // max_points)
        x, m, sd = x[::step], m[::step], sd[::step]
        color = PALETTE[k % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=np.r_[x, x[::-1]],
                y=np.r_[m + sd, (m - sd)[::-1]],
                fill="toself",
                fillcolor=_alpha(color, 0.18),
                line=dict(width=0),
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=m,
                name=f"{label} (mean of {y.shape[0]} seeds)",
                line=dict(color=color, width=2.5),
            )
        )
    for k, (label, value) in enumerate((references or {}).items()):
        fig.add_hline(
            y=value,
            line=dict(color=PALETTE[k % len(PALETTE)], dash="dash", width=1.5),
            annotation_text=label,
            annotation_position="top left" if k % 2 else "bottom right",
        )
    fig.update_xaxes(title="episode")
    fig.update_yaxes(title=ylabel, type="log" if log_y else "linear", range=yrange)
    fig.update_layout(height=360, legend=dict(orientation="h", y=1.14))
    return fig


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{a})"


def value_scatter(
    v_learned: np.ndarray,
    v_true: np.ndarray,
    *,
    xlabel: str = "v* (exact)",
    ylabel: str = "learned V",
) -> go.Figure:
    """Learned values against the exact ones, one point per state, with the line y = x."""
    lo = float(min(np.min(v_true), np.min(v_learned)))
    hi = float(max(np.max(v_true), np.max(v_learned)))
    fig = go.Figure(
        [
            go.Scatter(
                x=[lo, hi],
                y=[lo, hi],
                mode="lines",
                name="y = x",
                line=dict(color="#999999", dash="dash"),
            ),
            go.Scatter(
                x=v_true,
                y=v_learned,
                mode="markers",
                name="states",
                marker=dict(size=9, color=PALETTE[0]),
            ),
        ]
    )
    fig.update_xaxes(title=xlabel)
    fig.update_yaxes(title=ylabel)
    fig.update_layout(height=340, showlegend=False)
    return fig
