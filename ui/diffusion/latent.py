"""Latent diffusion view (notes §10.5): the same DDIM sampler on an autoencoder's 8-number
codes; the frozen decoder turns each frame's x0_hat into digits, scrubbed client-side."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.diffusion import figures as dfig
from core.diffusion.frames import png_url
from core.diffusion.latent import NAME as LATENT_NAME
from core.diffusion.latent import sample_latent
from core.diffusion.schedules import make_schedule
from core.imaging import make_grid
from ui.diffusion.common import SAMPLE_GRID, cached, step_checks, url_start


def _grid_u8(images: np.ndarray) -> np.ndarray:
    return (np.clip(make_grid(images, nrow=4, pad=2), 0, 1) * 255).round().astype(np.uint8)


@st.cache_resource(max_entries=4, show_spinner=False)
def _speed_fig(pixel_s: float, latent_s: float):
    """The manifest's measured speeds as bars, built once (ui.figure copies a figure before it
    themes it for presenting, so the shared one is never changed)."""
    return dfig.speed_figure(["pixel U-Net", "latent MLP + decoder"], [pixel_s, latent_s])


@st.fragment
def latent_view(ctx) -> None:
    with ui.error_boundary("the Latent diffusion view"):
        _latent(ctx)


def _latent(ctx) -> None:
    ui.prose(
        "**Latent diffusion (§10.5).** A small autoencoder (this page's own) squeezes each "
        "digit into 8 numbers; the diffusion model runs the same DDIM sampler on those 8 "
        "numbers instead of 784 pixels, and the frozen decoder turns the result into an "
        "image. The player shows the decoded x̂₀ at every step."
    )
    loaded = ui.pretrained(LATENT_NAME, ctx.device)
    if loaded is None:
        return
    model, manifest = loaded
    c1, c2, c3 = st.columns(3)
    with c1:
        seed = ui.url_number("Seed", "dif_lat_seed", 0, 10_000, 0, step=1)
    with c2:
        cls = ui.url_selectbox(
            "Class", "dif_lat_class", [str(d) for d in range(10)] + ["all"], value="all"
        )
    with c3:
        rho = ui.url_slider("Guidance ρ", "dif_lat_rho", 0.0, 10.0, 2.0, step=0.5)
    labels = (
        torch.arange(SAMPLE_GRID) % 10 if cls == "all" else torch.full((SAMPLE_GRID,), int(cls))
    )

    def compute(progress):
        import time

        t0 = time.perf_counter()
        x, traj = sample_latent(model, SAMPLE_GRID, int(seed), labels, S=50, rho=rho, record=True)
        dt = time.perf_counter() - t0
        progress(1, 1)
        with torch.inference_mode():
            dev = model.z_mean.device
            dec = [model.decode(traj.x0s[i].to(dev)).cpu().numpy() for i in range(len(traj))]
        ab = make_schedule(model.cfg.schedule, model.cfg.T).alpha_bar.numpy()
        return {
            "dt": dt,
            "ts": traj.ts,
            "pngs": [png_url(_grid_u8(d)) for d in dec],
            "checks": step_checks(traj, ab, "DDIM", 0.0),
        }

    r = cached(("latent", int(seed), cls, float(rho)), compute)
    n = len(r["ts"])
    a, b = st.columns([1, 1.2])
    with a:
        ui.image_player(
            r["pngs"],
            [f"x̂₀ decoded at t = {int(t)}" for t in r["ts"]],
            key="dif_lat_player",
            active=url_start("dif_lat_step", n - 1, 0, n - 1),
            frame_ms=70,
            max_width=420,
        )
    with b:
        m = manifest["metrics"]
        st.metric("this sample: DDIM-50 in latent space + decoding", f"{r['dt'] * 1000:.0f} ms")
        sp = {k.split("ddim50_16samples_")[1]: v for k, v in m.items() if k.startswith("ddim50_16")}
        ui.figure(_speed_fig(sp["pixel_seconds"], sp["latent_seconds"]), key="dif_speed")
        st.caption(
            f"Measured when the model was trained (16 guided samples, DDIM-50, best of 3): "
            f"**{sp['speedup']:.0f}× faster** than the pixel-space U-Net."
        )
    ui.show_checks(r["checks"], title="Math checks: each latent DDIM step rebuilt (computed live)")
    acc_key = next(k for k in m if k.endswith("_accuracy") and "rho2" in k)
    acc, recon = m[acc_key], m["heldout_recon_judged_accuracy"]
    st.markdown(
        f"Judged accuracy of 500 latent samples at ρ = 2: **{acc:.1%}**; the autoencoder's "
        f"own reconstructions of held-out digits score {recon:.1%}."
        + (
            " The samples score higher than the reconstructions: guidance pulls them towards "
            "typical, easily judged digits of their class, whereas the held-out set includes "
            "the awkward ones the decoder blurs. So the reconstruction score is not a ceiling "
            "on judged accuracy; the decoder limits sharpness and detail."
            if acc > recon
            else " The decoder limits what the samples can show: they score below the "
            "autoencoder's reconstructions."
        )
    )
    ui.prose(
        "**What to notice.** The sampler is identical; only the space changed. 8 numbers "
        "are far cheaper to denoise than 784 pixels, but the samples can only be as sharp as "
        "the decoder allows: a better autoencoder gives better latent diffusion."
    )
