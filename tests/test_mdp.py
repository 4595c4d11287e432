"""Dynamic programming (notes §11) against references: the contraction property on random MDPs,
value iteration == policy iteration == exact linear solve, and published FrozenLake values."""

import numpy as np
import pytest

from core.rl import gridworlds as G
from core.rl import mdp as M


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99, 1.0])
def test_bellman_operator_is_gamma_contraction_and_monotone(seed, gamma):
    mdp = M.random_mdp(n_states=30, n_actions=4, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        u, w = rng.normal(size=(2, mdp.n_states)) * 5
        lhs = np.abs(M.bellman_optimality(mdp, u, gamma) - M.bellman_optimality(mdp, w, gamma))
        assert lhs.max() <= gamma * np.abs(u - w).max() + 1e-12
        hi = u + np.abs(rng.normal(size=mdp.n_states))  # u <= hi  =>  T u <= T hi
        assert (
            M.bellman_optimality(mdp, u, gamma) <= M.bellman_optimality(mdp, hi, gamma) + 1e-12
        ).all()


def test_operator_matches_dense_tensor_formula():
    mdp = M.random_mdp(25, 3, seed=7)
    v = np.random.default_rng(0).normal(size=25)
    r = (mdp.prob * mdp.reward).sum(-1)
    ref = (r + 0.9 * np.einsum("sat,t->sa", mdp.P, v)).max(1)
    assert np.allclose(M.bellman_optimality(mdp, v, 0.9), ref, atol=1e-12)
    assert np.allclose(mdp.P.sum(-1), 1.0) and np.allclose(mdp.r, r)


@pytest.mark.parametrize("seed", range(4))
def test_vi_equals_pi_equals_exact_solve_random(seed):
    mdp = M.random_mdp(40, 4, seed=seed)
    vi = M.value_iteration(mdp, 0.9, tol=1e-12)
    pi = M.policy_iteration(mdp, 0.9)
    exact = M.policy_evaluation(mdp, pi.policy, 0.9)
    assert vi.converged
    assert np.abs(vi.v - pi.v).max() < 1e-9
    assert np.abs(exact - vi.v).max() < 1e-9
    # v* is the fixed point of T
    assert np.abs(M.bellman_optimality(mdp, pi.v, 0.9) - pi.v).max() < 1e-9
    # error history obeys ||v_t - v*|| <= gamma^t ||v_0 - v*||, the theorem's bound exactly
    err = np.abs(vi.history - pi.v).max(1)
    bound = M.contraction_bound(vi.history[0], pi.v, 0.9, vi.iterations)
    assert bound == pytest.approx([0.9**t * err[0] for t in range(vi.iterations + 1)], rel=1e-12)
    assert (err <= bound + 1e-9).all()
    # and the stronger step-wise form ||v_{t+1} - v*|| <= gamma ||v_t - v*||
    assert (err[1:] <= 0.9 * err[:-1] + 1e-9).all()


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.99])
def test_contraction_bound_is_attained(gamma):
    """One live state with a self-loop of reward 1 (both actions) and an absorbing state: from
    v_0 = 0, v_t = (1 - gamma^t)/(1 - gamma), so ||v_t - v*|| = gamma^t ||v_0 - v*|| with
    equality. The bound must equal the error at every t: a looser bound (gamma^(t-1), an extra
    1/(1 - gamma) factor) fails the equality, a too tight one (gamma^(t+1)) fails err <= bound."""
    nxt = np.array([[[0], [0]], [[1], [1]]])  # (S, A, K)
    prob = np.ones((2, 2, 1))
    rew = np.array([[[1.0], [1.0]], [[0.0], [0.0]]])
    term = np.array([False, True])
    mdp = M.MDP("loop", ("S.",), nxt, prob, rew, term, np.zeros(2, dtype=bool), 0)
    vi = M.value_iteration(mdp, gamma, tol=1e-300, max_iter=60)
    v_star = np.array([1 / (1 - gamma), 0.0])
    err = np.abs(vi.history - v_star).max(1)
    bound = M.contraction_bound(vi.history[0], v_star, gamma, len(err) - 1)
    np.testing.assert_allclose(err, bound, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bound, gamma ** np.arange(len(err)) / (1 - gamma), rtol=1e-12)


@pytest.mark.parametrize(
    "name,gamma",
    [
        ("FrozenLake 8×8", 0.99),
        ("CliffWalking", 0.9),
        ("CliffWalking", 1.0),
        ("Editable gridworld", 0.95),
    ],
)
def test_vi_equals_pi_equals_exact_solve_envs(name, gamma):
    mdp = G.make_env(name)
    vi = M.value_iteration(mdp, gamma, tol=1e-11)
    pi = M.policy_iteration(mdp, gamma)
    assert vi.converged
    assert np.abs(vi.v - pi.v).max() < 1e-7
    assert np.abs(M.policy_evaluation(mdp, vi.policy, gamma) - vi.v).max() < 1e-7
    assert pi.iterations < vi.iterations


