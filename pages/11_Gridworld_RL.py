"""§11 Gridworld RL: value iteration you can step, policy iteration, rollouts and tabular TD
learning on gymnasium's FrozenLake and CliffWalking and on an editable gridworld."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import ui
from core import gridworlds as G
from core import mdp as M
from core import rl_figures as F
from core import tabular_rl as T

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

VIEWS = (
    "Value iteration",
    "Policy iteration",
    "Rollouts",
    "Model-free learning",
    "Cliff: SARSA vs Q-learning",
)
VI_MAX_ITER = 5000
STEP_ENV_STEPS = 600_000  # env steps (all seeds) one Step click may run: ~2 s at ~3 us/step
CHUNK_ENV_STEPS = 30_000  # env steps per live-training chunk: ~0.1 s
GRID_KEY, GRID_VER = "rl_grid_cells", "rl_grid_version"
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


# ----------------------------------------------------------------------------- cached model work
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


@st.cache_data(show_spinner=False, max_entries=32)
def contraction_ratio(key: tuple, gamma: float, seed: int) -> float:
    """max ||T u - T w|| / ||u - w|| over random value pairs (must be <= gamma)."""
    mdp = build_env(key)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(20):
        u, w = rng.normal(size=(2, mdp.n_states)) * 10
        num = np.abs(M.bellman_optimality(mdp, u, gamma) - M.bellman_optimality(mdp, w, gamma))
        worst = max(worst, num.max() / np.abs(u - w).max())
    return worst


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


@st.cache_resource(
    show_spinner="Running SARSA and Q-learning on CliffWalking (cached)…", max_entries=4
)
def cliff_runs(n_seeds: int, seed: int) -> dict:
    return T.cliff_experiment(n_seeds=n_seeds, episodes=500, seed=seed)


# ----------------------------------------------------------------------------- environment
def grid_editor(slip: float, step_reward: float, r_cells: float) -> tuple:
    """The editable grid: a cell table (click a cell, type a code) plus a text form."""
    if GRID_KEY not in st.session_state:  # the URL's map (rows '/', cells ',') or the default
        raw = st.query_params.get("rl_grid")
        cells = G.default_grid()
        if raw and len(raw) <= 4 * G.MAX_GRID**2 * 4:
            cells = tuple(tuple(c for c in row.split(",")) for row in raw.split("/"))
        st.session_state[GRID_KEY] = cells
        st.session_state[GRID_VER] = 0

    def as_text(cells) -> str:
        return "\n".join(" ".join(r) for r in cells)

    def set_cells(cells, sync_text: bool = True):
        st.session_state[GRID_KEY] = tuple(tuple(r) for r in cells)
        st.session_state[GRID_VER] += 1
        if sync_text:
            st.session_state["rl_grid_text"] = as_text(cells)

    def from_text():
        lines = [ln for ln in st.session_state["rl_grid_text"].strip().splitlines() if ln.strip()]
        set_cells(
            [ln.split() if " " in ln.strip() else list(ln.strip()) for ln in lines], sync_text=False
        )

    cells = st.session_state[GRID_KEY]
    ver = st.session_state[GRID_VER]
    b1, b2, b3, b4 = st.columns([1, 1, 1, 2])
    # the size boxes show the current map's size (keyed by the map's version)
    h0 = min(max(len(cells), 2), G.MAX_GRID)
    w0 = min(max(max((len(r) for r in cells), default=2), 2), G.MAX_GRID)
    if st.session_state.get("rl_grid_size_ver") != ver:  # a new map: the boxes follow it
        st.session_state["rl_grid_size_ver"] = ver
        st.session_state["rl_grid_h"], st.session_state["rl_grid_w"] = h0, w0
    b1.number_input("rows", 2, G.MAX_GRID, key="rl_grid_h")
    b2.number_input("columns", 2, G.MAX_GRID, key="rl_grid_w")
    b3.button(
        "Blank grid",
        key="rl_grid_blank",  # the boxes' values at click time, not at the last rerun
        on_click=lambda: set_cells(
            G.blank_grid(int(st.session_state["rl_grid_h"]), int(st.session_state["rl_grid_w"]))
        ),
    )
    b4.button("Default world", key="rl_grid_default", on_click=lambda: set_cells(G.default_grid()))
    width = max(len(r) for r in cells) if cells else 0
    shown = pd.DataFrame(
        [list(r) + [""] * (width - len(r)) for r in cells], columns=[str(j) for j in range(width)]
    )
    g1, g2 = st.columns([3, 2])
    with g1:
        edited = st.data_editor(
            shown,
            key=f"rl_grid_editor_{st.session_state[GRID_VER]}",
            num_rows="fixed",
            width="content",
        )
    if not edited.equals(shown):  # the user typed into a cell
        cells = tuple(
            tuple("." if c is None or str(c).strip() == "" else str(c).strip() for c in row)
            for row in edited.itertuples(index=False)
        )
        st.session_state[GRID_KEY] = cells
        st.session_state["rl_grid_text"] = as_text(cells)
    if "rl_grid_text" not in st.session_state:
        st.session_state["rl_grid_text"] = as_text(cells)
    with g2:  # the same map as text: one row per line, cells separated by spaces
        st.text_area("as text (one row per line)", key="rl_grid_text", height=160)
        st.button("Apply text", key="rl_grid_apply", on_click=from_text)
    st.caption(" · ".join(f"`{k}` {v}" for k, v in G.CELL_CODES.items()))
    ui.prose(
        "Click a cell and type a code (or edit the text). In the default world, drag "
        "**Reward of the R cells** from −1 to 0 and watch the policy switch from the detour "
        "over the top to the corridor; above 0 it farms the R cells instead of finishing "
        "(and at γ = 1 value iteration no longer converges)."
    )
    url = "/".join(",".join(r) for r in cells)
    if st.query_params.get("rl_grid") != url:
        st.query_params["rl_grid"] = url  # bookmarkable edited map
    return (tuple(tuple(r) for r in cells), slip, step_reward, r_cells)


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
            p_frozen = float(ui.url_slider("P(frozen cell)", "rl_map_p", 0.5, 0.95, 0.8, step=0.05))
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

env_key = (env_name, bool(slippery), size, p_frozen, map_seed, grid)
try:
    mdp = build_env(env_key)
except G.GridError as e:
    st.error(f"This map is invalid: {e}")
    st.stop()

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

view = ui.url_radio("View", "rl_view", VIEWS, horizontal=True, label_visibility="collapsed")
sol = solve(env_key, gamma)
vi, v_star = sol["vi"], sol["v_star"]
if not vi.converged:
    st.warning(
        f"Value iteration did not converge within {VI_MAX_ITER:,} iterations at γ = "
        f"{gamma:g} (Bellman residual still {vi.residuals[-1]:.3g}): with γ = 1 and a "
        "reward the agent can collect forever, values grow without bound. Lower γ or "
        "remove the loop."
    )
if sol["pi_error"]:
    st.warning(f"Policy iteration stopped: {sol['pi_error']}")


# ----------------------------------------------------------------------------- views
@st.cache_resource(show_spinner="Drawing the value-iteration sweeps…", max_entries=16)
def vi_frames(key: tuple, gamma: float) -> tuple[list[dict], list[str], list[int]]:
    """Frames v_t (heatmap + greedy arrows) for t = 0..30 one by one, then ~30 log-spaced
    sweeps up to convergence; played and scrubbed in the browser (``ui.plot_player``)."""
    mdp = build_env(key)
    sol = solve(key, gamma)
    vi = sol["vi"]
    T_ = vi.iterations
    ts = list(range(min(T_, 30) + 1))
    if T_ > 30:
        ts += sorted(set(np.geomspace(31, T_, 30).round().astype(int).tolist()) - set(ts))
    keep = ~mdp.terminal
    hist = vi.history[:, keep] if keep.any() else vi.history
    lo, hi = (float(np.nanmin(hist)), float(np.nanmax(hist))) if keep.any() else (0.0, 1.0)
    values = [vi.history[t] for t in ts]
    policies = [M.greedy_actions(mdp, v, gamma) for v in values]  # (S, A): ties show all arrows
    errors = sol.get("errors")
    titles = [
        f"v_{t}, greedy π" + (f" · error {errors[t]:.1e}" if errors is not None else "") for t in ts
    ]
    frames = F.value_frames(mdp, values, policies, titles, zrange=(lo, hi))
    return frames, [f"t = {t} / {T_}" for t in ts], ts


def view_value_iteration():
    T_ = vi.iterations
    frames, labels, ts = vi_frames(env_key, gamma)
    try:  # a bookmarked starting sweep (?rl_vi_step=5); the player owns the position after
        want = int(st.query_params.get("rl_vi_step", 0))
    except ValueError:
        want = 0
    active = min(range(len(ts)), key=lambda i: abs(ts[i] - want))
    st.caption(
        f"**{T_:,}** sweeps to converge · final Bellman residual "
        + (f"{vi.residuals[-1]:.1e}" if T_ else "–")
        + (f" · ‖v₀ − v*‖∞ = {sol['errors'][0]:.2e}" if v_star is not None else "")
    )
    c1, c2 = st.columns([1, 1])
    with c1:
        ui.plot_player(frames, labels, key="rl_vi_player", active=active, frame_ms=300,
                       height=int(frames[0]["layout"].get("height", 450)))  # fmt: skip
        st.caption(
            "▶ plays the sweeps t = 0, 1, 2, … one by one (then log-spaced), in the browser."
        )
    with c2:
        ui.figure(
            F.convergence_plot(vi.residuals, sol.get("errors"), sol.get("bound")),
            key="rl_vi_conv",
        )
    ui.prose(
        "**What to notice.** The error ‖v_t − v*‖∞ stays under the dashed contraction "
        "bound γᵗ‖v₀ − v*‖∞ and falls on a straight line on the log axis (linear "
        "convergence). The arrows usually settle long before the values do: the greedy "
        "policy is optimal well before the residual is tiny. Lower γ and the line gets "
        "steeper; at γ = 0 it is done after one step."
    )
    checks = [
        ui.Check(
            "𝒯 is a γ-contraction: max ‖𝒯u − 𝒯w‖ / ‖u − w‖ − γ, 20 random pairs",
            contraction_ratio(env_key, gamma, ctx.seed) - gamma,
            1e-12,
        )
    ]
    if v_star is not None:
        checks.append(
            ui.Check(
                "‖v_t − v*‖∞ − γᵗ‖v₀ − v*‖∞, max over t (≤ 0: the bound holds)",
                float((sol["errors"] - sol["bound"]).max()),
                1e-9,
                "notes §11 contraction argument",
            )
        )
        err = sol["errors"]  # ||v_t - v*||_inf from the stored sweeps, t = 0..T
        checks.append(
            ui.Check(
                "dashed bound vs γᵗ·‖v₀ − v*‖∞ recomputed from v₀ (max |Δ|): not a looser line",
                float(np.abs(sol["bound"] - gamma ** np.arange(len(err)) * err[0]).max()),
                1e-9 * max(1.0, float(err[0])),
            )
        )
        checks.append(
            ui.Check(
                "each sweep contracts: max over t of ‖v_{t+1} − v*‖∞ − γ‖v_t − v*‖∞ (≤ 0)",
                float((err[1:] - gamma * err[:-1]).max()) if len(err) > 1 else 0.0,
                1e-9 * max(1.0, float(err[0])),
            )
        )
    if sol["exact_gap"] is not None:
        checks.append(
            ui.Check(
                "value iteration v vs exact linear solve of v_π (π greedy)",
                sol["exact_gap"],
                1e-6,
                "(I − γP_π) v_π = r_π",
            )
        )
    if sol["pi"] is not None:
        checks.append(
            ui.Check(
                "value iteration vs policy iteration: max |Δv|",
                float(np.abs(vi.v - sol["pi"].v).max()),
                1e-6,
            )
        )
    ui.show_checks(checks)


def view_policy_iteration():
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
    c1, c2 = st.columns(2)
    start = "uniform random π₀" if k == 1 else f"π_{k - 1}"
    with c1:
        ui.figure(
            F.value_heatmap(
                mdp, pi.values[k - 1], None, title=f"evaluation: v of {start} (exact linear solve)"
            ),
            key="rl_pi_eval",
        )
    with c2:
        ui.figure(
            F.value_heatmap(
                mdp,
                pi.values[k - 1],
                pi.policies[k - 1],
                title=f"improvement: greedy π_{k} w.r.t. it",
            ),
            key="rl_pi_imp",
        )
    ui.prose(
        "**What to notice.** Algorithm 5 starts from the uniform random policy, solves "
        "(I − γP_π)v = r_π exactly, and acts greedily. It needs only a handful of "
        f"iterations ({n} here) against {vi.iterations} value-iteration sweeps, but each "
        "iteration is a linear solve instead of one mat-vec."
    )


def view_rollouts():
    n = int(
        ui.url_select_slider(
            "Episodes for the success rate", "rl_n_episodes", [100, 1000, 10000], 1000
        )
    )
    new = st.button("New random episode", key="rl_new_episode")
    if new:
        st.session_state["rl_episode_seed"] = st.session_state.get("rl_episode_seed", 0) + 1
    seed = ctx.seed + st.session_state.get("rl_episode_seed", 0)
    res = rollouts(env_key, gamma, n, seed)
    ep = res["episodes"]
    rate = float(ep.success.mean())
    se = float(np.sqrt(max(rate * (1 - rate), 1e-12) / n))
    m1, m2, m3 = st.columns(3)
    m1.metric(f"success rate over {n:,} episodes", f"{rate:.3f} ± {1.96 * se:.3f}")
    m2.metric(f"exact, within {res['limit']} steps", f"{res['exact']:.4f}")
    m3.metric("exact, no step limit", f"{res['exact_unlimited']:.4f}")
    base = v_star if v_star is not None else vi.v
    end = int(ep.path[-1])
    outcome = (
        "reached the goal"
        if mdp.goal[end]
        else "ended in a hole / pit"
        if mdp.terminal[end]
        else "hit the step limit"
    )
    ui.figure(
        F.rollout_animation(
            mdp,
            ep.path,
            base,
            res["policy"],
            title=f"one greedy episode: {outcome} after {len(ep.path) - 1} "
            f"steps, return {ep.returns[0]:g} (press ▶ play)",
        ),
        key="rl_rollout",
    )
    if env_name.startswith("FrozenLake"):
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


def view_model_free():
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
        seed=ctx.seed,
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
                    F.learning_curves(
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
                        F.value_scatter(V[mask], v_ref[mask], xlabel=label), key="rl_mf_scatter"
                    )
            if v_ref is not None:
                ui.figure(
                    F.learning_curves(
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
        return T.TabularLearner(mdp, cfg, v_ref, target_pi, device=ctx.device)

    # Keep one Step click (~2 s) and one live chunk (~0.1 s) bounded: the uniform random policy
    # on CliffWalking wanders ~5,000 steps per episode, so 1,000 episodes x 20 seeds would be
    # ~1e8 environment steps (minutes) in one click.
    live = st.session_state.get("rl_live")
    probe = live.stepper if live is not None and live.signature == (env_key, cfg) else make()
    batch = n_seeds * probe.expected_episode_steps()  # env steps per episode, all seeds
    per_step = max(1, min(per_click, int(STEP_ENV_STEPS // batch)))
    if per_step < per_click:
        st.info(
            f"Episodes here last about {batch / n_seeds:,.0f} steps, so ⏭ Step runs "
            f"{per_step:,} episode(s) per seed instead of {per_click:,} to stay responsive; "
            "▶ Play keeps going."
        )
    ui.live_training(
        "rl_live",
        make,
        signature=(env_key, cfg),
        render=render,
        steps_per_click=per_step,
        chunk=max(1, min(per_step, 50, int(CHUNK_ENV_STEPS // batch) // 4)),
        max_steps=100_000,
        snapshot=snapshot,
        frames_per_tick=6,
        frame_ms=100,
        tick_budget_s=0.4,
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


def view_cliff():
    n_seeds = int(ui.url_select_slider("Independent runs", "rl_cliff_seeds", [10, 20, 50], 20))
    runs = cliff_runs(n_seeds, ctx.seed)
    curves = {m: runs[m].curves()["return"] for m in T.CONTROL}
    st.caption(
        "Sum of rewards per episode, 10-episode moving average, mean ± sd over runs; "
        "dashed: the values read off the book's Figure 6.4."
    )
    ui.figure(
        F.learning_curves(
            curves,
            smooth=10,
            ylabel="sum of rewards",
            yrange=(-100, 0),
            references={
                f"book {m} ≈ {T.BOOK_EXAMPLE_6_6[m]:g}": T.BOOK_EXAMPLE_6_6[m] for m in T.CONTROL
            },
        ),
        key="rl_cliff_curves",
    )
    rows = []
    for m in T.CONTROL:
        per_seed = curves[m][:, 99:500].mean(1)
        rows.append(
            {
                "method": m,
                "ours: mean return, episodes 100–500": f"{per_seed.mean():.1f} ± "
                f"{per_seed.std():.1f} (sd over {n_seeds} runs)",
                "Sutton & Barto Fig. 6.4 (read off)": f"≈ {T.BOOK_EXAMPLE_6_6[m]:g}",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    cliff = runs["SARSA"].mdp
    for m in ("SARSA", "Q-learning"):
        Q = runs[m].Q.mean(0)
        path = T.greedy_path(cliff, Q)
        ui.figure(
            F.value_heatmap(
                cliff,
                Q.max(1),
                T.greedy_from_q(Q),
                show_values=False,
                path=path,
                colorbar_title="max Q",
                title=f"{m}: greedy path, {len(path) - 1} steps (Q averaged over runs)",
            ),
            key=f"rl_cliff_{m}",
        )
    ui.prose(
        "**What to notice.** ε = 0.1, α = 0.5, γ = 1, as in Sutton & Barto Example 6.6. "
        "Q-learning learns the optimal path along the cliff edge but, exploring with ε, "
        "falls off now and then: its online return is worse. SARSA learns the value of the "
        "ε-greedy policy it actually follows and takes a safer path further from the edge."
    )


@st.fragment
def show_view() -> None:
    """The chosen view as a fragment: its own controls rerun only it."""
    with ui.error_boundary(f"the {view} view"):
        {
            VIEWS[0]: view_value_iteration,
            VIEWS[1]: view_policy_iteration,
            VIEWS[2]: view_rollouts,
            VIEWS[3]: view_model_free,
            VIEWS[4]: view_cliff,
        }[view]()


show_view()
