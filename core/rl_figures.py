"""Figures for the Gridworld RL page (notes §11): pure functions data -> plotly Figure.

Grids are drawn with row 0 at the top, one unit per cell; walls, cliff cells and terminal
cells are labelled with their code. Values are printed in the cells as in REINFORCEjs.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.mdp import ARROWS, DELTAS, MDP
from core.theme import PALETTE

_VALUE_SCALE = "RdYlGn"
_CODES = {"S": "start", "G": "goal", "H": "hole", "X": "pit", "C": "", "#": ""}


def _grid(mdp: MDP, v: np.ndarray) -> np.ndarray:
    """(H, W) float grid of v with NaN where there is no state to show (walls, cliff)."""
    H, W = mdp.shape
    z = np.asarray(v, dtype=np.float64).reshape(H, W).copy()
    flat = "".join(mdp.desc)
    hide = np.array([c in "#C" for c in flat]).reshape(H, W)
    z[hide] = np.nan
    return z


_FILL = {
    "H": ("#1d3557", "hole"),
    "X": ("#3a0ca3", "pit"),
    "G": ("#f4c430", "goal"),
    "C": ("#6c757d", "cliff"),
}


def _frame(fig: go.Figure, mdp: MDP, height: int | None = None) -> go.Figure:
    """Square cells, row 0 on top, terminal tiles and cell labels; one layout update (plotly
    validates each add_shape / add_annotation separately, which is slow)."""
    H, W = mdp.shape
    shapes = [
        dict(
            type="rect",
            x0=j - 0.5,
            x1=j + 0.5,
            y0=i - 0.5,
            y1=i + 0.5,
            fillcolor=_FILL[c][0],
            line=dict(width=1, color="white"),
            layer="above",
            opacity=0.92,
        )
        for i, row in enumerate(mdp.desc)
        for j, c in enumerate(row)
        if c in _FILL
    ]
    cell = min(80.0, 480.0 / W)  # px per cell in a half-width column
    fig.update_layout(
        shapes=list(fig.layout.shapes) + shapes,
        annotations=list(fig.layout.annotations) + _code_labels(mdp),
        xaxis=dict(
            range=[-0.5, W - 0.5],
            showgrid=False,
            zeroline=False,
            showticklabels=False,
            constrain="domain",
        ),
        yaxis=dict(
            range=[H - 0.5, -0.5],
            showgrid=False,
            zeroline=False,
            showticklabels=False,
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
        ),
        height=height or int(min(680, max(260, cell * H + 70))),
        plot_bgcolor="#444444",
        showlegend=False,
    )
    return fig


def _code_labels(mdp: MDP) -> list[dict]:
    """Cell names, and the entering reward of edited cells, as annotation dicts."""
    W = mdp.shape[1]
    out = []
    for i, row in enumerate(mdp.desc):
        for j, c in enumerate(row):
            if _CODES.get(c):
                out.append(
                    dict(
                        x=j,
                        y=i - 0.33 if c == "S" else i,
                        text=_CODES[c],
                        showarrow=False,
                        font=dict(size=11, color="white" if c in "HX" else "#111111"),
                    )
                )
            elif mdp.cell_reward is not None and c == "." and mdp.cell_reward[i * W + j]:
                out.append(
                    dict(
                        x=j + 0.3,
                        y=i - 0.36,
                        text=f"{mdp.cell_reward[i * W + j]:+g}",
                        showarrow=False,
                        font=dict(size=9, color="#1d3557"),
                    )
                )
    return out


def _heat(
    mdp: MDP,
    v: np.ndarray,
    zrange: tuple[float, float] | None,
    show_values: bool,
    colorbar_title: str = "V",
) -> go.Heatmap:
    z = _grid(mdp, v)
    finite = z[np.isfinite(z)]
    lo, hi = zrange if zrange else ((finite.min(), finite.max()) if finite.size else (0, 1))
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    big = np.nanmax(np.abs(z)) if finite.size else 0.0
    fmt = "%{z:.2f}" if big < 100 else "%{z:.0f}"
    return go.Heatmap(
        z=z,
        zmin=lo,
        zmax=hi,
        colorscale=_VALUE_SCALE,
        xgap=1,
        ygap=1,
        texttemplate=fmt if show_values and mdp.shape[1] <= 16 else None,
        textfont=dict(size=11 if mdp.shape[1] > 12 else 14 if mdp.shape[1] > 8 else 17),  # readable
        colorbar=dict(title=colorbar_title, thickness=12),
        hovertemplate="row %{y}, col %{x}: %{z:.4f}<extra></extra>",
    )


def value_heatmap(
    mdp: MDP,
    v: np.ndarray,
    policy: np.ndarray | None = None,
    *,
    title: str = "",
    zrange: tuple[float, float] | None = None,
    show_values: bool = True,
    agent: int | None = None,
    colorbar_title: str = "V",
    path: list[int] | None = None,
) -> go.Figure:
    """V as a heatmap with the values printed and, optionally, greedy policy arrows (``policy``
    (S,) actions, or an (S, A) mask drawing every tied action) and a
    path of states drawn as a line through the cell centres."""
    fig = go.Figure(_heat(mdp, v, zrange, show_values, colorbar_title))
    if policy is not None:
        H, W = mdp.shape
        show = ~mdp.terminal & mdp.reachable
        s = np.flatnonzero(show)
        pol = np.asarray(policy)
        text = (
            ["".join(ARROWS[a] for a in np.flatnonzero(pol[k])) for k in s]
            if pol.ndim == 2
            else [ARROWS[a] for a in pol[s]]
        )  # (S, A) mask: all tied actions
        fig.add_trace(
            go.Scatter(
                x=s % W,
                y=s // W + 0.3,
                text=text,
                mode="text",
                hoverinfo="skip",
                textfont=dict(size=16, color="#111111"),
            )
        )
    if path is not None:
        W = mdp.shape[1]
        p = np.asarray(path)
        fig.add_trace(
            go.Scatter(
                x=p % W,
                y=p // W,
                mode="lines+markers",
                hoverinfo="skip",
                line=dict(color=PALETTE[0], width=5),
                marker=dict(size=8, color=PALETTE[0]),
            )
        )
    if agent is not None:
        fig.add_trace(_agent(mdp, agent))
    fig.update_layout(title=title)
    return _frame(fig, mdp)


def _agent(mdp: MDP, s: int) -> go.Scatter:
    W = mdp.shape[1]
    return go.Scatter(
        x=[s % W],
        y=[s // W],
        mode="markers",
        hoverinfo="skip",
        marker=dict(size=26, color=PALETTE[0], line=dict(color="white", width=3)),
    )


def q_arrows(mdp: MDP, Q: np.ndarray, *, title: str = "") -> go.Figure:
    """REINFORCEjs-style Q arrows: from each cell centre one segment per action, its length
    growing with Q(s, a) (scaled per cell), the greedy action's in a darker colour; the cell
    colour is max_a Q."""
    H, W = mdp.shape
    fig = go.Figure(_heat(mdp, Q.max(1), None, False, "max Q"))
    seg = {True: ([], []), False: ([], [])}
    for s in np.flatnonzero(~mdp.terminal & mdp.reachable):
        q = Q[s]
        span = q.max() - q.min()
        length = 0.12 + 0.33 * ((q - q.min()) / span if span > 1e-12 else np.ones_like(q))
        best = int(q.argmax())
        i, j = divmod(int(s), W)
        for a, (di, dj) in enumerate(DELTAS):
            xs, ys = seg[a == best]
            xs += [j, j + dj * length[a], None]
            ys += [i, i + di * length[a], None]
    for greedy, (xs, ys) in seg.items():
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                hoverinfo="skip",
                line=dict(color="#111111" if greedy else "#777777", width=4 if greedy else 2),
            )
        )
    fig.update_layout(title=title)
    return _frame(fig, mdp)


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


def rollout_animation(
    mdp: MDP, path: np.ndarray, v: np.ndarray, policy: np.ndarray, *, title: str = ""
) -> go.Figure:
    """An episode on the grid as plotly animation frames (play button and a time slider)."""
    fig = value_heatmap(mdp, v, policy, title=title, show_values=False, agent=int(path[0]))
    W = mdp.shape[1]
    n_static = len(fig.data) - 1
    frames = [
        go.Frame(data=[go.Scatter(x=[int(s) % W], y=[int(s) // W])], traces=[n_static], name=str(t))
        for t, s in enumerate(path)
    ]
    fig.frames = frames
    fig.update_layout(
        updatemenus=[
            dict(
                type="buttons",
                showactive=False,
                x=0.0,
                y=-0.02,
                xanchor="left",
                yanchor="top",
                buttons=[
                    dict(
                        label="▶ play",
                        method="animate",
                        args=[
                            None,
                            dict(
                                frame=dict(duration=250, redraw=False),
                                fromcurrent=True,
                                transition=dict(duration=0),
                            ),
                        ],
                    ),
                    dict(
                        label="⏸",
                        method="animate",
                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))],
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                x=0.12,
                len=0.88,
                y=-0.02,
                currentvalue=dict(prefix="t = "),
                steps=[
                    dict(
                        label=str(t),
                        method="animate",
                        args=[
                            [str(t)],
                            dict(mode="immediate", frame=dict(duration=0, redraw=False)),
                        ],
                    )
                    for t in range(len(path))
                ],
            )
        ],
    )
    return fig


def value_frames(
    mdp: MDP,
    values: list[np.ndarray],
    policies: list[np.ndarray],
    titles: list[str],
    zrange: tuple[float, float],
) -> list[dict]:
    """`value_heatmap` of each (v_t, greedy mask pi_t) as frames for ``ui.plot_player``.

    The first frame is the full figure (layout, tiles, labels) in plotly's JSON form; the others
    carry only the heatmap's z and the arrows' text (same traces, same order, same axes), so
    80 value-iteration sweeps cost one validated figure, not 80.
    """
    import json

    first = value_heatmap(mdp, values[0], policies[0], zrange=zrange, title=titles[0])
    d0 = json.loads(first.to_json())
    H, W = mdp.shape
    s = np.flatnonzero(~mdp.terminal & mdp.reachable)
    out = [d0]
    for v, pol, title in zip(values[1:], policies[1:], titles[1:], strict=True):
        z = _grid(mdp, v)
        heat = dict(d0["data"][0], z=[[None if not np.isfinite(x) else float(x) for x in row]
                                      for row in z])  # fmt: skip
        text = ["".join(ARROWS[a] for a in np.flatnonzero(pol[k])) for k in s]
        arrows = dict(d0["data"][1], text=text)
        out.append({"data": [heat, arrows, *d0["data"][2:]], "layout": {"title": {"text": title}}})
    return out