def _naive_gym_vi(env, gamma, tol=1e-12):
    """Reference: value iteration straight on gymnasium's P dict, gym's own action codes."""
    P = env.unwrapped.P
    S, A = len(P), len(P[0])
    v = np.zeros(S)
    while True:
        q = np.array(
            [
                [
                    sum(p * (r + gamma * (0.0 if d else v[s2])) for p, s2, r, d in P[s][a])
                    for a in range(A)
                ]
                for s in range(S)
            ]
        )
        v_new = q.max(1)
        if np.abs(v_new - v).max() < tol:
            return v_new
        v = v_new


@pytest.mark.parametrize("map_name", ["4x4", "8x8"])
def test_frozenlake_matches_gymnasium_reference(map_name):
    import gymnasium as gym

    env = gym.make("FrozenLake-v1", map_name=map_name, is_slippery=True)
    ref = _naive_gym_vi(env, 0.95, tol=1e-10)
    ours = M.value_iteration(G.frozen_lake(map_name, True), 0.95, tol=1e-12).v
    # gym stores terminal states with value 0 too
    assert np.abs(ours - ref).max() < 1e-8


def test_frozenlake_published_values():
    fl = G.frozen_lake("4x4", slippery=True)
    vi = M.value_iteration(fl, 0.99, tol=1e-12)
    assert vi.v[fl.start] == pytest.approx(0.542, abs=1e-3)
    # the optimal policy's success probability: ~0.74 within gymnasium's 100-step limit,
    # 14/17 = 0.8235 with no limit
    assert M.success_probability(fl, vi.policy, 100) == pytest.approx(0.74, abs=2e-3)
    assert M.success_probability(fl, vi.policy) == pytest.approx(14 / 17, abs=1e-6)


@pytest.mark.slow
def test_frozenlake_success_rate_monte_carlo():
    fl = G.frozen_lake("4x4", slippery=True)
    pi = M.policy_iteration(fl, 0.99).policy
    ep = M.run_episodes(fl, pi, 20_000, seed=1)
    exact = M.success_probability(fl, pi, 100)
    se = np.sqrt(exact * (1 - exact) / 20_000)
    assert abs(ep.success.mean() - exact) < 4 * se
    assert abs(ep.success.mean() - 0.74) < 0.02
    assert ep.lengths.max() <= 100


def test_action_codes_are_mapped():
    cliff = G.cliff_walking()
    up, right = M.ACTIONS.index("up"), M.ACTIONS.index("right")
    s0 = cliff.start
    assert s0 == 36 and cliff.next_state[s0, up, 0] == 24 and cliff.reward[s0, up, 0] == -1
    assert cliff.next_state[s0, right, 0] == 36 and cliff.reward[s0, right, 0] == -100
    fl = G.frozen_lake("4x4", slippery=False)
    down = M.ACTIONS.index("down")
    assert fl.next_state[0, down, 0] == 4 and fl.next_state[0, right, 0] == 1
    # CliffWalking optimum at gamma = 1: 13 steps along the edge
    assert M.value_iteration(cliff, 1.0).v[s0] == pytest.approx(-13.0)


def test_gamma_zero_and_one():
    fl = G.frozen_lake("4x4", slippery=True)
    vi0 = M.value_iteration(fl, 0.0)
    assert np.allclose(vi0.v, fl.r.max(1)) and vi0.iterations <= 2
    # gamma = 1: a policy that bumps into the top-left corner forever on non-slippery ice
    det = G.frozen_lake("4x4", slippery=False)
    left = np.full(det.n_states, M.ACTIONS.index("left"))
    with pytest.raises(M.NonTerminatingPolicyError, match="singular"):
        M.policy_evaluation(det, left, 1.0)
    assert np.isfinite(M.policy_evaluation(det, left, 0.9)).all()
    # a positive reward the agent can collect forever: value iteration does not converge
    loop = G.parse_grid(G.GridSpec((("S", "1"), (".", "G"))))
    vi = M.value_iteration(loop, 1.0, max_iter=300)
    assert not vi.converged and vi.v[loop.start] > 100
    with pytest.raises(ValueError):
        M.value_iteration(fl, 1.5)


@pytest.mark.parametrize(
    "cells,match",
    [
        ((".", ".", "G"), "no start"),
        (("S", "S", "G"), "2 start"),
        (("S", "#", "G"), "No terminal"),
        (("S", "500", "G"), "out of range"),
        (("S", "?", "G"), "unknown code"),
        (("S", "Gx", "G"), "cannot read"),
    ],
)
def test_grid_validation(cells, match):
    with pytest.raises(G.GridError, match=match):
        G.parse_grid(G.GridSpec((cells,)))


