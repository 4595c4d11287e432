"""The GAN page's live view (notes §9.2, Algorithm 1): D(x), the samples and G's pull, drawn
while the game trains.

* Play runs ``ui.live_training(..., snapshot=field_snapshot)``: each tick trains in slices and
  takes 10 real snapshots of the field (D(x) on a 40×40 grid, 400 generated points, 80 arrows
  −∇ₓL_G, fixed axes, float32), which the browser plays while the next tick trains. The heavy
  metrics (modes captured, % HQ, reverse KL, JS) are computed by the trainer at its timeline
  snapshots every 25 generator steps, never per frame.
* Paused, the same figure shows the current state; the view toggles (in the URL) rerun only
  this fragment. The trainer's own update is checked against the equations (`step_checks`):
  L_D and L_G recomputed by hand on the batch the next update draws, and the G average.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st
import torch

import ui
from core.gan import figures as gfig
from core.gan import step_checks, views
from core.gan.metrics import mode_spec
from core.gan.trainer import GANTrainer
from ui.gan.settings import KEY, Settings
from ui.live import apply_settings

# (key, label, default): what the field figure draws; mirrored in the URL
TOGGLES = (
    ("gan_show_heat", "D(x) heatmap", True),
    ("gan_show_real", "real samples", True),
    ("gan_show_fake", "generated", True),
    ("gan_show_arrows", "G's pull −∇ₓL_G", True),
    ("gan_show_sheet", "noise grid G(z)", False),
)
RES, N_FAKE, N_ARROWS, N_REAL = 40, 400, 80, 400  # per frame: light enough for 10+ frames/s
# A tick trains in FRAMES_PER_TICK slices and draws a frame after each. Slices used to overrun
# by up to a step each (~22 ms), so 8 slices of ~49 ms ran late (9.0 changed frames/s in
# Chromium) and 10 of 64 ms were tried (11.3 frames/s, but 39 % of the raw steps/s). Now that a
# slice stops short of a step that would overrun (ui.live._advance), 8 frames of 80 ms drew
# 11.0-11.8 changed frames/s at 21-26 steps/s in Chromium (10 of 64 ms: 10.8-13.6 at 17-23).
FRAMES_PER_TICK, FRAME_MS = 8, 80
FIELD_TITLE = "D(x), samples and G's pull"
FIELD_HEIGHT = 500


def shown() -> dict[str, bool]:
    """The current view toggles (defaults before the checkboxes first render)."""
    return {k: bool(st.session_state.get(k, d)) for k, _, d in TOGGLES}


def field_figure(G, D, trainer: GANTrainer, show: dict[str, bool], title: str) -> dict:
    """The field of one (G, D) pair: D(x) heatmap, real / generated samples, arrows, sheet.

    Only what is shown is computed (the arrows need a backward pass, the sheet 1,040 more
    generator evaluations)."""
    loss, box = trainer.obj.loss, views.bounds(trainer.data_np)
    xs, ys, Z = views.d_field(D, loss, box, res=RES) if show["gan_show_heat"] else (0, 0, None)
    dev = next(G.parameters()).device
    with torch.no_grad():
        fake = G(trainer.z_eval[:N_FAKE].to(dev)).cpu().numpy().astype(np.float32)
    finite = bool(np.isfinite(fake).all())
    arrows = None
    if show["gan_show_arrows"] and finite:
        arrows = views.generator_arrows(G, D, loss, trainer.z_eval[:N_ARROWS])
    prob = loss in ("minimax", "non_saturating")
    return gfig.field_frame(
        xs,
        ys,
        Z,
        real=trainer.data_np[:N_REAL] if show["gan_show_real"] else None,
        fake=fake if show["gan_show_fake"] else None,
        arrows=arrows,
        sheet=views.manifold(G) if show["gan_show_sheet"] else None,
        z_label="D(x)" if prob else "score",
        prob=prob,
        box=box,
        title=title,
        height=FIELD_HEIGHT,
    )


def metric_row(m: dict, dataset: str) -> None:
    """Modes / % HQ / reverse KL (at the last timeline snapshot), JS and the last losses."""
    cols = st.columns(5)
    if "modes" in m:
        n_modes = len(mode_spec(dataset)[0])
        cols[0].metric("modes", f"{int(m['modes'])}/{n_modes}")
        cols[1].metric("high-quality", f"{m['hq_pct']:.1f}%")
        cols[2].metric("reverse KL", f"{m['reverse_kl']:.3f}")
    cols[3].metric("JS estimate", f"{m.get('js', float('nan')):.3f}")
    if "loss_d" in m or "loss_g" in m:
        cols[4].metric(
            "loss D / G", " / ".join(f"{m[k]:.2f}" if k in m else "–" for k in ("loss_d", "loss_g"))
        )
    else:
        cols[4].metric("loss D / G", "–", help="not trained yet")


def trainer_checks(trainer: GANTrainer) -> list[ui.Check]:
    """The trainer's next D and G updates (on copies) vs the equations written out by hand."""
    key = (id(trainer), trainer.steps_done, trainer.d_updates)
    cache = st.session_state.get("gan_trainer_checks")
    if cache is not None and cache[0] == key:
        return cache[1]
    snaps = trainer.snapshots  # the copies need no history: copying 120 snapshots is slow
    trainer.snapshots = snaps[-1:]
    try:
        out = []
        err, detail = step_checks.d_step_check(trainer)
        out.append(
            ui.Check(
                "D step: trainer's L_D (+ penalties) and ∇θ_D vs the equation, this run's batch",
                err,
                step_checks.TOLERANCE,
                detail,
            )  # fmt: skip
        )
        err, detail = step_checks.g_step_check(trainer)
        out.append(
            ui.Check(
                "G step: trainer's L_G and ∇θ_G vs the equation on the same z",
                err,
                step_checks.TOLERANCE,
                detail,
            )  # fmt: skip
        )
        if trainer.G_ema is not None:
            err, detail = step_checks.ema_check(trainer)
            out.append(ui.Check("G average: G_ema ← β G_ema + (1 − β) G", err, 1e-5, detail))
    finally:
        trainer.snapshots = snaps
    st.session_state["gan_trainer_checks"] = (key, out)
    return out


