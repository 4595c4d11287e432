"""The MLP as a graph (notes §1.3): edges coloured by sign and sized by |value| (weights or
∂L/∂W), nodes coloured by their value; also the step-through overlay. And every hidden
neuron's output over the plane as small multiples (one tiled heatmap).

Built as a dict in plotly's JSON form, not a ``go.Figure``: plotly validates every attribute of
a ``go.Figure`` (~40 ms for this one on the 2-core machine, in every slider rerun), while the
dict costs ~1 ms and passes straight to ``ui.plot_player``. Edges are ~15 traces whatever the
net's size: one line trace per (sign, width bin), segments separated by ``None``.
"""

from __future__ import annotations

import numpy as np

from core.backprop.figures_base import NEG, POS, SIGNED_SCALE, _typed

N_BINS = 5  # |value| / max |value| in 5 width bins: 2 * 5 + 1 (grey) edge traces at most


def _node_xy(sizes) -> list[np.ndarray]:
    """(n_l, 2) positions: layer l at x = l, node 0 at the top, spread symmetrically in y."""
    top = max(sizes)
    gap = 2.0 / max(1, top - 1)
    return [
        np.stack([np.full(n, float(l)), -(np.arange(n) - (n - 1) / 2) * gap], axis=1)
        for l, n in enumerate(sizes)
    ]


def _edge_traces(pos, edge_values, active_layers, edge_name) -> list[dict]:
    """One line trace per (sign, width bin) plus one invisible marker trace carrying each
    edge's hover text at 30 % of the way along it."""
    finite = [np.abs(E[np.isfinite(E)]) for E in edge_values]
    vmax = max([float(f.max()) for f in finite if f.size] + [1e-12])
    groups: dict[tuple, tuple[list, list]] = {}
    mids_x, mids_y, mids_t = [], [], []
    for l, E in enumerate(edge_values):
        active = active_layers is None or l in active_layers
        E = np.asarray(E, np.float64)
        r = np.where(np.isfinite(E), np.abs(E), 0.0) / vmax  # |value| / max |value| in [0, 1]
        b = np.minimum((r * N_BINS).astype(int), N_BINS - 1)
        for i in range(E.shape[0]):
            x0, y0 = float(pos[l][i, 0]), float(pos[l][i, 1])
            for j in range(E.shape[1]):
                v = float(E[i, j])
                x1, y1 = float(pos[l + 1][j, 0]), float(pos[l + 1][j, 1])
                key = ("grey", 0)
                if active and np.isfinite(v):
                    key = ("pos" if v >= 0 else "neg", int(b[i, j]))
                gx, gy = groups.setdefault(key, ([], []))
                gx += [x0, x1, None]
                gy += [y0, y1, None]
                mids_x.append(0.7 * x0 + 0.3 * x1)
                mids_y.append(0.7 * y0 + 0.3 * y1)
                mids_t.append(f"{edge_name}[{l + 1}]({i}→{j}) = {v:.4g}")
    traces = []
    for (sign, k), (xl, yl) in sorted(groups.items()):
        colour = {"pos": POS, "neg": NEG, "grey": "#d0d0d0"}[sign]
        width = 1.0 if sign == "grey" else 0.8 + 7.0 * (k + 0.5) / N_BINS
        traces.append(dict(type="scatter", x=xl, y=yl, mode="lines",
                           line=dict(color=colour, width=width), hoverinfo="skip",
                           showlegend=False))  # fmt: skip
    traces.append(dict(type="scatter", x=mids_x, y=mids_y, mode="markers",
                       marker=dict(size=6, opacity=0), hovertext=mids_t, hoverinfo="text",
                       showlegend=False))  # fmt: skip
    return traces


