"""Plotly figures of the flows page (pure functions: data -> Figure), notes §8.1–8.5."""

from __future__ import annotations

import base64
import functools
import json

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.flows.one_d import OneDDensity, p_z
from core.theme import DIVERGING, GREYS, PALETTE, SEQUENTIAL

_GRID_COLOUR = "rgba(0, 114, 178, 0.55)"


def fig_one_d(d: OneDDensity, label: str) -> go.Figure:
    """§8.1: p_Z, the map x = f(z), and p_X with a histogram of f(z) samples and |d f⁻¹/dx|."""
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=(
            "base density p_Z(z) = N(0, 1)",
            f"the map {label}",
            "p_X(x) = p_Z(f⁻¹(x))·|df⁻¹/dx|",
        ),
    )
    fig.add_trace(
        go.Scatter(x=d.z, y=p_z(d.z), name="p_Z", line=dict(color=PALETTE[0], width=3)), 1, 1
    )
    fig.add_trace(
        go.Scatter(x=d.z, y=d.x_of_z, name="x = f(z)", line=dict(color=PALETTE[2], width=3)), 1, 2
    )
    lo, hi = d.x[0], d.x[-1]
    s = d.samples[(d.samples >= lo) & (d.samples <= hi)]
    fig.add_trace(
        go.Histogram(
            x=s.astype(np.float32),
            histnorm="probability density",
            xbins=dict(start=lo, end=hi, size=(hi - lo) / 80),
            name="histogram of f(z)",
            marker_color="rgba(153,153,153,0.5)",
        ),
        1,
        3,
    )
    fig.add_trace(
        go.Scatter(
            x=d.x, y=d.p_x, name="p_X (change of variables)", line=dict(color=PALETTE[3], width=3)
        ),
        1,
        3,
    )
    fig.add_trace(
        go.Scatter(
            x=d.x,
            y=d.jacobian,
            name="|df⁻¹/dx| (Jacobian factor)",
            line=dict(color=PALETTE[1], width=2, dash="dot"),
            yaxis="y4",
        ),
        1,
        3,
    )
    fig.update_layout(
        height=330,
        bargap=0,
        legend=dict(orientation="h", y=-0.2),
        yaxis4=dict(overlaying="y3", side="right", showgrid=False, title="|df⁻¹/dx|", type="log"),
    )
    fig.update_xaxes(title_text="z", row=1, col=1)
    fig.update_xaxes(title_text="z", row=1, col=2)
    fig.update_yaxes(title_text="x", row=1, col=2)
    fig.update_xaxes(title_text="x", row=1, col=3)
    return fig


def fig_training_curve(
    steps, train_nll, test_nll, best: float | None = None, best_label: str = ""
) -> go.Figure:
    """Train (running) and held-out NLL in nats, with the best achievable value if known."""
    fig = go.Figure()
    st_ = np.asarray(steps)
    fig.add_trace(
        go.Scatter(
            x=st_,
            y=np.asarray(train_nll, np.float32),
            name="train NLL",
            line=dict(color=PALETTE[0], width=2),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=st_,
            y=np.asarray(test_nll, np.float32),
            name="held-out NLL",
            line=dict(color=PALETTE[3], width=3),
        )
    )
    if best is not None:
        fig.add_hline(
            y=best,
            line=dict(color=PALETTE[7], dash="dash"),
            annotation_text=best_label or f"best achievable {best:.3f}",
            annotation_position="top right",
        )
    rng = curve_range(train_nll, test_nll, best)
    if rng is not None:
        fig.update_yaxes(range=list(rng))
    fig.update_layout(
        height=300,
        xaxis_title="step",
        yaxis_title="NLL (nats / point)",
        legend=dict(orientation="h", y=1.12),
    )
    return fig


def curve_range(train_nll, test_nll, best: float | None = None) -> tuple[float, float] | None:
    """The NLL axis: from the lowest value (or the best achievable) to at most 6 nats above it,
    so a curve that starts high keeps its interesting part, but never below the latest values:
    after a divergence the axis grows to show them (the curve is not clipped at lo + 6)."""
    vals = np.asarray(list(test_nll) + list(train_nll), dtype=np.float64)
    fin = vals[np.isfinite(vals)]
    if not fin.size:
        return None
    lo = min(fin.min(), best if best is not None else np.inf) - 0.1
    hi = min(fin.max(), lo + 6.0)
    last = [v[-1] for v in (train_nll, test_nll) if len(v) and np.isfinite(v[-1])]
    hi = max([hi, *last]) + 0.1
    return float(lo), float(hi)


