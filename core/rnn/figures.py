"""Plotly-JSON figures (plain dicts, no validation: cheap to build and to send) for the §4 page.

Pure functions of numpy arrays; colours from `core.theme.PALETTE`.
"""

from __future__ import annotations

import numpy as np

from core.theme import PALETTE

BLUE, ORANGE, GREEN, RED, PINK, SKY = PALETTE[:6]
GREY = PALETTE[8]


_SUP = str.maketrans("0123456789()-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻")


def sup(v) -> str:
    """'(12)' as Unicode superscripts: full-size text (an HTML <sup> shrinks to 70 %, under the
    projector's 18 px)."""
    return f"({v})".translate(_SUP)


def _l(a) -> list:
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype=float).ravel()]


def _log_dtick(*arrays) -> int:
    """Whole decades between log-axis ticks (about 8 ticks): plotly's automatic log ticks add
    minor-digit labels (2, 3, ... 9) at 75 % font size, under the projector's 18 px."""
    v = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return 1
    decades = np.log10(v.max()) - np.log10(v.min())
    return int(max(1, np.ceil(decades / 8)))


def _fig(data: list, **layout) -> dict:
    base = {"margin": {"l": 55, "r": 20, "t": 45, "b": 45}, "height": 380}
    return {"data": data, "layout": {**base, **layout}}


# ----------------------------------------------------------------------------- BPTT
def unrolled_graph(T: int, t: int, k: int | None = None) -> dict:
    """The unrolled Elman RNN (notes Fig. 13): x⁽ˢ⁾ → h⁽ˢ⁾ → ŷ⁽ˢ⁾ → ℓ⁽ˢ⁾, h⁽ˢ⁻¹⁾ → h⁽ˢ⁾.

    Highlights the path of term k of ∂ℓ⁽ᵗ⁾/∂W_h: ℓ⁽ᵗ⁾ → ŷ⁽ᵗ⁾ → h⁽ᵗ⁾ → ... → h⁽ᵏ⁾ (and the
    W_h edge into h⁽ᵏ⁾ that holds h⁽ᵏ⁻¹⁾ fixed). Traces: every edge (grey), the path's edges,
    the nodes, the path's nodes, the labels: only the two path traces depend on k, so a player
    scrubbing k moves two small traces and leaves the rest (and every label) alone.
    """
    rows = {"x": 0, "h": 1, "y": 2, "l": 3}
    ex, ey, hx, hy = [], [], [], []  # all edges, highlighted edges, None-separated
    for s in range(1, T + 1):
        edges = [((s, 0), (s, 1)), ((s, 1), (s, 2)), ((s, 2), (s, 3))]
        edges.append(((s - 1, 1), (s, 1)))
        for a, b in edges:
            ex += [a[0], b[0], None]
            ey += [a[1], b[1], None]
            if k is not None and (
                (s == t and a[1] >= 1 and b[1] >= 1 and a[0] == s == b[0])
                or (a[1] == b[1] == 1 and k < b[0] <= t)
                or (a[1] == b[1] == 1 and b[0] == k)
            ):
                hx += [a[0], b[0], None]
                hy += [a[1], b[1], None]
    names = {"x": "x", "h": "h", "y": "ŷ", "l": "ℓ"}
    nx, ny, text, colour, px, py = [], [], [], [], [], []
    for s in range(0, T + 1):
        for r, row in rows.items():
            if s == 0 and r != "h":
                continue
            nx.append(s)
            ny.append(row)
            text.append(f"{names[r]}{sup(s)}")
            colour.append("#dddddd" if r == "l" and s != t else "#cfe3f3")
            if k is not None and ((r == "h" and k <= s <= t) or (s == t and r in "yl")):
                px.append(s)
                py.append(row)
    node = {"type": "scatter", "mode": "markers", "hoverinfo": "skip", "showlegend": False}
    data = [
        {"type": "scatter", "x": ex, "y": ey, "mode": "lines", "hoverinfo": "skip",
         "line": {"color": GREY, "width": 1.5}, "showlegend": False},
        {"type": "scatter", "x": hx or [None], "y": hy or [None], "mode": "lines",
         "hoverinfo": "skip", "line": {"color": ORANGE, "width": 5}, "showlegend": False},
        {**node, "x": nx, "y": ny,
         "marker": {"size": 38, "color": colour, "line": {"color": "#555", "width": 1}}},
        {**node, "x": px or [None], "y": py or [None],
         "marker": {"size": 38, "color": ORANGE, "line": {"color": "#555", "width": 1}}},
        {"type": "scatter", "x": nx, "y": ny, "mode": "text", "text": text,
         "textfont": {"size": 18}, "hoverinfo": "skip", "showlegend": False},
    ]  # fmt: skip
    title = f"Unrolled RNN · term k = {k} of ∂ℓ{sup(t)}/∂W_h" if k else "Unrolled RNN"
    return _fig(
        data,
        title={"text": title},
        height=300,
        xaxis={"visible": False, "range": [-0.6, T + 0.6]},
        yaxis={"visible": False, "range": [-0.6, 3.6]},
    )


