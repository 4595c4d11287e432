"""§8.1 view: the change of variables in one dimension."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

import ui
from core.flows import figures as F
from core.flows.one_d import MONOTONE_MAPS, one_d_checks, one_d_density


@st.cache_data(max_entries=16, show_spinner=False)
def _one_d(name: str, seed: int):
    d = one_d_density(name, n=600, n_samples=5000, seed=seed)
    return d, one_d_checks(name, d)


@st.cache_data(max_entries=16, show_spinner=False)
def _figure(name: str, seed: int):
    d, _ = _one_d(name, seed)
    return F.fig_one_d(d, MONOTONE_MAPS[name].label)


@st.fragment
def view(ctx) -> None:
    st.subheader("§8.1 Change of variables in one dimension")
    ui.prose(
        "Push z ~ N(0, 1) through a monotone map x = f(z). Where f is steep the same "
        "probability is spread over more x, so the density drops by the factor "
        "|df⁻¹/dx| = 1/|f'(z)| (dotted, right axis)."
    )
    checks: list[ui.Check] = []
    with ui.error_boundary("the 1-D view"):
        map_name = ui.url_selectbox(
            "monotone map f",
            "nf_map",
            list(MONOTONE_MAPS),
            format_func=lambda k: MONOTONE_MAPS[k].label,
        )
        _, c1 = _one_d(map_name, ctx.seed)
        ui.figure(go.Figure(_figure(map_name, ctx.seed)), key="nf_1d_fig")
        checks.append(
            ui.Check(
                "1-D: ∫ p_X dx over the window − P(window)",
                c1["integral_error"],
                1e-3,
                f"window holds {c1['window_mass']:.4f} of the mass",
            )
        )
        checks.append(
            ui.Check(
                "1-D: |df⁻¹/dx| vs finite differences (max relative error)",
                c1["jacobian_error"],
                1e-4,
            )
        )
    ui.show_checks(checks)
