"""MADE mask builder (§7.3): degrees -> masks -> connectivity, checked by autograd, and the
mask ensemble scored right (log-mean-exp) next to the average-the-logits number."""

from __future__ import annotations

import itertools
import math

import numpy as np
import streamlit as st
import torch

import ui
from core.autoregressive import figures as F
from core.autoregressive.made import MADE, MASK_LOCK, MADEConfig, connectivity, input_degrees
from ui.autoregressive.common import heldout, load, manifest, missing

BREAKS = {
    "none": "none",
    "output mask uses ≤ instead of <": "le",
    "first hidden mask all ones": "ones",
}


@st.cache_data(max_entries=64)
def build(n: int, layers: int, width: int, ordering: str, degrees: str, seed: int, brk: str):
    """The masks, connectivity, autograd Jacobian and brute-force Σ p(x) of one tiny MADE."""
    cfg = MADEConfig(n=n, hidden=(width,) * layers, shape=(n,), ordering=ordering,
                     degrees=degrees, mask_seed=seed)  # fmt: skip
    torch.manual_seed(seed)
    model = MADE(cfg).double()
    masks = model.mask_set(0)
    m0 = input_degrees(model.order)
    if brk == "le":  # the classic off-by-one: output i may see hidden units of degree m0(i)
        masks[-1] = (getattr(model, f"degrees_{layers - 1}")[0][None, :] <= m0[:, None]).double()
    elif brk == "ones":
        masks[0] = torch.ones_like(masks[0])
    for layer, m in zip(model.layers, masks, strict=True):
        layer.mask.copy_(m)
    x = torch.rand(8, n, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    J = torch.autograd.functional.jacobian(lambda v: model.logits(v).sum(0), x).abs().sum(1)
    order = model.order.numpy()
    allowed = (m0[None, :] < m0[:, None]).numpy()
    with torch.no_grad():
        allx = torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=torch.float64)
        total = float(torch.logsumexp(model.log_prob(allx), 0).exp())
    C = connectivity([m.float() for m in masks]).numpy()
    names = [f"M^W({i + 1})" for i in range(layers)] + ["M^V"]
    panels = [{"z": m.numpy(), "title": t, "zmax": 1.0} for m, t in zip(masks, names, strict=True)]
    jac = [
        {"z": C[np.ix_(order, order)], "title": "connectivity M^V·M^W (ordered)"},
        {"z": J.numpy()[np.ix_(order, order)], "title": "|∂x̂/∂x| by autograd (ordered)",
         "zmax": None},
    ]  # fmt: skip
    return {
        "fig_masks": F.heatmap_panels(panels, height=260),  # plotly JSON, cached with the inputs
        "fig_jac": F.heatmap_panels(jac, height=340),
        "forbidden": float(J.numpy()[~allowed].max()),
        "total": total,
        "order": order.tolist(),
        "hidden_degrees": [getattr(model, f"degrees_{i}")[0].tolist() for i in range(layers)],
    }


@st.cache_data(max_entries=16)
def ensemble(k: int, device: str) -> dict:
    model = load("ar_made_ensemble", device)
    x, _ = heldout()
    with torch.no_grad():
        right = float(-model.log_prob_ensemble(x, k).mean())
        wrong = float(-model.log_prob_average_logits(x, k).mean())
        single = []
        with MASK_LOCK:  # the shared model's masks are switched: one session at a time
            for i in range(k):
                model.use_mask(i)
                single.append(float(-model.log_prob(x).mean()))
            model.use_mask(0)
    return {"right": right, "wrong": wrong, "single": single}


@st.cache_data(max_entries=16)
def tiny_sums(k: int) -> tuple[float, float]:
    """Σ_x p(x) over all 2^8 x for a random 8-pixel MADE with k masks: mixture vs avg-logits."""
    model = MADE(MADEConfig(n=8, hidden=(16,), shape=(8,), num_masks=k, ordering="random"))
    model = model.double()
    allx = torch.tensor(list(itertools.product([0.0, 1.0], repeat=8)), dtype=torch.float64)
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        for p in model.parameters():
            p.normal_(0, 0.7, generator=g)
        a = float(torch.logsumexp(model.log_prob_ensemble(allx), 0).exp())
        b = float(torch.logsumexp(model.log_prob_average_logits(allx), 0).exp())
    return a, b


def view(ctx) -> None:
    """Two sibling fragments: a builder control reruns the builder only (not the ensemble)."""
    builder(ctx)
    mask_ensemble(ctx)


