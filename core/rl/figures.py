"""Gridworld figures for the RL page (notes §11): pure functions data -> a plotly figure as a
plain dict (plotly's JSON form), for ``ui.plot_player``.

Why dicts, and why no shapes or annotations: a ``go.Figure`` of an 8×8 grid took ~30 ms to
build (plotly validates every attribute) and the page redrew several per slider press; the
terminal tiles were layout shapes and the cell names annotations, each validated again when the
player themes the layout and each its own SVG group in the browser. Here the tiles are a second
heatmap and the labels one text trace: the layout is a handful of keys.

Grids are drawn with row 0 at the top, one unit per cell, on plotly's usual upward y axis
(row i at y = H - 1 - i, so that a player may turn heatmaps into images without flipping them).
Walls and cliff cells show the dark background, terminal cells are coloured tiles labelled with
their code, and values are printed in the cells as in REINFORCEjs. Every grid figure has the
same first traces in the same order (values, tiles, labels, then arrows / path / agent), so
figures of one grid are player frames.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np

from core.rl.mdp import ARROWS, DELTAS, MDP
from core.theme import PALETTE

_VALUE_SCALE = "RdYlGn"
_CODES = {"S": "start", "G": "goal", "H": "hole", "X": "pit", "C": "", "#": ""}
_FILL = {
    "H": ("#1d3557", "hole"),
    "X": ("#3a0ca3", "pit"),
    "G": ("#f4c430", "goal"),
    "C": ("#6c757d", "cliff"),
}
_TILE = {c: k for k, c in enumerate(_FILL)}  # tile code -> its colour band in _tile_scale()


@lru_cache(maxsize=1)
def _value_scale() -> list:
    """RdYlGn as explicit [position, colour] pairs: plotly.js knows few scales by name."""
    from plotly.colors import get_colorscale

    return [list(p) for p in get_colorscale(_VALUE_SCALE)]


@lru_cache(maxsize=1)
def _tile_scale() -> list:
    """A stepped colour scale: tile k (z in [k, k+1]) is drawn in _FILL's k-th colour."""
    n = len(_FILL)
    out = []
    for k, (colour, _) in enumerate(_FILL.values()):
        out += [[k / n, colour], [(k + 1) / n, colour]]
    return out


def _grid(mdp: MDP, v: np.ndarray) -> np.ndarray:
    """(H, W) float grid of v with NaN where there is no state to show (walls, cliff)."""
    H, W = mdp.shape
    z = np.asarray(v, dtype=np.float64).reshape(H, W).copy()
    hide = np.array([c in "#C" for c in "".join(mdp.desc)]).reshape(H, W)
    z[hide] = np.nan
    return z


def _rows(z: np.ndarray) -> dict:
    """A float grid (row 0 on top) as plotly's typed-array JSON (row 0 at the bottom), NaN a
    gap: one base64 string per frame instead of H·W numbers for ``json.dumps`` to walk."""
    a = np.ascontiguousarray(z[::-1], dtype=np.float64)
    return {"dtype": "f8", "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": f"{a.shape[0]}, {a.shape[1]}"}  # fmt: skip


def _y(mdp: MDP, i) -> np.ndarray | float:
    """Plot y of grid row i (row 0 on top)."""
    return mdp.shape[0] - 1 - i


def _heat(mdp, v, zrange, show_values: bool, colorbar_title: str = "V") -> dict:
    """The value heatmap: cells coloured (and, small grids, labelled) by v."""
    z = _grid(mdp, v)
    finite = z[np.isfinite(z)]
    lo, hi = zrange if zrange else ((finite.min(), finite.max()) if finite.size else (0, 1))
    if hi - lo < 1e-12:
        lo, hi = lo - 1.0, hi + 1.0
    big = np.nanmax(np.abs(z)) if finite.size else 0.0
    W = mdp.shape[1]
    heat = {
        "type": "heatmap",
        "z": _rows(z),
        "zmin": float(lo),
        "zmax": float(hi),
        "colorscale": _value_scale(),
        "xgap": 1,
        "ygap": 1,
        "colorbar": {"title": {"text": colorbar_title}, "thickness": 12},
        "text": _state_names(mdp),
        "hovertemplate": f"%{{text}}: {colorbar_title} = %{{z:.4f}}<extra></extra>",
    }
    if show_values and W <= 16:
        heat["texttemplate"] = "%{z:.2f}" if big < 100 else "%{z:.0f}"
        heat["textfont"] = {"size": 11 if W > 12 else 14 if W > 8 else 17}  # readable
    return heat


