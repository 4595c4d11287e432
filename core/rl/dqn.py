"""Deep Q-learning with a target network (notes §11.3), Double DQN, the ε schedule.

Given a transition (s, a, r, s'), the notes' loss is

    ℓ(θ) = (Q_θ(s, a) − (r + γ Q_θ̄(s', a')))²,   a' ∈ argmax_a Q_θ̄(s', a),

where θ̄ is a copy of θ refreshed only every ``target_period`` steps (with the target network
off, θ̄ = θ: the target moves with every update). A terminated s' has no future: its target is r.
Double DQN (van Hasselt et al. 2016) picks a' with the online network and scores it with the
target network: a' ∈ argmax_a Q_θ(s', a), target r + γ Q_θ̄(s', a').

Written after CleanRL's ``dqn.py`` (its CartPole-v1 defaults: lr 2.5e-4, buffer 10k, target
every 500 steps, batch 128, train every 10 steps from step 10k, ε 1 -> 0.05 over half the run).
``DQNTrainer.step(n)`` advances n environment steps (a stepper, ``core.training``).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.rl import cartpole as C
from core.rl.replay import ReplayBuffer, lag1_correlation


@dataclass(frozen=True)
class DQNConfig:
    hidden: tuple[int, ...] = (120, 84)  # CleanRL's Q-network: 4 -> 120 -> 84 -> 2
    lr: float = 2.5e-4  # Adam step size (CleanRL)
    gamma: float = 0.99  # discount γ
    replay: bool = True  # off: train on the latest `batch_size` consecutive transitions
    buffer_size: int = 10_000  # replay capacity n (the last n transitions)
    batch_size: int = 128  # minibatch B
    target: bool = True  # off: θ̄ = θ (the target moves with every update)
    target_period: int = 500  # env steps between θ̄ <- θ
    double: bool = False  # Double DQN target
    eps_start: float = 1.0  # ε at step 0
    eps_end: float = 0.05  # ε after the decay
    eps_decay_steps: int = 250_000  # linear decay length in env steps (half of 500k)
    learning_starts: int = 10_000  # env steps of pure ε-greedy before the first update
    train_every: int = 10  # env steps per gradient update
    total_steps: int = 500_000  # budget of the full run (pretrained model)

    def validate(self) -> None:
        if self.buffer_size < 1:
            raise ValueError("the replay buffer needs room for at least 1 transition")
        if self.target_period < 1:
            raise ValueError("the target period must be at least 1 step")
        if not (0.0 < self.lr <= 10.0):
            raise ValueError(f"the learning rate must be in (0, 10], got {self.lr:g}")
        if self.batch_size < 1 or self.train_every < 1:
            raise ValueError("batch size and train_every must be at least 1")


class QNetwork(nn.Module):
    """Q_θ(s, ·): an MLP from the 4 state numbers to one value per action."""

    def __init__(self, cfg: DQNConfig = DQNConfig(), obs_dim: int = 4, n_actions: int = 2):
        super().__init__()
        sizes = (obs_dim, *cfg.hidden)
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], n_actions))
        self.net = nn.Sequential(*layers)

    def forward(self, s: torch.Tensor) -> torch.Tensor:  # (B, obs) -> (B, |A|)
        return self.net(s)


def linear_epsilon(step: int, cfg: DQNConfig) -> float:
    """ε_t: linear from eps_start to eps_end over eps_decay_steps, then constant."""
    frac = min(1.0, step / max(1, cfg.eps_decay_steps))
    return cfg.eps_start + frac * (cfg.eps_end - cfg.eps_start)


@torch.no_grad()
def td_target(
    batch: dict,
    gamma: float,
    target_net: nn.Module,
    online_net: nn.Module | None = None,
    double: bool = False,
) -> torch.Tensor:
    """y = r + γ (1 − done) Q_θ̄(s', a'); a' = argmax Q_θ̄(s', ·), or argmax Q_θ(s', ·) (Double)."""
    q_next = target_net(batch["s2"])  # (B, |A|) Q_θ̄(s', ·)
    if double:
        a2 = online_net(batch["s2"]).argmax(1, keepdim=True)  # (B, 1) chosen by θ
    else:
        a2 = q_next.argmax(1, keepdim=True)  # (B, 1) chosen by θ̄
    return batch["r"] + gamma * (1.0 - batch["done"]) * q_next.gather(1, a2).squeeze(1)  # (B,)


def dqn_loss(
    q_net: nn.Module, target_net: nn.Module, batch: dict, gamma: float, double: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean over the batch of ℓ(θ) = (Q_θ(s, a) − y)², y from `td_target` (no gradient)."""
    q_sa = q_net(batch["s"]).gather(1, batch["a"][:, None]).squeeze(1)  # (B,) Q_θ(s, a)
    y = td_target(batch, gamma, target_net, q_net, double)  # (B,)
    return ((q_sa - y) ** 2).mean(), q_sa.detach()


class DQNTrainer:
    """DQN on CartPole-v1: ``step(n)`` plays n ε-greedy env steps, training as configured.

    Metrics: ``episodes``, ``return`` (last finished episode), ``return_mean10``, ``eps``,
    ``loss`` (last TD loss), ``q_mean`` (mean Q_θ(s, a) of the last batch), ``batch_corr``
    (lag-1 correlation of the last training batch's states)."""

    def __init__(self, cfg: DQNConfig = DQNConfig(), seed: int = 0, threads: int | None = None):
        cfg.validate()
        if threads is not None:
            torch.set_num_threads(threads)
        self.cfg, self.seed = cfg, seed
        torch.manual_seed(seed)
        self.q = QNetwork(cfg)
        self.q_target = copy.deepcopy(self.q) if cfg.target else self.q
        self.opt = torch.optim.Adam(self.q.parameters(), lr=cfg.lr, fused=True)
        self.buffer = ReplayBuffer(cfg.buffer_size if cfg.replay else cfg.batch_size, 4, seed)
        self.rng = np.random.default_rng(seed)
        self.env = C.make_env()
        self.env.action_space.seed(seed)
        self.s, _ = self.env.reset(seed=seed)
        self._q_np = C.mlp_numpy(self.q.net)
        self.steps_done = 0
        self.updates = 0
        self.ep_return = 0.0
        self.returns: list[float] = []  # every finished episode's return
        self.return_steps: list[int] = []  # the env step at which it finished
        self.history: dict[str, list[float]] = {"step": [], "loss": [], "q_mean": [], "eps": []}
        self.last = {"loss": float("nan"), "q_mean": float("nan"), "batch_corr": float("nan")}

    def act(self, s: np.ndarray, eps: float) -> int:
        if self.rng.random() < eps:
            return int(self.rng.integers(0, 2))
        return int(np.argmax(self._q_np(s[None])[0]))

    def _update(self) -> None:
        cfg = self.cfg
        batch = (
            self.buffer.sample(cfg.batch_size) if cfg.replay else self.buffer.latest(cfg.batch_size)
        )
        loss, q_sa = dqn_loss(self.q, self.q_target, batch, cfg.gamma, cfg.double)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.updates += 1
        self._q_np = C.mlp_numpy(self.q.net)
        self.last = {
            "loss": float(loss.detach()),
            "q_mean": float(q_sa.mean()),
            "batch_corr": lag1_correlation(batch["s"].numpy()),
        }

    def step(self, n: int = 1) -> dict[str, float]:
        cfg = self.cfg
        for _ in range(n):
            t = self.steps_done
            eps = linear_epsilon(t, cfg)
            a = self.act(self.s, eps)
            s2, r, term, trunc, _ = self.env.step(a)
            # a truncated episode (500 steps) still has a future: bootstrap through it
            self.buffer.add(self.s, a, r, s2, term)
            self.ep_return += r
            self.s = s2
            if term or trunc:
                self.returns.append(self.ep_return)
                self.return_steps.append(t + 1)
                self.ep_return = 0.0
                self.s, _ = self.env.reset()
            self.steps_done += 1
            if self.steps_done > cfg.learning_starts and self.steps_done % cfg.train_every == 0:
                self._update()
                if self.updates % 10 == 0:
                    for k, v in (("step", self.steps_done), ("eps", eps)):
                        self.history[k].append(v)
                    self.history["loss"].append(self.last["loss"])
                    self.history["q_mean"].append(self.last["q_mean"])
            if cfg.target and self.steps_done % cfg.target_period == 0:
                self.q_target.load_state_dict(self.q.state_dict())  # θ̄ <- θ
        return self.metrics()

    def metrics(self) -> dict[str, float]:
        """Only finite numbers (a NaN would read as divergence): the return fields appear after
        the first episode, loss / q_mean / batch_corr after the first update."""
        m = {"episodes": float(len(self.returns)), "eps": linear_epsilon(self.steps_done, self.cfg)}
        if self.returns:
            m["return"] = self.returns[-1]
            m["return_mean10"] = float(np.mean(self.returns[-10:]))
        m.update({k: v for k, v in self.last.items() if np.isfinite(v)})
        return m

    def greedy_policy(self) -> C.Policy:
        return C.greedy(C.mlp_numpy(self.q.net))


def train_dqn(
    cfg: DQNConfig,
    seed: int,
    threads: int = 1,
    select_every: int = 10_000,
    log=print,
) -> tuple[QNetwork, dict]:
    """The full run, keeping the checkpoint with the best mean return on ``SELECT_SEEDS``
    (disjoint from the manifest's ``EVAL_SEEDS``); evaluated every ``select_every`` steps once
    ε has decayed to its end value's neighbourhood (after half the decay)."""
    tr = DQNTrainer(cfg, seed, threads)
    best, best_state, best_step, t0 = -1.0, None, 0, time.perf_counter()
    while tr.steps_done < cfg.total_steps:
        m = tr.step(select_every)
        if tr.steps_done >= cfg.learning_starts + cfg.eps_decay_steps // 2:
            sel = float(C.evaluate(tr.greedy_policy(), C.SELECT_SEEDS).mean())
            if sel > best:
                best, best_state, best_step = sel, copy.deepcopy(tr.q.state_dict()), tr.steps_done
            log(
                f"step {tr.steps_done:>7,}  train mean10 {m['return_mean10']:6.1f}  "
                f"selection mean {sel:6.1f}  best {best:6.1f} @ {best_step:,}  "
                f"{time.perf_counter() - t0:6.0f} s"
            )
    train_s = time.perf_counter() - t0
    if best_state is not None:
        tr.q.load_state_dict(best_state)
    info = {
        "train_seconds": train_s,
        "selected_step": best_step,
        "selection_mean_return": best,
        "train_returns": tr.returns,
        "train_return_steps": tr.return_steps,
        "config": dataclasses.asdict(cfg),
    }
    return tr.q, info
