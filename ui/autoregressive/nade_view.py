"""NADE's O(nd) trick (§7.2): the recursion a_{i+1} = a_i + W_{:,i} x_i against the naive sum."""

from __future__ import annotations

import time

import streamlit as st
import torch

import ui
from ui.autoregressive.common import heldout, load, manifest, missing


@st.cache_data(max_entries=16)
def compare(batch: int, device: str) -> dict:
    model = load("ar_nade", device)
    x, _ = heldout()
    xb = model.bits(x[:batch])
    out, ms = {}, {}
    with torch.no_grad():
        for key, fn in (
            ("vectorised", model.logits),
            ("recursion", model.logits_recursive),
            ("naive", model.logits_naive),
        ):
            t0 = time.perf_counter()
            out[key] = fn(xb)
            ms[key] = 1000 * (time.perf_counter() - t0)
    return {
        "ms": ms,
        "d_rec": float((out["recursion"] - out["naive"]).abs().max()),
        "d_vec": float((out["vectorised"] - out["naive"]).abs().max()),
        "n": model.n,
        "d": model.cfg.d,
    }


@st.fragment
def view(ctx) -> None:
    st.subheader("NADE: all 784 hidden vectors in O(nd)")
    ui.prose(
        "Each conditional needs h_i = σ(W_{:,<i} x_{<i} + b). Recomputing that sum for every i "
        "costs O(n²d); but consecutive sums differ by one column, so a_{i+1} = a_i + W_{:,i} "
        "x_i gives all of them in O(nd). The page runs all three on held-out digits: the "
        "explicit loop of the notes, a vectorised exclusive cumulative sum (what training "
        "uses) and the naive per-step sum."
    )
    st.latex(r"a_1 = 0,\quad a_{i+1} = a_i + W_{:,i}\,x_i,\quad h_i = \sigma(a_i + b),\quad"
             r"\hat x_i = \sigma(V_i h_i + c_i)")  # fmt: skip
    if manifest("ar_nade") is None:
        missing("ar_nade")
        return
    if load("ar_nade", str(ctx.device)) is None:
        return
    batch = int(ui.url_select_slider("Digits", "ar_nade_b", [1, 2, 4, 8, 16], 4))
    with st.spinner("Timing the three versions…"):
        r = compare(batch, str(ctx.device))
    n, d = r["n"], r["d"]
    cols = st.columns(3)
    cols[0].metric("naive O(n²d)", f"{r['ms']['naive']:.0f} ms")
    cols[1].metric("recursion O(nd), a Python loop", f"{r['ms']['recursion']:.0f} ms")
    cols[2].metric("vectorised O(nd), cumsum", f"{r['ms']['vectorised']:.0f} ms")
    st.caption(
        f"{batch} digit(s), n = {n}, d = {d}: the naive version does ≈ n²d/2 = "
        f"{n * n * d / 2 / 1e6:.0f} M multiply-adds per digit, the recursion n·d = "
        f"{n * d / 1e6:.2f} M. Timings on a shared CPU, measured once per setting."
    )
    ui.show_checks(
        [
            ui.Check("recursion vs naive: max |Δ logit|", r["d_rec"], 1e-4, "float32"),
            ui.Check("vectorised vs naive: max |Δ logit|", r["d_vec"], 1e-4, "float32"),
        ],
        expanded=True,
    )
