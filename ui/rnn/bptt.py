"""BPTT step-through: the unrolled graph and each term of ∂ℓ⁽ᵗ⁾/∂W_h = Σ_k ..., checked live (§4.1).

The terms for every k are computed once (cached by the small inputs) and scrubbed in the browser
(`ui.plot_player`): the graph with term k's path, the term's matrix and the running sum.
"""

from __future__ import annotations

import streamlit as st

import ui
from core.rnn import elman
from core.rnn import figures as rf


@st.cache_data(max_entries=64, show_spinner=False)
def terms(T: int, t: int, act: str, scale: float, seed: int) -> dict:
    p, xs, ys = elman.toy_problem(T=T, seed=seed, scale=scale)
    r = elman.bptt_terms(p, xs, ys, t, act)
    auto_t = elman.autograd_grads(p, xs, ys, act, t)
    hand, auto = elman.bptt(p, xs, ys, act), elman.autograd_grads(p, xs, ys, act)
    fd = elman.finite_difference(p, xs, ys, act)
    return {
        "terms": r["terms"].numpy(),
        "term_norm": r["term_norm"].numpy(),
        "jac_norm": r["jac_norm"].numpy(),
        "auto_t": auto_t["W_h"].numpy(),
        "sum_vs_auto": float((r["terms"].sum(0) - auto_t["W_h"]).abs().max()),
        "hand_vs_auto": elman.max_abs_diff(hand, auto),
        "hand_vs_fd": elman.max_abs_diff(hand, fd),
        "rel_fd": elman.max_abs_diff(hand, fd)
        / max(max(float(v.abs().max()) for v in auto.values()), 1e-12),
    }


@st.cache_data(max_entries=32, show_spinner=False)
def frames(T: int, t: int, act: str, scale: float, seed: int) -> list[dict]:
    """One frame per k (``core.rnn.figures.bptt_frames``): graph | term k | running sum."""
    r = terms(T, t, act, scale, seed)
    return rf.bptt_frames(r["terms"], r["auto_t"], T, t)


@st.fragment
def view(ctx) -> None:
    st.subheader("Backpropagation through time, term by term")
    c = st.columns(5)
    with c[0]:
        T = ui.url_slider("sequence length T", "rnn_bptt_T", 2, 10, 6)
    with c[1]:
        t = ui.url_slider("loss term ℓ⁽ᵗ⁾: t", "rnn_bptt_t", 1, 10, min(6, T))
    with c[2]:
        act = ui.url_selectbox("σ", "rnn_bptt_act", list(elman.ACTIVATIONS), "tanh")
    with c[3]:
        scale = ui.url_slider("W_h scale", "rnn_bptt_scale", 0.1, 3.0, 1.0, step=0.1)
    with c[4]:
        seed = ui.url_number("seed", "rnn_bptt_seed", 0, 9999, ctx.seed % 10000, step=1)
    if t > T:
        st.info(f"The loss term t = {t} is past the sequence's end; showing t = T = {T}.")
        t = T
    r = terms(int(T), int(t), act, float(scale), int(seed))
    figs = frames(int(T), int(t), act, float(scale), int(seed))
    ui.plot_player(figs, [f"k = {k}" for k in range(t, 0, -1)], key="rnn_bptt_player")
    st.caption(
        "Scrub k from t down to 1 (as BPTT walks back): orange is the path ℓ⁽ᵗ⁾ → ŷ⁽ᵗ⁾ → h⁽ᵗ⁾ → "
        "… → h⁽ᵏ⁾ of term k, left its matrix (δ⁽ᵏ⁾ ⊙ σ'(a⁽ᵏ⁾)) h⁽ᵏ⁻¹⁾ᵀ, right the running "
        "sum (one shared colour range, red +, blue −)."
    )
    ui.figure(rf.bptt_terms_figure(r["term_norm"], r["jac_norm"]), key="rnn_bptt_norms")
    ui.prose(
        "**What to notice.** Each term carries the product ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Π diag(σ') W_h "
        "(green): with a small W_h scale the far terms (small k) are orders of magnitude "
        "smaller than the near ones — the gradient of ℓ⁽ᵗ⁾ barely hears the distant past. "
        "Push the scale above ~2 with a linear σ and they grow instead."
    )
    ui.show_checks([
        ui.Check("Σ_k term k − autograd ∂ℓ⁽ᵗ⁾/∂W_h (max |Δ|)", r["sum_vs_auto"], 1e-10,
                 f"the notes' sum for t = {t}, float64"),
        ui.Check("hand BPTT ∂L/∂θ − autograd (all of W_h, W_x, b, W_y)", r["hand_vs_auto"],
                 1e-10, "L = Σ_t ℓ⁽ᵗ⁾, float64"),
        ui.Check("hand BPTT − central finite differences (relative)", r["rel_fd"], 1e-5,
                 f"ε = 1e-6, max |Δ| = {r['hand_vs_fd']:.2g}"),
    ])  # fmt: skip