@lru_cache(maxsize=32)
def _names(desc: tuple[str, ...]) -> list[list[str]]:
    W = len(desc[0])
    return [[f"s = {i * W + j} (row {i}, col {j})" for j in range(W)] for i in range(len(desc))]


def _state_names(mdp: MDP) -> list[list[str]]:
    """Each cell's hover name, rows as plotted. A heatmap with a per-cell ``text`` stays a
    heatmap in ``ui.plot_player`` (not a blurred image): these grids are at most a few hundred
    cells, cheap to redraw."""
    return _names(tuple(mdp.desc))[::-1]


def _tiles(mdp: MDP) -> dict:
    """Terminal and cliff cells as a second, opaque-ish heatmap (was one layout shape each)."""
    z = [[_TILE[c] + 0.5 if c in _TILE else None for c in row] for row in mdp.desc[::-1]]
    text = [[_FILL[c][1] if c in _FILL else "" for c in row] for row in mdp.desc[::-1]]
    return {
        "type": "heatmap",
        "z": z,
        "zmin": 0,
        "zmax": len(_FILL),
        "colorscale": _tile_scale(),
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "opacity": 0.92,
        "text": text,
        "hovertemplate": "%{text}<extra></extra>",
    }


def _labels(mdp: MDP) -> dict:
    """Cell names, and the entering reward of edited cells, as one text trace."""
    W = mdp.shape[1]
    x, y, text, size, colour = [], [], [], [], []
    for i, row in enumerate(mdp.desc):
        for j, c in enumerate(row):
            if _CODES.get(c):
                x.append(j)
                y.append(_y(mdp, i) + (0.33 if c == "S" else 0))
                text.append(_CODES[c])
                size.append(11)
                colour.append("white" if c in "HX" else "#111111")
            elif mdp.cell_reward is not None and c == "." and mdp.cell_reward[i * W + j]:
                x.append(j + 0.3)
                y.append(_y(mdp, i) + 0.36)
                text.append(f"{mdp.cell_reward[i * W + j]:+g}")
                size.append(9)
                colour.append("#1d3557")
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "text": text,
        "mode": "text",
        "hoverinfo": "skip",
        "textfont": {"size": size, "color": colour},
    }


def _layout(mdp: MDP, title: str, height: int | None = None) -> dict:
    """Square cells, row 0 on top, no ticks; the height fits a half-width column."""
    H, W = mdp.shape
    cell = min(80.0, 480.0 / W)  # px per cell in a half-width column
    axis = {"showgrid": False, "zeroline": False, "showticklabels": False, "constrain": "domain"}
    return {
        "title": {"text": title},
        "xaxis": {**axis, "range": [-0.5, W - 0.5]},
        "yaxis": {**axis, "range": [-0.5, H - 0.5], "scaleanchor": "x", "scaleratio": 1},
        "height": height or int(min(680, max(260, cell * H + 70))),
        "plot_bgcolor": "#444444",
        "showlegend": False,
    }


