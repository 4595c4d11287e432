"""The pretrained §11.3 agent: DQN on CartPole-v1 with CleanRL's configuration (500k steps).

``python -m core.pretrained train rl_dqn_cartpole`` trains on one thread, keeps the checkpoint
with the best greedy mean return on 20 selection seeds (``cartpole.SELECT_SEEDS``, disjoint from
the evaluation seeds), then measures the manifest's metric: the mean greedy return over 100
seeded evaluation episodes (``cartpole.EVAL_SEEDS``), with the time that evaluation took.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from core.pretrained import PretrainedSpec, TrainResult
from core.rl import cartpole as C
from core.rl.dqn import DQNConfig, QNetwork, train_dqn

DQN_NAME = "rl_dqn_cartpole"
DQN_CONFIG = DQNConfig()


def greedy_of(q: QNetwork) -> C.Policy:
    return C.greedy(C.mlp_numpy(q.net))


def evaluate_q(q: QNetwork, seeds=C.EVAL_SEEDS) -> tuple[np.ndarray, float]:
    """Greedy returns on ``seeds`` and the seconds the evaluation took."""
    t0 = time.perf_counter()
    returns = C.evaluate(greedy_of(q), seeds)
    return returns, time.perf_counter() - t0


def _train(cfg: DQNConfig, seed: int) -> TrainResult:
    torch.set_num_threads(1)
    q, info = train_dqn(cfg, seed, threads=1)
    returns, eval_s = evaluate_q(q)
    steps = np.asarray(info.pop("train_return_steps"))
    rets = np.asarray(info.pop("train_returns"))
    keep = np.linspace(0, len(rets) - 1, min(len(rets), 400)).astype(int)  # a light curve
    info.pop("config")
    return TrainResult(
        model=q,
        steps=cfg.total_steps,
        metrics={
            "eval_mean_return": float(returns.mean()),
            "eval_std_return": float(returns.std()),
            "eval_min_return": float(returns.min()),
            "eval_episodes": float(len(returns)),
            "eval_seconds": eval_s,
            "train_seconds": info.pop("train_seconds"),
            "selected_step": float(info.pop("selected_step")),
            "selection_mean_return": info.pop("selection_mean_return"),
        },
        extra={
            "evaluation": f"greedy policy, env.reset(seed=k) for k in {C.EVAL_SEEDS[0]}.."
            f"{C.EVAL_SEEDS[-1]}; checkpoint chosen on seeds {C.SELECT_SEEDS[0]}.."
            f"{C.SELECT_SEEDS[-1]} (disjoint)",
            "eval_returns": [float(r) for r in returns],
            "train_curve": {"step": steps[keep].tolist(), "return": rets[keep].tolist()},
        },
    )


PRETRAINED = (
    PretrainedSpec(
        name=DQN_NAME,
        description="DQN (target network, replay 10k) for CartPole-v1, CleanRL's settings",
        config=DQN_CONFIG,
        build=QNetwork,
        train=_train,
        dataset=f"gymnasium {C.ENV_ID} (seeded episodes; no data set)",
        seed=1,
    ),
)
