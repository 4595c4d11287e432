"""Figures of the §11.3 page as plain dicts in plotly's JSON form (cheap to build and resend).

The cart and pole are drawn from the state (x, θ): a filled box on the track and a pole of
length 2 × 0.5 (gymnasium's half-length) from the cart's top, θ measured from upright,
clockwise positive as in gymnasium (the pole's tip is at x + 2l sin θ, 2l cos θ above the axle).
Every frame of an episode has the same traces in the same order (track, cart, pole, push).
"""

from __future__ import annotations

import warnings

import numpy as np

from core.rl import cartpole as C
from core.theme import PALETTE

POLE = 1.0  # drawn length: 2 × gymnasium's half-length 0.5
CART_W, CART_H = 0.5, 0.3


def _axis(lo, hi, **kw) -> dict:
    return {"range": [lo, hi], "showgrid": False, "zeroline": False, **kw}


def cartpole_frame(state, action: int | None, title: str = "") -> dict:
    """One drawing of the state s = (x, ẋ, θ, θ̇) and the push of ``action`` (0 left, 1 right)."""
    x, _, th, _ = (round(float(v), 4) for v in state)
    cx = [x - CART_W / 2, x + CART_W / 2, x + CART_W / 2, x - CART_W / 2, x - CART_W / 2]
    cy = [0, 0, CART_H, CART_H, 0]
    tip = (round(x + POLE * np.sin(th), 4), round(CART_H + POLE * np.cos(th), 4))
    push = [] if action is None else [x + (-1 if action == 0 else 1) * (CART_W / 2 + 0.35)]
    start = [] if action is None else [x + (-1 if action == 0 else 1) * CART_W / 2]
    lim = C.X_LIMIT + 0.6
    return {
        "data": [
            {
                "type": "scatter",
                "x": [-C.X_LIMIT, C.X_LIMIT],
                "y": [0, 0],
                "mode": "lines",
                "line": {"color": "#888", "width": 3},
                "hoverinfo": "skip",
                "showlegend": False,
            },
            {
                "type": "scatter",
                "x": cx,
                "y": cy,
                "mode": "lines",
                "fill": "toself",
                "fillcolor": PALETTE[0],
                "line": {"color": PALETTE[0]},
                "hoverinfo": "skip",
                "showlegend": False,
            },
            {
                "type": "scatter",
                "x": [x, tip[0]],
                "y": [CART_H, tip[1]],
                "mode": "lines+markers",
                "line": {"color": PALETTE[1], "width": 8},
                "marker": {"size": [6, 12]},
                "hoverinfo": "skip",
                "showlegend": False,
            },
            {
                "type": "scatter",
                "x": start + push,
                "y": [CART_H / 2] * (2 if push else 0),
                "mode": "lines+markers",
                "line": {"color": PALETTE[2], "width": 4},
                "marker": {
                    "symbol": ["circle", "triangle-right" if action else "triangle-left"],
                    "size": [1, 14],
                },
                "hoverinfo": "skip",
                "showlegend": False,
            },
        ],  # fmt: skip
        "layout": {
            "title": {"text": title},
            "xaxis": _axis(-lim, lim, title={"text": "x (track ends at ±2.4)"}),
            "yaxis": _axis(-0.3, 1.5, scaleanchor="x", scaleratio=1, showticklabels=False),
            "margin": {"l": 10, "r": 10, "t": 40, "b": 40},
        },
    }


def episode_frames(ep: dict, every: int = 1) -> tuple[list[dict], list[str]]:
    """Frames of a recorded episode (``cartpole.record_episode``) and their labels."""
    S, A = ep["states"], ep["actions"]
    idx = list(range(0, len(S), every))
    if idx[-1] != len(S) - 1:
        idx.append(len(S) - 1)
    figs, labels = [], []
    for t in idx:
        a = int(A[t]) if t < len(A) else None
        th = np.degrees(S[t, 2])
        fig = cartpole_frame(S[t], a, f"t = {t} · θ = {th:+.1f}° · x = {S[t, 0]:+.2f}")
        if figs:  # the player keeps the first frame's layout; later frames bring their title
            fig["layout"] = {"title": fig["layout"]["title"]}
        figs.append(fig)
        labels.append(f"t = {t}")
    return figs, labels


