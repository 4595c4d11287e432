"""The GAN page's settings panel (notes §9, §9.2): data, objective, networks -> a `GANConfig`.

Collapsed by default so Play and the live field are in the first screen; every control is
mirrored in the URL (``ui.url_*``), so a configured demo is a bookmark.

The panel is its own ``st.fragment`` and a change does not rebuild the run (issue 12): moving a
control reruns only the panel, which lists what differs from the run shown and offers **Apply**
(a new run with these settings, then one full rerun). Rebuilding the trainer, its checks and
both fields on every slider step cost ~550 ms input→paint in Chromium; a panel rerun is a
few ms of server work. A bookmark's settings, and a new global seed, apply at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

import ui
from core.gan.models import MLPConfig
from core.gan.objectives import OBJECTIVES, get_objective
from core.gan.trainer import CUSTOM, OPTIMIZERS, GANConfig
from ui.live import applied_settings, deferred_settings, setting_changes

DATASETS = {
    "ring8": "ring of 8 Gaussians (σ 0.01)",
    "grid25": "grid of 25 Gaussians (σ 0.05)",
    "moons": "two moons",
    "8gaussians": "8 Gaussians (FFJORD)",
    "2spirals": "two spirals",
    "checkerboard": "checkerboard",
    CUSTOM: "your CSV points",
}
LRS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0]
MIN_POINTS = 50
RECOMMENDED = "r1"
SNAPSHOT_EVERY = 25  # generator steps between timeline snapshots (modes, KL, JS computed there)
KEY = "gan_settings"  # session_state: the chosen and applied settings; the Apply button


@dataclass(frozen=True)
class Settings:
    """What the views need: the config, the uploaded points and the run's signature."""

    cfg: GANConfig
    points: np.ndarray | None
    signature: tuple
    work_ratio: float  # cost of one iteration relative to the defaults


def controls(ctx) -> Settings:
    """Render the settings panel (a fragment); return the *applied* `Settings`, which the live
    view and the panels use. The first run of a session (a bookmark) and a new global seed or
    device apply the chosen settings at once; otherwise they wait for Apply."""
    panel(ctx)
    applied: Settings | None = st.session_state.get(KEY + "_applied", (None, None))[1]
    chosen: Settings = st.session_state[KEY + "_chosen"][1]
    new_run = applied is None or applied.signature[2] != chosen.signature[2]  # the device
    return applied_settings(KEY, apply_now=new_run or applied.cfg.seed != chosen.cfg.seed)


def _changes(old: Settings, new: Settings) -> list[str]:
    diff = setting_changes(old.cfg, new.cfg)
    return diff + (["the uploaded points"] if old.signature[1] != new.signature[1] else [])


@st.fragment
def panel(ctx) -> None:
    """The settings expander and its warnings; a change reruns only this (see module doc)."""
    s = _chosen(ctx)
    deferred_settings(KEY, s, s.signature, _changes)


