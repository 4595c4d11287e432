"""The editable gridworld's map: a cell table (click a cell, type a code) and the same map as
text, both kept in session state and mirrored in the URL (``?rl_grid=S,.,G/#,.,.``)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import ui
from core.rl import gridworlds as G

GRID_KEY, GRID_VER = "rl_grid_cells", "rl_grid_version"


def grid_editor(slip: float, step_reward: float, r_cells: float) -> tuple:
    """The editable grid: a cell table (click a cell, type a code) plus a text form."""
    if GRID_KEY not in st.session_state:  # the URL's map (rows '/', cells ',') or the default
        raw = st.query_params.get("rl_grid")
        cells = G.default_grid()
        if raw and len(raw) <= 4 * G.MAX_GRID**2 * 4:
            cells = tuple(tuple(c for c in row.split(",")) for row in raw.split("/"))
        st.session_state[GRID_KEY] = cells
        st.session_state[GRID_VER] = 0

    def as_text(cells) -> str:
        return "\n".join(" ".join(r) for r in cells)

    def set_cells(cells, sync_text: bool = True):
        st.session_state[GRID_KEY] = tuple(tuple(r) for r in cells)
        st.session_state[GRID_VER] += 1
        if sync_text:
            st.session_state["rl_grid_text"] = as_text(cells)

    def from_text():
        lines = [ln for ln in st.session_state["rl_grid_text"].strip().splitlines() if ln.strip()]
        set_cells(
            [ln.split() if " " in ln.strip() else list(ln.strip()) for ln in lines], sync_text=False
        )

    cells = st.session_state[GRID_KEY]
    ver = st.session_state[GRID_VER]
    b1, b2, b3, b4 = st.columns([1, 1, 1, 2])
    # the size boxes show the current map's size (keyed by the map's version)
    h0 = min(max(len(cells), 2), G.MAX_GRID)
    w0 = min(max(max((len(r) for r in cells), default=2), 2), G.MAX_GRID)
    if st.session_state.get("rl_grid_size_ver") != ver:  # a new map: the boxes follow it
        st.session_state["rl_grid_size_ver"] = ver
        st.session_state["rl_grid_h"], st.session_state["rl_grid_w"] = h0, w0
    b1.number_input("rows", 2, G.MAX_GRID, key="rl_grid_h")
    b2.number_input("columns", 2, G.MAX_GRID, key="rl_grid_w")
    b3.button(
        "Blank grid",
        key="rl_grid_blank",  # the boxes' values at click time, not at the last rerun
        on_click=lambda: set_cells(
            G.blank_grid(int(st.session_state["rl_grid_h"]), int(st.session_state["rl_grid_w"]))
        ),
    )
    b4.button("Default world", key="rl_grid_default", on_click=lambda: set_cells(G.default_grid()))
    width = max(len(r) for r in cells) if cells else 0
    shown = pd.DataFrame(
        [list(r) + [""] * (width - len(r)) for r in cells], columns=[str(j) for j in range(width)]
    )
    g1, g2 = st.columns([3, 2])
    with g1:
        edited = st.data_editor(
            shown,
            key=f"rl_grid_editor_{st.session_state[GRID_VER]}",
            num_rows="fixed",
            width="content",
        )
    if not edited.equals(shown):  # the user typed into a cell
        cells = tuple(
            tuple("." if c is None or str(c).strip() == "" else str(c).strip() for c in row)
            for row in edited.itertuples(index=False)
        )
        st.session_state[GRID_KEY] = cells
        st.session_state["rl_grid_text"] = as_text(cells)
    if "rl_grid_text" not in st.session_state:
        st.session_state["rl_grid_text"] = as_text(cells)
    with g2:  # the same map as text: one row per line, cells separated by spaces
        st.text_area("as text (one row per line)", key="rl_grid_text", height=160)
        st.button("Apply text", key="rl_grid_apply", on_click=from_text)
    st.caption(" · ".join(f"`{k}` {v}" for k, v in G.CELL_CODES.items()))
    ui.prose(
        "Click a cell and type a code (or edit the text). In the default world, drag "
        "**Reward of the R cells** from −1 to 0 and watch the policy switch from the detour "
        "over the top to the corridor; above 0 it farms the R cells instead of finishing "
        "(and at γ = 1 value iteration no longer converges)."
    )
    url = "/".join(",".join(r) for r in cells)
    if st.query_params.get("rl_grid") != url:
        st.query_params["rl_grid"] = url  # bookmarkable edited map
    return (tuple(tuple(r) for r in cells), slip, step_reward, r_cells)
