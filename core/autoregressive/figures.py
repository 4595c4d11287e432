"""Pure figures for the §7 page: uint8 images (chain-rule frames, sample grids, heat maps) and
plotly-JSON dicts (mask panels, the ladder chart). No Streamlit here."""

from __future__ import annotations

import numpy as np

from core.imaging import make_grid

# viridis at 6 stops (matplotlib's values), interpolated: p = 0 dark blue ... p = 1 yellow
_VIRIDIS = np.array(
    [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]],
    dtype=np.float32,
)
NEXT = np.array([230, 30, 30], dtype=np.uint8)  # the pixel drawn at this step
SEQUENTIAL = "Viridis"


def viridis(p: np.ndarray) -> np.ndarray:
    """(...,) values in [0, 1] -> (..., 3) uint8 RGB."""
    t = np.clip(np.nan_to_num(p), 0, 1) * (len(_VIRIDIS) - 1)
    i = np.minimum(t.astype(int), len(_VIRIDIS) - 2)
    f = (t - i)[..., None]
    return ((1 - f) * _VIRIDIS[i] + f * _VIRIDIS[i + 1]).round().astype(np.uint8)


def ink(x: np.ndarray) -> np.ndarray:
    """{0, 1} (or [0, 1]) image -> grey uint8 RGB, black ink on white paper."""
    g = ((1 - np.clip(x, 0, 1)) * 255).round().astype(np.uint8)
    return np.repeat(g[..., None], 3, -1)


def upscale(img: np.ndarray, s: int) -> np.ndarray:
    return img.repeat(s, 0).repeat(s, 1)


def chain_frame(
    x: np.ndarray, drawn: np.ndarray, p: np.ndarray, nxt: int | None, scale: int = 7
) -> np.ndarray:
    """One step of the chain rule, (H*s, 2*W*s + gap, 3) uint8.

    Left: the pixels drawn so far (undrawn = pale blue). Right: p(x_j = 1 | x_<k) for every
    pixel j not yet drawn (viridis), drawn ones in grey; the red cell is drawn next.
    """
    H, W = x.shape
    left = ink(x)
    left[~drawn] = (215, 228, 245)
    right = viridis(p)
    right[drawn] = ink(x)[drawn] // 2 + 100  # drawn pixels: muted
    if nxt is not None:
        r, c = divmod(int(nxt), W)
        left[r, c] = NEXT
        right[r, c] = NEXT
    gap = np.full((H * scale, scale * 2, 3), 255, np.uint8)
    return np.concatenate([upscale(left, scale), gap, upscale(right, scale)], 1)


def prob_image(p: np.ndarray, scale: int = 6) -> np.ndarray:
    """A (H, W) probability map as a viridis uint8 image."""
    return upscale(viridis(p), scale)


def digits_image(x: np.ndarray, nrow: int, scale: int = 3) -> np.ndarray:
    """(N, H, W) in [0, 1] -> a grid, black ink on white, uint8 grey."""
    g = make_grid(np.asarray(x, dtype=np.float32), nrow=nrow, pad=1, pad_value=0.0)
    return upscale(((1 - g) * 255).round().astype(np.uint8), scale)


