"""β-VAE view: the rate–distortion trade-off over β and latent traversals (§6.4)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.vae import figures as vf
from core.vae.registry import BETA_MODELS, BETAS
from ui.vae.common import (
    decode,
    heldout,
    heldout_eval,
    load,
    manifest,
    show_rows,
    show_view_checks,
    strips,
)


@st.cache_resource(max_entries=8)
def beta_figure(name: str, beta: float, device: str):
    pts = []
    for b, nm in BETA_MODELS.items():
        m = manifest(nm, device)
        if m:
            pts.append({"beta": b, "kl": m["metrics"]["heldout_kl_nats"],
                        "recon": m["metrics"]["heldout_recon_nats"]})  # fmt: skip
    return vf.beta_overview(pts, beta, np.array(heldout_eval(name, device)["kl_per_dim"]))


@st.cache_resource(max_entries=64)
def traversal(name: str, idx: int, extent: float, device: str, n: int = 9, top: int = 6):
    """The ``top`` dimensions with the most KL, each swept over [−extent, extent] (§6.4)."""
    model = load(name, device)
    x, _ = heldout()
    ev = heldout_eval(name, device)
    order = np.argsort(-np.array(ev["kl_per_dim"]))[:top]
    with torch.inference_mode():
        mu = model.embed(x[[idx]].to(device)).cpu().numpy()[0]
    vals = np.linspace(-extent, extent, n, dtype=np.float32)
    rows = {}
    for j in order:
        z = np.repeat(mu[None], n, 0)
        z[:, j] = vals
        rows[f"z{j + 1} (KL {ev['kl_per_dim'][j]:.2f} nats)"] = decode(model, z)
    return rows


@st.cache_resource(max_entries=64)
def traversal_pngs(name: str, idx: int, extent: float, device: str) -> dict[str, bytes]:
    return strips(traversal(name, idx, extent, device), scale=2)


@st.fragment
def view(ctx) -> None:
    dev = str(ctx.device)
    st.subheader("β-VAE: the rate–distortion trade-off (§6.4)")
    beta = ui.url_select_slider("β", "vae_beta", list(BETAS), 1.0)
    name = BETA_MODELS[beta]
    if load(name, dev) is None:
        return
    ui.figure(beta_figure(name, float(beta), dev), key="vae_beta_fig")  # the player copies
    traversals(name, dev)
    ui.prose(
        "**What to notice.** Larger β buys a lower rate (fewer nats of KL, fewer active "
        "dimensions) at the cost of blurrier reconstructions (more distortion). With "
        "fewer active dimensions each one controls a broader factor (slant, width, "
        "class) in the traversals; inactive dimensions change nothing."
    )
    ev = heldout_eval(name, dev)
    m = manifest(name, dev)
    checks = [
        ui.Check(
            "Σ_j KL_j (per-dimension closed form) − KL of the ELBO",
            abs(float(np.sum(ev["kl_per_dim"])) - ev["kl"]),
            1e-4,
            f"β = {beta:g}, 500 held-out digits, {ev['kl']:.3f} nats",
        )
    ]
    if m and "heldout_kl_nats" in m["metrics"]:
        checks.append(
            ui.Check(
                "held-out KL now vs the manifest (closed form, deterministic in μ, σ)",
                abs(ev["kl"] - m["metrics"]["heldout_kl_nats"]),
                1e-3,
                f"manifest {m['metrics']['heldout_kl_nats']:.4f} nats",
            )
        )
    show_view_checks(checks, ctx.seed, ctx.device)


@st.fragment
def traversals(name: str, dev: str) -> None:
    """Its own fragment: the traversal controls rerun only the traversal rows."""
    c = st.columns([1, 1, 2])
    with c[0]:
        t_idx = ui.url_number("Traversal digit #", "vae_trav_idx", 0, 499, 0, step=1)
    with c[1]:
        t_range = ui.url_slider("Traversal range ±", "vae_trav_range", 1.0, 4.0, 3.0, step=0.5)
    show_rows(traversal_pngs(name, int(t_idx), float(t_range), dev))
    st.caption(
        f"Rows: the 6 dimensions with the most KL, each swept over [−{t_range:g}, {t_range:g}] "
        f"with the other coordinates at μ(x) of held-out digit #{int(t_idx)}."
    )
