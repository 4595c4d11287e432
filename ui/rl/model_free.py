"""The model-free view (§11.1–11.2): Monte Carlo, TD(0), SARSA and Q-learning trained live on the
current environment, scored against the exact v* or v_π whose Bellman equation is checked."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.rl import curves as C
from core.rl import figures as F
from core.rl import mdp as M
from core.rl import tabular as T
from ui.rl.common import Setting

STEP_ENV_STEPS = 600_000  # env steps (all seeds) one Step click may run: ~2 s at ~3 us/step
CHUNK_ENV_STEPS = 30_000  # env steps per live-training chunk: ~0.1 s
# Episodes per live chunk at most: a tick of 6 frames trains 6 slices of ~65 ms, and a slice
# runs at least one chunk. Chunks of up to 50 episodes took 0.2-0.3 s on the default grid, so
# a tick drew 1-2 frames (1.6-3.1 changed frames/s in Chromium).
LIVE_CHUNK_EPISODES = 10
UPDATE_RULES = {  # notes §11.1-11.2, in the delta form V <- V + alpha delta
    "Q-learning": r"\delta = r + \gamma \max_{a'} Q(s',a') - Q(s,a),\qquad "
    r"Q(s,a) \leftarrow Q(s,a) + \alpha\,\delta",
    "SARSA": r"\delta = r + \gamma\, Q(s',a') - Q(s,a),\ a' \sim \varepsilon\text{-greedy},"
    r"\qquad Q(s,a) \leftarrow Q(s,a) + \alpha\,\delta",
    "TD(0) evaluation": r"\delta = r + \gamma V(s') - V(s),\qquad V(s) \leftarrow V(s) + "
    r"\alpha\,\delta",
    "Monte Carlo evaluation": r"V^\pi(s) \approx \frac{1}{n}\sum_{i=1}^{n} G(s)^i,\qquad "
    r"G_t = r_t + \gamma G_{t+1}",
}


@st.fragment
@ui.guarded("the Model-free learning view")
def view(s: Setting) -> None:
    """Live tabular learning (a fragment: its controls and the live loop rerun only it)."""
    mdp, sol, gamma, env_key, vi, v_star = s.mdp, s.sol, s.gamma, s.env_key, s.vi, s.v_star
    c1, c2, c3 = st.columns(3)
    with c1:
        method = ui.url_selectbox("Method", "rl_method", list(T.METHODS))
        n_seeds = int(ui.url_slider("Seeds (agents averaged)", "rl_seeds", 1, 20, 8))
    with c2:
        eps = float(
            ui.url_select_slider(
                "ε (exploration)", "rl_eps", [0.0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0], 0.1
            )
        )
        alpha = float(
            ui.url_select_slider(
                "α (step size)", "rl_alpha", [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0], 0.1
            )
        )
    with c3:
        per_click = int(
            ui.url_select_slider("Episodes per step", "rl_episodes", [10, 50, 100, 500, 1000], 100)
        )
        target = ui.url_radio("Policy evaluated (MC / TD(0))", "rl_target", list(T.TARGETS))
        smooth = int(ui.url_slider("Curve smoothing (episodes)", "rl_smooth", 1, 200, 20))
    st.latex(UPDATE_RULES[method])
    cfg = T.TabularConfig(
        method=method,
        alpha=alpha,
        gamma=gamma,
        epsilon=eps,
        n_seeds=n_seeds,
        seed=s.seed,
        target=target,
    )
    control = method in T.CONTROL
    A = mdp.n_actions
    policy = sol.get("policy", vi.policy)
    target_pi = np.eye(A)[policy] if target == T.TARGETS[0] else np.full((mdp.n_states, A), 1 / A)
    v_ref, ref_msg = v_star, None
    if not control:
        try:
            v_ref = M.policy_evaluation(mdp, target_pi, gamma)
        except M.NonTerminatingPolicyError as e:
            v_ref, ref_msg = None, str(e)
    if ref_msg:
        st.info(f"No exact v_π to compare with: {ref_msg}")
    if control and eps == 0.0:
        st.info(
            "ε = 0: the agent never explores; with Q initialised to 0 it may never find the goal."
        )

    def snapshot(learner: T.TabularLearner):
        """The main live figure: Q's greedy arrows (control) or the learned V (evaluation)."""
        if control:
            return F.q_arrows(mdp, learner.Q[0], title="Q arrows (seed 1)")
        return F.value_heatmap(mdp, learner.values.mean(0), title="learned V (mean over seeds)")

    def render(learner: T.TabularLearner, metrics: dict):
        curves = learner.curves()
        live = st.session_state.get("rl_live")
        playing = live is not None and live.playing
        if curves["return"].shape[1] == 0:
            st.caption("Press Play or Step to start learning.")
        else:
            m1, m2 = st.columns(2)
            m1.metric("mean return, last episode", f"{curves['return'][:, -1].mean():.3g}")
            if v_ref is not None:
                m2.metric("RMS(V − v_ref)", f"{np.nanmean(curves['rms_error'][:, -1]):.3g}")
        if not playing and curves["return"].shape[1] > 0:  # curves only when paused
            a, b = st.columns(2)
            with a:
                ui.figure(
                    C.learning_curves(
                        {method: curves["return"]}, smooth=smooth, ylabel="return per episode"
                    ),
                    key="rl_mf_curve",
                )
            with b:
                if v_ref is not None:
                    mask = learner.mask
                    V = learner.values.mean(0)
                    label = "v* (value iteration)" if control else "v_π (exact linear solve)"
                    ui.figure(
                        C.value_scatter(V[mask], v_ref[mask], xlabel=label), key="rl_mf_scatter"
                    )
            if v_ref is not None:
                ui.figure(
                    C.learning_curves(
                        {"RMS(V − v_ref)": curves["rms_error"]},
                        smooth=1,
                        ylabel="RMS error of V",
                        log_y=True,
                    ),
                    key="rl_mf_err",
                )
        if not playing:
            ui.show_checks(model_free_checks())

    def model_free_checks() -> list[ui.Check]:
        """The reference the learner is scored against satisfies its Bellman equation, written
        out with explicit sums over a and s' (not the linear solve or 𝒯 that produced it)."""
        if v_ref is None:
            return [ui.Check("no exact reference for this policy (see the note above)", 0.0, 0.0)]
        ev = (mdp.prob * v_ref[mdp.next_state]).sum(2)  # (S, A): sum_s' P(s'|s,a) v(s')
        q = mdp.r + gamma * ev
        rhs = q.max(1) if control else (target_pi * q).sum(1)
        live = ~mdp.terminal & mdp.reachable
        res = float(np.abs(rhs - v_ref)[live].max()) if live.any() else 0.0
        name = (
            "v* = maxₐ{r + γ Σ P v*} (Bellman optimality), max residual"
            if control
            else "v_π = Σₐ π(a|s){r + γ Σ P v_π} (Bellman expectation), max residual"
        )
        return [ui.Check(name, res, 1e-6, "the reference V is scored against")]

    def make():
        return T.TabularLearner(mdp, cfg, v_ref, target_pi, device=s.device)

    # Keep one Step click (~2 s) and one live chunk (~0.1 s) bounded: the uniform random policy
    # on CliffWalking wanders ~5,000 steps per episode, so 1,000 episodes x 20 seeds would be
    # ~1e8 environment steps (minutes) in one click.
    live = st.session_state.get("rl_live")
    probe = live.stepper if live is not None and live.signature == (env_key, cfg) else make()
    batch = n_seeds * probe.expected_episode_steps()  # env steps per episode, all seeds
    per_step = max(1, min(per_click, int(STEP_ENV_STEPS // batch)))
    if per_step < per_click:
        st.info(
            f"Episodes here last about {batch / n_seeds:,.0f} steps, so Step runs "
            f"{per_step:,} episode(s) per seed instead of {per_click:,} to stay responsive; "
            "Play keeps going."
        )
    ui.live_training(
        "rl_live",
        make,
        signature=(env_key, cfg),
        render=render,
        steps_per_click=per_step,
        chunk=max(1, min(per_step, LIVE_CHUNK_EPISODES, int(CHUNK_ENV_STEPS // batch) // 4)),
        max_steps=100_000,
        snapshot=snapshot,
        frames_per_tick=6,
        frame_ms=100,
        tick_budget_s=0.5,
        figure_height=420,
    )
    ui.prose(
        "**What to notice.** Monte Carlo averages whole returns: unbiased, and with sample "
        "means and exploring starts it reaches v_π quickly on these small grids. TD(0) "
        "bootstraps from V(s′) and learns from every transition without waiting for the "
        "episode to end, but with a constant α its error stalls at a noise floor set by α "
        "(compare α = 0.02 and 0.5). Q-learning's greedy values approach v*; SARSA's approach "
        "the value of the ε-greedy policy it follows, lower where exploring is dangerous."
    )
