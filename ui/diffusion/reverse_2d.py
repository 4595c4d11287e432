"""2-D reverse process view (notes §10.2-10.3): an MLP eps_hat(x, t) learns Algorithm 2 live,
then Algorithm 3 carries particles from N(0, I) back to the data.

Live training draws real snapshots (ui.live_training(snapshot=...)): samples of the current
model and the loss, several per tick, played by the browser. The reverse trajectory of the
current model is computed once per training state and scrubbed client-side (ui.plot_player)."""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import replace

import numpy as np
import streamlit as st

import ui
from core.diffusion import figures as dfig
from core.diffusion import frames as F
from core.diffusion.samplers import ddpm_sample
from core.diffusion.schedules import schedule_names
from core.diffusion.toy2d import (
    ToyDiffusionConfig,
    ToyDiffusionTrainer,
    standardize,
    toy_points,
    toy_target_names,
)
from ui.diffusion.common import cached, step_checks, trajectory_store, url_start

ALGO2 = r"""**Algorithm 2 (training)**
1. x₀ ~ q  2. t ~ Unif({1..T})  3. ε ~ N(0, I)
4. L = ‖ε − ε̂_θ(√ᾱ_t x₀ + √(1−ᾱ_t) ε, t)‖²
5. gradient step on L"""
ALGO3 = r"""**Algorithm 3 (sampling)**
1. x_T ~ N(0, I)
2. for t = T..1: z ~ N(0, I) if t > 1 else 0
3. x_{t−1} = (x_t − (1−α_t)/√(1−ᾱ_t) · ε̂_θ(x_t, t)) / √α_t + σ_t z"""
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1]
T_OPTIONS = [2, 5, 10, 20, 50, 100, 200, 500]
N_PARTICLES = 800
N_PREVIEW = 400  # particles in each live snapshot
# DDIM steps of a live snapshot: 10 take 14 ms for 400 particles on one core, 20 took 26 ms, and
# the snapshots were then ~45 % of a playing tick's server time (py-spy), the training ~40 %
PREVIEW_S = 10


def _sampled(trainer: ToyDiffusionTrainer, seed: int, progress) -> dict:
    """Algorithm 3 for N_PARTICLES with the trainer's model, and the live checks of that very
    trajectory (computed once with it, not on every rerun)."""
    traj = trainer.sample(N_PARTICLES, seed=seed, progress=progress)
    checks = step_checks(traj, trainer.sched.alpha_bar.numpy(), "DDPM", 1.0)
    return {"traj": traj, "checks": checks, "fields": None, "frames": {}}


def _entry(trainer: ToyDiffusionTrainer, seed: int, name: str) -> dict:
    """The current model's trajectory, once per training state.

    An untrained model is a function of its config (seeded init; the learning rate plays no
    part yet), so its trajectory is shared by sessions and survives a T or learning-rate change
    and back (``ui.diffusion.common.cached``). A trained one is this session's: kept with a
    reference to its trainer (an ``id()`` could be reused by the next trainer)."""
    if trainer.steps_done == 0:
        cfg = repr(replace(trainer.cfg, lr=0.0))
        key = ("toy2d_untrained", cfg, name, str(trainer.device), seed)
        return cached(key, lambda progress: _sampled(trainer, seed, progress), max_entries=24)
    c = st.session_state.get("dif2_traj")
    if c is None or c[0] is not trainer or c[1:3] != (trainer.steps_done, seed):
        bar = st.progress(0.0, text="Sampling 800 particles with Algorithm 3…")
        entry = _sampled(trainer, seed, lambda i, n: bar.progress(i / n, f"Denoising step {i}/{n}"))
        bar.empty()
        c = (trainer, trainer.steps_done, seed, entry)
        st.session_state["dif2_traj"] = c
    return c[3]


