"""Plotly figures of the backprop page: pure functions data -> go.Figure (notes §1.1-1.5).

Decision boundary heatmap, per-neuron small multiples (one tiled heatmap: fast), the network
graph (edge colour = sign, width = |value|; also the step-through overlay), loss curves,
gradient norms per layer, confusion matrix, perceptron and universal-approximation views.
Heavy arrays are sent as float32 and histories are downsampled.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def neuron_mosaic(maps: list[np.ndarray], titles: list[str] | None = None) -> go.Figure:
    """Small multiples of every hidden neuron's output over the plane, as ONE tiled heatmap.

    ``maps[l]``: (g, g, n_l) activations of layer l; each tile is scaled by its max |a| so the
    sign pattern is visible for bounded and unbounded activations alike.
    """
    g = maps[0].shape[0]
    gap = 2
    cols = max(m.shape[2] for m in maps)
    H = len(maps) * (g + gap) - gap
    Wd = cols * (g + gap) - gap
    canvas = np.full((H, Wd), np.nan, np.float32)
    for r, m in enumerate(maps):
        for j in range(m.shape[2]):
            tile = m[:, :, j]
            s = np.nanmax(np.abs(tile)) if np.isfinite(tile).any() else 1.0
            tile = tile / (s if s > 0 else 1.0)
            y0 = (len(maps) - 1 - r) * (g + gap)
            x0 = j * (g + gap)
            canvas[y0 : y0 + g, x0 : x0 + g] = tile
    fig = go.Figure(
        go.Heatmap(
            z=canvas, zmin=-1, zmax=1, colorscale=SIGNED_SCALE, showscale=False, hoverinfo="skip"
        )
    )
    for r, title in enumerate(titles or [f"layer {r + 1}" for r in range(len(maps))]):
        fig.add_annotation(
            x=-1,
            y=(len(maps) - 1 - r) * (g + gap) + g / 2,
            text=title,
            xanchor="right",
            showarrow=False,
        )
    fig.update_xaxes(visible=False, range=[-0.5 - 0.25 * Wd, Wd])
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(height=max(160, 70 * len(maps) + 60), margin=dict(l=10, r=10, t=30, b=10))
    return fig


def _node_xy(sizes) -> list[np.ndarray]:
    """(n_l, 2) positions: layer l at x = l, node 0 at the top, spread symmetrically in y."""
    top = max(sizes)
    gap = 2.0 / max(1, top - 1)
    return [
        np.stack([np.full(n, float(l)), -(np.arange(n) - (n - 1) / 2) * gap], axis=1)
        for l, n in enumerate(sizes)
    ]


def network_figure(
    sizes,
    edge_values: list[np.ndarray],
    *,
    node_values=None,
    node_text=None,
    input_labels=None,
    active_layers=None,
    edge_name: str = "w",
    node_name: str = "a",
    title: str = "",
) -> go.Figure:
    """The MLP as a graph: edges coloured by sign and sized by |value| (weights or dL/dW).

    ``edge_values[l]``: (n_l, n_{l+1}) values on the edges into layer l+1; ``node_values[l]``:
    (n_l,) colours (nan = not computed yet, drawn grey); ``active_layers``: edge layers drawn in
    colour (others greyed) for the step-through.
    """
    pos = _node_xy(sizes)
    fig = go.Figure()
    finite = [np.abs(E[np.isfinite(E)]) for E in edge_values]
    vmax = max([float(f.max()) for f in finite if f.size] + [1e-12])
    bins = np.linspace(0, 1, 6)
    mids_x, mids_y, mids_t = [], [], []
    groups: dict[tuple, tuple[list, list]] = {}
    for l, E in enumerate(edge_values):
        active = active_layers is None or l in active_layers
        for i in range(E.shape[0]):
            for j in range(E.shape[1]):
                v = E[i, j]
                (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                if not active or not np.isfinite(v):
                    key = ("grey", 0)
                else:
                    b = int(np.searchsorted(bins, abs(v) / vmax, side="right")) - 1
                    key = ("pos" if v >= 0 else "neg", min(b, len(bins) - 2))
                gx, gy = groups.setdefault(key, ([], []))
                gx += [x0, x1, None]
                gy += [y0, y1, None]
                mids_x.append(0.7 * x0 + 0.3 * x1)
                mids_y.append(0.7 * y0 + 0.3 * y1)
                mids_t.append(f"{edge_name}[{l + 1}]({i}→{j}) = {v:.4g}")
    for (sign, b), (xl, yl) in groups.items():
        colour = {"pos": POS, "neg": NEG, "grey": "#d0d0d0"}[sign]
        width = 1.0 if sign == "grey" else 0.8 + 7.0 * (b + 0.5) / (len(bins) - 1)
        fig.add_trace(
            go.Scatter(
                x=xl,
                y=yl,
                mode="lines",
                line=dict(color=colour, width=width),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=mids_x,
            y=mids_y,
            mode="markers",
            marker=dict(size=6, opacity=0),
            hovertext=mids_t,
            hoverinfo="text",
            showlegend=False,
        )
    )
    nx = np.concatenate([p[:, 0] for p in pos])
    ny = np.concatenate([p[:, 1] for p in pos])
    if node_values is None:
        colours = np.zeros(len(nx))
    else:
        colours = np.concatenate([np.asarray(v, np.float64) for v in node_values])
    fin = np.isfinite(colours)
    cmax = float(np.max(np.abs(colours[fin]))) if fin.any() else 1.0
    texts = (
        np.concatenate([np.asarray(t, dtype=object) for t in node_text])
        if node_text is not None
        else np.array([""] * len(nx), dtype=object)
    )
    hover = []
    for l, n in enumerate(sizes):
        for j in range(n):
            label = (
                input_labels[j]
                if (l == 0 and input_labels)
                else ("ŷ" + (f"{j}" if n > 1 else "") if l == len(sizes) - 1 else f"h{l}.{j}")
            )
            hover.append(label)
    hover = np.array(hover, dtype=object)
    fig.add_trace(
        go.Scatter(
            x=nx[~fin],
            y=ny[~fin],
            mode="markers",
            hovertext=hover[~fin],
            hoverinfo="text",
            marker=dict(size=40, color="#eeeeee", line=dict(color="#999", width=1)),
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=nx[fin],
            y=ny[fin],
            mode="markers+text",
            text=texts[fin],
            textposition="middle center",
            hovertext=[
                f"{h}: {node_name} = {c:.4g}"
                for h, c in zip(hover[fin], colours[fin], strict=False)
            ],
            hoverinfo="text",
            textfont=dict(
                size=11, color=["white" if abs(c) > 0.55 * cmax else "#222" for c in colours[fin]]
            ),
            marker=dict(
                size=40,
                color=colours[fin],
                colorscale=SIGNED_SCALE,
                cmin=-cmax,
                cmax=cmax,
                line=dict(color="#555", width=1),
                colorbar=dict(title=node_name, len=0.6) if node_values is not None else None,
                showscale=node_values is not None,
            ),
            showlegend=False,
        )
    )
    if input_labels:
        fig.add_trace(
            go.Scatter(
                x=pos[0][:, 0] - 0.35,
                y=pos[0][:, 1],
                mode="text",
                text=list(input_labels),
                textposition="middle left",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.update_xaxes(visible=False, range=[-1.0, len(sizes) - 0.5])
    fig.update_yaxes(visible=False)
    fig.update_layout(
        title=title,
        height=max(320, 34 * max(sizes) + 80),
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
    )
    return fig


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


def _typed(a: np.ndarray) -> dict:
    """A float32 array in plotly's JSON form (base64 typed array, with its shape when 2-D)."""
    a = np.ascontiguousarray(a, np.float32)
    d = {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim == 2:
        d["shape"] = f"{a.shape[0]}, {a.shape[1]}"
    return d


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


def _halfplane(theta, box):
    """Clip the box to {w^T x + b > 0}: (polygon corners, the boundary's two box crossings)."""
    w1, w2, b = theta
    x0, x1, y0, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    poly, cross = [], []
    for k in range(4):  # Sutherland-Hodgman, one half-plane
        P, Q = corners[k], corners[(k + 1) % 4]
        fp, fq = w1 * P[0] + w2 * P[1] + b, w1 * Q[0] + w2 * Q[1] + b
        if fp > 0:
            poly.append(P)
        if (fp > 0) != (fq > 0) and fp != fq:
            t = fp / (fp - fq)
            c = (P[0] + t * (Q[0] - P[0]), P[1] + t * (Q[1] - P[1]))
            poly.append(c)
            cross.append(c)
    return poly, cross


def _perceptron_traces(X, theta, highlight, box):
    poly, cross = _halfplane(theta, box)
    px = [p[0] for p in poly] + ([poly[0][0]] if poly else [])
    py = [p[1] for p in poly] + ([poly[0][1]] if poly else [])
    hx = [float(X[highlight, 0])] if highlight is not None else []
    hy = [float(X[highlight, 1])] if highlight is not None else []
    return [
        go.Scatter(
            x=px,
            y=py,
            mode="lines",
            fill="toself",
            fillcolor="rgba(0,114,178,0.15)",
            line=dict(width=0),
            name="ŷ = 1 side",
            hoverinfo="skip",
        ),
        go.Scatter(
            x=[c[0] for c in cross],
            y=[c[1] for c in cross],
            mode="lines",
            name="wᵀx + b = 0",
            line=dict(color="black", width=3),
        ),
        go.Scatter(
            x=hx,
            y=hy,
            mode="markers",
            name="misclassified → update",
            marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="black", width=3)),
        ),
    ]


