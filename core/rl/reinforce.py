"""REINFORCE (notes §11.3) as a stepper: sample a batch of episodes from π_θ, ascend

    ĝ = (1/N) Σ_i Σ_t ∇_θ log π_θ(a_t|s_t) (R_t − b_t)

with the baseline and reward-to-go of `core.rl.policy_gradient`. The learned-V baseline is a
small network regressed on G_t *after* the batch's weights are computed, so b never depends on
the actions it multiplies. ``step(n)`` runs n policy updates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.rl import policy_gradient as PG


@dataclass(frozen=True)
class ReinforceConfig:
    hidden: int = 32  # policy MLP 4 -> hidden -> 2
    lr: float = 1e-2  # Adam step size η for θ
    gamma: float = 0.99  # discount γ
    batch_episodes: int = 8  # N episodes per gradient estimate
    baseline: str = "value"  # one of policy_gradient.BASELINES
    reward_to_go: bool = True  # R_t = γ^t G_t (on) or r(τ) (off)
    value_steps: int = 20  # Adam steps on V_φ per batch (learned-V baseline)

    def validate(self) -> None:
        if not (0.0 < self.lr <= 10.0):
            raise ValueError(f"the learning rate must be in (0, 10], got {self.lr:g}")
        if self.baseline not in PG.BASELINES:
            raise ValueError(f"unknown baseline: {self.baseline!r}")
        if self.batch_episodes < 2:
            raise ValueError("REINFORCE needs at least 2 episodes per batch")


class ReinforceTrainer:
    """Metrics: ``return_mean`` (this batch), ``env_steps`` so far, ``grad_norm``."""

    def __init__(self, cfg: ReinforceConfig = ReinforceConfig(), seed: int = 0):
        cfg.validate()
        self.cfg, self.seed = cfg, seed
        torch.manual_seed(seed)
        self.policy = PG.CategoricalPolicy(hidden=cfg.hidden)
        self.opt = torch.optim.Adam(self.policy.parameters(), lr=cfg.lr)
        self.value = PG.mlp((4, 32, 1))
        self.v_opt = torch.optim.Adam(self.value.parameters(), lr=1e-2)
        self.v_scale = 100.0  # V_φ predicts G_t / 100 (CartPole returns reach ~100)
        self.steps_done = 0
        self.env_steps = 0
        self.curve: list[tuple[int, float]] = []  # (env steps, batch mean return)

    def value_fn(self, s: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            v = self.value(torch.as_tensor(s, dtype=torch.float32)).squeeze(-1)
        return v.double().numpy() * self.v_scale

    def step(self, n: int = 1) -> dict[str, float]:
        cfg = self.cfg
        m = {}
        for _ in range(n):
            seed = self.seed * 1_000_003 + self.steps_done * cfg.batch_episodes
            trajs = PG.rollout_cartpole(self.policy, cfg.batch_episodes, seed)
            w = PG.weights(trajs, cfg.gamma, cfg.baseline, cfg.reward_to_go, self.value_fn)
            S = torch.as_tensor(np.concatenate([t["s"] for t in trajs]))
            A = torch.as_tensor(np.concatenate([t["a"] for t in trajs]))
            W = torch.as_tensor(np.concatenate(w), dtype=torch.float32)
            # ascent on ĝ = descent on −(1/N) Σ log π(a_t|s_t) (R_t − b_t)
            loss = -(self.policy.log_prob(S, A) * W).sum() / len(trajs)
            self.opt.zero_grad()
            loss.backward()
            gnorm = float(torch.cat([p.grad.reshape(-1) for p in self.policy.parameters()]).norm())
            self.opt.step()
            if cfg.baseline == "value":
                G = np.concatenate([PG.returns_to_go(t["r"], cfg.gamma) for t in trajs])
                G = torch.as_tensor(G / self.v_scale, dtype=torch.float32)
                for _ in range(cfg.value_steps):
                    v_loss = ((self.value(S).squeeze(-1) - G) ** 2).mean()
                    self.v_opt.zero_grad()
                    v_loss.backward()
                    self.v_opt.step()
            self.steps_done += 1
            self.env_steps += int(sum(len(t["r"]) for t in trajs))
            ret = float(np.mean([t["r"].sum() for t in trajs]))
            self.curve.append((self.env_steps, ret))
            m = {"return_mean": ret, "env_steps": float(self.env_steps), "grad_norm": gnorm}
        return m