def _lines_flat(lines: np.ndarray) -> np.ndarray:
    """(L, P, 2) polylines -> (L*(P+1), 2) with a NaN row between lines (one trace for all)."""
    L, P, _ = lines.shape
    sep = np.full((L, 1, 2), np.nan, dtype=np.float32)
    return np.concatenate([lines.astype(np.float32), sep], axis=1).reshape(-1, 2)


def fig_warp_frame(
    lines: np.ndarray,
    points: np.ndarray,
    title: str,
    left_box,
    right: dict,
    right_box,
    data: np.ndarray | None = None,
) -> go.Figure:
    """One frame of the warping player (step k): the warped grid and points (left) and the right
    panel (right): ``{"kind": "heatmap", "xs", "ys", "z", "diverging", "title", "colorbar"}`` or
    ``{"kind": "samples", "data", "samples", "title"}``. Every frame has the same traces in the
    same order (data, grid, points, right panel) and fixed axis ranges, so a player only moves
    what changed. SVG scatter (no WebGL) and float32 throughout."""
    fig = go.Figure()
    d = np.zeros((0, 2), np.float32) if data is None else np.asarray(data, np.float32)
    fig.add_trace(go.Scatter(x=d[:, 0], y=d[:, 1], mode="markers", name="data",
                             marker=dict(size=3, color="rgba(153,153,153,0.35)"),
                             hoverinfo="skip"))  # fmt: skip
    flat = _lines_flat(lines)
    fig.add_trace(go.Scatter(x=flat[:, 0], y=flat[:, 1], mode="lines", name="grid",
                             line=dict(color=_GRID_COLOUR, width=1), hoverinfo="skip"))  # fmt: skip
    p = np.asarray(points, np.float32)
    fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="markers", name="points",
                             marker=dict(size=4, color=PALETTE[3]), hoverinfo="skip"))  # fmt: skip
    if right["kind"] == "heatmap":
        kw = (dict(colorscale=DIVERGING, zmid=0.0) if right.get("diverging")
              else dict(colorscale=SEQUENTIAL))  # fmt: skip
        fig.add_trace(go.Heatmap(
            x=np.asarray(right["xs"], np.float32), y=np.asarray(right["ys"], np.float32),
            z=np.asarray(right["z"], np.float32), xaxis="x2", yaxis="y2",
            colorbar=dict(title=right.get("colorbar", ""), x=1.0, len=0.9), **kw))  # fmt: skip
    else:
        s = np.asarray(right["samples"], np.float32)
        dd = np.asarray(right["data"], np.float32)
        fig.add_trace(go.Scatter(x=dd[:, 0], y=dd[:, 1], mode="markers", name="data ",
                                 marker=dict(size=3, color="rgba(153,153,153,0.5)"),
                                 xaxis="x2", yaxis="y2", showlegend=False,
                                 hoverinfo="skip"))  # fmt: skip
        fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="markers", name="samples x = f(z)",
                                 marker=dict(size=3, color=PALETTE[0], opacity=0.7),
                                 xaxis="x2", yaxis="y2", hoverinfo="skip"))  # fmt: skip
    fig.update_layout(
        title=title,
        xaxis=dict(domain=[0, 0.45], range=list(left_box[:2]), zeroline=False),
        yaxis=dict(range=list(left_box[2:]), scaleanchor="x", scaleratio=1, zeroline=False),
        xaxis2=dict(domain=[0.53, 0.93], range=list(right_box[:2]), anchor="y2",
                    zeroline=False),
        yaxis2=dict(range=list(right_box[2:]), anchor="x2", scaleanchor="x2", scaleratio=1,
                    zeroline=False),
        annotations=[dict(text=right["title"], x=0.73, y=1.0, xref="paper", yref="paper",
                          yanchor="bottom", showarrow=False)],
        legend=dict(orientation="h", y=-0.1),
        margin=dict(l=40, r=10, t=60, b=40),
    )  # fmt: skip
    return fig