def perceptron_figure(X, y, thetas, who, u: int) -> go.Figure:
    """The perceptron after ``u`` updates: boundary w^T x + b = 0, its y_hat = 1 side, and the
    misclassified point that caused update u (circled)."""
    X = np.asarray(X, np.float64)
    box = data_bounds(X, 0.1)
    highlight = int(who[u - 1, 1]) if u > 0 else None
    fig = go.Figure(_perceptron_traces(X, thetas[u], highlight, box))
    for k in (0, 1):
        m = y == k
        fig.add_trace(
            go.Scatter(
                x=X[m, 0],
                y=X[m, 1],
                mode="markers",
                name=f"y = {k}",
                marker=dict(color=CLASS_COLOURS[k], size=10, line=dict(color="white", width=1)),
            )
        )
    fig.update_layout(
        title=f"after {u} of {len(thetas) - 1} updates",
        height=440,
        legend=dict(orientation="h", y=-0.15),
    )
    fig.update_xaxes(range=[box[0], box[1]], constrain="domain")
    fig.update_yaxes(range=[box[2], box[3]], scaleanchor="x", scaleratio=1)
    return fig


def perceptron_progress_figure(run, upto: int, bound: float | None) -> go.Figure:
    """Cumulative updates (mistakes) vs epoch, with Novikoff's (R/gamma)^2 when it exists."""
    per = np.asarray(run.mistakes_per_epoch)
    cum = np.cumsum(per)
    top = max(1, int(per.max()) if len(per) else 1)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=np.arange(1, len(per) + 1),
            y=per,
            name="mistakes in epoch (right)",
            marker_color=NEG,
            opacity=0.6,
            yaxis="y2",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=np.arange(1, len(per) + 1),
            y=cum,
            name="total updates",
            mode="lines+markers",
            line=dict(color=POS, width=3),
        )
    )
    if bound is not None and np.isfinite(bound):
        fig.add_hline(
            y=bound,
            line=dict(color="black", dash="dash"),
            annotation_text=f"Novikoff bound (R/γ)² = {bound:.1f}",
        )
    if upto > 0 and len(run.who):
        ep = int(run.who[min(upto, len(run.who)) - 1, 0]) + 1
        fig.add_vline(x=ep, line=dict(color="grey", dash="dot"))
    fig.update_layout(
        height=300,
        xaxis_title="epoch",
        yaxis_title="total updates",
        yaxis2=dict(
            overlaying="y",
            side="right",
            showgrid=False,
            range=[0, top * 1.05],
            tick0=0,
            dtick=max(1, int(np.ceil(top / 5))),  # whole mistakes: 0, 2, 4, ... never 0.48
            tickformat="d",
            title="mistakes",
        ),
        legend=dict(orientation="h", y=1.2),
    )
    return fig


