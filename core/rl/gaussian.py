"""Continuous actions (notes §11.3): the Gaussian policy π(a|s) = N(a; μ_θ(s), σ_θ²) on
gymnasium's Pendulum-v1.

Pendulum: s = (cos φ, sin φ, φ̇), a torque a ∈ [−2, 2] (the environment clips), reward
−(φ² + 0.1 φ̇² + 0.001 a²), 200 steps an episode. The score of the Gaussian is

    ∇_μ log π(a|s) = (a − μ)/σ²,   ∂/∂log σ log π(a|s) = (a − μ)²/σ² − 1,

chained into θ by `policy_gradient.step_scores` (checked against autograd in the tests), so the
REINFORCE estimator and its baselines are exactly those of the discrete case.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from core.rl import cartpole as C
from core.rl.policy_gradient import GaussianPolicy

ENV_ID = "Pendulum-v1"
HORIZON = 200  # gymnasium's max_episode_steps for Pendulum-v1


def rollout_pendulum(policy: GaussianPolicy, n: int, seed: int, horizon: int = HORIZON) -> list:
    """n episodes (episode i reset with seed + i) with a ~ N(μ_θ(s), σ²); the unclipped a is
    kept (it is what π scored), the environment applies clip(a, −2, 2)."""
    rng = np.random.default_rng(seed)
    mu = C.mlp_numpy(policy.mu)  # numpy snapshot of μ_θ
    sigma = float(policy.log_sigma.detach().exp())
    trajs = []
    for i in range(n):
        env = gym.make(ENV_ID)
        s, _ = env.reset(seed=seed + i)
        S, A, R = [], [], []
        for _ in range(horizon):
            a = float(mu(s[None])[0, 0]) + sigma * rng.standard_normal()
            s2, r, term, trunc, _ = env.step(np.array([a], np.float32))
            S.append(s)
            A.append(a)
            R.append(r)
            s = s2
            if term or trunc:
                break
        trajs.append(
            {"s": np.asarray(S, np.float32), "a": np.asarray(A, np.float32),
             "r": np.asarray(R, np.float64)}
        )  # fmt: skip
    return trajs
