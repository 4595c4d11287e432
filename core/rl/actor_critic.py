"""Actor-critic (notes §11.3): the TD error as the advantage, an entropy bonus, both signs.

A critic V_φ learns by TD(0); the actor ascends

    ∇_θ log π_θ(a_t|s_t) · Â_t + β ∇_θ H(π_θ(·|s_t)),   Â_t = δ_t = r_t + γ V_φ(s_{t+1}) − V_φ(s_t)

(a terminated s_{t+1} has V = 0). δ_t > 0 means the action did better than expected: its
probability should rise. The notes write the factor as V(s_t) − (r_t + γ V(s_{t+1})) = −δ_t;
used in gradient *ascent* that lowers the probability of every better-than-expected action.
``sign="notes"`` trains with that factor so the page can show what it does; ``sign="td"`` is the
right one. ``step(n)`` runs n environment steps, updating every ``n_steps``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.rl import cartpole as C
from core.rl import policy_gradient as PG

SIGNS = {
    "td": "δ = r + γV(s′) − V(s)  (right)",
    "notes": "V(s) − (r + γV(s′)) = −δ  (the notes' sign)",
}


@dataclass(frozen=True)
class ACConfig:
    hidden: int = 64  # actor and critic MLPs 4 -> hidden -> (2 | 1)
    lr: float = 5e-4  # Adam step size of the actor θ
    lr_critic: float = 5e-3  # of the critic φ: it must track V faster than π changes
    gamma: float = 0.99  # discount γ
    entropy: float = 0.01  # β, weight of the entropy bonus
    n_steps: int = 32  # transitions per update
    sign: str = "td"  # "td" (+δ, right) or "notes" (−δ)

    def validate(self) -> None:
        if not (0.0 < self.lr <= 10.0 and 0.0 < self.lr_critic <= 10.0):
            raise ValueError(f"the learning rate must be in (0, 10], got {self.lr:g}")
        if self.sign not in SIGNS:
            raise ValueError(f"unknown sign: {self.sign!r}; choose from {', '.join(SIGNS)}")


def actor_critic_losses(
    policy: PG.CategoricalPolicy,
    value: torch.nn.Module,
    batch: dict,
    gamma: float,
    sign: str = "td",
    entropy: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(actor loss, critic loss, δ). Minimising the actor loss ascends log π · Â + β H."""
    v = value(batch["s"]).squeeze(-1)  # (B,) V_φ(s_t)
    with torch.no_grad():
        v2 = value(batch["s2"]).squeeze(-1)  # (B,) V_φ(s_{t+1})
        target = batch["r"] + gamma * (1.0 - batch["done"]) * v2  # r + γ V(s')
    delta = target - v  # (B,) δ_t
    adv = delta.detach() if sign == "td" else -delta.detach()  # Â_t
    logp = policy.log_prob(batch["s"], batch["a"])  # (B,)
    actor = -(logp * adv).mean() - entropy * policy.entropy(batch["s"]).mean()
    critic = (delta**2).mean()
    return actor, critic, delta.detach()


class ActorCriticTrainer:
    """Metrics: ``return`` (last episode), ``return_mean10``, ``delta_abs`` (mean |δ|),
    ``entropy`` (mean policy entropy of the last batch), ``episodes``."""

    def __init__(self, cfg: ACConfig = ACConfig(), seed: int = 0):
        cfg.validate()
        self.cfg, self.seed = cfg, seed
        torch.manual_seed(seed)
        self.policy = PG.CategoricalPolicy(hidden=cfg.hidden)
        self.value = PG.mlp((4, cfg.hidden, 1))
        self.opt = torch.optim.Adam(
            [
                {"params": self.policy.parameters(), "lr": cfg.lr},
                {"params": self.value.parameters(), "lr": cfg.lr_critic},
            ]
        )
        self.rng = np.random.default_rng(seed)
        self.env = C.make_env()
        self.s, _ = self.env.reset(seed=seed)
        self._logits = C.mlp_numpy(self.policy.logits)
        self.buf: list[tuple] = []
        self.steps_done = 0
        self.ep_return = 0.0
        self.returns: list[float] = []
        self.return_steps: list[int] = []
        self.last = {"delta_abs": float("nan"), "entropy": float("nan")}

    def _act(self, s: np.ndarray) -> int:
        z = self._logits(s[None])[0]
        p = np.exp(z - z.max())
        return int(self.rng.random() * p.sum() > p[0])

    def _update(self) -> None:
        s, a, r, s2, d = (np.asarray(x) for x in zip(*self.buf, strict=True))
        batch = {
            "s": torch.as_tensor(s, dtype=torch.float32),
            "a": torch.as_tensor(a),
            "r": torch.as_tensor(r, dtype=torch.float32),
            "s2": torch.as_tensor(s2, dtype=torch.float32),
            "done": torch.as_tensor(d, dtype=torch.float32),
        }
        cfg = self.cfg
        actor, critic, delta = actor_critic_losses(
            self.policy, self.value, batch, cfg.gamma, cfg.sign, cfg.entropy
        )
        self.opt.zero_grad()
        (actor + critic).backward()
        self.opt.step()
        self._logits = C.mlp_numpy(self.policy.logits)
        with torch.no_grad():
            ent = float(self.policy.entropy(batch["s"]).mean())
        self.last = {"delta_abs": float(delta.abs().mean()), "entropy": ent}
        self.buf = []

    def step(self, n: int = 1) -> dict[str, float]:
        for _ in range(n):
            a = self._act(self.s)
            s2, r, term, trunc, _ = self.env.step(a)
            self.buf.append((self.s, a, r, s2, float(term)))
            self.ep_return += r
            self.s = s2
            self.steps_done += 1
            if term or trunc:
                self.returns.append(self.ep_return)
                self.return_steps.append(self.steps_done)
                self.ep_return = 0.0
                self.s, _ = self.env.reset()
            if len(self.buf) >= self.cfg.n_steps:
                self._update()
        m = {"episodes": float(len(self.returns))}  # only finite numbers, as in DQNTrainer
        if self.returns:
            m["return"] = self.returns[-1]
            m["return_mean10"] = float(np.mean(self.returns[-10:]))
        m.update({k: v for k, v in self.last.items() if np.isfinite(v)})
        return m
