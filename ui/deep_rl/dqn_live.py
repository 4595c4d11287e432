"""DQN live: train a Q-network on CartPole in sight, every trick switchable (§11.3).

``ui.live_training(snapshot=...)``: each frame is V and the greedy action over a (θ, θ̇) slice
(a 31×31 numpy forward pass, ~1 ms); once per tick the returns, TD loss, Q and ε are redrawn.
The live defaults learn in minutes rather than CleanRL's 500k steps: a smaller network, lr 1e-3,
an update every 4 steps from step 1,000 and ε decaying over 20k steps.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.rl import cartpole as C
from core.rl import deep_figures as F
from core.rl.dqn import DQNConfig, DQNTrainer

EPS_DECAYS = [2_000, 10_000, 20_000, 50_000]
MAX_STEPS = 300_000


def live_config(replay=True, buffer=10_000, target=True, period=500, double=False,
                eps_decay=20_000, lr=1e-3) -> DQNConfig:  # fmt: skip
    return DQNConfig(
        hidden=(64, 64), lr=float(lr), replay=bool(replay), buffer_size=int(buffer),
        batch_size=64, target=bool(target), target_period=int(period), double=bool(double),
        eps_decay_steps=int(eps_decay), learning_starts=1_000, train_every=4,
        total_steps=MAX_STEPS,
    )  # fmt: skip


def snapshot(tr: DQNTrainer) -> dict:
    sl = C.q_slice(tr._q_np, n=31)
    return F.q_slice_figure(sl, "V = max_a Q (left) · greedy action (right)")


def _curves(tr: DQNTrainer) -> dict:
    h = tr.history
    ret = F.series_figure(
        {"episode return": (tr.return_steps[-400:], tr.returns[-400:])},
        "returns (ε-greedy, while training)",
        "return",
    )
    ret["data"].append({"type": "scatter", "x": [0, max(tr.steps_done, 1)], "y": [475, 475],
                        "mode": "lines", "line": {"dash": "dash", "color": "#444"},
                        "name": "475"})  # fmt: skip
    q = F.series_figure(
        {"mean Q(s,a) of the batch": (h["step"][-300:], h["q_mean"][-300:]),
         "TD loss": (h["step"][-300:], h["loss"][-300:]),
         "ε × 100": (h["step"][-300:], [100 * e for e in h["eps"][-300:]])},
        "Q, TD loss and ε", "value", log=False,
    )  # fmt: skip
    return ret, q


@st.fragment
def view(ctx) -> None:
    row = st.container(horizontal=True)
    buttons = row.container(horizontal=True, width="content")
    with row.popover("DQN switches", icon=":material/tune:"):
        c = st.columns(3)
        with c[0]:
            replay = ui.url_checkbox("replay buffer", "drl_replay", True, toggle=True)
            buffer = int(ui.url_number("buffer size n", "drl_buffer", 0, 200_000, 10_000,
                                       step=1000))  # fmt: skip
        with c[1]:
            target = ui.url_checkbox("target network θ̄", "drl_target", True, toggle=True)
            period = int(ui.url_number("target period (steps)", "drl_period", 0, 100_000, 500,
                                       step=100))  # fmt: skip
        with c[2]:
            double = ui.url_checkbox("Double DQN", "drl_double", False, toggle=True)
            eps_decay = ui.url_select_slider("ε decays over (steps)", "drl_eps", EPS_DECAYS,
                                             20_000)  # fmt: skip
            lr = float(ui.url_number("learning rate", "drl_lr", 0.0, 100.0, 1e-3, step=1e-4,
                                     format="%.0e"))  # fmt: skip
    problems = []
    if replay and buffer < 1:
        problems.append("The replay buffer needs room for at least one transition (n ≥ 1).")
    if target and period < 1:
        problems.append("The target period must be at least 1 step (θ̄ ← θ every k ≥ 1 steps).")
    if not np.isfinite(lr) or lr <= 0:
        problems.append("The learning rate must be positive: with lr = 0 nothing is learned.")
    elif lr > 10:
        problems.append("A learning rate above 10 only produces overflow; pick at most 10.")
    if problems:
        for p in problems:
            st.error(p)
        return
    if lr > 0.01:
        st.warning(
            f"lr = {lr:g} is far above what Adam tolerates on this TD loss: expect Q to "
            "explode (the run pauses itself on NaN or infinity)."
        )
    cfg = live_config(replay, max(buffer, 64), target, max(period, 1), double, eps_decay, lr)
    if not replay:
        st.caption("Replay off: each update trains on the latest 64 consecutive transitions.")

    def render(tr: DQNTrainer, m: dict) -> None:
        if not m:
            st.caption("Press Play: 1,000 random steps fill the buffer, then DQN trains.")
            return
        parts = [f"step {tr.steps_done:,}", f"{m['episodes']:.0f} episodes", f"ε {m['eps']:.3f}"]
        if "return_mean10" in m:
            parts.append(f"mean of the last 10 returns **{m['return_mean10']:.0f}**")
        if "loss" in m:
            corr = m.get("batch_corr", float("nan"))
            parts += [f"TD loss {m['loss']:.3g}", f"mean Q {m['q_mean']:.3g}",
                      f"batch lag-1 correlation {corr:+.2f}"]  # fmt: skip
        else:
            parts.append(f"no update yet: the first comes after {cfg.learning_starts:,} steps")
        st.caption(" · ".join(parts))
        ret, q = _curves(tr)
        c = st.columns(2)
        with c[0]:
            ui.figure(ret, height=300, key="drl_dqn_returns")
        with c[1]:
            ui.figure(q, height=300, key="drl_dqn_q")

    ui.live_training(
        "drl_dqn_live",
        lambda: DQNTrainer(cfg, seed=ctx.seed, threads=1),
        signature=(cfg, ctx.seed),
        render=render,
        steps_per_click=500,
        chunk=50,
        max_steps=MAX_STEPS,
        snapshot=snapshot,
        frames_per_tick=10,  # 0.8 s a tick: ~0.62 s of it trains (FIT), 8 frames gave 48-60 %
        frame_ms=80,
        tick_budget_s=0.64,
        figure_height=340,
        controls=buttons,
    )
    ui.prose(
        "**What to notice.** Until step 1,000 only the buffer fills. Then V rises (it counts "
        "the steps still to come, up to 1/(1 − γ) = 100) and the action map splits into a "
        "push-left and a push-right region. Switch the target network off or the replay "
        "buffer off and watch Q and the returns become erratic; the *Why the tricks* view "
        "measures both."
    )