def q_slice_figure(sl: dict, title: str = "") -> dict:
    """V(s) = max_a Q(s, a) and the greedy action over the (θ, θ̇) slice, side by side."""
    th = np.degrees(sl["theta"]).round(2).tolist()
    thd = np.asarray(sl["theta_dot"]).round(3).tolist()
    V = np.asarray(sl["V"], np.float64).round(2).tolist()
    act = np.asarray(sl["action"]).tolist()
    return {
        "data": [
            {
                "type": "heatmap",
                "x": th,
                "y": thd,
                "z": V,
                "colorscale": "Viridis",
                "colorbar": {"title": {"text": "V"}, "x": 0.45, "len": 0.9},
                "hovertemplate": "θ %{x}°, θ̇ %{y}: V %{z}<extra></extra>",
            },
            {
                "type": "heatmap",
                "x": th,
                "y": thd,
                "z": act,
                "xaxis": "x2",
                "yaxis": "y2",
                "zmin": 0,
                "zmax": 1,
                "showscale": False,
                "colorscale": [
                    [0, PALETTE[0]],
                    [0.5, PALETTE[0]],
                    [0.5, PALETTE[1]],
                    [1, PALETTE[1]],
                ],
                "hovertemplate": "θ %{x}°, θ̇ %{y}: action %{z} (0 left, 1 right)<extra></extra>",
            },
        ],  # fmt: skip
        "layout": {
            "title": {"text": title},
            "xaxis": {"domain": [0, 0.45], "title": {"text": "θ (degrees)"}},
            "yaxis": {"title": {"text": "θ̇ (rad/s)"}},
            "xaxis2": {"domain": [0.55, 1], "title": {"text": "θ (° ) · greedy: blue ← / red →"}},
            "yaxis2": {"anchor": "x2", "showticklabels": False},
            "margin": {"l": 60, "r": 10, "t": 50, "b": 50},
        },
    }


def _gaps(y: np.ndarray) -> list:
    """Rounded values with NaN as None (a gap in plotly; NaN is not valid JSON)."""
    return [None if not np.isfinite(v) else round(float(v), 1) for v in y]


def binned(curves: list[dict], grid: np.ndarray, window: int = 1) -> np.ndarray:
    """(seeds, len(grid)): each run's mean return of the episodes finished in each bin of
    ``grid`` (a bin with none carries the last value forward; NaN before the first)."""
    out = np.full((len(curves), len(grid)), np.nan)
    for i, c in enumerate(curves):
        s, r = np.asarray(c["step"]), np.asarray(c["return"], np.float64)
        k = np.searchsorted(grid, s)  # the bin of each episode
        last = np.nan
        for j in range(len(grid)):
            sel = r[k == j]
            last = sel.mean() if sel.size else last
            out[i, j] = last
    return out


