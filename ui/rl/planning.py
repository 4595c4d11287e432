"""The two other views that use the known model (§11): policy iteration step by step
(exact evaluation, then greedy improvement) and rollouts of the optimal policy, whose Monte Carlo
success rate is checked against the exact probability from the Markov chain P_π."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.rl import figures as F
from core.rl import mdp as M
from ui.rl.common import Setting, build_env, grid_chart, solve


@st.cache_resource(show_spinner="Rolling out episodes…", max_entries=32)
def rollouts(key: tuple, gamma: float, n: int, seed: int) -> dict:
    mdp = build_env(key)
    sol = solve(key, gamma)
    policy = sol.get("policy", sol["vi"].policy)
    ep = M.run_episodes(mdp, policy, n, seed=seed)
    limit = mdp.max_steps or 10 * mdp.n_states
    return {
        "episodes": ep,
        "policy": policy,
        "limit": limit,
        "exact": M.success_probability(mdp, policy, limit),
        "exact_unlimited": M.success_probability(mdp, policy),
    }


@st.cache_resource(show_spinner=False, max_entries=16)
def pi_figures(key: tuple, gamma: float) -> list[tuple[dict, dict]]:
    """Per policy-iteration step k: (v of π_{k-1}, the same v with greedy π_k), drawn once per
    solve so that the step slider only picks a pair."""
    mdp, pi = build_env(key), solve(key, gamma)["pi"]
    out = []
    for k in range(1, pi.iterations + 1):
        start = "uniform random π₀" if k == 1 else f"π_{k - 1}"
        v = pi.values[k - 1]
        evaluation = f"evaluation: v of {start} (exact linear solve)"
        improvement = f"improvement: greedy π_{k} w.r.t. it"
        out.append((
            F.value_heatmap(mdp, v, None, title=evaluation),
            F.value_heatmap(mdp, v, pi.policies[k - 1], title=improvement),
        ))  # fmt: skip
    return out


@st.fragment
@ui.guarded("the Policy iteration view")
def policy_iteration_view(s: Setting) -> None:
    """Policy iteration, one improvement at a time (a fragment: its step slider reruns only it)."""
    sol, vi = s.sol, s.vi
    pi = sol["pi"]
    if pi is None:
        st.info(
            "Policy iteration needs every policy it visits to terminate at γ = 1; choose "
            "γ < 1 to run it here."
        )
        return
    n = pi.iterations
    k = int(ui.url_slider("Policy iteration step", "rl_pi_step", 1, max(n, 2), 1)) if n > 1 else 1
    k = min(k, n)
    m1, m2, m3 = st.columns(3)
    m1.metric("policy iteration: evaluations", n)
    m2.metric("value iteration: sweeps to 1e-10", vi.iterations)
    m3.metric(f"actions changed by improvement {k}", pi.changed[k - 1])
    evaluation, improvement = pi_figures(s.env_key, s.gamma)[k - 1]
    c1, c2 = st.columns(2)
    with c1:
        grid_chart(evaluation, key="rl_pi_eval")
    with c2:
        grid_chart(improvement, key="rl_pi_imp")
    ui.prose(
        "**What to notice.** Algorithm 5 starts from the uniform random policy, solves "
        "(I − γP_π)v = r_π exactly, and acts greedily. It needs only a handful of "
        f"iterations ({n} here) against {vi.iterations} value-iteration sweeps, but each "
        "iteration is a linear solve instead of one mat-vec."
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def rollout_frames(key: tuple, gamma: float, n: int, seed: int, outcome: str) -> list[dict]:
    """The first of the ``n`` episodes as player frames (the agent at each step t), drawn once:
    the browser plays them (plotly's own animation frames do not survive ``plot_player``)."""
    res = rollouts(key, gamma, n, seed)
    sol, ep = solve(key, gamma), res["episodes"]
    base = sol["v_star"] if sol["v_star"] is not None else sol["vi"].v
    title = (
        f"one greedy episode: {outcome} after {len(ep.path) - 1} steps, return "
        f"{ep.returns[0]:g} (press ▶)"
    )
    return F.rollout_frames(build_env(key), ep.path, base, res["policy"], title=title)


@st.fragment
@ui.guarded("the Rollouts view")
def rollouts_view(s: Setting) -> None:
    """Rollouts of the greedy policy of v* (a fragment: its controls rerun only it)."""
    mdp, gamma, env_key = s.mdp, s.gamma, s.env_key
    n = int(
        ui.url_select_slider(
            "Episodes for the success rate", "rl_n_episodes", [100, 1000, 10000], 1000
        )
    )
    new = st.button("New random episode", key="rl_new_episode")
    if new:
        st.session_state["rl_episode_seed"] = st.session_state.get("rl_episode_seed", 0) + 1
    seed = s.seed + st.session_state.get("rl_episode_seed", 0)
    res = rollouts(env_key, gamma, n, seed)
    ep = res["episodes"]
    rate = float(ep.success.mean())
    se = float(np.sqrt(max(rate * (1 - rate), 1e-12) / n))
    m1, m2, m3 = st.columns(3)
    m1.metric(f"success rate over {n:,} episodes", f"{rate:.3f} ± {1.96 * se:.3f}")
    m2.metric(f"exact, within {res['limit']} steps", f"{res['exact']:.4f}")
    m3.metric("exact, no step limit", f"{res['exact_unlimited']:.4f}")
    end = int(ep.path[-1])
    outcome = (
        "reached the goal"
        if mdp.goal[end]
        else "ended in a hole / pit"
        if mdp.terminal[end]
        else "hit the step limit"
    )
    frames = rollout_frames(env_key, gamma, n, seed, outcome)
    ui.plot_player(frames, [f"t = {t}" for t in range(len(frames))], key="rl_rollout",
                   frame_ms=250, height=int(frames[0]["layout"]["height"]))  # fmt: skip
    if s.env_name.startswith("FrozenLake"):
        notice = (
            "On slippery FrozenLake the optimal policy often walks *away* from the goal to "
            "stay clear of holes; on the 8×8 map at γ = 0.99 it reaches the goal in about 74 % "
            "of episodes within gymnasium's 100-step limit and about 82 % with no limit."
        )
    else:
        notice = (
            "The greedy policy of v* is rolled out in the model itself: with slips it "
            "sometimes ends in a hole, a pit or off the cliff, or runs out of steps, even "
            "though it is optimal."
        )
    ui.prose(
        f"**What to notice.** {notice} The Monte Carlo rate is checked against the exact "
        "probability from the Markov chain P_π."
    )
    ui.show_checks(
        [
            ui.Check(
                "|Monte Carlo success rate − exact probability| − 4 standard errors",
                abs(rate - res["exact"]) - 4 * se,
                0.0,
                f"exact = Σ over goal states of (P_πᵀ)^{res['limit']} e_start",
            )
        ]
    )