def universal_figure(fit, show_units: bool = True) -> go.Figure:
    """Target g, the n scaled units v_i sigma(w_i x + b_i) (thin) and their sum f (thick)."""
    fig = go.Figure()
    x = fit.x.astype(np.float32)
    if show_units:  # all n units as ONE trace broken by NaN gaps (n traces cost ~1.5 ms each)
        units = fit.units[:64].astype(np.float32)  # (n, G)
        gap = np.full((len(units), 1), np.nan, np.float32)
        fig.add_trace(
            go.Scatter(
                x=np.tile(np.append(x, np.nan), len(units)),
                y=np.hstack([units, gap]).ravel(),
                mode="lines",
                line=dict(width=1, color=PALETTE[2]),
                opacity=0.6,
                connectgaps=False,
                name="v_i σ(w_i x + b_i)",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=fit.g.astype(np.float32),
            mode="lines",
            name="target g(x)",
            line=dict(color="black", width=3, dash="dash"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=fit.fit.astype(np.float32),
            mode="lines",
            name="f(x) = v₀ + Σ units",
            line=dict(color=POS, width=4),
        )
    )
    lo = float(min(fit.g.min(), fit.fit.min()))
    hi = float(max(fit.g.max(), fit.fit.max()))
    pad = 0.25 * (hi - lo + 1e-9)
    fig.update_yaxes(range=[lo - pad, hi + pad])
    fig.update_layout(height=400, xaxis_title="x", legend=dict(orientation="h", y=-0.2))
    return fig


def error_vs_n_figure(ns, errors, current: int | None = None) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=list(ns),
            y=np.asarray(errors, np.float32),
            mode="lines+markers",
            line=dict(color=POS, width=3),
            name="max |f − g|",
        )
    )
    if current is not None:
        fig.add_vline(x=current, line=dict(color="grey", dash="dot"))
    e = np.asarray(errors, np.float64)
    e = e[np.isfinite(e) & (e > 0)]
    yv, yt = log_ticks(e.min(), e.max()) if len(e) else ([], [])
    xv = [v for v in (1, 2, 4, 8, 16, 32, 64, 128) if min(ns) <= v <= max(ns)]
    fig.update_layout(
        height=300,
        xaxis_title="hidden units n",
        yaxis_title="max |f(x) − g(x)|",
        xaxis=dict(type="log", tickvals=xv, ticktext=[str(v) for v in xv]),
        yaxis=dict(type="log", tickvals=yv, ticktext=yt),
    )
    return fig