def heatmap_panels(panels: list[dict], height: int = 320, ncols: int | None = None) -> dict:
    """Side-by-side heatmaps as one plotly-JSON dict; each panel {"z", "title"} (+ "zmax",
    "colorscale"). Rows run top to bottom like a matrix."""
    ncols = ncols or len(panels)
    gap = 0.04
    w = (1 - gap * (ncols - 1)) / ncols
    data, layout = [], {"height": height, "margin": {"l": 30, "r": 10, "t": 40, "b": 20}}
    notes = []
    for i, p in enumerate(panels):
        ax = "" if i == 0 else str(i + 1)
        x0 = (i % ncols) * (w + gap)
        z = np.asarray(p["z"], dtype=float)
        data.append(
            {
                "type": "heatmap",
                "z": np.round(z, 4).tolist(),
                "xaxis": f"x{ax}",
                "yaxis": f"y{ax}",
                "showscale": False,
                "colorscale": p.get("colorscale", SEQUENTIAL),
                "zmin": p.get("zmin", 0.0),
                "zmax": p.get("zmax", float(np.nanmax(z)) if z.size and np.nanmax(z) > 0 else 1.0),
                "hovertemplate": p.get("hover", "row %{y}, col %{x}: %{z:.3g}<extra></extra>"),
            }
        )
        layout[f"xaxis{ax}"] = {"domain": [x0, x0 + w], "anchor": f"y{ax}", "showgrid": False,
                                "zeroline": False, "constrain": "domain"}  # fmt: skip
        layout[f"yaxis{ax}"] = {"anchor": f"x{ax}", "autorange": "reversed", "showgrid": False,
                                "zeroline": False, "scaleanchor": f"x{ax}"}  # fmt: skip
        notes.append({"text": p["title"], "x": x0 + w / 2, "y": 1.0, "xref": "paper",
                      "yref": "paper", "yanchor": "bottom", "showarrow": False,
                      "font": {"size": 13}})  # fmt: skip
    layout["annotations"] = notes
    return {"data": data, "layout": layout}


def ladder_chart(rows: list[dict], published: dict[str, float]) -> dict:
    """Held-out NLL bars (nats/image, ours) with the papers' numbers as labelled dashed lines
    (another split and binarisation: reference lines, not bars to compare against)."""
    names = [r["label"] for r in rows]
    nll = [round(r["nll"], 2) for r in rows]
    shapes, notes = [], []
    for k, (label, v) in enumerate(published.items()):
        shapes.append({"type": "line", "x0": v, "x1": v, "y0": 0, "y1": 1, "yref": "paper",
                       "line": {"dash": "dot", "color": "#888", "width": 1}})  # fmt: skip
        notes.append({"x": v, "y": 1.02 + 0.06 * (k % 2), "yref": "paper", "showarrow": False,
                      "text": f"{label.split(' (')[0]} {v}", "font": {"size": 10},
                      "xanchor": "left" if k % 2 else "right"})  # fmt: skip
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": nll,
                "y": names,
                "text": [f"{v:.1f}" for v in nll],
                "textposition": "auto",
                "marker": {"color": "#3b6fd8"},
                "hovertemplate": "%{y}: %{x:.2f} nats<extra></extra>",
            }
        ],
        "layout": {
            "height": 60 + 34 * len(rows),
            "margin": {"l": 210, "r": 20, "t": 60, "b": 40},
            "xaxis": {"title": {"text": "held-out −log p(x), nats per image (lower is better)"}},
            "yaxis": {"autorange": "reversed"},
            "shapes": shapes,
            "annotations": notes,
        },
    }


def _line(x, y, name: str, color: str, yaxis: str = "y", **kw) -> dict:
    return {"type": "scatter", "mode": "lines", "x": list(map(int, x)),
            "y": [float(f"{v:.4g}") for v in np.asarray(y, dtype=float)], "name": name,
            "yaxis": yaxis, "line": {"color": color, **kw.pop("line", {})}, **kw}  # fmt: skip


def vrnn_terms(x, recon, kl, recon_mean, kl_mean, rnn) -> dict:
    """§7.6: three stacked panels over t: the signal x_t; recon_t = log p(x_t | z_t, h^(t-1))
    beside the plain RNN's log p(x_t | x_<t); kl_t = KL(q || prior). Dotted: held-out means."""
    t = np.arange(len(x))
    data = [
        _line(t, x, "signal x_t", "#444", "y3"),
        _line(t, recon, "VRNN recon_t", "#3b6fd8", "y2"),
        _line(t, recon_mean, "recon_t, held-out mean", "#3b6fd8", "y2", line={"dash": "dot"}),
        _line(t, rnn, "plain RNN log p(x_t | x_<t)", "#999", "y2", line={"width": 1}),
        _line(t, kl, "VRNN kl_t", "#d62728"),
        _line(t, kl_mean, "kl_t, held-out mean", "#d62728", line={"dash": "dot"}),
    ]
    return {
        "data": data,
        "layout": {
            "height": 500,
            "margin": {"l": 60, "r": 10, "t": 70, "b": 40},
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
            "xaxis": {"title": {"text": "t (step)"}, "anchor": "y"},
            "yaxis": {"domain": [0, 0.3], "title": {"text": "KL (nats)"}, "rangemode": "tozero"},
            "yaxis2": {"domain": [0.36, 0.68], "title": {"text": "log-density (nats)"}},
            "yaxis3": {"domain": [0.74, 1], "title": {"text": "x_t"}},
        },
    }