def fig_live_snapshot(
    data: np.ndarray,
    samples: np.ndarray,
    lines: np.ndarray,
    box,
    steps,
    train_nll,
    test_nll,
    best: float | None,
) -> go.Figure:
    """One frame of live training: samples x = f(z) and a grid pushed through the whole flow,
    over the data (left), and the train / held-out NLL curves (right). Same five traces in the
    same order every frame; the NLL axis follows `curve_range` (never clips the latest value)."""
    fig = go.Figure()
    d, s = np.asarray(data, np.float32), np.asarray(samples, np.float32)
    fig.add_trace(go.Scatter(x=d[:, 0], y=d[:, 1], mode="markers", name="data",
                             marker=dict(size=3, color="rgba(153,153,153,0.4)"),
                             hoverinfo="skip"))  # fmt: skip
    flat = _lines_flat(lines)
    fig.add_trace(go.Scatter(x=flat[:, 0], y=flat[:, 1], mode="lines", name="grid x = f(grid)",
                             line=dict(color=_GRID_COLOUR, width=1), hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="markers", name="samples x = f(z)",
                             marker=dict(size=4, color=PALETTE[3], opacity=0.8),
                             hoverinfo="skip"))  # fmt: skip
    st_ = np.asarray(steps, np.float32)
    fig.add_trace(go.Scatter(x=st_, y=np.asarray(train_nll, np.float32), name="train NLL",
                             line=dict(color=PALETTE[0], width=2), xaxis="x2",
                             yaxis="y2"))  # fmt: skip
    fig.add_trace(go.Scatter(x=st_, y=np.asarray(test_nll, np.float32), name="held-out NLL",
                             line=dict(color=PALETTE[3], width=3), xaxis="x2",
                             yaxis="y2"))  # fmt: skip
    rng = curve_range(train_nll, test_nll, best)
    shapes = []
    if best is not None:
        shapes.append(dict(type="line", xref="x2 domain", x0=0, x1=1, yref="y2", y0=best,
                           y1=best, line=dict(color=PALETTE[7], dash="dash")))  # fmt: skip
    fig.update_layout(
        title="samples and grid through the whole flow",
        xaxis=dict(domain=[0, 0.45], range=list(box[:2]), zeroline=False),
        yaxis=dict(range=list(box[2:]), scaleanchor="x", scaleratio=1, zeroline=False),
        xaxis2=dict(domain=[0.56, 1], anchor="y2", title="step"),
        yaxis2=dict(anchor="x2", title="NLL (nats / point)",
                    **({"range": list(rng)} if rng else {})),
        shapes=shapes,
        legend=dict(orientation="h", y=-0.12),
        margin=dict(l=40, r=10, t=50, b=40),
    )  # fmt: skip
    return fig


_PARTITION_GAP, _PARTITION_SIZE = 4, 28


def _partition_titles(parity: int) -> list[list[str]]:
    b, a = ("0, 1", "2, 3") if parity == 0 else ("2, 3", "0, 1")
    return [
        ["digit x (28×28)", "checkerboard: x_B conditions", "checkerboard: x_A transformed"],
        ["squeeze: 4 channels of 14×14", f"channel mask: x_B = ch {b}",
         f"channel mask: x_A = ch {a}"],
    ]  # fmt: skip


def fig_partitions(parity: int = 0) -> go.Figure:
    """§8.5 as one mosaic (a single heatmap, cheap to draw), without its pixels (see
    `partitions_frame`): top row the digit and the checkerboard's x_B / x_A; bottom row the 4
    squeezed channels (2×2) and the channel mask's x_B / x_A. Blank pixels belong to the other
    part; the titles name the channels the mask of this ``parity`` conditions on."""
    gap, size = _PARTITION_GAP, _PARTITION_SIZE
    fig = go.Figure()
    for r, row in enumerate(_partition_titles(parity)):
        for c, text in enumerate(row):
            fig.add_annotation(x=c * (size + gap) + size / 2, y=r * (size + gap) - 1, text=text,
                               showarrow=False, yanchor="bottom", font=dict(size=12))  # fmt: skip
    fig.add_trace(go.Heatmap(z=np.zeros((0, 0), np.float32), colorscale=GREYS, reversescale=True,
                             zmin=0, zmax=1, showscale=False, hoverongaps=False))  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
    fig.update_layout(height=460, margin=dict(t=30))
    return fig