def test_grid_other_errors_and_semantics():
    with pytest.raises(G.GridError, match="same number"):
        G.parse_grid(G.GridSpec((("S", "G"), ("."))))
    with pytest.raises(G.GridError, match="empty"):
        G.parse_grid(G.GridSpec(()))
    g = G.parse_grid(G.GridSpec((("S", "R", "G=3"),), slip=0.0, step_reward=-0.5, r_cells=-2))
    right = M.ACTIONS.index("right")
    assert g.reward[0, right, 0] == pytest.approx(-2.5)  # step + entering R
    assert g.reward[1, right, 0] == pytest.approx(2.5)  # step + goal reward 3
    assert np.allclose(g.prob.sum(-1), 1.0)
    slip = G.parse_grid(G.GridSpec((("S", ".", "G"),), slip=0.4))
    assert slip.prob[0, 0].tolist() == pytest.approx([0.6, 0.2, 0.2])


def test_random_maps_are_seeded():
    a = G.frozen_lake("random", True, size=6, p=0.8, seed=3)
    b = G.frozen_lake("random", True, size=6, p=0.8, seed=3)
    c = G.frozen_lake("random", True, size=6, p=0.8, seed=4)
    assert a.desc == b.desc and a.desc != c.desc and len(a.desc) == 6
    assert M.value_iteration(a, 0.99).v[a.start] > 0  # a path to the goal exists


def test_registry_fails_loudly():
    with pytest.raises(ValueError, match="unknown environment"):
        G.make_env("Taxi")


def test_large_grid_sparse_path():
    big = G.grid_mdp(G.random_walls_grid(60, seed=1))
    assert not isinstance(big.P_flat, np.ndarray)  # sparse operator above DENSE_MAX_STATES
    vi = M.value_iteration(big, 0.95, tol=1e-10, keep_history=False)
    assert vi.converged and vi.history is None
    assert np.abs(M.policy_evaluation(big, vi.policy, 0.95) - vi.v).max() < 1e-7


def test_greedy_actions_mark_ties():
    fl = G.frozen_lake("4x4", slippery=False)
    ties = M.greedy_actions(fl, np.zeros(fl.n_states), 0.9)
    assert ties[fl.start].all()  # v = 0: every action is greedy
    vi = M.value_iteration(fl, 0.9)
    ties = M.greedy_actions(fl, vi.v, 0.9)
    assert ties[np.arange(fl.n_states), vi.policy].all()
    assert ties[fl.start].sum() == 2  # right and down are both optimal


def _greedy_rows(mdp, policy, steps=30):
    s, rows = mdp.start, []
    for _ in range(steps):
        if mdp.terminal[s]:
            break
        s = int(mdp.next_state[s, policy[s], 0])  # the intended move
        rows.append(s // mdp.shape[1])
    return rows, bool(mdp.goal[s])


def test_live_reward_edit_reroutes_the_policy():
    grid = G.default_grid()
    detour = G.parse_grid(G.GridSpec(grid, slip=0.1, step_reward=-0.04, r_cells=-1.0))
    rows, ok = _greedy_rows(detour, M.value_iteration(detour, 0.95).policy)
    assert ok and min(rows) == 0  # round the top, away from the pit
    cut = G.parse_grid(G.GridSpec(grid, slip=0.1, step_reward=-0.04, r_cells=0.0))
    rows, ok = _greedy_rows(cut, M.value_iteration(cut, 0.95).policy)
    assert ok and set(rows) == {2}  # straight through the R corridor
    farm = G.parse_grid(G.GridSpec(grid, slip=0.1, step_reward=-0.04, r_cells=1.0))
    rows, ok = _greedy_rows(farm, M.value_iteration(farm, 0.95).policy)
    assert not ok  # collects R rewards instead of finishing


def test_grid_figures_are_valid_plotly_json():
    """core.rl.figures builds plain dicts without plotly's validation: check that plotly accepts
    every one (a misspelt attribute would otherwise only show as a blank chart)."""
    import plotly.graph_objects as go

    from core.rl import figures as F

    for name in G.ENVIRONMENTS:
        mdp = G.make_env(name, slippery=True, size=8, p=0.8, seed=0)
        vi = M.value_iteration(mdp, 0.99, tol=1e-10, max_iter=5000)
        greedy = M.greedy_actions(mdp, vi.v, 0.99)
        frames = F.value_frames(mdp, [vi.history[0], vi.v], [greedy, greedy], ["a", "b"], (0, 1))
        rollout = F.rollout_frames(mdp, np.array([0, 1, 2]), vi.v, vi.policy, title="x")
        figs = [
            F.value_heatmap(mdp, vi.v, vi.policy, title="t", path=[0, 1], agent=2),
            F.q_arrows(mdp, np.random.default_rng(0).random((mdp.n_states, mdp.n_actions))),
            *({"data": f["data"], "layout": frames[0]["layout"]} for f in frames),
            *({"data": f["data"], "layout": rollout[0]["layout"]} for f in rollout),
        ]
        for fig in figs:
            go.Figure(fig)  # raises on an unknown attribute or a bad value
        assert {len(f["data"]) for f in frames} == {4}  # player frames: the same traces