def vrnn_rollouts(x, n_prompt: int, samples, rnn) -> dict:
    """The held-out signal (grey), the VRNN's samples and the plain RNN's deterministic
    rollout after the shaded prompt."""
    T = len(x)
    t = np.arange(T)
    after = t[n_prompt:]
    colours = ["#3b6fd8", "#2ca02c", "#9467bd", "#17becf"]
    data = [_line(t, x, "held-out signal", "#bbb", line={"width": 4})]
    for i, s in enumerate(samples):
        data.append(_line(after, s[n_prompt:], f"VRNN sample {i + 1}", colours[i % 4],
                          line={"width": 1.5}))  # fmt: skip
    data.append(_line(after, rnn[n_prompt:], "plain RNN rollout", "#d62728",
                      line={"width": 3, "dash": "dash"}))  # fmt: skip
    lo, hi = float(min(x.min(), np.min(samples), rnn.min())), float(max(x.max(), np.max(samples),
                                                                        rnn.max()))  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": 340,
            "margin": {"l": 50, "r": 10, "t": 60, "b": 40},
            "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
            "xaxis": {"title": {"text": "t (step)"}},
            "shapes": [
                {
                    "type": "rect",
                    "x0": 0,
                    "x1": n_prompt - 1,
                    "y0": lo,
                    "y1": hi,
                    "fillcolor": "rgba(59,111,216,0.08)",
                    "line": {"width": 0},
                }
            ],  # fmt: skip
        },
    }


def pixel_picker(panels: list[tuple[np.ndarray, str]], height: int = 380) -> dict:
    """Side-by-side (28, 28, 3) uint8 images drawn as one square marker per pixel, so a click
    on any pixel is a plotly point event: x = column c, y = row r (``customdata`` = [r, c])."""
    data, layout = [], {"height": height, "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
                        "showlegend": False, "dragmode": False, "clickmode": "event+select",
                        "annotations": []}  # fmt: skip
    gap, k = 0.06, len(panels)
    w = (1 - gap * (k - 1)) / k
    rows, cols = np.mgrid[0:28, 0:28]
    for i, (rgb, title) in enumerate(panels):
        ax = "" if i == 0 else str(i + 1)
        colours = [f"rgb({a},{b},{c})" for a, b, c in rgb.reshape(-1, 3).tolist()]
        data.append({
            "type": "scatter", "mode": "markers", "x": cols.ravel().tolist(),
            "y": rows.ravel().tolist(), "customdata": np.stack([rows, cols], -1).reshape(-1, 2)
            .tolist(), "xaxis": f"x{ax}", "yaxis": f"y{ax}",
            "marker": {"symbol": "square", "size": (height - 50) / 28 - 0.5, "color": colours,
                       "line": {"width": 0}},
            "selected": {"marker": {"opacity": 1}}, "unselected": {"marker": {"opacity": 1}},
            "hovertemplate": "row %{y}, column %{x}: click to pick<extra></extra>",
        })  # fmt: skip
        x0 = i * (w + gap)
        layout[f"xaxis{ax}"] = {
            "domain": [x0, x0 + w],
            "range": [-0.5, 27.5],
            "visible": False,
            "anchor": f"y{ax}",
            "constrain": "domain",
            "fixedrange": True,
        }
        layout[f"yaxis{ax}"] = {"range": [27.5, -0.5], "visible": False, "anchor": f"x{ax}",
                                "scaleanchor": f"x{ax}", "fixedrange": True}  # fmt: skip
        layout["annotations"].append({"text": title, "x": x0 + w / 2, "y": 1.0, "xref": "paper",
                                      "yref": "paper", "yanchor": "bottom", "showarrow": False,
                                      "font": {"size": 13}})  # fmt: skip
    return {"data": data, "layout": layout}
