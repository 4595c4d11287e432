"""The Backprop step-through view (§1.3): one training point's forward pass, loss and backward
pass layer by layer, on the network as the Playground left it, checked live."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import ui
from core.backprop import figures as F
from core.backprop.features import feature_label
from core.backprop.stepthrough import step_through
from core.backprop.verify import gradient_check
from ui.backprop.common import clamp_state, current_trainer
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


@st.cache_data(max_entries=32, show_spinner=False)
def _stages(_tr, key, i: int):
    tr = _tr
    x, t = tr.phi_train[i : i + 1], tr.t_train[i : i + 1]
    return step_through(tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate)


@st.fragment
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
    L = tr.net.n_layers
    if tr.diverged:
        st.warning(
            f"This network diverged in training ({tr.diverged}): its huge weights make "
            "every number below overflow-prone. Lower the learning rate and press Reset "
            "in the Playground view."
        )
    clamp_state("bp_point", 0, max(n_train - 1, 1))
    clamp_state("bp_stage", 0, 2 * L + 1)
    c1, c2 = st.columns(2)
    with c1:
        if n_train > 1:
            i = ui.url_slider("Training point", "bp_point", 0, n_train - 1, 0)
        else:  # a slider needs min < max: a tiny upload can leave one training point
            i = 0
            st.caption("Training point 0 (the only one in the training split)")
    with c2:
        stage_i = ui.url_slider("Stage (forward → loss → backward)", "bp_stage", 0, 2 * L + 1, 0)
    st.caption(
        f"point {i}: (x₁, x₂) = ({data.X_train[i, 0]:.3f}, {data.X_train[i, 1]:.3f}), "
        f"label y = {data.y_train[i]:.3g}"
    )
    stages = _stages(tr, (id(tr), tr.steps_done, cfg, data.key), int(i))
    s = stages[stage_i]
    st.markdown(f"**{stage_i + 1}/{len(stages)} · {s.title}**")
    labels = [feature_label(f) for f in tr.cfg.features]
    ui.figure(
        F.network_figure(
            tr.net.cfg.sizes,
            s.edge_values,
            node_values=s.node_values,
            node_text=s.node_text,
            input_labels=labels,
            active_layers=s.active_layers,
            node_name=s.node_name,
            edge_name=s.edge_name,
        ),
        key="bp_fig_step",
    )
    if s.edge_rows and "σ'(z)" in s.rows[0] and np.isfinite(s.rows[0]["σ'(z)"]):
        r0 = s.rows[0]
        grad_a, dsig, delta = r0["∂L/∂a"], r0["σ'(z)"], r0["δ = ∂L/∂z"]
        st.markdown(
            f"Chain rule at **{r0['node']}**: ∂L/∂a = {grad_a:.4g} × σ'(z) = "
            f"{dsig:.4g} → δ = {delta:.4g}; each incoming edge then gets "
            "∂L/∂w = a(source) · δ."
        )
    st.dataframe(pd.DataFrame(s.rows), hide_index=True, width="stretch")
    if s.edge_rows:
        penalty = tr.cfg.regularizer != "none" and tr.cfg.reg_rate > 0
        st.caption(
            f"Edges into layer {s.active_layers[0] + 1}: ∂L/∂w = a(source) · δ(target)"
            + (" + the penalty's gradient" if penalty else "")
        )
        st.dataframe(pd.DataFrame(s.edge_rows), hide_index=True, width="stretch", height=240)
    with ui.error_boundary("the math checks"):
        c = _check(tr, (id(tr), tr.steps_done, cfg, data.key), int(i), ctx.seed)
        ui.show_checks(
            [
                ui.Check(
                    "this point's ∂L/∂θ: hand backprop vs torch.autograd", c.max_abs_autograd, 1e-10
                ),
                fd_check(c, "this point's ∂L/∂θ"),
            ],
            expanded=True,
        )


@st.cache_data(max_entries=32, show_spinner=False)
def _check(_tr, key, i: int, seed: int):
    tr = _tr
    x, t = tr.phi_train[i : i + 1], tr.t_train[i : i + 1]
    return gradient_check(
        tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate, n_fd=48, seed=seed
    )