def _slow(kind: str) -> None:
    """One D or one G update only (slow motion)."""
    s = st.session_state.get("gan_live")
    if s is None:
        return
    s.playing, s.message = False, None
    m = s.stepper.d_step() if kind == "d" else s.stepper.g_step()
    s.metrics = dict(s.stepper.metrics(), **m)
    if not all(math.isfinite(v) for v in m.values()):
        s.message = (
            "Training diverged (a loss is NaN or infinite). Paused: lower the learning "
            "rate and press Reset."
        )


def current() -> Settings:
    """The applied settings; Reset applies the chosen ones first (a new run from the panel)."""
    if st.session_state.get("gan_live_reset"):
        apply_settings(KEY)
    return st.session_state[KEY + "_applied"][1]


def view(ctx) -> None:
    """The live field with Play / Step / Reset, slow-motion buttons and toggles (a fragment)."""

    @st.fragment
    def body() -> None:
        s = current()  # Reset (a rerun of this fragment only) starts over from the panel's
        left, right = st.columns([3, 2], gap="medium")
        with right:
            st.markdown("**Show**")
            for k, label, default in TOGGLES:
                ui.url_checkbox(label, k, default)
            st.markdown("**Slow motion**")
            b1, b2 = st.columns(2)
            b1.button(
                "D step", icon=":material/slow_motion_video:", key="gan_dstep", on_click=_slow,
                args=("d",), width="stretch", help="one discriminator update only",
            )  # fmt: skip
            b2.button(
                "G step", icon=":material/slow_motion_video:", key="gan_gstep", on_click=_slow,
                args=("g",), width="stretch", help="one generator update only",
            )  # fmt: skip
        show = shown()

        def snapshot(trainer: GANTrainer) -> dict:
            return field_figure(trainer.generator(), trainer.D, trainer, show, FIELD_TITLE)

        def render(trainer: GANTrainer, metrics: dict) -> None:
            live = st.session_state.get("gan_live")
            metric_row(trainer.metrics(), s.cfg.dataset)
            if live is not None and live.playing:
                st.caption(
                    "Modes, % high-quality, reverse KL and JS are measured on 2,500 samples "
                    "every 25 generator steps; the trainer's update checks run when paused."
                )
                return
            ui.show_checks(trainer_checks(trainer), title="Trainer checks (its next update)")

        with left:
            trainer = ui.live_training(
                "gan_live",
                lambda: GANTrainer(s.cfg, ctx.device, points=s.points),
                signature=s.signature,
                render=render,
                steps_per_click=25,
                chunk=1,
                tick_budget_s=0.45,
                max_steps=20_000,
                snapshot=snapshot,
                frames_per_tick=FRAMES_PER_TICK,
                frame_ms=FRAME_MS,
                figure_height=FIELD_HEIGHT,
            )
        live = st.session_state["gan_live"]
        token = (id(trainer), trainer.steps_done, trainer.d_updates)
        st.session_state["gan_live_token"] = token
        if (
            not live.playing
            and not st.session_state.get("gan_full_run")
            and st.session_state.get("gan_panel_token") not in (None, token)
            and st.session_state.get("gan_rerun_for") != token  # once per state: never a loop
        ):
            st.session_state["gan_rerun_for"] = token
            st.rerun(scope="app")  # the run moved while paused: redraw the timeline panels

    body()
