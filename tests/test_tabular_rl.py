"""Tabular model-free RL (notes §11.1-11.2): Monte Carlo / TD(0) evaluation converge to the exact
v_pi, Q-learning finds the optimum, and Sutton & Barto Example 6.6 (CliffWalking) is reproduced."""

import numpy as np
import pytest

from core.rl import gridworlds as G
from core.rl import mdp as M
from core.rl import tabular as T


def test_epsilon_greedy():
    rng = np.random.default_rng(0)
    q = np.array([[0.0, 1.0, 0.5, 0.2]] * 2000)
    assert (T.epsilon_greedy(q, 0.0, rng) == 1).all()
    a = T.epsilon_greedy(q, 1.0, rng)
    assert np.bincount(a, minlength=4).min() > 400  # uniform
    ties = T.epsilon_greedy(np.zeros((4000, 4)), 0.0, rng)
    assert np.bincount(ties, minlength=4).min() > 800  # random tie-breaking


def test_config_fails_loudly():
    with pytest.raises(ValueError, match="unknown method"):
        T.TabularConfig(method="DQN")
    with pytest.raises(ValueError, match="unknown target"):
        T.TabularConfig(target="greedy")


def test_td0_evaluation_converges_to_exact_v_pi():
    fl = G.frozen_lake("4x4", slippery=True)
    gamma = 0.9
    pi = np.eye(4)[M.policy_iteration(fl, gamma).policy]
    v_pi = M.policy_evaluation(fl, pi, gamma)
    cfg = T.TabularConfig(method="TD(0) evaluation", alpha=0.05, gamma=gamma, n_seeds=4, seed=0)
    learner = T.TabularLearner(fl, cfg, v_ref=v_pi, target_policy=pi)
    first = learner.step(20)["rms_error"]
    last = learner.step(1500)["rms_error"]
    assert last < 0.05 < first
    err = learner.curves()["rms_error"]
    assert err.shape == (4, 1520)


def _return_variance(mdp, pi, gamma, v):
    """Var[G | s_0 = s] under pi, exactly: the second moment m(s) = E[G^2 | s] solves
    m(s) = sum_a pi(a|s) sum_s' p(s'|s,a) [r^2 + 2 gamma r v(s') + gamma^2 m(s')] (G = r + gamma
    G'), with v = m = 0 at terminal states."""
    S = mdp.n_states
    live = ~mdp.terminal
    A_mat, c = np.eye(S), np.zeros(S)
    for s in np.flatnonzero(live):
        for a in range(mdp.n_actions):
            for s2, p, r in zip(
                mdp.next_state[s, a], mdp.prob[s, a], mdp.reward[s, a], strict=True
            ):
                w = pi[s, a] * p
                c[s] += w * (r * r + 2 * gamma * r * v[s2] * live[s2])
                A_mat[s, s2] -= w * gamma**2 * live[s2]
    m = np.linalg.solve(A_mat, c)
    return m - v**2


def test_monte_carlo_evaluation_is_unbiased_to_its_standard_error():
    """First-visit Monte Carlo evaluation of pi* on slippery FrozenLake 4x4 (gamma = 0.9, no
    time limit, so no return is truncated): V_b(s) is a mean of N_b(s) i.i.d. returns, so
    z = (V_b(s) - v_pi(s)) / sqrt(Var[G|s] / N_b(s)) is ~N(0, 1), with Var[G|s] solved exactly.
    The mean of z^2 over the ~44 (seed, state) pairs must be within 5 of its standard errors
    sqrt(2/k) of 1. The same statistic against 0.9 v_pi (V off by 10%) must fail the bound: this
    test detects a 10% error in V (a discount applied twice, last-visit instead of first-visit
    returns), where the old 'RMS < 0.05' accepted it. A 1/N-sized bias (a count off by one) is
    below its power: the exact test below catches that."""
    fl = G.frozen_lake("4x4", slippery=True)
    gamma = 0.9
    pi = np.eye(4)[M.policy_iteration(fl, gamma).policy]
    v_pi = M.policy_evaluation(fl, pi, gamma)
    var = _return_variance(fl, pi, gamma, v_pi)
    cfg = T.TabularConfig(
        method="Monte Carlo evaluation", gamma=gamma, n_seeds=4, seed=0, max_steps=100_000
    )
    learner = T.TabularLearner(fl, cfg, v_ref=v_pi, target_policy=pi)
    learner.step(1500)
    keep = (learner.N > 0) & (var > 1e-12)[None] & learner.mask[None]  # (B, S)

    def mean_z2(v_ref):
        se = np.sqrt(np.where(var > 1e-12, var, 1.0)[None] / np.maximum(learner.N, 1))
        z = (learner.V - v_ref[None]) / se
        return float((z[keep] ** 2).mean())

    k = int(keep.sum())
    bound = 1 + 5 * np.sqrt(2 / k)
    assert k >= 30 and learner.N[keep].min() >= 100
    assert mean_z2(v_pi) < bound, (mean_z2(v_pi), bound)
    assert mean_z2(0.9 * v_pi) > bound and mean_z2(1.1 * v_pi) > bound  # the test has the power
    assert learner.curves()["rms_error"].shape == (4, 1500)


