"""The Backprop step-through view (§1.3): one training point's forward pass, loss and backward
pass layer by layer, on the network as the Playground left it, checked live.

Choosing a point computes every stage of it at once (figures as plotly JSON dicts, tables
formatted), memoised per (trainer, step, point) with its gradient check; the stage slider sits
in a nested fragment that only draws one of them (a slider press: no plotly validation, no
recomputation, two plain HTML tables)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import ui
from core.backprop import figures as F
from core.backprop.features import feature_label
from core.backprop.stepthrough import step_through
from core.backprop.verify import gradient_check
from ui.backprop.common import clamp_state, current_trainer, memo, show_figure
from ui.backprop.playground import fd_check

LOSS_TEXT = {
    "bce": "The loss is binary cross-entropy on ŷ = σ(z_L): ℓ = −[y log ŷ + (1 − y) log(1 − ŷ)], "
    "so δ_L = ŷ − y. Pick the MSE loss in the sidebar for the example of §1.3 "
    "(ŷ = σ(wᵀh), ℓ = ½(y − ŷ)²).",
    "mse": "The loss is the squared error ℓ = ½(y − ŷ)²; on a binary set with ŷ = σ(wᵀh) this "
    "is exactly the example of §1.3.",
    "softmax_ce": "The loss is softmax cross-entropy ℓ = −log softmax(z_L)_y, so δ_L = "
    "softmax(z_L) − onehot(y).",
    "l1": "The loss is the absolute error ℓ = |y − ŷ|, so ∂ℓ/∂ŷ = sign(ŷ − y).",
}


@dataclass(frozen=True)
class Panel:
    """One stage ready to draw: its heading, network figure (plotly JSON form), chain-rule
    line, and the node and edge tables with the numbers already formatted."""

    title: str
    figure: dict
    chain: str
    rows: pd.DataFrame
    edge_rows: pd.DataFrame | None
    edge_caption: str


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}" if np.isfinite(v) else "–"
    return str(v)


def _table(rows) -> pd.DataFrame:
    return pd.DataFrame([{k: _fmt(v) for k, v in r.items()} for r in rows])


def _panels(tr, i: int) -> list[Panel]:
    """Every stage of point ``i``'s forward and backward pass, figures and tables included,
    so moving the stage slider only draws (the stages are computed from the live net)."""
    x, t = tr.phi_train[i : i + 1], tr.t_train[i : i + 1]
    stages = step_through(tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate)
    labels = [feature_label(f) for f in tr.cfg.features]
    penalty = tr.cfg.regularizer != "none" and tr.cfg.reg_rate > 0
    out = []
    for k, s in enumerate(stages):
        fig = F.network_figure(
            tr.net.cfg.sizes,
            s.edge_values,
            node_values=s.node_values,
            node_text=s.node_text,
            input_labels=labels,
            active_layers=s.active_layers,
            node_name=s.node_name,
            edge_name=s.edge_name,
        )
        chain = ""
        if s.edge_rows and "σ'(z)" in s.rows[0] and np.isfinite(s.rows[0]["σ'(z)"]):
            r0 = s.rows[0]
            grad_a, dsig, delta = r0["∂L/∂a"], r0["σ'(z)"], r0["δ = ∂L/∂z"]
            chain = (
                f"Chain rule at **{r0['node']}**: ∂L/∂a = {grad_a:.4g} × σ'(z) = "
                f"{dsig:.4g} → δ = {delta:.4g}; each incoming edge then gets "
                "∂L/∂w = a(source) · δ."
            )
        edge_caption = ""
        if s.edge_rows:
            edge_caption = (
                f"Edges into layer {s.active_layers[0] + 1}: ∂L/∂w = a(source) · δ(target)"
                + (" + the penalty's gradient" if penalty else "")
            )
        out.append(
            Panel(
                f"**{k + 1}/{len(stages)} · {s.title}**",
                fig,
                chain,
                _table(s.rows),
                _table(s.edge_rows) if s.edge_rows else None,
                edge_caption,
            )
        )
    return out


@st.fragment
@ui.guarded("the step-through stage")  # a fragment rerun skips outer boundaries
def stage_panel(panels: list[Panel]) -> None:
    """The stage slider and what it shows (its own fragment: a stage change redraws only
    this; everything here was computed when the point was chosen)."""
    clamp_state("bp_stage", 0, len(panels) - 1)
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    with c1:
        stage_i = ui.url_slider("Stage (forward → loss → backward)", "bp_stage", 0,
                                len(panels) - 1, 0)  # fmt: skip
    p = panels[stage_i]
    c2.markdown(p.title)
    show_figure(p.figure, "bp_fig_step")
    if p.chain:
        st.markdown(p.chain)
    # st.table: a plain HTML table; st.dataframe's canvas grid painted ~200 ms after each run
    st.table(p.rows, hide_index=True)
    if p.edge_rows is not None:
        st.caption(p.edge_caption)
        tall = len(p.edge_rows) > 6
        st.table(p.edge_rows, hide_index=True, height=240 if tall else "content")


@st.fragment
@ui.guarded("the step-through")  # inside: a fragment rerun skips the page's boundary
def stepthrough_view(data, cfg, ctx) -> None:
    if data is None or not cfg.features:
        st.info("Choose a dataset and at least one input feature in the sidebar first.")
        return
    tr = current_trainer(cfg, data, ctx.device)
    if tr.loss_note:
        st.info(tr.loss_note)
    ui.prose(
        f"The network as it is now (training step {tr.steps_done:,}; train it in the "
        "Playground view). Pick a training point and walk through its forward pass and "
        "then the backward pass, layer by layer, with every chain-rule factor. "
        + LOSS_TEXT.get(tr.loss, "")
    )
    n_train = len(tr.phi_train)
    if tr.diverged:
        st.warning(
            f"This network diverged in training ({tr.diverged}): its huge weights make "
            "every number below overflow-prone. Lower the learning rate and press Reset "
            "in the Playground view."
        )
    clamp_state("bp_point", 0, max(n_train - 1, 1))
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    with c1:
        if n_train > 1:
            i = int(ui.url_slider("Training point", "bp_point", 0, n_train - 1, 0))
        else:  # a slider needs min < max: a tiny upload can leave one training point
            i = 0
            st.caption("Training point 0 (the only one in the training split)")
    c2.caption(
        f"point {i}: (x₁, x₂) = ({data.X_train[i, 0]:.3f}, {data.X_train[i, 1]:.3f}), "
        f"label y = {data.y_train[i]:.3g}"
    )
    key = (getattr(tr, "token", id(tr)), tr.steps_done, i)
    stage_panel(memo("stages", key, lambda: _panels(tr, i)))
    with ui.error_boundary("the math checks"):
        c = memo("check", (*key, ctx.seed), lambda: _check(tr, i, ctx.seed))
        ui.show_checks(
            [
                ui.Check(
                    "this point's ∂L/∂θ: hand backprop vs torch.autograd", c.max_abs_autograd, 1e-10
                ),
                fd_check(c, "this point's ∂L/∂θ"),
            ],
            expanded=True,
        )


def _check(tr, i: int, seed: int):
    """Hand backprop vs autograd vs central differences for point ``i`` (memoised per step)."""
    x, t = tr.phi_train[i : i + 1], tr.t_train[i : i + 1]
    return gradient_check(
        tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate, n_fd=48, seed=seed
    )
