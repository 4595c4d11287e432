"""The warping view (§8.3): a grid and points pushed through the flow step by step, scrubbed and
played in the browser over k = 0…m (``ui.plot_player``), next to the density p_X, the
log|det J| of step k, or samples over the data.

All m + 1 frames are computed once per (flow, direction, right panel) and cached; moving k sends
nothing to the server. The player opens at ``?nf_step=k`` when the URL has it (else at k = m).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.flows import density as D
from core.flows import figures as F

N_POINTS = 500  # points drawn per frame (SVG scatter: light enough to scrub at display rate)
RIGHT = {
    "density": "density p_X",
    "logdet": "log|det J| of step k",
    "samples": "samples over data",
}
DIRECTIONS = {"generate": "latent → data  x = f(z)", "normalize": "data → latent  z = f⁻¹(x)"}


@st.cache_data(max_entries=24, show_spinner=False)
def warp_paths(key: tuple, _flow, box: tuple, x_show: np.ndarray, seed: int):
    """``D.warp_views`` for this flow (``key`` identifies it: name + sha256, or the live run's
    id and step count)."""
    return D.warp_views(_flow, box, x_show, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def step_logdet(key: tuple, _flow, k: int, pts_before: np.ndarray):
    b = D.data_box(pts_before, pad=0.1)
    xs, ys, ld = D.step_log_det_grid(_flow, k, b, 80)
    return xs, ys, ld, b


def _span(arrays: list[np.ndarray], floor: float = 1.0):
    """A square box holding every frame's points (0.5–99.5 % quantiles, padded)."""
    allp = np.concatenate([a.reshape(-1, 2) for a in arrays])
    allp = allp[np.isfinite(allp).all(1)]
    if not len(allp):
        return (-floor, floor, -floor, floor)
    return D.data_box(allp, pad=0.08)


@st.cache_resource(max_entries=16, show_spinner=False)
def warp_frames(key: tuple, _flow, box: tuple, x_show: np.ndarray, seed: int, direction: str,
                right: str):  # fmt: skip
    """The player's frames k = 0…m (plotly JSON dicts) and their labels, cached: a rerun of
    the view re-sends them without building or validating a figure."""
    P = warp_paths(key, _flow, box, x_show, seed)
    m = len(P["gen_pts"]) - 1
    pts = P["gen_pts" if direction == "generate" else "nrm_pts"]
    lines = P["gen_lines" if direction == "generate" else "nrm_lines"]
    pts = [p[:N_POINTS] for p in pts]
    left_box = _span(pts)
    data = x_show[:N_POINTS] if direction == "generate" else None
    if right == "density":
        xs, ys, logp = P["density"]
        sub = np.s_[::2, ::2]  # 100 × 100 cells on screen (the check integrates all 200 × 200)
        title = "p_X(x) = p_Z(f⁻¹(x)) · |det J of f⁻¹ at x|"
        panel = {"kind": "heatmap", "xs": xs[::2], "ys": ys[::2], "z": np.exp(logp)[sub],
                 "title": title, "colorbar": "p_X"}  # fmt: skip
        panels, right_box = [panel] * (m + 1), box
    elif right == "samples":
        panel = {"kind": "samples", "data": x_show[:N_POINTS], "samples": P["gen_pts"][m][:1000],
                 "title": "samples x = f(z), z ~ N(0, I), over the data"}  # fmt: skip
        panels, right_box = [panel] * (m + 1), box
    else:
        panels = []
        for k in range(m + 1):
            kk = max(k, 1)
            xs, ys, ld, b = step_logdet(key, _flow, kk, P["gen_pts"][kk - 1])
            panels.append({"kind": "heatmap", "xs": xs, "ys": ys, "z": ld, "diverging": True,
                           "colorbar": "log|det J|", "b": b,
                           "title": f"log|det J| of f_{kk} on its input"})  # fmt: skip
        right_box = _span([np.array([[p["b"][0], p["b"][2]], [p["b"][1], p["b"][3]]])
                           for p in panels])  # fmt: skip
    figs, labels = [], []
    for k in range(m + 1):
        if direction == "generate":
            title = f"z ~ N(0, I) and a grid after f_1…f_{k}" if k else "base samples z ~ N(0, I)"
        else:
            title = f"data and a grid pulled back through {k} of {m} steps"
        fig = F.fig_warp_frame(lines[k][:, ::2], pts[k], title, left_box, panels[k], right_box,
                               data=data)  # fmt: skip
        figs.append(F.to_frame(fig))  # plotly's JSON form: the player re-sends it as is
        labels.append(f"k = {k} of {m}")
    return figs, labels


def start_step(m: int) -> int:
    """The player's first position: ``?nf_step=k`` from a bookmark, clamped, else m."""
    raw = st.query_params.get("nf_step")
    try:
        k = int(float(raw)) if raw is not None else m
    except ValueError:
        k = m
    return min(max(k, 0), m)


@st.fragment
def view(flow_key: tuple, flow, box, x_show: np.ndarray, seed: int, label: str,
         playing: bool = False) -> None:  # fmt: skip
    """The controls (direction, right panel) rerun only this fragment; k scrubs client-side."""
    if playing:
        st.caption(
            "Training is playing: the live figure above shows the samples and grid through the "
            "whole flow as it learns; the step-by-step player returns when you pause."
        )
        return
    c1, c2 = st.columns(2)
    with c1:
        direction = ui.url_radio("direction", "nf_direction", list(DIRECTIONS),
                                 format_func=DIRECTIONS.get, horizontal=True)  # fmt: skip
    with c2:
        right = ui.url_radio("right panel", "nf_view", list(RIGHT), format_func=RIGHT.get,
                             horizontal=True)  # fmt: skip
    figs, labels = warp_frames(flow_key, flow, tuple(box), x_show, seed, direction, right)
    m = len(figs) - 1
    ui.plot_player(figs, labels, key="nf_warp_player", active=start_step(m), frame_ms=250,
                   height=520)  # fmt: skip
    st.caption(
        f"**Warping view** · {label}. Drag the slider (k = steps applied) or press ▶: the "
        "frames were computed once, so scrubbing runs in the browser."
    )
