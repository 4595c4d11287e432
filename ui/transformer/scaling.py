"""Why √d: attention-row entropy against d with and without the scaling, softmax saturation and
its vanishing gradient, measured on random queries and keys."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st
import torch

import ui
from core.transformer import figures as tf
from core.transformer.analysis import entropy_vs_d, softmax_jacobian

DS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
N = 32  # keys per row


@st.cache_data(max_entries=8, show_spinner="Measuring…")
def curves(seed: int) -> dict:
    r = entropy_vs_d(DS, n=N, trials=64, seed=seed)
    x = r["d"]
    return {
        "H": tf.lines(
            x,
            {"QKᵀ/√d (scaled)": r["H_scaled"], "QKᵀ (unscaled)": r["H_unscaled"]},
            title="mean entropy of an attention row",
            xtitle="d",
            ytitle="nats",
            log_x=True,
            hlines={f"uniform over {N} keys: ln {N}": math.log(N)},
        ),
        "G": tf.lines(
            x,
            {"scaled": r["grad_scaled"], "unscaled": r["grad_unscaled"]},
            title="softmax gradient ‖diag(a) − a aᵀ‖_F",
            xtitle="d",
            ytitle="norm",
            log_x=True,
            log_y=True,
        ),
        "M": tf.lines(
            x,
            {
                "largest weight, scaled": r["max_scaled"],
                "largest weight, unscaled": r["max_unscaled"],
                "rows with a weight > 0.99, scaled": r["saturated_scaled"],
                "rows with a weight > 0.99, unscaled": r["saturated_unscaled"],
            },
            title="saturation",
            xtitle="d",
            ytitle="weight / fraction of rows",
            log_x=True,
        ),
        "raw": {k: v.tolist() for k, v in r.items() if np.ndim(v)},
    }


@st.cache_data(max_entries=64, show_spinner=False)
def one_row(d: int, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(d, generator=g, dtype=torch.float64)
    K = torch.randn(N, d, generator=g, dtype=torch.float64)
    s = K @ q  # (N,) scores of one query
    a_s, a_u = torch.softmax(s / math.sqrt(d), 0), torch.softmax(s, 0)
    keys = [f"k{j + 1}" for j in range(N)]
    fig = {
        "data": [
            {"type": "bar", "x": keys, "y": a_s.tolist(), "name": "softmax(q·k/√d)"},
            {"type": "bar", "x": keys, "y": a_u.tolist(), "name": "softmax(q·k)"},
        ],
        "layout": {
            "title": {"text": f"one query against {N} keys, d = {d}"},
            "height": 300,
            "barmode": "group",
            "xaxis": {"type": "category"},
            "yaxis": {"title": {"text": "weight"}, "range": [0, 1]},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }
    # the closed-form softmax Jacobian against autograd (the gradient the plot is about)
    J_auto = torch.autograd.functional.jacobian(lambda z: torch.softmax(z, 0), s / math.sqrt(d))
    gap = float((softmax_jacobian(a_s) - J_auto).abs().max())
    return {
        "fig": fig,
        "std_scaled": float((s / math.sqrt(d)).std()),
        "std": float(s.std()),
        "jac_gap": gap,
    }


@st.fragment
def view(ctx) -> None:
    st.subheader("Why divide by √d?")
    ui.prose(
        "For q and k with independent unit-variance entries, q·k = Σ_i q_i k_i is a sum of d "
        "terms: its variance is d. Without the 1/√d the scores grow with d, the softmax "
        "becomes a hard max (one weight ≈ 1, the rest ≈ 0) and its gradient diag(a) − a aᵀ "
        "vanishes: the queries and keys stop learning. Dividing by √d keeps the scores at "
        "variance 1 for every d. (The gradient first *grows* as rows leave the uniform "
        "distribution, whose gradient is small too, then vanishes as they saturate.)"
    )
    r = curves(ctx.seed)
    c = st.columns(3)
    with c[0]:
        ui.figure(r["H"], key="tf_sd_H")
    with c[1]:
        ui.figure(r["G"], key="tf_sd_G")
    with c[2]:
        ui.figure(r["M"], key="tf_sd_M")
    row_view(ctx.seed)


@st.fragment
def row_view(seed: int) -> None:
    """One attention row at the chosen d, and the checks: its own fragment, so moving the d
    slider redraws this row only, not the three curves above."""
    r = curves(seed)
    d = int(ui.url_select_slider("d for one row", "tf_sd_d", list(DS), 64))
    row = one_row(d, seed)
    ui.figure(row["fig"], key="tf_sd_row")
    st.caption(
        f"std of the scores: {row['std_scaled']:.2f} scaled, {row['std']:.2f} unscaled "
        f"(√d = {math.sqrt(d):.1f})."
    )
    raw = r["raw"]
    i64 = list(raw["d"]).index(64)
    ui.show_checks(
        [
            ui.Check(
                "softmax Jacobian diag(a) − aaᵀ vs torch.autograd: max |Δ|", row["jac_gap"], 1e-12
            ),
            ui.Check(
                "scaled rows keep their entropy: |H(d=512) − H(d=8)| (nats)",
                abs(raw["H_scaled"][-1] - raw["H_scaled"][DS.index(8)]),
                0.1,
                f"unscaled: {raw['H_unscaled'][DS.index(8)]:.2f} → {raw['H_unscaled'][-1]:.2f}",
            ),
            ui.Check(
                "unscaled at d = 512 saturates: softmax gradient ratio unscaled/scaled",
                raw["grad_unscaled"][-1] / raw["grad_scaled"][-1],
                0.5,
                f"below 0.5: the gradient at least halved; at d = 64 the ratio is "
                f"{raw['grad_unscaled'][i64] / raw['grad_scaled'][i64]:.2f}",
            ),
        ]
    )