def _matrix_cells(M: np.ndarray, lim: float, xa: str, ya: str) -> dict:
    """A d×d matrix as a heatmap trace with row i drawn at y = d − 1 − i (row 0 on top) on a
    plain, fixed axis: no reversed axis, so a player can colour it on the server as an image
    (``ui.frames``); the y tick labels name the rows."""
    z = np.asarray(M, dtype=float)[::-1]  # (d, d), flipped: row 0 at the top
    return {"type": "heatmap", "z": z.round(6).tolist(), "colorscale": "RdBu",
            "reversescale": True, "zmin": -lim, "zmax": lim, "showscale": False,
            "xaxis": xa, "yaxis": ya, "hovertemplate": "z = %{z:.3g}<extra></extra>"}  # fmt: skip


def bptt_frames(terms: np.ndarray, auto_t: np.ndarray, T: int, t: int) -> list[dict]:
    """The BPTT step-through, one frame per k = t, t−1, …, 1 (backward in time, as BPTT walks):
    the unrolled graph with term k's path, term k = (δ⁽ᵏ⁾ ⊙ σ'(a⁽ᵏ⁾)) h⁽ᵏ⁻¹⁾ᵀ, and the running
    sum Σ_{j ≥ k} term j (at k = 1 it is ∂ℓ⁽ᵗ⁾/∂W_h, notes §4.1).

    ``terms`` (t, d, d), ``auto_t`` (d, d) autograd's ∂ℓ⁽ᵗ⁾/∂W_h (it sets the shared colour
    range). Every frame has the same traces and layout (fixed ranges, static axis titles; k is in
    the frame's title), so the browser only moves the graph's highlighted path and swaps the two
    heatmap images: the fast path of ``ui.frames``.
    """
    terms = np.asarray(terms, dtype=float)
    d = terms.shape[1]
    lim = float(max(np.abs(terms).max(), np.abs(auto_t).max())) or 1.0
    ticks = {"tickvals": list(range(d)), "ticktext": [str(d - 1 - i) for i in range(d)]}
    cell = {"range": [-0.5, d - 0.5], "autorange": False, "dtick": 1, "showgrid": False,
            "zeroline": False}  # fmt: skip
    layout = dict(
        height=560,
        margin={"l": 55, "r": 20, "t": 45, "b": 45},
        xaxis={"visible": False, "range": [-0.6, T + 0.6], "domain": [0, 1]},
        yaxis={"visible": False, "range": [-0.6, 3.6], "domain": [0.5, 1]},
        xaxis2={**cell, "domain": [0.05, 0.45], "anchor": "y2",
                "title": {"text": "term k: column j"}},
        yaxis2={**cell, **ticks, "domain": [0, 0.38], "anchor": "x2", "title": {"text": "row i"}},
        xaxis3={**cell, "domain": [0.55, 0.95], "anchor": "y3",
                "title": {"text": f"Σ of terms k..{t} (k = 1: ∂ℓ{sup(t)}/∂W_h)"}},
        yaxis3={**cell, **ticks, "domain": [0, 0.38], "anchor": "x3"},
    )  # fmt: skip
    out = []
    for k in range(t, 0, -1):
        g = unrolled_graph(T, t, k)
        data = g["data"] + [_matrix_cells(terms[k - 1], lim, "x2", "y2"),
                            _matrix_cells(terms[k - 1 :].sum(0), lim, "x3", "y3")]  # fmt: skip
        out.append({"data": data, "layout": {**layout, "title": g["layout"]["title"]}})
    return out


