"""Tabular model-free RL (notes §11.1-11.2): Monte Carlo / TD(0) evaluation converge to the exact
v_pi, Q-learning finds the optimum, and Sutton & Barto Example 6.6 (CliffWalking) is reproduced."""

import numpy as np
import pytest

from core import gridworlds as G
from core import mdp as M
from core import tabular_rl as T


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


@pytest.mark.parametrize("method", ["TD(0) evaluation", "Monte Carlo evaluation"])
def test_evaluation_converges_to_exact_v_pi(method):
    fl = G.frozen_lake("4x4", slippery=True)
    gamma = 0.9
    pi = np.eye(4)[M.policy_iteration(fl, gamma).policy]
    v_pi = M.policy_evaluation(fl, pi, gamma)
    cfg = T.TabularConfig(method=method, alpha=0.05, gamma=gamma, n_seeds=4, seed=0)
    learner = T.TabularLearner(fl, cfg, v_ref=v_pi, target_policy=pi)
    first = learner.step(20)["rms_error"]
    last = learner.step(1500)["rms_error"]
    assert last < 0.05 < first
    err = learner.curves()["rms_error"]
    assert err.shape == (4, 1520)


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