def _arrows(mdp: MDP, policy: np.ndarray) -> dict:
    """Greedy arrows: ``policy`` (S,) actions, or an (S, A) mask drawing every tied action."""
    W = mdp.shape[1]
    s = np.flatnonzero(~mdp.terminal & mdp.reachable)
    pol = np.asarray(policy)
    text = (
        ["".join(ARROWS[a] for a in np.flatnonzero(pol[k])) for k in s]
        if pol.ndim == 2
        else [ARROWS[a] for a in pol[s]]
    )
    return {
        "type": "scatter",
        "x": (s % W).tolist(),
        "y": (_y(mdp, s // W) - 0.3).tolist(),
        "text": text,
        "mode": "text",
        "hoverinfo": "skip",
        "textfont": {"size": 16, "color": "#111111"},
    }


def _agent(mdp: MDP, s: int) -> dict:
    W = mdp.shape[1]
    return {
        "type": "scatter",
        "x": [int(s) % W],
        "y": [_y(mdp, int(s) // W)],
        "mode": "markers",
        "hoverinfo": "skip",
        "marker": {"size": 26, "color": PALETTE[0], "line": {"color": "white", "width": 3}},
    }


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
) -> dict:
    """V as a heatmap with the values printed and, optionally, greedy policy arrows (``policy``
    (S,) actions, or an (S, A) mask drawing every tied action), a path of states drawn as a
    line through the cell centres, and the agent."""
    data = [_heat(mdp, v, zrange, show_values, colorbar_title), _tiles(mdp), _labels(mdp)]
    if policy is not None:
        data.append(_arrows(mdp, policy))
    if path is not None:
        W = mdp.shape[1]
        p = np.asarray(path)
        data.append(
            {
                "type": "scatter",
                "x": (p % W).tolist(),
                "y": _y(mdp, p // W).tolist(),
                "mode": "lines+markers",
                "hoverinfo": "skip",
                "line": {"color": PALETTE[0], "width": 5},
                "marker": {"size": 8, "color": PALETTE[0]},
            }
        )
    if agent is not None:
        data.append(_agent(mdp, agent))
    return {"data": data, "layout": _layout(mdp, title)}


def q_arrows(mdp: MDP, Q: np.ndarray, *, title: str = "") -> dict:
    """REINFORCEjs-style Q arrows: from each cell centre one segment per action, its length
    growing with Q(s, a) (scaled per cell), the greedy action's darker and on top; the cell
    colour is max_a Q. Two line traces (None-separated segments), whatever the grid size."""
    W = mdp.shape[1]
    seg = {False: ([], []), True: ([], [])}  # greedy last: drawn on top
    for s in np.flatnonzero(~mdp.terminal & mdp.reachable):
        q = Q[s]
        span = q.max() - q.min()
        length = 0.12 + 0.33 * ((q - q.min()) / span if span > 1e-12 else np.ones_like(q))
        best = int(q.argmax())
        i, j = divmod(int(s), W)
        for a, (di, dj) in enumerate(DELTAS):
            xs, ys = seg[a == best]
            y = _y(mdp, i)  # a row step di is -di on the upward axis
            xs += [j, j + dj * float(length[a]), None]
            ys += [y, y - di * float(length[a]), None]
    data = [_heat(mdp, Q.max(1), None, False, "max Q"), _tiles(mdp), _labels(mdp)]
    for greedy, (xs, ys) in seg.items():
        data.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "hoverinfo": "skip",
                "line": {"color": "#111111" if greedy else "#777777", "width": 4 if greedy else 2},
            }
        )
    return {"data": data, "layout": _layout(mdp, title)}


def value_frames(
    mdp: MDP,
    values: list[np.ndarray],
    policies: list[np.ndarray],
    titles: list[str],
    zrange: tuple[float, float],
) -> list[dict]:
    """`value_heatmap` of each (v_t, greedy mask pi_t) as frames for ``ui.plot_player``: the
    first with its layout, the others only their traces (same order) and title."""
    first = value_heatmap(mdp, values[0], policies[0], zrange=zrange, title=titles[0])
    out = [first]
    for v, pol, title in zip(values[1:], policies[1:], titles[1:], strict=True):
        heat, tiles, labels, _ = first["data"]
        data = [dict(heat, z=_rows(_grid(mdp, v))), tiles, labels, _arrows(mdp, pol)]
        out.append({"data": data, "layout": {"title": {"text": title}}})
    return out


def rollout_frames(
    mdp: MDP, path: np.ndarray, v: np.ndarray, policy: np.ndarray, *, title: str = ""
) -> list[dict]:
    """An episode on the grid as ``ui.plot_player`` frames: the agent at each step t."""
    first = value_heatmap(mdp, v, policy, title=title, show_values=False, agent=int(path[0]))
    static = first["data"][:-1]
    return [first] + [{"data": [*static, _agent(mdp, int(s))]} for s in path[1:]]