def _chosen(ctx) -> Settings:
    """The settings widgets and warnings; the `Settings` they describe."""
    with st.expander("Data, objective and networks", icon=":material/tune:", expanded=False):
        c1, c2, c3 = st.columns(3)
        with c1:
            dataset = ui.url_selectbox(
                "Data", "gan_data", list(DATASETS), value="ring8", format_func=DATASETS.get
            )
            points = None
            if dataset == CUSTOM:
                up = ui.points_upload(
                    f"CSV of 2-D points (x1, x2), at least {MIN_POINTS} rows",
                    key="gan_csv",
                    min_rows=MIN_POINTS,
                )
                if up is not None:
                    points = up[0]
                else:
                    st.info(
                        f"Upload a CSV with at least {MIN_POINTS} points; until then the ring "
                        "of 8 is used."
                    )
            objective = ui.url_selectbox(
                "Objective",
                "gan_objective",
                list(OBJECTIVES),
                value=RECOMMENDED,
                format_func=lambda k: f"{k} — {OBJECTIVES[k].description}",
                help=f"Recommended remedy: **{RECOMMENDED}** (non-saturating loss + R1 penalty).",
            )
            obj = get_objective(objective)
            d_steps = ui.url_slider("D steps per G step (k)", "gan_d_steps", 1, 10, 1)
            batch = ui.url_select_slider("Batch size", "gan_batch", [32, 64, 128, 256, 512], 256)
        with c2:
            st.markdown("**Generator**")
            opt_g = ui.url_selectbox("Optimiser (G)", "gan_opt_g", list(OPTIMIZERS))
            lr_g = ui.url_select_slider("Learning rate (G)", "gan_lr_g", LRS, 1e-3)
            g_width = ui.url_select_slider("Width (G)", "gan_g_width", [16, 32, 64, 128, 256], 128)
            g_depth = ui.url_slider("Hidden layers (G)", "gan_g_depth", 1, 5, 3)
            noise_dim = ui.url_slider("Noise dimension d", "gan_noise_dim", 1, 16, 2)
        with c3:
            st.markdown("**Discriminator**")
            opt_d = ui.url_selectbox("Optimiser (D)", "gan_opt_d", list(OPTIMIZERS))
            lr_d = ui.url_select_slider("Learning rate (D)", "gan_lr_d", LRS, 1e-3)
            d_width = ui.url_select_slider("Width (D)", "gan_d_width", [16, 32, 64, 128, 256], 128)
            d_depth = ui.url_slider("Hidden layers (D)", "gan_d_depth", 1, 5, 3)
        st.markdown(f"**Settings of `{objective}`**")
        r1, r2 = st.columns(2)
        unroll = pack = gp = r1g = clip = None  # only the chosen objective's knob is shown
        with r1:
            if obj.unroll:
                unroll = ui.url_slider(
                    "Unroll k", "gan_unroll", 1, 10, obj.unroll,
                    help="G is updated against D after k look-ahead D steps",
                )  # fmt: skip
            if obj.pack > 1:
                pack = ui.url_slider(
                    "Packing m", "gan_pack", 2, 6, obj.pack, help="D judges m samples at once"
                )
            if obj.gp_lambda:
                gp = ui.url_select_slider("GP λ", "gan_gp", [0.01, 0.1, 1.0, 10.0], obj.gp_lambda)
            if obj.r1_gamma:
                r1g = ui.url_select_slider(
                    "R1 γ", "gan_r1", [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0], obj.r1_gamma
                )
            if obj.clip:
                clip = ui.url_select_slider(
                    "Clip c", "gan_clip", [0.005, 0.01, 0.05, 0.1], obj.clip
                )
        with r2:
            g_ema = ui.url_select_slider(
                "G averaging β",
                f"gan_g_ema_{objective}",
                [0.0, 0.9, 0.99, 0.999],
                obj.g_ema,
                help="samples come from an exponential moving average of G's weights, "
                "G_ema ← β G_ema + (1−β) G (0 = off)",
            )

    if max(lr_g, lr_d) >= 0.1:
        st.warning(
            f"Learning rate {max(lr_g, lr_d):g} is very large for these networks: expect the "
            "losses to blow up (training then pauses and says why)."
        )
    # rough cost of one iteration relative to the defaults (D updates incl. unrolling, samples
    # per update, MLP size); extreme combinations get a warning and finer-grained live ticks
    work = (
        (d_steps + (unroll or 0) + 1)
        * batch
        * (pack or 1)
        * (g_width**2 * g_depth + d_width**2 * d_depth)
    )
    work_ratio = work / ((1 + 0 + 1) * 256 * 1 * (128**2 * 3 * 2))
    if work_ratio >= 40:
        st.warning(
            f"These settings make each iteration about {work_ratio:.0f}× the work of the "
            "defaults (D steps, unrolling, packing, batch and network size multiply): Step ×25 "
            "can take tens of seconds and Play advances slowly."
        )
    if opt_g == "sgd" and opt_d == "sgd" and max(lr_g, lr_d) <= 1e-4:
        st.info("Plain SGD with a learning rate this small barely moves in a few thousand steps.")

    data_name = (
        CUSTOM
        if (dataset == CUSTOM and points is not None)
        else ("ring8" if dataset == CUSTOM else dataset)
    )
    cfg = GANConfig(
        dataset=data_name,
        objective=objective,
        model=MLPConfig(
            noise_dim=noise_dim, g_width=g_width, g_depth=g_depth, d_width=d_width, d_depth=d_depth
        ),
        d_steps=d_steps,
        opt_g=opt_g,
        opt_d=opt_d,
        lr_g=lr_g,
        lr_d=lr_d,
        batch_size=batch,
        clip=clip,
        gp_lambda=gp,
        r1_gamma=r1g,
        unroll=unroll,
        pack=pack,
        g_ema=g_ema,
        snapshot_every=SNAPSHOT_EVERY,
        seed=ctx.seed,
    )
    points_hash = hashlib.sha1(points.tobytes()).hexdigest()[:12] if points is not None else ""
    return Settings(
        cfg=cfg,
        points=points if data_name == CUSTOM else None,
        signature=(cfg, points_hash, str(ctx.device)),
        work_ratio=work_ratio,
    )
