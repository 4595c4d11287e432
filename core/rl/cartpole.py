"""CartPole-v1 (gymnasium, real and seeded) for §11.3: episodes, evaluation, a drawing.

State s = (x, ẋ, θ, θ̇): cart position and velocity, pole angle (rad, 0 = upright) and angular
velocity. Actions: 0 push left, 1 push right. Reward +1 per step; an episode terminates when
|θ| > 12° or |x| > 2.4 and is truncated at 500 steps (the spec's ``max_episode_steps``); the
task counts as solved at a mean return of 475.

Evaluation runs the episodes of all seeds together in gymnasium's vectorised CartPole, one
batched forward pass of the policy per time step (a per-step torch call costs ~100 µs on a
loaded core; 100 episodes of 500 steps one by one take seconds). Policies here are plain
functions ``(B, 4) float32 -> (B,) actions``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np
import torch
from gymnasium.envs.classic_control.cartpole import CartPoleEnv, CartPoleVectorEnv
from torch import nn

ENV_ID = "CartPole-v1"
MAX_STEPS = 500  # gymnasium's spec: episodes are truncated at 500 steps
SOLVED = 475.0  # gymnasium's reward_threshold for CartPole-v1
X_LIMIT = 2.4  # |x| beyond this terminates
THETA_LIMIT = 12 * 2 * np.pi / 360  # |θ| beyond this (12°) terminates
STATE_NAMES = ("x", "ẋ", "θ", "θ̇")
EVAL_SEEDS = tuple(range(10_000, 10_100))  # the manifest's 100 evaluation episodes
SELECT_SEEDS = tuple(range(20_000, 20_020))  # checkpoint selection: disjoint from EVAL_SEEDS

Policy = Callable[[np.ndarray], np.ndarray]


def make_env() -> gym.Env:
    return gym.make(ENV_ID)


def mlp_numpy(net: nn.Sequential) -> Callable[[np.ndarray], np.ndarray]:
    """A snapshot of an MLP of Linear/ReLU layers: (B, in) -> (B, out) numpy. One state goes
    through numpy (~10x faster than a torch call); a batch through torch (numpy's BLAS may
    spread a batch over threads that fight on a shared machine: 12 ms for 100 states, measured).
    Later changes to ``net`` do not affect the snapshot."""
    layers = []
    for m in net:
        if isinstance(m, nn.Linear):
            layers.append((m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()))
        elif not isinstance(m, nn.ReLU):
            raise TypeError(f"mlp_numpy handles Linear and ReLU only, not {type(m).__name__}")
    tlayers = [(torch.from_numpy(w), torch.from_numpy(b)) for w, b in layers]

    def f(x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, np.float32)
        if len(h) > 8:
            with torch.no_grad():
                t = torch.from_numpy(np.ascontiguousarray(h))
                for k, (w, b) in enumerate(tlayers):
                    t = torch.addmm(b, t, w)
                    if k < len(tlayers) - 1:
                        t = t.clamp_min(0.0)
                return t.numpy()
        for k, (w, b) in enumerate(layers):
            h = h @ w + b
            if k < len(layers) - 1:
                h = np.maximum(h, 0.0)
        return h

    return f


def greedy(q: Callable[[np.ndarray], np.ndarray]) -> Policy:
    """π(s) = argmax_a Q(s, a)."""
    return lambda s: np.argmax(q(s), axis=-1)


def evaluate(policy: Policy, seeds: Sequence[int] = EVAL_SEEDS) -> np.ndarray:
    """Return of one episode per seed, each starting where ``env.reset(seed=k)`` starts.

    All episodes run together in gymnasium's own numpy-vectorised CartPole
    (``CartPoleVectorEnv``: the same float64 Euler step as ``CartPole-v1``, 500-step
    truncation), its state set to the seeded single-environment starts; one batched policy
    call per step. A finished episode's later (auto-reset) steps are not counted. The tests
    check the returns against the wrapped single environment."""
    env = CartPoleEnv()  # what gym.make wraps; reset(seed=k) reseeds it each time
    starts = []
    for k in seeds:
        env.reset(seed=int(k))
        starts.append(np.array(env.state, np.float64))  # (4,) the seeded start, float64
    venv = CartPoleVectorEnv(num_envs=len(seeds), max_episode_steps=MAX_STEPS)
    venv.reset(seed=0)
    venv.state = np.stack(starts, 1)  # (4, N): the vector env keeps states column-wise
    obs = venv.state.T.astype(np.float32)  # (N, 4) what a single env would return
    returns = np.zeros(len(seeds))
    alive = np.ones(len(seeds), bool)
    for _ in range(MAX_STEPS):
        actions = np.asarray(policy(obs), np.int64)  # (N,)
        obs, r, term, trunc, _ = venv.step(actions)
        returns += r * alive
        alive &= ~(term | trunc)
        if not alive.any():
            break
    venv.close()
    return returns


def record_episode(policy: Policy, seed: int, max_steps: int = MAX_STEPS) -> dict:
    """One seeded episode: states (T+1, 4), actions (T,), return; ends on termination or at 500."""
    env = make_env().unwrapped
    s, _ = env.reset(seed=int(seed))
    states, actions = [s], []
    for _ in range(max_steps):
        a = int(policy(s[None])[0])
        s, _, term, _, _ = env.step(a)
        states.append(s)
        actions.append(a)
        if term:
            break
    return {
        "states": np.asarray(states, np.float32),
        "actions": np.asarray(actions, np.int64),
        "return": float(len(actions)),
        "seed": int(seed),
    }


def random_policy(seed: int = 0) -> Policy:
    rng = np.random.default_rng(seed)
    return lambda s: rng.integers(0, 2, size=len(s))


@torch.no_grad()
def q_slice(
    q: Callable[[np.ndarray], np.ndarray],
    n: int = 41,
    theta_max: float = THETA_LIMIT,
    theta_dot_max: float = 2.0,
) -> dict:
    """Q over a (θ, θ̇) slice of the state space at x = ẋ = 0: V = max_a Q and the greedy
    action on an (n, n) grid (rows θ̇, columns θ)."""
    th = np.linspace(-theta_max, theta_max, n)
    thd = np.linspace(-theta_dot_max, theta_dot_max, n)
    T, TD = np.meshgrid(th, thd)  # (n, n)
    s = np.stack([np.zeros_like(T), np.zeros_like(T), T, TD], -1).reshape(-1, 4)
    qv = q(s.astype(np.float32)).reshape(n, n, -1)  # (n, n, |A|)
    return {"theta": th, "theta_dot": thd, "V": qv.max(-1), "action": qv.argmax(-1)}
