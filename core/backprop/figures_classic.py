"""Figures of the classic results (notes §1.1, §1.5): the perceptron's boundary update by update
with its mistakes per epoch against Novikoff's bound, and universal approximation by one hidden
layer with its error against the number of units.

Each is a dict in plotly's JSON form (``go.Figure(d)`` makes a Figure): a ``go.Figure`` with an
``add_hline`` cost ~30 ms of plotly attribute validation per slider rerun (and the perceptron's
live view draws ~8 snapshots per tick); these dicts cost well under 1 ms.
"""

from __future__ import annotations

import numpy as np

from core.backprop.figures_base import CLASS_COLOURS, NEG, POS, _typed, data_bounds, log_ticks
from core.theme import PALETTE


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


def _perceptron_traces(X, theta, highlight, box) -> list[dict]:
    poly, cross = _halfplane(theta, box)
    ring = poly + poly[:1]
    hx = [float(X[highlight, 0])] if highlight is not None else []
    hy = [float(X[highlight, 1])] if highlight is not None else []
    return [
        dict(type="scatter", x=[float(p[0]) for p in ring], y=[float(p[1]) for p in ring],
             mode="lines", fill="toself", fillcolor="rgba(0,114,178,0.15)", line=dict(width=0),
             name="ŷ = 1 side", hoverinfo="skip"),
        dict(type="scatter", x=[float(c[0]) for c in cross], y=[float(c[1]) for c in cross],
             mode="lines", name="wᵀx + b = 0", line=dict(color="black", width=3)),
        dict(type="scatter", x=hx, y=hy, mode="markers", name="misclassified → update",
             marker=dict(size=22, color="rgba(0,0,0,0)", line=dict(color="black", width=3))),
    ]  # fmt: skip


def perceptron_figure(X, y, thetas, who, u: int) -> dict:
    """The perceptron after ``u`` updates: boundary w^T x + b = 0, its y_hat = 1 side, and the
    misclassified point that caused update u (circled)."""
    X = np.asarray(X, np.float64)
    box = data_bounds(X, 0.1)
    highlight = int(who[u - 1, 1]) if u > 0 else None
    data = _perceptron_traces(X, thetas[u], highlight, box)
    for k in (0, 1):
        m = y == k
        marker = dict(color=CLASS_COLOURS[k], size=10, line=dict(color="white", width=1))
        data.append(dict(type="scatter", x=_typed(X[m, 0]), y=_typed(X[m, 1]), mode="markers",
                         name=f"y = {k}", marker=marker))  # fmt: skip
    layout = dict(
        title=dict(text=f"after {u} of {len(thetas) - 1} updates"),
        height=440,
        legend=dict(orientation="h", y=-0.15),
        xaxis=dict(range=[box[0], box[1]], constrain="domain"),
        yaxis=dict(range=[box[2], box[3]], scaleanchor="x", scaleratio=1),
    )
    return {"data": data, "layout": layout}


def perceptron_progress_figure(run, upto: int, bound: float | None) -> dict:
    """Cumulative updates (mistakes) vs epoch, with Novikoff's (R/gamma)^2 when it exists."""
    per = np.asarray(run.mistakes_per_epoch)
    cum = np.cumsum(per)
    top = max(1, int(per.max()) if len(per) else 1)
    epochs = list(range(1, len(per) + 1))
    data = [
        dict(type="bar", x=epochs, y=per.tolist(), name="mistakes in epoch (right)",
             marker=dict(color=NEG), opacity=0.6, yaxis="y2"),
        dict(type="scatter", x=epochs, y=cum.tolist(), name="total updates",
             mode="lines+markers", line=dict(color=POS, width=3)),
    ]  # fmt: skip
    shapes, notes = [], []
    if bound is not None and np.isfinite(bound):  # what fig.add_hline draws, without its cost
        shapes.append(dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=bound,
                           y1=bound, line=dict(color="black", dash="dash")))  # fmt: skip
        notes.append(dict(text=f"Novikoff bound (R/γ)² = {bound:.1f}", xref="x domain", x=1,
                          xanchor="right", yref="y", y=bound, yanchor="bottom",
                          showarrow=False))  # fmt: skip
    if upto > 0 and len(run.who):
        ep = int(run.who[min(upto, len(run.who)) - 1, 0]) + 1
        shapes.append(dict(type="line", xref="x", x0=ep, x1=ep, yref="y domain", y0=0, y1=1,
                           line=dict(color="grey", dash="dot")))  # fmt: skip
    layout = dict(
        height=300,
        xaxis=dict(title=dict(text="epoch")),
        yaxis=dict(title=dict(text="total updates")),
        yaxis2=dict(
            overlaying="y",
            side="right",
            showgrid=False,
            range=[0, top * 1.05],
            tick0=0,
            dtick=max(1, int(np.ceil(top / 5))),  # whole mistakes: 0, 2, 4, ... never 0.48
            tickformat="d",
            title=dict(text="mistakes"),
        ),
        legend=dict(orientation="h", y=1.2),
        shapes=shapes,
        annotations=notes,
    )
    return {"data": data, "layout": layout}


