"""Live view: a 2-D VAE organising its latent space, trained in the browser's sight (§6.3).

``ui.live_training(snapshot=...)``: each tick trains ~0.45 s in slices and takes 8 snapshots
(held-out codes μ(x), the recon / KL / −β-ELBO curves and 8 reconstructions, all in one figure)
that the browser plays while the next tick trains; the math check runs when paused.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.imaging import make_grid
from core.vae import figures as vf
from core.vae.models import AEConfig
from core.vae.trainer import AETrainer
from ui.vae.common import heldout, kl_mc_check, show_view_checks

BETAS = [0.25, 0.5, 1.0, 2.0, 4.0]
LRS = [3e-4, 1e-3, 3e-3, 1e-2, 1e-1]
N_PAIRS = 8  # held-out digits shown with their reconstructions


def live_config(beta: float = 1.0, lr: float = 3e-3, width: int = 128) -> AEConfig:
    """The live run: 2-D codes, one hidden layer, up to 60 epochs of the 4,500 training digits
    (long enough to watch; the map is organised after a few)."""
    return AEConfig(
        latent_dim=2, hidden=(int(width),), beta=float(beta), lr=float(lr), epochs=60,
        batch_size=128,
    )  # fmt: skip


def snapshot_figure(stepper: AETrainer) -> dict:
    """The live frame (``vf.live_snapshot`` in plotly's JSON form, no validation): encoder
    means of the 500 held-out digits, the curves and 8 reconstructions."""
    x, y = heldout()
    with torch.inference_mode():
        xb = x.to(stepper.device)
        z = stepper.model.embed(xb).cpu().numpy()  # (500, 2)
        rec = stepper.model.decode(stepper.model.embed(xb[:N_PAIRS])).cpu().numpy()[:, 0]
    top = make_grid(np.concatenate([x[:N_PAIRS, 0].numpy(), rec]), nrow=N_PAIRS, pad=1)
    uri = vf.png_uri(1.0 - top, scale=2)
    return vf.live_snapshot_frame(z, y, stepper.history, uri, vf.live_extent(z))


@st.fragment
def view(ctx) -> None:
    st.subheader("Live: watch a 2-D VAE organise its latent space")
    row = st.container(horizontal=True)  # [Play, Step, Reset] [Training settings]: one line
    buttons = row.container(horizontal=True, width="content")
    with row.popover("Training settings", icon=":material/tune:"):
        c = st.columns(3)
        with c[0]:
            beta = ui.url_select_slider("β (live)", "vae_live_beta", BETAS, 1.0)
        with c[1]:
            lr = ui.url_select_slider("learning rate", "vae_live_lr", LRS, 3e-3)
        with c[2]:
            width = ui.url_selectbox("hidden width", "vae_live_width", [128, 256], 128)
    if lr >= 1e-1:
        st.warning(
            "A learning rate of 0.1 is far above what Adam tolerates here: expect "
            "the loss to jump or diverge (the run pauses itself on NaN)."
        )
    cfg = live_config(beta, lr, width)
    dev = ctx.device

    def render(stepper: AETrainer, metrics: dict) -> None:
        s: object = st.session_state.get("vae_live")
        playing = bool(getattr(s, "playing", False))
        if metrics:
            st.caption(
                f"epoch {stepper.epoch:.1f} of the 4,500 training digits · recon "
                f"{metrics['recon']:.1f} · KL {metrics['kl']:.2f} · −β-ELBO "
                f"{metrics['loss']:.1f} nats/image (training minibatch)"
            )
        if playing:
            st.caption("The math check runs when the training is paused.")
            return
        x, _ = heldout()
        checks = [kl_mc_check(stepper.model, x[[0]].to(stepper.device), "live VAE, digit #0")]
        show_view_checks(checks, ctx.seed, dev)

    ui.live_training(
        "vae_live",
        lambda: AETrainer(cfg, seed=ctx.seed, device=dev),
        signature=(cfg, ctx.seed),
        render=render,
        steps_per_click=35,
        chunk=2,
        max_steps=cfg.epochs * 36,
        snapshot=snapshot_figure,
        frames_per_tick=8,
        frame_ms=80,
        tick_budget_s=0.45,
        figure_height=520,
        controls=buttons,
    )
    ui.prose(
        "**What to notice.** At first every digit sits near the origin; within an epoch the "
        "classes pull apart into touching regions, while the KL term keeps them packed around "
        "N(0, I). A larger β squeezes the map further (fewer nats of rate, blurrier "
        "reconstructions)."
    )
