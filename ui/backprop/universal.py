"""The Universal approximation view (§1.5): one hidden layer fitted by least squares."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.backprop import figures as F
from core.backprop.universal import TARGETS, UA_ACTIVATIONS, fit_universal
from ui.backprop.common import cached_ua_errors, show_figure


@st.fragment
@ui.guarded("the universal-approximation view")  # a fragment rerun skips the page's
def universal_view() -> None:
    ui.prose(
        "Universal approximation (§1.5): one hidden layer, f(x) = v₀ + Σᵢ vᵢ σ(wᵢx + bᵢ). "
        "Each unit is a soft step (or a hinge for ReLU) centred at i/n; the read-out v is "
        "the least-squares fit. More units → finer steps → smaller error — for continuous "
        "targets. At a jump the error stays near half the jump: the theorem needs g "
        "continuous."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        target = ui.url_selectbox(
            "Target g(x)",
            "bp_ua_target",
            list(TARGETS),
            value="sin",
            format_func=lambda k: TARGETS[k][0],
        )
    with c2:
        act = ui.url_selectbox("Activation σ", "bp_ua_act", list(UA_ACTIVATIONS), value="sigmoid")
    with c3:
        n = ui.url_slider("Hidden units n", "bp_ua_n", 1, 64, 8)
    show_units = ui.url_checkbox("Show the n scaled units", "bp_ua_units", True, toggle=True)
    fig, max_error, normal_eq = _fit(target, int(n), act, bool(show_units))
    ns, errs = cached_ua_errors(target, act)
    left, right = st.columns([3, 2])
    with left:
        show_figure(fig, "bp_fig_ua")
    with right:
        st.metric("max |f(x) − g(x)| on [0, 1]", f"{max_error:.4f}")
        show_figure(F.error_vs_n_figure(ns, errs, int(n)), "bp_fig_ua_err")
    ui.show_checks(
        [
            ui.Check(
                "least-squares normal equations max |Aᵀ(f − g)| / G",
                normal_eq,
                1e-8,
                "the residual is orthogonal to every unit: v is optimal",
            )
        ],
        expanded=False,
    )


@st.cache_data(max_entries=64, show_spinner=False)
def _fit(target: str, n: int, act: str, show_units: bool) -> tuple[dict, float, float]:
    """The least-squares fit's figure (plotly JSON form), max error and normal-equation
    residual, computed by the fit itself and cached by its four small inputs."""
    fit = fit_universal(target, n, act)
    A = np.hstack([np.ones((len(fit.x), 1)), fit.units.T / np.where(fit.v == 0, 1, fit.v)])
    resid = fit.fit - fit.g
    normal_eq = float(np.max(np.abs(A.T @ resid))) / len(fit.x)
    return F.universal_figure(fit, show_units), float(fit.max_error), normal_eq