def universal_figure(fit, show_units: bool = True) -> dict:
    """Target g, the n scaled units v_i sigma(w_i x + b_i) (thin) and their sum f (thick)."""
    x = fit.x.astype(np.float32)
    data = []
    if show_units:  # all n units as ONE trace broken by NaN gaps (n traces cost ~1.5 ms each)
        units = fit.units[:64].astype(np.float32)  # (n, G)
        gap = np.full((len(units), 1), np.nan, np.float32)
        data.append(dict(type="scatter", x=_typed(np.tile(np.append(x, np.nan), len(units))),
                         y=_typed(np.hstack([units, gap]).ravel()), mode="lines",
                         line=dict(width=1, color=PALETTE[2]), opacity=0.6, connectgaps=False,
                         name="v_i σ(w_i x + b_i)", hoverinfo="skip"))  # fmt: skip
    data += [
        dict(type="scatter", x=_typed(x), y=_typed(fit.g), mode="lines", name="target g(x)",
             line=dict(color="black", width=3, dash="dash")),
        dict(type="scatter", x=_typed(x), y=_typed(fit.fit), mode="lines",
             name="f(x) = v₀ + Σ units", line=dict(color=POS, width=4)),
    ]  # fmt: skip
    lo = float(min(fit.g.min(), fit.fit.min()))
    hi = float(max(fit.g.max(), fit.fit.max()))
    pad = 0.25 * (hi - lo + 1e-9)
    layout = dict(
        height=400,
        xaxis=dict(title=dict(text="x")),
        yaxis=dict(range=[lo - pad, hi + pad]),
        legend=dict(orientation="h", y=-0.2),
    )
    return {"data": data, "layout": layout}


def error_vs_n_figure(ns, errors, current: int | None = None) -> dict:
    """max |f - g| against the number of hidden units n (log-log), the current n dotted."""
    e = np.asarray(errors, np.float64)
    fin = e[np.isfinite(e) & (e > 0)]
    yv, yt = log_ticks(fin.min(), fin.max()) if len(fin) else ([], [])
    xv = [v for v in (1, 2, 4, 8, 16, 32, 64, 128) if min(ns) <= v <= max(ns)]
    data = [dict(type="scatter", x=[int(v) for v in ns], y=_typed(e), mode="lines+markers",
                 line=dict(color=POS, width=3), name="max |f − g|")]  # fmt: skip
    shapes = []
    if current is not None:
        shapes.append(dict(type="line", xref="x", x0=current, x1=current, yref="y domain",
                           y0=0, y1=1, line=dict(color="grey", dash="dot")))  # fmt: skip
    layout = dict(
        height=300,
        xaxis=dict(type="log", tickvals=xv, ticktext=[str(v) for v in xv],
                   title=dict(text="hidden units n")),
        yaxis=dict(type="log", tickvals=yv, ticktext=yt, title=dict(text="max |f(x) − g(x)|")),
        shapes=shapes,
    )  # fmt: skip
    return {"data": data, "layout": layout}
