"""§11 Gridworld RL: value iteration you can step, policy iteration, rollouts and tabular TD
learning on gymnasium's FrozenLake and CliffWalking and on an editable gridworld.

The page reads as its table of contents: the environment controls and cached solves
(ui/rl/common.py, the editable grid in ui/rl/grid_editor.py), then one fragment per view
(ui/rl/value_iteration.py, planning.py, model_free.py, cliff.py)."""

from __future__ import annotations

import streamlit as st

import ui
from core.rl import gridworlds as G
from ui.rl import cliff, model_free, planning, value_iteration
from ui.rl.common import Setting, build_env, env_controls, gamma_notes, solve, solver_warnings

ctx = ui.page(
    "Gridworld RL",
    "🧭",
    section="§11",
    intuition=(
        "An agent on a grid picks moves; the MDP's transition model P says where it may slip to "
        "and r what it earns. With the model known, **value iteration** applies the Bellman "
        "optimality operator 𝒯 until v stops changing: 𝒯 is a γ-contraction, so the error "
        "shrinks at least like γᵗ. **Policy iteration** alternates exact evaluation and greedy "
        "improvement. Without the model, **Monte Carlo, TD(0), SARSA and Q-learning** learn the "
        "same values from sampled transitions."
    ),
    equation=(
        r"(\mathcal{T}v)(s)=\max_{a}\Big\{r(s,a)+\gamma\sum_{s'}P(s'\mid s,a)\,v(s')\Big\},"
        r"\qquad \|v_t-v^*\|_\infty\le\gamma^t\|v_0-v^*\|_\infty"
    ),
)

VIEWS = {
    "Value iteration": value_iteration.view,
    "Policy iteration": planning.policy_iteration_view,
    "Rollouts": planning.rollouts_view,
    "Model-free learning": model_free.view,
    "Cliff: SARSA vs Q-learning": cliff.view,
}

env_name, env_key, gamma = env_controls()
try:
    mdp = build_env(env_key)
except G.GridError as e:
    st.error(f"This map is invalid: {e}")
    st.stop()
gamma_notes(gamma)

view = ui.url_radio("View", "rl_view", tuple(VIEWS), horizontal=True, label_visibility="collapsed")
s = Setting(env_name, env_key, gamma, mdp, solve(env_key, gamma), ctx.seed, ctx.device)
solver_warnings(s)
VIEWS[view](s)  # a fragment with its own error boundary: its controls rerun only it
