"""Figures for §7.7 as plain plotly-JSON dicts (no validation: cheap to build and to resend).

Heatmaps are labelled with the characters of the input (query rows, key columns); a NaN cell
(the strict mask's first row) is drawn as a gap and written "NaN" when ``text`` is on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

DIVERGING = "RdBu"
SEQUENTIAL = "Viridis"
LINE_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd")


def show_char(c: str) -> str:
    """A character as a readable axis label: space -> '␣', newline -> '↵'."""
    return {" ": "␣", "\n": "↵"}.get(c, c)


def labels(text: str) -> list[str]:
    """Unique tick labels '0 T', '1 h', ... (plotly merges equal category labels)."""
    return [f"{i} {show_char(c)}" for i, c in enumerate(text)]


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


def _cells(z: np.ndarray) -> list[list[float | None]]:
    return [[_num(v) for v in row] for row in np.asarray(z, dtype=float)]


def heatmap_grid(
    panels: Sequence[dict],
    ncols: int,
    *,
    height: int = 420,
    text: bool = False,
    title: str = "",
    hgap: float = 0.04,
    vgap: float = 0.12,
) -> dict:
    """Heatmaps in a grid, one per panel ``{"z", "x", "y", "title", "diverging"?, "zmax"?}``.

    Each panel has its own axes and colour scale (diverging panels are centred on 0); the y axis
    runs top to bottom like a matrix.
    """
    nrows = max(1, math.ceil(len(panels) / ncols))
    w = (1 - hgap * (ncols - 1)) / ncols
    h = (1 - vgap * (nrows - 1)) / nrows
    data, layout = [], {"height": height, "margin": {"l": 50, "r": 10, "t": 60, "b": 40}}
    annotations = []
    for i, p in enumerate(panels):
        r, c = divmod(i, ncols)
        ax = "" if i == 0 else str(i + 1)
        x0 = c * (w + hgap)
        y1 = 1 - r * (h + vgap)
        z = np.asarray(p["z"], dtype=float)
        finite = z[np.isfinite(z)]
        zmax = p.get("zmax") or (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
        tr = {
            "type": "heatmap",
            "z": _cells(z),
            "x": list(p["x"]),
            "y": list(p["y"]),
            "xaxis": f"x{ax}",
            "yaxis": f"y{ax}",
            "showscale": False,
            "xgap": 1,
            "ygap": 1,
            "hovertemplate": p.get("hover", "row %{y}<br>col %{x}<br>%{z:.3f}<extra></extra>"),
        }
        if p.get("diverging", False):
            tr.update(colorscale=DIVERGING, zmin=-zmax, zmax=zmax, reversescale=True)
        else:
            tr.update(colorscale=p.get("colorscale", SEQUENTIAL), zmin=p.get("zmin", 0), zmax=zmax)
        if text:
            tr["text"] = [["NaN" if not math.isfinite(v) else f"{v:.2f}" for v in row] for row in z]
            tr["texttemplate"] = "%{text}"
            tr["textfont"] = {"size": 10}
        data.append(tr)
        small = len(p["x"]) <= 16
        layout[f"xaxis{ax}"] = {
            "domain": [max(0.0, x0), min(1.0, x0 + w)],
            "anchor": f"y{ax}",
            "type": "category",
            "showticklabels": small,
            "tickangle": 0,
        }
        layout[f"yaxis{ax}"] = {
            "domain": [max(0.0, y1 - h), min(1.0, y1)],
            "anchor": f"x{ax}",
            "type": "category",
            "autorange": "reversed",
            "showticklabels": small and c == 0,
        }
        annotations.append(
            {
                "text": p["title"],
                "x": x0 + w / 2,
                "y": y1,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
        if not np.isfinite(z).all():  # mark the NaN cells: a heatmap leaves them blank
            ii, jj = np.nonzero(~np.isfinite(z))
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [p["x"][j] for j in jj],
                    "y": [p["y"][k] for k in ii],
                    "xaxis": f"x{ax}",
                    "yaxis": f"y{ax}",
                    "marker": {
                        "symbol": "x-thin",
                        "size": 9,
                        "line": {"width": 2, "color": "#d62728"},
                    },
                    "name": "NaN",
                    "hovertemplate": "NaN (0/0)<extra></extra>",
                    "showlegend": False,
                }
            )
    layout["annotations"] = annotations
    if title:
        layout["title"] = {"text": title}
    return {"data": data, "layout": layout}


def lines(
    x,
    series: dict[str, Sequence[float]],
    *,
    title: str,
    xtitle: str,
    ytitle: str,
    log_x: bool = False,
    log_y: bool = False,
    hlines: dict[str, float] | None = None,
    height: int = 360,
    markers: bool = True,
) -> dict:
    """Line chart of named series against x (optional reference lines, log axes)."""
    data = []
    for i, (name, y) in enumerate(series.items()):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers" if markers else "lines",
                "x": [float(v) for v in x],
                "y": [_num(float(v)) for v in y],
                "name": name,
                "line": {"color": LINE_COLOURS[i % len(LINE_COLOURS)]},
            }
        )
    for name, v in (hlines or {}).items():
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [float(x[0]), float(x[-1])],
                "y": [v, v],
                "name": name,
                "line": {"dash": "dot", "color": "gray"},
            }
        )
    return {
        "data": data,
        "layout": {
            "title": {"text": title},
            "height": height,
            "xaxis": {"title": {"text": xtitle}, "type": "log" if log_x else "linear"},
            "yaxis": {"title": {"text": ytitle}, "type": "log" if log_y else "linear"},
            "legend": {"orientation": "h", "y": -0.25},
            "margin": {"l": 60, "r": 10, "t": 50, "b": 40},
        },
    }


def bars(x: Sequence[str], y: Sequence[float], *, title: str, ytitle: str, height=300) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "x": list(x),
                "y": [float(v) for v in y],
                "marker": {"color": LINE_COLOURS[0]},
            }
        ],
        "layout": {
            "title": {"text": title},
            "height": height,
            "yaxis": {"title": {"text": ytitle}},
            "xaxis": {"type": "category"},
            "margin": {"l": 60, "r": 10, "t": 50, "b": 40},
        },
    }