def bptt_terms_figure(term_norm, jac_norm, k: int | None = None) -> dict:
    """‖term k‖_F and ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ by k (log scale); the chosen k marked."""
    ks = list(range(1, len(term_norm) + 1))
    data = [
        {"type": "bar", "x": ks, "y": _l(term_norm), "name": "‖term k‖ (Frobenius)",
         "marker": {"color": [ORANGE if j == k else BLUE for j in ks]}},
        {"type": "scatter", "x": ks, "y": _l(jac_norm), "name": "‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂",
         "mode": "lines+markers", "line": {"color": GREEN}},
    ]  # fmt: skip
    return _fig(
        data,
        title={"text": "Each term of the BPTT sum, by k"},
        xaxis={"title": {"text": "k"}, "dtick": 1},
        yaxis={
            "title": {"text": "norm"},
            "type": "log",
            "dtick": _log_dtick(term_norm, jac_norm),
            "exponentformat": "power",
        },
        legend={"orientation": "h", "y": -0.25},
        height=340,
    )


def matrix_heatmap(M: np.ndarray, title: str, zmax: float | None = None) -> dict:
    z = np.asarray(M, dtype=float)
    zmax = float(np.abs(z).max()) if zmax is None else zmax
    return _fig(
        [
            {
                "type": "heatmap",
                "z": z.round(6).tolist(),
                "colorscale": "RdBu",
                "reversescale": True,
                "zmin": -zmax or -1,
                "zmax": zmax or 1,
            }
        ],  # fmt: skip
        title={"text": title},
        height=300,
        xaxis={"title": {"text": "column j"}, "dtick": 1},
        yaxis={"title": {"text": "row i"}, "autorange": "reversed", "dtick": 1},
    )


# ----------------------------------------------------------------------------- spectrum
def eigen_plane(eigs: np.ndarray, gamma: float, sigma_max: float) -> dict:
    """Eigenvalues in the complex plane with the unit circle and the 1/γ circle; σ_max ring."""
    th = np.linspace(0, 2 * np.pi, 121)
    data = [
        {"type": "scatter", "x": _l(np.cos(th)), "y": _l(np.sin(th)), "mode": "lines",
         "name": "|λ| = 1", "line": {"color": GREY, "dash": "dot"}},
    ]  # fmt: skip
    if gamma != 1.0:
        data.append({"type": "scatter", "x": _l(np.cos(th) / gamma), "y": _l(np.sin(th) / gamma),
                     "mode": "lines", "name": "|λ| = 1/γ", "line": {"color": GREEN}})  # fmt: skip
    data.append({"type": "scatter", "x": _l(sigma_max * np.cos(th)),
                 "y": _l(sigma_max * np.sin(th)), "mode": "lines", "name": "radius σ_max",
                 "line": {"color": RED, "dash": "dash"}})  # fmt: skip
    data.append({"type": "scatter", "x": _l(eigs.real), "y": _l(eigs.imag), "mode": "markers",
                 "name": "eigenvalues λᵢ", "marker": {"size": 11, "color": BLUE}})  # fmt: skip
    r = max(1.1, 1.1 / gamma, 1.1 * sigma_max, 1.1 * float(np.abs(eigs).max(initial=0)))
    return _fig(
        data,
        title={"text": "Spectrum of W_h"},
        xaxis={"title": {"text": "Re λ"}, "range": [-r, r], "scaleanchor": "y"},
        yaxis={"title": {"text": "Im λ"}, "range": [-r, r]},
        legend={"orientation": "h", "y": -0.2},
        height=420,
    )


