"""§6.1 view: a linear autoencoder spans the PCA subspace (principal angles, squared errors)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.vae import figures as vf
from core.vae.pca import fit_pca, pca_reconstruct, principal_angles, squared_error
from ui.vae.common import heldout, load, show_rows, show_view_checks, strips


@st.cache_resource
def pca_comparison(device: str) -> dict:
    from core.vae.trainer import train_images

    model = load("ae_linear", device)
    k = model.latent_dim
    x_tr = train_images().numpy()
    x_te, _ = heldout()
    p = fit_pca(x_tr, k)
    with torch.inference_mode():
        rec_tr = model(torch.from_numpy(x_tr).to(device)).cpu().numpy()
        rec_te = model(x_te.to(device)).cpu().numpy()
    angles = principal_angles(model.decoder.weight.detach().cpu().double().numpy(), p.components.T)
    return {
        "k": k,
        "angles": angles,
        "ae_train": squared_error(x_tr, rec_tr),
        "pca_train": squared_error(x_tr, pca_reconstruct(p, x_tr)),
        "ae_test": squared_error(x_te.numpy(), rec_te),
        "pca_test": squared_error(x_te.numpy(), pca_reconstruct(p, x_te.numpy())),
        "rec_ae": np.clip(rec_te[:8, 0], 0, 1),
        "rec_pca": np.clip(pca_reconstruct(p, x_te.numpy()[:8]).reshape(-1, 28, 28), 0, 1),
        "components": p.components.reshape(-1, 28, 28),
    }


@st.cache_resource
def reconstruction_pngs(device: str) -> dict[str, bytes]:
    r = pca_comparison(device)
    x, _ = heldout()
    non_lin = {}
    for label, name in (("non-linear AE 16-D", "ae_mlp16"), ("VAE 16-D (μ)", "vae_16d")):
        m = load(name, device)
        if m is not None:
            with torch.inference_mode():
                non_lin[label] = m.decode(m.embed(x[:8].to(device))).cpu().numpy()[:, 0]
    rows = {
        "held-out input": x[:8, 0].numpy(),
        f"PCA k={r['k']}": r["rec_pca"],
        f"linear AE k={r['k']}": r["rec_ae"],
        **non_lin,
    }
    return strips(rows, scale=2)


@st.fragment
def view(ctx) -> None:
    dev = str(ctx.device)
    st.subheader("§6.1: a linear autoencoder spans the PCA subspace")
    if load("ae_linear", dev) is None:
        return
    r = pca_comparison(dev)
    c1, c2 = st.columns(2)
    with c1:
        ui.figure(vf.angle_bars(r["angles"]), key="vae_pca_angles")
    rel_tr = r["ae_train"] / r["pca_train"] - 1
    rel_te = r["ae_test"] / r["pca_test"] - 1
    with c2:
        st.markdown(f"**k = {r['k']} dimensions**, squared error ‖x − x̂‖² per image:")
        st.table(
            {
                "": ["train (4,500)", "held-out (500)"],
                "linear AE": [f"{r['ae_train']:.3f}", f"{r['ae_test']:.3f}"],
                "PCA (closed form)": [f"{r['pca_train']:.3f}", f"{r['pca_test']:.3f}"],
                "AE / PCA − 1": [f"{rel_tr:+.2%}", f"{rel_te:+.2%}"],
            }
        )
    show_rows(reconstruction_pngs(dev))
    ui.prose(
        "**What to notice.** The linear AE's error matches PCA's closed form and its "
        "decoder columns span the same subspace (angles near 0°), although its basis is "
        "neither orthonormal nor ordered. Non-linear 16-D codes "
        "reconstruct far better."
    )
    checks = [
        ui.Check(
            "largest principal angle linear AE vs PCA (degrees)", float(r["angles"].max()), 5.0
        ),
        ui.Check("train squared error: |AE / PCA − 1|", abs(rel_tr), 0.01),
    ]
    show_view_checks(checks, ctx.seed, ctx.device)