def _frames(trainer: ToyDiffusionTrainer, entry: dict, show_field: bool, n_paths: int):
    """The player's frames of a trajectory entry, once per (ε̂ field shown, paths); the field
    at each frame's t is computed once per entry."""
    traj = entry["traj"]
    fkey = (show_field, n_paths)
    if fkey not in entry["frames"]:
        idx = F.frame_indices(len(traj.ts) - 1)
        ts = traj.ts[idx]
        if show_field and entry["fields"] is None:
            entry["fields"] = [trainer.eps_field(int(t)) for t in ts]
        fields = entry["fields"] if show_field else None
        entry["frames"][fkey] = (
            ts,
            F.reverse_2d_frames(
                traj.xs.numpy()[idx], ts, trainer.x.cpu().numpy(), fields, n_paths=n_paths
            ),  # fmt: skip
        )
    return entry["frames"][fkey]


def _snapshot_of(trainer: ToyDiffusionTrainer, seed: int, ref: np.ndarray, name: str) -> dict:
    """The live snapshot (DDIM samples and the loss), once per training state: a paused
    view's reruns (a slider below it) reuse it. A fresh copy of the top level each call, since
    ui.live_training writes the step count into the title."""
    c = st.session_state.get("dif2_snap")
    if c is None or c[0] is not trainer or c[1] != trainer.steps_done:
        store, key = trajectory_store(), None
        if trainer.steps_done == 0:  # untrained: a function of its config, as in _entry
            key = ("toy2d_snap0", repr(replace(trainer.cfg, lr=0.0)), name, str(trainer.device))
        fig = store.get(key) if key else None
        if fig is None:
            live = trainer.sample(N_PREVIEW, seed=seed, S=PREVIEW_S).sample.numpy()
            fig = dfig.live_2d_figure(
                live, ref, np.asarray(trainer.losses, dtype=np.float32), ddim_steps=PREVIEW_S
            )
            if key:
                store[key] = fig
        c = (trainer, trainer.steps_done, fig)
        st.session_state["dif2_snap"] = c
    return {"data": c[2]["data"], "layout": dict(c[2]["layout"])}


@st.fragment
def reverse_2d_view(ctx) -> None:
    with ui.error_boundary("the 2-D reverse process view"):
        _reverse_2d(ctx)