def norm_vs_lag(lags, series: dict[str, tuple[np.ndarray, str, str]], title: str) -> dict:
    """Log-scale curves: {name: (values, colour, dash)} against the lag t − k."""
    data = [
        {"type": "scatter", "x": _l(lags), "y": _l(np.maximum(v, 1e-300)), "name": name,
         "mode": "lines" if dash != "markers" else "lines+markers",
         "line": {"color": c, "dash": "solid" if dash == "markers" else dash}}
        for name, (v, c, dash) in series.items()
    ]  # fmt: skip
    return _fig(
        data,
        title={"text": title},
        xaxis={"title": {"text": "lag t − k"}},
        yaxis={
            "title": {"text": "‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂"},
            "type": "log",
            "exponentformat": "power",
            "dtick": _log_dtick(*[np.maximum(v, 1e-300) for v, _, _ in series.values()]),
        },
        legend={"orientation": "h", "y": -0.25},
        height=420,
    )


# ----------------------------------------------------------------------------- LSTM gates
def gate_heatmaps(gates: dict[str, np.ndarray], names=("f", "i", "g", "o", "c")) -> dict:
    """One heatmap per gate, stacked: units (rows) over time (columns)."""
    n = len(names)
    data, layout = [], {}
    gap = 0.04
    h = (1 - gap * (n - 1)) / n
    for j, name in enumerate(names):
        z = np.asarray(gates[name], dtype=float).T  # (d, T)
        signed = name in ("g", "c")
        lim = float(np.abs(z).max()) or 1.0
        ax = "" if j == 0 else str(j + 1)
        data.append({
            "type": "heatmap", "z": z.round(4).tolist(), "xaxis": f"x{ax}", "yaxis": f"y{ax}",
            "colorscale": "RdBu" if signed else "Viridis", "reversescale": signed,
            "zmin": -lim if signed else 0, "zmax": lim if signed else 1, "showscale": False,
            "hovertemplate": f"{name}: %{{z:.3f}}<br>t = %{{x}} · unit %{{y}}<extra></extra>",
        })  # fmt: skip
        top = 1 - j * (h + gap)
        layout[f"yaxis{ax}"] = {"domain": [top - h, top], "title": {"text": name},
                                "showticklabels": False}  # fmt: skip
        layout[f"xaxis{ax}"] = {"anchor": f"y{ax}", "showticklabels": j == n - 1,
                                "matches": "x" if j else None}  # fmt: skip
    layout["xaxis"].pop("matches")
    layout[f"xaxis{'' if n == 1 else n}"]["title"] = {"text": "time step t"}
    return _fig(data, title={"text": "LSTM gates and cell over time (rows = units)"},
                height=560, **layout)  # fmt: skip


# ----------------------------------------------------------------------------- clipping
def cliff_figure(surface: dict, paths: dict[str, tuple[np.ndarray, str]]) -> dict:
    """log10 loss over (w, b) with descent paths {name: ((n, 2) path, colour)}."""
    z = np.log10(surface["loss"] + 1e-8)
    data = [
        {
            "type": "heatmap",
            "x": _l(surface["w"]),
            "y": _l(surface["b"]),
            "z": z.round(3).tolist(),
            "colorscale": "Viridis",
            "colorbar": {"title": {"text": "log₁₀ loss"}},
            "hovertemplate": "w %{x:.2f} · b %{y:.2f}<br>log₁₀ L %{z:.2f}<extra></extra>",
        }
    ]
    for name, (p, c) in paths.items():
        data.append({"type": "scatter", "x": _l(p[:, 0]), "y": _l(p[:, 1]), "name": name,
                     "mode": "lines+markers", "marker": {"size": 5, "color": c},
                     "line": {"color": c, "width": 2.5}})  # fmt: skip
    return _fig(
        data,
        title={"text": "The cliff: loss of h⁽ᵗ⁾ = w σ(h⁽ᵗ⁻¹⁾) + b after 50 steps"},
        xaxis={"title": {"text": "w"}, "range": [surface["w"][0], surface["w"][-1]]},
        yaxis={"title": {"text": "b"}, "range": [surface["b"][0], surface["b"][-1]]},
        legend={"orientation": "h", "y": -0.22},
        height=460,
    )


