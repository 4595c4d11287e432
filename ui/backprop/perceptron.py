"""The Perceptron view (§1.1): Rosenblatt's rule replayed update by update (▶ plays real
snapshots in the browser), with Novikoff's bound checked live."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.backprop import figures as F
from core.backprop.perceptron import PerceptronReplay
from ui.backprop.common import cached_perceptron, show_figure


@st.fragment
@ui.guarded("the perceptron view")  # inside: a fragment rerun skips the page's boundary
def perceptron_view(ctx) -> None:
    ui.prose(
        "Rosenblatt's rule (§1.1): for each misclassified point, "
        "θ ← θ + η (yᵢ − ŷᵢ) x̃ᵢ with ŷ = 1{wᵀx + b > 0} and x̃ = (x, 1). On a linearly "
        "separable set it stops after at most (R/γ)² updates (Novikoff), whatever η; on XOR "
        "no line separates the classes and it never stops."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        kind = ui.url_radio(
            "Data",
            "bp_pc_data",
            ["separable", "xor"],
            horizontal=True,
            format_func=lambda k: {"separable": "linearly separable", "xor": "XOR"}[k],
        )
    with c2:
        n = ui.url_slider("Points", "bp_pc_n", 10, 200, 60, step=10)
    with c3:
        margin = ui.url_slider(
            "Margin of the separable set",
            "bp_pc_margin",
            0.02,
            0.5,
            0.05,
            step=0.01,
            disabled=kind != "separable",
        )
    eta = ui.url_select_slider(
        "η (does not change the number of updates from θ = 0)",
        "bp_pc_eta",
        [0.01, 0.1, 1.0, 10.0],
        1.0,
    )
    X, y, run, nb = cached_perceptron(kind, int(n), float(margin), float(eta), ctx.seed)
    U = run.n_updates

    def render(rep: PerceptronReplay, metrics: dict) -> None:
        u = rep.steps_done
        left, right = st.columns([1, 1])
        with left:
            m1, m2 = st.columns(2)
            m1.metric("Updates shown", f"{u:,} / {U:,}")
            m2.metric(
                "Epochs run",
                f"{run.epochs}" + (" ✓" if run.converged else " ✗"),
                help="✓ = the last epoch had no mistake (converged); ✗ = stopped at the "
                "epoch limit",
            )
            if nb.separable:
                m1.metric(
                    "Novikoff bound (R/γ)²",
                    f"{nb.bound:.1f}",
                    help=f"R = {nb.R:.3f}, γ = {nb.gamma:.4f} (max-margin separator)",
                )
        with right:
            show_figure(
                F.perceptron_progress_figure(run, u, nb.bound if nb.separable else None),
                "bp_fig_pc_progress",
            )

    def stop_when(m):
        if not m["done"]:
            return None
        if run.converged:
            return (
                f"Converged: an epoch without mistakes after {U} updates, within Novikoff's "
                f"bound of {nb.bound:.1f}."
            )
        return (
            f"Still misclassifying after {run.epochs} epochs ({U:,} updates): no line "
            "separates XOR, so the rule never converges."
        )

    if not nb.separable:
        st.warning(
            "Not linearly separable: no line has every point on its side, so the rule "
            f"kept updating for all {run.epochs} epochs ({U:,} updates) and never "
            "converges."
        )
    st.caption(
        "Play animates the rule update by update; Step shows the next update. "
        "Circled: the misclassified point that caused the update."
    )
    ui.live_training(
        "bp_pc_live",
        lambda: PerceptronReplay(run),
        signature=(kind, int(n), float(margin), float(eta), ctx.seed),
        render=render,
        snapshot=lambda rep: F.perceptron_figure(X, y, run.thetas, run.who, rep.steps_done),
        frames_per_tick=8,
        frame_ms=80,
        figure_height=440,
        steps_per_click=1,
        chunk=1,
        tick_budget_s=0.02,
        run_every_s=0.25,
        max_steps_per_tick=max(1, -(-U // 60)),
        stop_when=stop_when,
    )
    checks = []
    if nb.separable:
        checks.append(
            ui.Check(
                "updates / Novikoff bound (R/γ)² (must be ≤ 1)",
                U / nb.bound,
                1.0,
                f"{U} updates, bound {nb.bound:.1f}",
            )
        )
        checks.append(
            ui.Check(
                "training errors of the final perceptron",
                float(np.sum((np.hstack([X, np.ones((len(X), 1))]) @ run.thetas[-1] > 0) != y)),
                0.0,
            )
        )
    else:
        checks.append(
            ui.Check(
                "converged on a non-separable set (must be 0)",
                float(run.converged),
                0.0,
                "an LP confirms no separating line exists",
            )
        )
    ui.show_checks(checks, expanded=True)