def _reverse_2d(ctx) -> None:
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        target = ui.url_selectbox(
            "Target", "dif2_target", toy_target_names() + ["upload CSV"], value="swissroll"
        )
    with c2:
        schedule = ui.url_selectbox("Schedule", "dif2_schedule", schedule_names(), value="linear")
    with c3:
        T = ui.url_select_slider("T", "dif2_T", T_OPTIONS, 100)
    with c4:
        lr = ui.url_select_slider("Learning rate", "dif2_lr", LRS, 3e-3)
    pts, name = None, target
    if target == "upload CSV":
        up = ui.points_upload(
            "CSV of 2-D points (x1, x2), at least 50 rows", "dif2_csv", min_rows=50
        )
        if up is not None:
            pts = standardize(up[0])
            name = "csv:" + hashlib.sha1(pts.tobytes()).hexdigest()[:12]
        else:
            st.info("Upload a CSV with at least 50 points; until then the Swiss roll is used.")
    if pts is None:
        name = target if target != "upload CSV" else "swissroll"
        pts = toy_points(name, 2000, seed=ctx.seed)
    if T <= 10:
        st.warning(
            f"T = {T} is very few steps: each reverse step must undo a lot of noise, so the "
            "Gaussian steps of Algorithm 3 cannot follow the data closely."
        )
    if lr >= 3e-2:
        st.warning(f"Learning rate {lr:g} is high for Adam; the loss may oscillate or diverge.")
    cfg = ToyDiffusionConfig(schedule=schedule, T=T, lr=lr, seed=ctx.seed)
    ref = pts[:: max(1, len(pts) // 500)]

    def snapshot(trainer: ToyDiffusionTrainer):
        return _snapshot_of(trainer, ctx.seed, ref, name)

    def render(trainer: ToyDiffusionTrainer, metrics: dict) -> None:
        if metrics:
            st.caption(f"loss of the last chunk: {metrics.get('loss', float('nan')):.4f}")

    trainer: ToyDiffusionTrainer = ui.live_training(
        "dif2_live",
        lambda: ToyDiffusionTrainer(cfg, pts, ctx.device),
        signature=(cfg, name),
        render=render,
        steps_per_click=200,
        chunk=2,  # ~10 ms: a slice of a tick (~45 ms) fills with whole chunks
        tick_budget_s=0.5,
        max_steps=20_000,
        snapshot=snapshot,
        frames_per_tick=8,
        frame_ms=80,
        figure_height=380,
    )
    ui.prose(
        "**Reverse process in 2-D (§10.2–10.3).** An MLP ε̂(x, t) with a sinusoidal time "
        "embedding learns Algorithm 2 live; Algorithm 3 then carries 800 particles from "
        "N(0, I) back to the data, and the player below scrubs that trajectory in your browser."
    )
    with st.expander("Algorithm 2 and its code (the loss trained above)"):
        st.markdown(ALGO2)
        st.code(inspect.getsource(ToyDiffusionTrainer.loss), language="python", wrap_lines=True)

    st.markdown("**Algorithm 3 with the current model** — drag t (T → 0) or press ▶")
    s1, s2, s3 = st.columns([1, 1, 2])
    with s1:
        show_field = ui.url_checkbox("ε̂ field", "dif2_field", True)
    with s2:
        n_paths = ui.url_slider("Particle paths", "dif2_paths", 0, 20, 6)
    entry = _entry(trainer, ctx.seed, name)
    traj = entry["traj"]
    ts, frames = _frames(trainer, entry, show_field, n_paths)
    t0 = url_start("dif2_step", T, 0, T)  # the player opens at x_T unless the URL says
    with s3:
        if trainer.steps_done == 0:
            st.info("Untrained: Play or Step trains ε̂; then the trajectory follows the data.")
        else:
            st.caption(
                f"Trajectory of the model after {trainer.steps_done:,} training steps; it is "
                "recomputed when you pause or move a control."
            )
    left, right = st.columns([1.4, 1])
    with left:
        ui.plot_player(
            frames,
            [f"t = {t} / {T}" for t in ts],
            key="dif2_player",
            active=int(np.argmin(np.abs(ts - t0))),
            frame_ms=60,
            height=480,
        )
    with right:
        st.markdown(ALGO3)
        st.code(
            inspect.getsource(ddpm_sample).split('"""')[-1].strip(),
            language="python",
            wrap_lines=True,
        )
    ui.prose(
        "**What to notice.** Early in the reverse chain (large t) the arrows all point to "
        "the data's centre; as t → 0 they sharpen onto the data's shape and the particles "
        "snap onto it. Before training ε̂ is noise and the particles go nowhere useful."
    )
    checks = list(entry["checks"])  # Algorithm 3's steps, checked once per trajectory
    x0 = traj.sample.numpy()
    if trainer.steps_done >= 1000 and T > 10:
        checks.append(
            ui.Check(
                "samples vs data: |mean difference|",
                float(np.abs(x0.mean(0) - pts.mean(0)).max()),
                0.2,
                f"after {trainer.steps_done:,} steps",
            )
        )
        spread = pts.std(0) > 1e-6  # a std ratio needs data spread along the axis
        if spread.any():
            checks.append(
                ui.Check(
                    "samples vs data: |std ratio − 1|",
                    float(np.abs(x0.std(0)[spread] / pts.std(0)[spread] - 1).max()),
                    0.2,
                    "" if spread.all() else "over the axes along which the data spread",
                )
            )
    elif T <= 10:
        st.caption(
            f"With T = {T} the samples cannot follow the data (see the warning above), so "
            "the samples-vs-data checks are left out; Algorithm 3's steps are still checked."
        )
    else:
        st.caption(
            "After 1,000 training steps two more checks appear: the samples' mean and spread "
            "vs the data's (before training they cannot match)."
        )
    ui.show_checks(checks, title="Math checks: Algorithm 3's steps, and samples vs data")