def learning_curves_figure(runs: dict[str, list[dict]], steps: int, cleanrl=(), title="",
                           bins: int = 40) -> dict:  # fmt: skip
    """Mean return over seeds (line) with a min–max band per method, the 475 line, and
    published reference points with their ± std as error bars."""
    grid = np.linspace(steps / bins, steps, bins)
    data = []
    for k, (name, curves) in enumerate(runs.items()):
        if not curves:
            continue
        b = binned(curves, grid)
        col = PALETTE[k % len(PALETTE)]
        with warnings.catch_warnings():  # a bin before any run's first episode: NaN, a gap
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, lo, hi = np.nanmean(b, 0), np.nanmin(b, 0), np.nanmax(b, 0)
        xs = grid.tolist()
        data.append({"type": "scatter", "x": xs + xs[::-1],
                     "y": _gaps(np.concatenate([hi, lo[::-1]])), "fill": "toself",
                     "fillcolor": col, "opacity": 0.2, "line": {"width": 0},
                     "hoverinfo": "skip", "showlegend": False, "legendgroup": name})  # fmt: skip
        data.append({"type": "scatter", "x": xs, "y": _gaps(mean), "mode": "lines",
                     "line": {"color": col, "width": 3}, "legendgroup": name,
                     "name": f"{name} ({len(curves)} seeds)"})  # fmt: skip
    data.append({"type": "scatter", "x": [0, max(steps, *(p["steps"] for p in cleanrl))]
                 if cleanrl else [0, steps], "y": [C.SOLVED, C.SOLVED], "mode": "lines",
                 "line": {"dash": "dash", "color": "#444"}, "name": "solved: 475"})  # fmt: skip
    for p in cleanrl:
        data.append({"type": "scatter", "x": [p["steps"]], "y": [p["mean"]],
                     "error_y": {"type": "data", "array": [p["std"]]}, "mode": "markers+text",
                     "marker": {"symbol": "star", "size": 16, "color": "#111"},
                     "text": [f"{p['label']}: {p['mean']:g} ± {p['std']:g}"],
                     "textposition": "bottom left", "name": p["label"],
                     "showlegend": False})  # fmt: skip
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "xaxis": {"title": {"text": "environment steps"}},
            "yaxis": {"title": {"text": "episode return"}, "range": [0, 540]},
            "legend": {"orientation": "h", "y": -0.2},
            "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
        },
    }


def series_figure(series: dict[str, tuple], title: str, ytitle: str, log: bool = False) -> dict:
    """Lines ``name -> (x, y)`` on one axis."""
    data = [
        {"type": "scatter", "x": list(map(float, x)), "y": [float(v) for v in y], "mode": "lines",
         "name": name, "line": {"color": PALETTE[k % len(PALETTE)], "width": 2}}
        for k, (name, (x, y)) in enumerate(series.items())
    ]  # fmt: skip
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "xaxis": {"title": {"text": "environment steps"}},
            "yaxis": {"title": {"text": ytitle}, "type": "log" if log else "linear"},
            "legend": {"orientation": "h", "y": -0.25},
            "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
        },
    }


def variance_figure(rows: list[dict], names: dict[str, str]) -> dict:
    """Left: the mean gradient's projection ± 2 s.e. per estimator (the same for all: unbiased);
    right: its total variance relative to no baseline (log axis)."""
    lab = [f"{names[r['baseline']]}{' + rtg' if r['reward_to_go'] else ''}" for r in rows]
    cols = [PALETTE[1] if r["reward_to_go"] else PALETTE[0] for r in rows]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": lab,
                "x": [r["projection"] for r in rows],
                "error_x": {"type": "data", "array": [2 * r["projection_se"] for r in rows]},
                "marker": {"color": cols},
                "showlegend": False,
                "hovertemplate": "%{y}: %{x:.3g}<extra>mean · u</extra>",
            },
            {
                "type": "bar",
                "orientation": "h",
                "y": lab,
                "x": [r["variance_ratio"] for r in rows],
                "xaxis": "x2",
                "yaxis": "y2",
                "marker": {"color": cols},
                "showlegend": False,
                "hovertemplate": "%{y}: %{x:.3g} × none<extra>variance</extra>",
            },
        ],  # fmt: skip
        "layout": {
            "xaxis": {"domain": [0, 0.42], "title": {"text": "mean ĝ · u  (± 2 s.e.)"}},
            "yaxis": {"autorange": "reversed", "automargin": True},
            "xaxis2": {
                "domain": [0.58, 1],
                "type": "log",
                "title": {"text": "tr Cov(ĝ) / tr Cov(ĝ, no baseline)"},
            },
            "yaxis2": {"anchor": "x2", "autorange": "reversed", "showticklabels": False},
            "margin": {"l": 10, "r": 20, "t": 30, "b": 50},
        },
    }