@st.fragment
def builder(ctx) -> None:
    st.subheader("MADE: build the masks, then let autograd check them")
    ui.prose(
        "Give each input its place in the ordering m⁰ and each hidden unit a degree m. A hidden "
        "unit may see inputs of degree ≤ its own; output i may see hidden units of degree "
        "*strictly* below m⁰(i). Then no path runs from x_j to x̂_i unless j comes before i. "
        "Below: each mask, their product (paths per input–output pair) and the Jacobian "
        "|∂x̂/∂x| computed by autograd, both with rows and columns in the chosen ordering, so "
        "allowed entries sit strictly below the diagonal. Break a mask and watch the checks fail."
    )
    c = st.columns(4)
    with c[0]:
        n = int(ui.url_slider("Inputs n", "ar_md_n", 3, 10, 6))
        layers = int(ui.url_radio("Hidden layers", "ar_md_layers", [1, 2], 1, horizontal=True))
    with c[1]:
        width = int(ui.url_slider("Hidden units", "ar_md_width", 2, 24, 10))
        seed = int(ui.url_number("Seed", "ar_md_seed", 0, 10_000, 0, step=1))
    with c[2]:
        ordering = ui.url_radio("Ordering", "ar_md_order", ["raster", "random"], "random")
        degrees = ui.url_radio("Degrees", "ar_md_deg", ["random", "deterministic"], "random")
    with c[3]:
        brk = ui.url_selectbox("Break a mask", "ar_md_break", list(BREAKS), "none")
    r = build(n, layers, width, ordering, degrees, seed, BREAKS[brk])
    st.caption(
        f"ordering (pixel drawn at each step): {r['order']}; hidden degrees: "
        + "; ".join(str(h) for h in r["hidden_degrees"])
    )
    ui.figure(r["fig_masks"], key="ar_md_masks")
    ui.figure(r["fig_jac"], key="ar_md_jac")
    ui.show_checks(
        [
            ui.Check(
                "Jacobian is strictly lower-triangular in the ordering: max forbidden |∂x̂_i/∂x_j|",
                r["forbidden"],
                0.0,
                "autograd, 8 random inputs",
            ),  # fmt: skip
            ui.Check(
                f"Σ over all 2^{n} x of p(x) − 1 (brute force)",
                abs(r["total"] - 1),
                1e-9,
                f"Σ p(x) = {r['total']:.6f}",
            ),  # fmt: skip
        ],
        title="Autoregressive property, checked live",
        expanded=True,
    )


@st.fragment
def mask_ensemble(ctx) -> None:
    st.markdown("#### Several masks: the ensemble done right")
    ui.prose(
        "Training cycles K mask sets (each with its own ordering and degrees). Each mask k is a "
        "full autoregressive model p_k, so the ensemble is the mixture p(x) = (1/K) Σ_k p_k(x): "
        "log p(x) = logsumexp_k log p_k(x) − log K. Averaging the K *logits* first "
        "(karpathy/pytorch-made, its issue #1) mixes conditionals of different orderings: the "
        "result is not normalised, so its 'NLL' is not a likelihood at all."
    )
    k = int(ui.url_slider("Masks K", "ar_md_k", 1, 8, 8))
    a, b = tiny_sums(k)
    cols = st.columns(2)
    if manifest("ar_made_ensemble") is None:
        missing("ar_made_ensemble")
    elif load("ar_made_ensemble", str(ctx.device)) is not None:
        with st.spinner(f"Scoring 500 digits under {k} masks…"):
            e = ensemble(k, str(ctx.device))
        cols[0].metric("log-mean-exp (right), nats", f"{e['right']:.2f}")
        cols[1].metric("average the logits (wrong), nats", f"{e['wrong']:.2f}")
        st.caption(
            "Held-out NLL of ar_made_ensemble; single masks: "
            + ", ".join(f"{v:.1f}" for v in e["single"])
            + f" (mean {np.mean(e['single']):.2f}). By Jensen the mixture's NLL is at most that "
            f"mean, and at least the best single mask's minus log K = {math.log(k):.2f}."
        )
    ui.show_checks(
        [
            ui.Check(
                f"mixture of {k} masks: Σ_x p(x) − 1 (8 pixels, brute force)",
                abs(a - 1),
                1e-9,
                f"Σ = {a:.6f}",
            ),  # fmt: skip
        ]
    )
    st.markdown(
        f"Average-the-logits on the same 8-pixel MADE: Σ_x 'p(x)' = **{b:.4f}**"
        + (" — not a distribution." if abs(b - 1) > 1e-6 else " (one mask: still exact).")
    )