@functools.lru_cache(maxsize=2)
def _partitions_template(parity: int) -> dict:
    """`fig_partitions` in JSON form without its copy of the theme template: ``ui.plot_player``
    validates the first frame's layout on every rerun, and a template in it costs ~30 ms of a
    slider step (absent, plotly attaches the default theme template by reference, ~5 ms). The
    few template settings this figure relies on (font, margins, backgrounds, hover) are copied
    into its layout, so it looks the same whichever way the template arrives."""
    frame = to_frame(fig_partitions(parity))
    lay = frame["layout"]
    tpl = lay.pop("template", {}).get("layout", {})
    for k in ("font", "paper_bgcolor", "plot_bgcolor", "hovermode", "hoverlabel"):
        if k in tpl:
            lay.setdefault(k, tpl[k])
    lay["margin"] = {**tpl.get("margin", {}), **lay.get("margin", {})}
    return frame


def partitions_frame(views: dict[str, np.ndarray], parity: int = 0) -> dict:
    """`fig_partitions` with this digit's mosaic, in plotly's JSON form (for ``ui.plot_player``):
    the validated figure is built once per parity, a digit only brings its 62×92 float32 pixels
    (building and validating a ``go.Figure`` per digit cost ~50 ms of a slider step)."""
    panels = [
        [views["digit"], views["checker_B"], views["checker_A"]],
        [_tile(views["squeezed"]), _tile(views["channel_B"]), _tile(views["channel_A"])],
    ]
    gap, size = _PARTITION_GAP, _PARTITION_SIZE
    mosaic = np.full((2 * size + gap, 3 * size + 2 * gap), np.nan, dtype=np.float32)
    for r in range(2):
        for c in range(3):
            y0, x0 = r * (size + gap), c * (size + gap)
            mosaic[y0 : y0 + size, x0 : x0 + size] = panels[r][c]
    base = _partitions_template(parity)
    z = {**f4(mosaic), "shape": f"{mosaic.shape[0]}, {mosaic.shape[1]}"}
    return {"data": [{**base["data"][0], "z": z}], "layout": base["layout"]}


def _tile(ch: np.ndarray) -> np.ndarray:
    """(4, h, w) -> (2h, 2w): the 4 channels as a 2×2 mosaic (NaN = not in this part)."""
    top = np.concatenate([ch[0], ch[1]], axis=1)
    bottom = np.concatenate([ch[2], ch[3]], axis=1)
    return np.concatenate([top, bottom], axis=0)


def f4(a) -> dict:
    """A float32 array in plotly's JSON form (a base64 typed array, what ``to_json`` writes)."""
    a = np.ascontiguousarray(np.asarray(a, dtype="<f4").ravel())
    return {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii")}


def to_frame(fig: go.Figure) -> dict:
    """A figure in plotly's JSON form, for ``ui.plot_player`` (no re-validation per rerun)."""
    return json.loads(fig.to_json())


@functools.lru_cache(maxsize=2)
def _live_template(with_best: bool) -> dict:
    """`fig_live_snapshot` of nothing, in plotly's JSON form: built and validated once."""
    e = np.zeros((0, 2), np.float32)
    return to_frame(fig_live_snapshot(e, e, np.zeros((0, 2, 2)), (-1, 1, -1, 1), [], [], [],
                                      0.0 if with_best else None))  # fmt: skip


def live_snapshot_frame(data, samples, lines, box, steps, train_nll, test_nll, best) -> dict:
    """`fig_live_snapshot` as a plain dict in plotly's JSON form, without a validated
    ``go.Figure`` per frame: the cached template with this frame's arrays and axis ranges."""
    base = _live_template(best is not None)
    out = [dict(tr) for tr in base["data"]]  # shallow copies: only replaced keys change
    d, s = np.asarray(data, np.float32), np.asarray(samples, np.float32)
    flat = _lines_flat(np.asarray(lines, np.float32))
    for i, xy in enumerate((d, flat, s)):
        out[i]["x"], out[i]["y"] = f4(xy[:, 0]), f4(xy[:, 1])
    for i, v in ((3, train_nll), (4, test_nll)):
        out[i]["x"], out[i]["y"] = f4(steps), f4(v)
    lay = dict(base["layout"])
    lay["xaxis"] = {**lay["xaxis"], "range": list(box[:2])}
    lay["yaxis"] = {**lay["yaxis"], "range": list(box[2:])}
    rng = curve_range(train_nll, test_nll, best)
    y2 = {k: v for k, v in lay["yaxis2"].items() if k not in ("range", "autorange")}
    lay["yaxis2"] = {**y2, "range": list(rng)} if rng else y2
    if best is not None:
        lay["shapes"] = [{**lay["shapes"][0], "y0": best, "y1": best}]
    lay["title"] = dict(lay.get("title") or {})
    return {"data": out, "layout": lay}
