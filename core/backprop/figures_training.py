"""Figures of the live Playground (notes §1.2-1.4): decision heatmap with the train/test
points, the one-figure live view and its cheap per-frame updates (plotly JSON form), neuron
small multiples (one tiled heatmap), loss curves, gradient norms and the confusion matrix.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.backprop.figures_base import (
    BINARY_SCALE,
    CLASS_COLOURS,
    NEG,
    POS,
    SIGNED_SCALE,
    _downsample,
    _typed,
    log_ticks,
)


def _points(fig, X, y, name, symbol, task, n_classes, opacity=1.0):
    X = np.asarray(X, np.float32)
    if task == "classification":
        for k in range(n_classes):
            m = y == k
            fig.add_trace(
                go.Scattergl(
                    x=X[m, 0],
                    y=X[m, 1],
                    mode="markers",
                    name=f"{name} class {k}",
                    marker=dict(
                        color=CLASS_COLOURS[k % len(CLASS_COLOURS)],
                        size=8,
                        symbol=symbol,
                        opacity=opacity,
                        line=dict(color="white", width=1),
                    ),
                )
            )
    else:
        fig.add_trace(
            go.Scattergl(
                x=X[:, 0],
                y=X[:, 1],
                mode="markers",
                name=name,
                marker=dict(
                    color=np.asarray(y, np.float32),
                    colorscale=SIGNED_SCALE,
                    cmid=0,
                    size=8,
                    symbol=symbol,
                    opacity=opacity,
                    line=dict(color="white", width=1),
                ),
            )
        )


def heat_values(out: np.ndarray, G: int, task: str, discretize: bool):
    """(Z (G, G) float32, zmin, zmax) of the decision heatmap: the arg-max class (K classes),
    P(y=1) (thresholded at 0.5 when ``discretize``), or y_hat on a symmetric range."""
    if task == "classification" and out.ndim == 2:
        K = out.shape[1]
        return out.argmax(axis=1).reshape(G, G).astype(np.float32), -0.5, K - 0.5
    Z = out.reshape(G, G)
    if task == "classification":
        Z = (Z > 0.5) if discretize else Z
        return Z.astype(np.float32), 0.0, 1.0
    fin = np.isfinite(Z)
    lim = float(np.max(np.abs(Z[fin]))) if fin.any() else 1.0
    lim = lim if lim > 0 else 1.0
    return Z.astype(np.float32), -lim, lim


def decision_figure(
    xs,
    ys,
    out: np.ndarray,
    data,
    *,
    show_test: bool = True,
    discretize: bool = False,
    title: str = "",
) -> go.Figure:
    """Heatmap of the network output over the plane with the train (•) and test (◇) points.

    ``out``: P(y=1) (G*G,), class probabilities (G*G, K) or regression y_hat (G*G,).
    """
    G = len(xs)
    fig = go.Figure()
    if data.task == "classification" and out.ndim == 2:  # K-class: arg max, shaded by p
        cls = heat_values(out, G, data.task, discretize)[0]
        K = out.shape[1]
        scale = []
        for k in range(K):
            c = CLASS_COLOURS[k % len(CLASS_COLOURS)]
            scale += [[k / K, c], [(k + 1) / K, c]]
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=cls.astype(np.float32),
                zmin=-0.5,
                zmax=K - 0.5,
                colorscale=scale,
                opacity=0.45 if discretize else 0.35,
                showscale=False,
                hoverinfo="skip",
            )
        )
    elif data.task == "classification":
        Z = heat_values(out, G, data.task, discretize)[0]
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=Z.astype(np.float32),
                zmin=0,
                zmax=1,
                colorscale=BINARY_SCALE,
                opacity=0.6,
                colorbar=dict(title="P(y=1)", len=0.8),
            )
        )
    else:
        Z, _, lim = heat_values(out, G, data.task, discretize)
        fig.add_trace(
            go.Heatmap(
                x=xs,
                y=ys,
                z=Z.astype(np.float32),
                zmid=0,
                zmin=-lim,
                zmax=lim,
                colorscale=SIGNED_SCALE,
                opacity=0.6,
                colorbar=dict(title="ŷ", len=0.8),
            )
        )
    _points(fig, data.X_train, data.y_train, "train", "circle", data.task, data.n_classes)
    if show_test:
        _points(fig, data.X_test, data.y_test, "test", "diamond-open", data.task, data.n_classes)
    fig.update_layout(
        title=title,
        height=460,
        xaxis_title="x₁",
        yaxis_title="x₂",
        legend=dict(orientation="h", y=-0.15),
    )
    fig.update_xaxes(range=[xs[0], xs[-1]], constrain="domain")
    fig.update_yaxes(range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1)
    return fig


def regression_1d_figure(
    x_line: np.ndarray, y_line: np.ndarray, data, *, show_test: bool = True
) -> go.Figure:
    """1-D regression: the fitted curve y_hat(x1) over the train and test points."""
    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=data.X_train[:, 0],
            y=data.y_train,
            mode="markers",
            name="train",
            marker=dict(color=POS, size=7),
        )
    )
    if show_test:
        fig.add_trace(
            go.Scattergl(
                x=data.X_test[:, 0],
                y=data.y_test,
                mode="markers",
                name="test",
                marker=dict(color=NEG, size=7, symbol="diamond-open"),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x_line,
            y=np.asarray(y_line, np.float32),
            mode="lines",
            name="network ŷ(x₁)",
            line=dict(color="black", width=3),
        )
    )
    fig.update_layout(height=420, xaxis_title="x₁", yaxis_title="y")
    return fig


def _loss_xy(history, initial: tuple[float, float] | None):
    """Downsampled (steps, train loss, test loss), starting with the step-0 losses if given."""
    step, loss, test = list(history.step), list(history.loss), list(history.test_loss)
    if initial is not None:
        step, loss, test = [0, *step], [initial[0], *loss], [initial[1], *test]
    return _downsample(np.asarray(step, np.float32), loss, test, max_points=300)


def live_figure(
    xs,
    ys,
    out: np.ndarray | None,
    data,
    history,
    *,
    initial: tuple[float, float] | None = None,
    line: tuple[np.ndarray, np.ndarray] | None = None,
    show_test: bool = True,
    discretize: bool = False,
    loss_name: str = "loss",
) -> go.Figure:
    """The live training view as ONE figure (cheap to redraw ~10x a second in the browser):
    left, the decision heatmap with the train/test points (or, for 1-D regression, the curve
    ``line`` = (x, y_hat)); right, train and test loss vs step from step 0 (``initial``).
    The same traces in the same order in every frame; the left axes have fixed ranges."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.16,
        subplot_titles=(
            "network output" + ("" if line is not None or out.ndim == 2 else ": P(y=1)")
            if data.task == "classification"
            else "network ŷ",
            loss_name,
        ),
    )
    if line is None:
        left = decision_figure(xs, ys, out, data, show_test=show_test, discretize=discretize)
        for tr in left.data:
            if isinstance(tr, go.Heatmap) and tr.colorbar is not None:
                tr.colorbar.update(x=0.515, len=0.8, thickness=10, title=None)
            if isinstance(tr, go.Scattergl):  # SVG redraws ~1,000 points faster than WebGL
                d = tr.to_plotly_json()  # in a software-rendered browser, ~10 times a second
                d.pop("type", None)
                tr = go.Scatter(d)
            fig.add_trace(tr, row=1, col=1)
        fig.update_xaxes(range=[xs[0], xs[-1]], constrain="domain", title="x₁", row=1, col=1)
        fig.update_yaxes(range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1, title="x₂",
                         row=1, col=1)  # fmt: skip
    else:
        left = regression_1d_figure(line[0], line[1], data, show_test=show_test)
        for tr in left.data:
            fig.add_trace(tr, row=1, col=1)
        y_all = np.asarray(data.y_train, np.float64)
        lo, hi = float(y_all.min()), float(y_all.max())
        pad = 0.3 * (hi - lo + 1e-9)
        fig.update_xaxes(title="x₁", row=1, col=1)
        fig.update_yaxes(range=[lo - pad, hi + pad], title="y", row=1, col=1)
    s, tr_l, te_l = _loss_xy(history, initial)
    mode = "lines+markers" if len(s) < 3 else "lines"
    fig.add_trace(go.Scatter(x=s, y=tr_l, mode=mode, name="train loss",
                             line=dict(color=POS, width=3)), row=1, col=2)  # fmt: skip
    fig.add_trace(go.Scatter(x=s, y=te_l, mode=mode, name="test loss",
                             line=dict(color=NEG, width=3)), row=1, col=2)  # fmt: skip
    fig.update_xaxes(title="step", rangemode="tozero", row=1, col=2)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_layout(height=460, legend=dict(orientation="h", y=-0.15), uirevision="bp_live",
                      margin=dict(t=50))  # fmt: skip
    return fig