def _node_labels(sizes, input_labels) -> list[str]:
    out = []
    for l, n in enumerate(sizes):
        for j in range(n):
            if l == 0 and input_labels:
                out.append(input_labels[j])
            elif l == len(sizes) - 1:
                out.append("ŷ" + (f"{j}" if n > 1 else ""))
            else:
                out.append(f"h{l}.{j}")
    return out


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
) -> dict:
    """The MLP as a graph, as a dict in plotly's JSON form (``go.Figure(d)`` makes a Figure).

    ``edge_values[l]``: (n_l, n_{l+1}) values on the edges into layer l+1; ``node_values[l]``:
    (n_l,) colours (nan = not computed yet, drawn grey); ``active_layers``: edge layers drawn in
    colour (others greyed) for the step-through.
    """
    pos = _node_xy(sizes)
    traces = _edge_traces(pos, edge_values, active_layers, edge_name)
    nx = np.concatenate([p[:, 0] for p in pos])
    ny = np.concatenate([p[:, 1] for p in pos])
    if node_values is None:
        colours = np.zeros(len(nx))
    else:
        colours = np.concatenate([np.asarray(v, np.float64) for v in node_values])
    fin = np.isfinite(colours)
    cmax = float(np.max(np.abs(colours[fin]))) if fin.any() else 1.0
    cmax = cmax if cmax > 0 else 1.0
    texts = (
        [str(t) for layer in node_text for t in layer] if node_text is not None else [""] * len(nx)
    )
    hover = _node_labels(sizes, input_labels)
    idle = np.flatnonzero(~fin)
    live = np.flatnonzero(fin)
    traces.append(dict(type="scatter", x=nx[idle].tolist(), y=ny[idle].tolist(), mode="markers",
                       hovertext=[hover[k] for k in idle], hoverinfo="text", showlegend=False,
                       marker=dict(size=40, color="#eeeeee",
                                   line=dict(color="#999", width=1))))  # fmt: skip
    marker = dict(
        size=40,
        color=colours[live].tolist(),
        colorscale=SIGNED_SCALE,
        cmin=-cmax,
        cmax=cmax,
        line=dict(color="#555", width=1),
        showscale=node_values is not None,
    )
    if node_values is not None:
        marker["colorbar"] = dict(title=dict(text=node_name), len=0.6)
    traces.append(dict(
        type="scatter", x=nx[live].tolist(), y=ny[live].tolist(), mode="markers+text",
        text=[texts[k] for k in live], textposition="middle center",
        hovertext=[f"{hover[k]}: {node_name} = {colours[k]:.4g}" for k in live],
        hoverinfo="text", showlegend=False, marker=marker,
        textfont=dict(size=11, color=["white" if abs(colours[k]) > 0.55 * cmax else "#222"
                                      for k in live]),
    ))  # fmt: skip
    if input_labels:
        traces.append(dict(type="scatter", x=(pos[0][:, 0] - 0.35).tolist(),
                           y=pos[0][:, 1].tolist(), mode="text", text=list(input_labels),
                           textposition="middle left", hoverinfo="skip",
                           showlegend=False))  # fmt: skip
    layout = dict(
        title=dict(text=title),
        height=max(320, 34 * max(sizes) + 80),
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        xaxis=dict(visible=False, range=[-1.0, len(sizes) - 0.5]),
        yaxis=dict(visible=False),
    )
    return {"data": traces, "layout": layout}


def neuron_mosaic(maps: list[np.ndarray], titles: list[str] | None = None) -> dict:
    """Small multiples of every hidden neuron's output over the plane, as ONE tiled heatmap
    (a dict in plotly's JSON form, like `network_figure`).

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
    heat = dict(type="heatmap", z=_typed(canvas), zmin=-1, zmax=1, colorscale=SIGNED_SCALE,
                showscale=False, hoverinfo="skip")  # fmt: skip
    notes = [
        dict(x=-1, y=(len(maps) - 1 - r) * (g + gap) + g / 2, text=title, xanchor="right",
             showarrow=False)
        for r, title in enumerate(titles or [f"layer {r + 1}" for r in range(len(maps))])
    ]  # fmt: skip
    layout = dict(
        xaxis=dict(visible=False, range=[-0.5 - 0.25 * Wd, Wd]),
        yaxis=dict(visible=False, scaleanchor="x", scaleratio=1),
        height=max(160, 70 * len(maps) + 60),
        margin=dict(l=10, r=10, t=30, b=10),
        annotations=notes,
    )
    return {"data": [heat], "layout": layout}