def test_monte_carlo_update_is_the_first_visit_sample_mean():
    """Three hand-made episodes through TabularLearner._mc_update: V(s) must be exactly the mean
    of the returns G_t = sum_k gamma^k r_{t+k} after the *first* visit to s in each episode, and
    N(s) their count (Sutton & Barto, first-visit MC prediction). Detects a count off by one,
    every-/last-visit returns, or a discount applied at the wrong step."""
    fl = G.frozen_lake("4x4", slippery=True)
    gamma = 0.5
    learner = T.TabularLearner(fl, T.TabularConfig(method="Monte Carlo evaluation", gamma=gamma))
    episodes = [([0, 1, 0, 2], [1.0, 0.0, 2.0, 4.0]), ([1, 2], [3.0, 1.0]), ([2, 0], [0.0, 8.0])]
    first_returns: dict[int, list[float]] = {}
    for states, rewards in episodes:
        g_t = [sum(gamma**k * r for k, r in enumerate(rewards[t:])) for t in range(len(rewards))]
        for t, s in enumerate(states):
            if s not in states[:t]:
                first_returns.setdefault(s, []).append(g_t[t])
        learner._mc_update(0, np.array(states), np.array(rewards))
    assert first_returns[0] == [1 + 0.5 * 0 + 0.25 * 2 + 0.125 * 4, 8.0]  # by hand
    for s, gs in first_returns.items():
        assert learner.V[0, s] == pytest.approx(np.mean(gs), rel=1e-12), s
        assert learner.N[0, s] == len(gs)
    assert learner.V[1:].sum() == 0 and learner.N.sum() == 7


def test_q_learning_finds_optimal_policy():
    fl = G.frozen_lake("4x4", slippery=False)
    gamma = 0.9
    v_star = M.value_iteration(fl, gamma).v
    cfg = T.TabularConfig(method="Q-learning", alpha=0.5, gamma=gamma, epsilon=0.3, n_seeds=4)
    learner = T.TabularLearner(fl, cfg, v_ref=v_star)
    learner.step(400)
    for b in range(4):
        pi = T.greedy_from_q(learner.Q[b])
        assert M.success_probability(fl, pi, 100) == pytest.approx(1.0)
        assert abs(learner.Q[b].max(1)[fl.start] - v_star[fl.start]) < 1e-3


def test_seeded_and_stepwise_consistent():
    fl = G.frozen_lake("4x4", slippery=True)
    cfg = T.TabularConfig(method="SARSA", n_seeds=3, seed=5)
    a, b = T.TabularLearner(fl, cfg), T.TabularLearner(fl, cfg)
    a.step(30)
    b.step(30)
    assert np.array_equal(a.Q, b.Q) and a.steps_done == 30
    assert a.curves()["return"].shape == (3, 30)


@pytest.mark.slow
def test_cliff_walking_example_6_6():
    """Sutton & Barto Example 6.6 over 20 independent runs: average return over episodes
    100-500 about -27 for SARSA (safe path) and -50 for Q-learning (edge path)."""
    runs = T.cliff_experiment(n_seeds=20, episodes=500, seed=0)
    sarsa = T.average_return(runs["SARSA"].curves()["return"])
    qlearn = T.average_return(runs["Q-learning"].curves()["return"])
    assert sarsa == pytest.approx(-27, abs=4)
    assert qlearn == pytest.approx(-50, abs=4)
    cliff = runs["SARSA"].mdp
    W = cliff.shape[1]
    q_path = T.greedy_path(cliff, runs["Q-learning"].Q.mean(0))
    s_path = T.greedy_path(cliff, runs["SARSA"].Q.mean(0))
    assert len(q_path) - 1 == 13 and all(s // W >= 2 for s in q_path)  # along the edge
    assert q_path[-1] == s_path[-1] == 47
    assert min(s // W for s in s_path) <= 1 and len(s_path) > 15  # the safe detour


@pytest.mark.parametrize("method", ["Monte Carlo evaluation", "Q-learning"])
def test_expected_episode_steps_predicts_the_measured_length(method):
    """The a-priori episode length (absorbing-chain solve) matches Monte Carlo episodes; after
    episodes have run it is the measured average (the page bounds a Step click with it)."""
    fl = G.frozen_lake("8x8", slippery=True)
    uniform = np.full((fl.n_states, 4), 0.25)
    cfg = T.TabularConfig(method=method, n_seeds=20, seed=1, target=T.TARGETS[1])
    learner = T.TabularLearner(fl, cfg, target_policy=uniform)
    predicted = learner.expected_episode_steps()
    learner.step(100 if method != "Q-learning" else 5)
    measured = learner.env_steps / (learner.steps_done * cfg.n_seeds)
    assert abs(predicted - measured) < 0.15 * measured, (predicted, measured)
    assert learner.expected_episode_steps() == measured
