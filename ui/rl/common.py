"""Shared parts of the Gridworld RL views: the environment controls (every one mirrored in the
URL), the cached model work (environment, value/policy iteration) and the ``Setting`` the views
read, so each view is a fragment that reruns without rebuilding any of it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import ui
from core.rl import gridworlds as G
from core.rl import mdp as M
from ui.rl.grid_editor import grid_editor

VI_MAX_ITER = 5000


@dataclass(frozen=True)
class Setting:
    """What every view reads: the environment (by its cache key), γ and the solved MDP."""

    env_name: str
    env_key: tuple
    gamma: float
    mdp: M.MDP
    sol: dict
    seed: int
    device: object

    @property
    def vi(self):
        return self.sol["vi"]

    @property
    def v_star(self):
        return self.sol["v_star"]


@st.cache_resource(show_spinner=False, max_entries=64)
def build_env(key: tuple) -> M.MDP:
    name, slippery, size, p, seed, grid = key
    if name == "Editable gridworld":
        return G.parse_grid(G.GridSpec(*grid))
    return G.make_env(name, slippery=slippery, size=size, p=p, seed=seed)


@st.cache_resource(show_spinner=False, max_entries=24)  # each holds a VI history (T+1, S)
def solve(key: tuple, gamma: float) -> dict:
    """VI with history, PI (or why it failed), the reference v* and the convergence curves."""
    mdp = build_env(key)
    vi = M.value_iteration(mdp, gamma, tol=1e-10, max_iter=VI_MAX_ITER)
    out = {"vi": vi, "pi": None, "pi_error": None, "v_star": None, "exact_gap": None}
    try:
        out["pi"] = M.policy_iteration(mdp, gamma)
    except M.NonTerminatingPolicyError as e:
        out["pi_error"] = str(e)
    if out["pi"] is not None:
        out["v_star"] = out["pi"].v
    elif vi.converged:
        out["v_star"] = vi.v
    v_star = out["v_star"]
    if v_star is not None:
        out["errors"] = np.abs(vi.history - v_star).max(1)
        out["bound"] = M.contraction_bound(vi.history[0], v_star, gamma, vi.iterations)
        out["policy"] = out["pi"].policy if out["pi"] is not None else vi.policy
        try:  # exact solve of v_pi for VI's greedy policy: must equal v*
            out["exact_gap"] = float(
                np.abs(M.policy_evaluation(mdp, vi.policy, gamma) - vi.v).max()
            )
        except M.NonTerminatingPolicyError as e:
            out["exact_error"] = str(e)
    return out


def grid_chart(fig: dict, *, key: str) -> None:
    """A figure in plotly's JSON form (the grids of ``core.rl.figures``, cached curves) as a
    one-frame player: it stays mounted and is updated in place, like ``ui.figure``, without
    building or serialising a ``go.Figure`` on the rerun."""
    ui.plot_player([fig], [""], key=key, controls=False, height=int(fig["layout"]["height"]))


def env_controls() -> tuple[str, tuple, float]:
    """The top row (environment, γ and the environment's own knobs): (name, cache key, γ)."""
    top = st.columns([2, 1, 1, 1])
    with top[0]:
        env_name = ui.url_selectbox("Environment", "rl_env", list(G.ENVIRONMENTS))
    with top[1]:
        gamma = float(ui.url_slider("Discount γ", "rl_gamma", 0.0, 1.0, 0.99, step=0.01))
    slippery, size, p_frozen, map_seed, grid = True, 8, 0.8, 0, None
    if env_name.startswith("FrozenLake"):
        with top[2]:
            slippery = ui.url_checkbox("Slippery ice", "rl_slippery", True)
        if env_name == "FrozenLake random map":
            with top[3]:
                map_seed = int(ui.url_number("Map seed", "rl_map_seed", 0, 10_000, 0, step=1))
            c1, c2 = st.columns(2)
            with c1:
                size = int(ui.url_slider("Map size", "rl_map_size", 4, 12, 8))
            with c2:
                p_frozen = float(
                    ui.url_slider("P(frozen cell)", "rl_map_p", 0.5, 0.95, 0.8, step=0.05)
                )
    elif env_name == "Editable gridworld":
        with top[2]:
            slip = float(ui.url_slider("Slip probability", "rl_slip", 0.0, 1.0, 0.1, step=0.05))
        with top[3]:
            step_reward = float(
                ui.url_slider("Reward per step", "rl_step_reward", -1.0, 1.0, -0.04, step=0.01)
            )
        e1, e2 = st.columns([2, 3])
        with e1:
            r_cells = float(
                ui.url_slider(
                    "Reward of the R cells",
                    "rl_r_cells",
                    -5.0,
                    5.0,
                    -1.0,
                    step=0.25,
                    help="live reward editing: watch the policy reroute",
                )
            )
        with e2, st.expander("Edit the grid", icon=":material/edit:", expanded=False):
            grid = grid_editor(slip, step_reward, r_cells)
    return env_name, (env_name, bool(slippery), size, p_frozen, map_seed, grid), gamma


def gamma_notes(gamma: float) -> None:
    """What the two edge cases of γ mean, shown above the views."""
    if gamma == 0.0:
        st.info(
            "γ = 0: only the immediate reward counts. v* = maxₐ r(s, a) after one step of value "
            "iteration, and the greedy policy is myopic (it cannot plan a path to a distant goal)."
        )
    elif gamma == 1.0:
        st.info(
            "γ = 1: 𝒯 is no longer a strict contraction. Value iteration still converges when "
            "every good policy terminates, but a policy that never terminates has no finite v_π "
            "and the exact linear solve I − P_π is singular; such cases are reported below."
        )


def solver_warnings(s: Setting) -> None:
    """Value iteration that did not converge, policy iteration that could not run."""
    if not s.vi.converged:
        st.warning(
            f"Value iteration did not converge within {VI_MAX_ITER:,} iterations at γ = "
            f"{s.gamma:g} (Bellman residual still {s.vi.residuals[-1]:.3g}): with γ = 1 and a "
            "reward the agent can collect forever, values grow without bound. Lower γ or "
            "remove the loop."
        )
    if s.sol["pi_error"]:
        st.warning(f"Policy iteration stopped: {s.sol['pi_error']}")