def live_skeleton(fig: go.Figure) -> dict:
    """A `live_figure` in plotly's JSON form, for `live_frame` to fill in cheaply."""
    return json.loads(fig.to_json())


def live_frame(
    skeleton: dict,
    history,
    *,
    initial: tuple[float, float] | None = None,
    heat: tuple[np.ndarray, float, float] | None = None,
    line_y: np.ndarray | None = None,
) -> dict:
    """One live snapshot as a dict in plotly's JSON form (no go.Figure: ~2 ms, not ~60 ms):
    the skeleton's traces with the new heatmap ``heat`` = (Z, zmin, zmax) or 1-D curve
    ``line_y``, and the loss curves so far; same traces, same order, same layout."""
    data = [dict(t) for t in skeleton["data"]]
    if heat is not None:
        data[0]["z"], data[0]["zmin"], data[0]["zmax"] = _typed(heat[0]), heat[1], heat[2]
    if line_y is not None:
        data[-3]["y"] = _typed(np.asarray(line_y))
    s, tr, te = _loss_xy(history, initial)
    mode = "lines+markers" if len(s) < 3 else "lines"
    for t, y in ((data[-2], tr), (data[-1], te)):
        t["x"], t["y"], t["mode"] = _typed(s), _typed(y), mode
    return {"data": data, "layout": dict(skeleton["layout"])}