def norm_histogram(norms: dict[str, tuple[np.ndarray, str]], k: float) -> dict:
    """Histogram of log10 ‖g‖ per run, the threshold k as a line."""
    data = [{"type": "histogram", "x": _l(np.log10(np.maximum(v, 1e-12))), "name": name,
             "opacity": 0.6, "marker": {"color": c}, "nbinsx": 50}
            for name, (v, c) in norms.items()]  # fmt: skip
    lk = float(np.log10(k))
    return _fig(
        data,
        barmode="overlay",
        title={"text": "Gradient norms during training (before clipping)"},
        xaxis={"title": {"text": "log₁₀ ‖g‖"}},
        yaxis={"title": {"text": "steps"}},
        shapes=[{"type": "line", "x0": lk, "x1": lk, "yref": "paper", "y0": 0, "y1": 1,
                 "line": {"color": RED, "dash": "dash", "width": 2}}],
        annotations=[{"x": lk, "y": 1, "yref": "paper", "text": f"k = {k:g}",
                      "showarrow": False, "yanchor": "bottom", "font": {"color": RED}}],
        legend={"orientation": "h", "y": -0.25},
        height=360,
    )  # fmt: skip


# ----------------------------------------------------------------------------- memory
def success_curve(curve: dict, chosen_lag: int | None = None) -> dict:
    """Mean held-out accuracy vs lag over seeds, with a min-max band, per model."""
    lags = [int(v) for v in curve["lags"]]
    data = []
    for name, colour in (("elman", BLUE), ("lstm", ORANGE)):
        acc = np.array([curve["accuracy"][name][str(lag)] for lag in lags])  # (L, seeds)
        lo, hi, mean = acc.min(1), acc.max(1), acc.mean(1)
        label = "Elman RNN" if name == "elman" else "LSTM"
        data += [
            {"type": "scatter", "x": lags + lags[::-1], "y": _l(np.r_[hi, lo[::-1]]),
             "fill": "toself", "fillcolor": colour, "opacity": 0.2, "line": {"width": 0},
             "name": f"{label} min–max over {acc.shape[1]} seeds", "hoverinfo": "skip"},
            {"type": "scatter", "x": lags, "y": _l(mean), "mode": "lines+markers",
             "name": f"{label} mean", "line": {"color": colour, "width": 3}},
        ]  # fmt: skip
    shapes = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": curve["chance"],
               "y1": curve["chance"], "line": {"color": GREY, "dash": "dot"}}]  # fmt: skip
    if chosen_lag:
        shapes.append({"type": "line", "x0": chosen_lag, "x1": chosen_lag, "yref": "paper",
                       "y0": 0, "y1": 1, "line": {"color": RED, "dash": "dash"}})  # fmt: skip
    return _fig(
        data,
        title={"text": "Recall accuracy vs lag (held-out, best over training)"},
        xaxis={"title": {"text": "lag T"}, "type": "log", "tickvals": lags},
        yaxis={"title": {"text": "accuracy"}, "range": [0, 1.05]},
        shapes=shapes,
        legend={"orientation": "h", "y": -0.25},
        height=420,
    )


def live_accuracy(hist: dict[str, list[tuple[int, float, float]]], chance: float) -> dict:
    """Held-out accuracy against steps for the live Elman and LSTM runs."""
    data = []
    for name, colour in (("elman", BLUE), ("lstm", ORANGE)):
        h = np.array(hist.get(name) or [(0, np.nan, np.nan)], dtype=float)
        data.append({"type": "scatter", "x": _l(h[:, 0]), "y": _l(h[:, 2]), "mode": "lines",
                     "name": "Elman RNN" if name == "elman" else "LSTM",
                     "line": {"color": colour, "width": 3}})  # fmt: skip
    return _fig(
        data,
        title={"text": "Live: held-out recall accuracy"},
        xaxis={"title": {"text": "training step"}, "rangemode": "tozero"},
        yaxis={"title": {"text": "accuracy"}, "range": [0, 1.05]},
        shapes=[{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": chance, "y1": chance,
                 "line": {"color": GREY, "dash": "dot"}}],
        legend={"orientation": "h", "y": -0.25},
        height=380,
    )  # fmt: skip
