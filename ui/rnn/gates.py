"""Leaky unit and LSTM (§4.2): the gates over time as heatmaps, and the gradient norm against
the lag for Elman, leaky unit and LSTM on the same sequence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import streamlit as st
import torch

import ui
from core.rnn import figures as rf
from core.rnn.leaky import CELLS, FlowConfig, chained_jacobian_norms, run_cell
from core.rnn.lstm import LSTMWeights, lstm_cell

INPUTS = {
    "random": "random Gaussian inputs",
    "pulse": "one pulse at t = 1, then zeros",
    "sine": "a slow sine on every input",
}
LABELS = {"elman": "Elman RNN", "leaky": "leaky unit", "lstm": "LSTM (h, c)"}


# the fields each cell ignores (run_cell: Elman is α = 0 and has no b_f, the leaky unit has no
# b_f, the LSTM no α): set to the defaults in a cell's cache key, so the α slider reruns only
# the leaky unit and the b_f slider only the LSTM
_IGNORED = {"elman": ("alpha", "forget_bias"), "leaky": ("forget_bias",), "lstm": ("alpha",)}


@st.cache_data(max_entries=64, show_spinner=False)
def cell_flow(cell: str, cfg: FlowConfig) -> dict:
    """One cell's gradient-norm curve (by autograd) and, for the LSTM, its gates."""
    r = run_cell(cell, cfg)
    out = {"norms": chained_jacobian_norms(r["states"], r["step"]).numpy()}
    if cell == "lstm":
        out["gates"] = {k: r[k].numpy() for k in ("f", "i", "g", "o", "c")}
    return out


def flow(cfg: FlowConfig) -> dict:
    """The LSTM's gates and the three gradient-norm curves for one config."""
    out = {}
    for cell in CELLS:
        key = replace(cfg, **{f: getattr(FlowConfig, f) for f in _IGNORED[cell]})
        r = cell_flow(cell, key)
        out[cell] = r["norms"]
        if cell == "lstm":
            out["gates"] = r["gates"]
    return out


@st.cache_data(max_entries=8, show_spinner=False)
def cell_check(seed: int) -> float:
    """max |Δ| of our LSTM cell vs torch.nn.LSTMCell with copied weights (float64, 5 steps)."""
    torch.manual_seed(seed)
    ref = torch.nn.LSTMCell(4, 6).double()
    w = LSTMWeights.from_module(ref)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(5, 3, 4, generator=g, dtype=torch.float64)
    h = c = torch.zeros(3, 6, dtype=torch.float64)
    hr, cr = h.clone(), c.clone()
    gap = 0.0
    with torch.no_grad():
        for t in range(5):
            h, c, _ = lstm_cell(w, x[t], h, c)
            hr, cr = ref(x[t], (hr, cr))
            gap = max(gap, float((h - hr).abs().max()), float((c - cr).abs().max()))
    return gap


@st.fragment
def view(ctx) -> None:
    st.subheader("Leaky unit and LSTM: keeping a path open through time")
    c = st.columns(5)
    with c[0]:
        alpha = ui.url_slider("leaky α (kept)", "rnn_g_alpha", 0.0, 0.99, 0.9, step=0.01)
    with c[1]:
        bf = ui.url_slider("LSTM forget bias b_f", "rnn_g_bf", -3.0, 6.0, 1.0, step=0.5)
    with c[2]:
        scale = ui.url_slider("W_h scale", "rnn_g_scale", 0.1, 3.0, 1.0, step=0.1)
    with c[3]:
        pattern = ui.url_selectbox("input", "rnn_g_input", list(INPUTS), "random",
                                   format_func=INPUTS.get)  # fmt: skip
    with c[4]:
        T = ui.url_slider("steps T", "rnn_g_T", 5, 60, 40)
    cfg = FlowConfig(T=int(T), scale=float(scale), alpha=float(alpha), forget_bias=float(bf),
                     seed=int(ctx.seed % 10000), inputs=pattern)  # fmt: skip
    r = flow(cfg)
    ui.figure(rf.gate_heatmaps(r["gates"]), key="rnn_g_gates")
    st.caption(
        f"f, i, o in [0, 1] (viridis), g and c signed. Mean forget gate "
        f"{r['gates']['f'].mean():.2f} (σ(b_f) = {1 / (1 + np.exp(-bf)):.2f} before the "
        "weights' share)."
    )
    colours = {"elman": rf.BLUE, "leaky": rf.GREEN, "lstm": rf.ORANGE}
    series = {LABELS[k]: (r[k], colours[k], "markers") for k in CELLS}
    lags = np.arange(1, cfg.T + 1)
    ui.figure(rf.norm_vs_lag(lags, series, "Gradient norm ‖∂s⁽ᵀ⁾/∂s⁽ᵏ⁾‖₂ vs lag, same input"),
              key="rnn_g_norms")  # fmt: skip
    ui.prose(
        "**What to notice.** The leaky unit's step Jacobian is αI + (1 − α) diag(σ') W_h: at "
        "α → 1 it tends to I and the norm stays near 1 for long lags, but the unit then hardly "
        "reads its input. The LSTM's cell path is scaled by f at each step: raise b_f and the "
        "forget gates open (yellow rows in f), and its gradient decays far more slowly than "
        "Elman's; at b_f = −3 it forgets within a few steps. Its state is (h, c), 2d numbers."
    )
    ui.show_checks([
        ui.Check("our LSTM cell vs torch.nn.LSTMCell, copied weights (max |Δ| of h, c)",
                 cell_check(int(ctx.seed % 10000)), 1e-12, "5 steps, batch 3, float64"),
    ])  # fmt: skip