def loss_figure(history, title: str = "loss") -> go.Figure:
    s, tr, te = _downsample(history.step, history.loss, history.test_loss)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=s, y=tr, mode="lines", name="train", line=dict(color=POS, width=3)))
    fig.add_trace(go.Scatter(x=s, y=te, mode="lines", name="test", line=dict(color=NEG, width=3)))
    fig.update_layout(
        title=title,
        height=260,
        xaxis_title="step",
        yaxis_title="loss",
        legend=dict(orientation="h", y=1.15),
    )
    return fig


def grad_norm_figure(history) -> go.Figure:
    """||dL/dW_l||_F per layer over training, log scale (vanishing gradients show as a fan)."""
    G = np.asarray(history.grad_norm, np.float64)  # (T, L)
    s = np.asarray(history.step)
    fig = go.Figure()
    if G.ndim == 2 and G.shape[0] > 1:
        s_d, *cols = _downsample(s[1:], *[G[1:, l] for l in range(G.shape[1])])
        for l, col in enumerate(cols):
            col = np.where(col > 0, col, np.nan)
            fig.add_trace(
                go.Scatter(x=s_d, y=col, mode="lines", name=f"W{l + 1}", line=dict(width=2))
            )
    else:
        fig.add_annotation(
            text="no training steps yet: press Step or Play",
            showarrow=False,
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
        )
    g = G[1:][np.isfinite(G[1:]) & (G[1:] > 0)] if G.ndim == 2 and G.shape[0] > 1 else G[:0]
    yv, yt = log_ticks(g.min(), g.max()) if g.size else ([], [])
    fig.update_layout(
        height=260,
        xaxis_title="step",
        yaxis_title="‖∂L/∂W_l‖",
        yaxis=dict(type="log", tickvals=yv or None, ticktext=yt or None),
        legend=dict(orientation="h", y=1.15),
    )
    return fig


def confusion_figure(C: np.ndarray) -> go.Figure:
    k = C.shape[0]
    labels = [f"class {i}" for i in range(k)]
    fig = go.Figure(
        go.Heatmap(
            z=C,
            x=labels,
            y=labels,
            colorscale="Blues",
            showscale=False,
            text=C,
            texttemplate="%{text}",
            textfont=dict(size=18),
        )
    )
    fig.update_layout(height=260, xaxis_title="predicted", yaxis_title="true")
    fig.update_yaxes(autorange="reversed")
    return fig
