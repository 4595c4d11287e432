"""CartPole view: a seeded episode of the pretrained DQN (or a baseline policy) drawn from the
state and played in the browser, next to the agent's V and greedy action over (θ, θ̇)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.rl import cartpole as C
from ui.deep_rl.common import POLICIES, episode, pretrained_dqn, pretrained_slice

MAX_SEED = 10**6


@st.fragment
def view(ctx) -> None:
    c = st.columns([2, 1])
    with c[0]:
        name = ui.url_radio("Policy", "drl_policy", list(POLICIES), horizontal=True)
    with c[1]:
        seed = int(ui.url_number("Episode seed", "drl_ep_seed", 0, MAX_SEED, 10_000, step=1))
    got = pretrained_dqn()  # says once, with the rebuild command, when the file is missing
    if got is None and name == "pretrained DQN":
        return
    with ui.error_boundary("the episode"):
        figs, labels, ret, _ = episode(name, seed)
        if figs:
            st.caption(
                f"`env.reset(seed={seed})`, {name}: return **{ret:.0f}** "
                f"({'truncated at 500: solved' if ret >= C.MAX_STEPS else 'the pole fell'}). "
                "Press ▶: the browser plays the recorded states in real time (50 steps/s)."
            )
            ui.plot_player(figs, labels, key="drl_episode", frame_ms=40, height=330)
    with ui.error_boundary("the Q slice"):
        fig = pretrained_slice()
        if fig is not None:
            ui.figure(fig, height=380, key="drl_q_slice")
            ui.prose(
                "**What to notice.** With the cart centred and still (x = ẋ = 0), the greedy "
                "action splits the (θ, θ̇) plane along a tilted line: push right when the pole "
                "leans or swings right, so the cart moves under it. V is highest near upright "
                "and still, and falls toward the 12° edges where the episode ends."
            )
    if got is not None:
        _, man = got
        m = man["metrics"]
        st.markdown(
            f"**Pretrained DQN** (CleanRL's settings, {man['steps']:,} steps): mean return "
            f"**{m['eval_mean_return']:.1f} ± {m['eval_std_return']:.1f}** over "
            f"{m['eval_episodes']:.0f} seeded evaluation episodes (min "
            f"{m['eval_min_return']:.0f}); training took {m['train_seconds'] / 60:.1f} min on "
            f"one thread; checkpoint chosen at step {m['selected_step']:,.0f} on 20 other seeds."
        )
        with ui.error_boundary("the reproduction check"):
            _reproduce_check(man)


@st.cache_data(show_spinner="Re-running 10 evaluation episodes…", max_entries=1)
def _replayed(sha: str) -> list[float]:
    got = pretrained_dqn(quiet=True)
    q = C.mlp_numpy(got[0].net)
    return C.evaluate(C.greedy(q), C.EVAL_SEEDS[:10]).tolist()


def _reproduce_check(man: dict) -> None:
    ours = np.asarray(_replayed(man["sha256"]))
    theirs = np.asarray(man.get("eval_returns", [])[:10])
    gap = float(np.abs(ours - theirs).max()) if len(theirs) == 10 else float("inf")
    ui.show_checks(
        [ui.Check("first 10 evaluation episodes replayed vs the manifest's returns", gap, 0.5,
                  f"{ours.mean():.1f} vs {theirs.mean() if len(theirs) else float('nan'):.1f}")]
    )  # fmt: skip
