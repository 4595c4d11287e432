"""Maximum-likelihood training of a 2-D flow as a stepper (notes §8.4).

Minimise the negative log-likelihood per point (nats), exactly:

    NLL(θ) = -(1/n) Σ_i [ log p_Z(f_θ⁻¹(x_i)) + Σ_k log|det J_{f_k⁻¹}(x_i)| ].

`FlowTrainer.step(n)` runs n Adam steps on minibatches of the training points and returns the
running train NLL and the NLL of the held-out points (never trained on). The page drives it with
``ui.live_training``; the pretrained registry with ``core.training.run_stepper``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core.data.toy2d import CHECKERBOARD_ENTROPY
from core.flows.models import Flow, FlowConfig, build_flow

# Exact best achievable held-out NLL (= the target's differential entropy), where it is known.
BEST_NLL: dict[str, float] = {"checkerboard": CHECKERBOARD_ENTROPY}


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings of one run."""

    lr: float = 3e-3  # Adam step size: 3e-3 fits every toy target without divergence
    batch_size: int = 512  # points per step: low-noise gradients, ~5 ms a step on one thread
    weight_decay: float = 0.0  # no regularisation: the held-out NLL shows any overfitting
    eval_every: int = 1  # held-out NLL every k calls of step() (it is cheap for 2-D)
    cosine_steps: int = 0  # > 0: lr decays as lr·½(1 + cos(π t / T)) over T steps; 0: constant


@dataclass
class History:
    """Curves for the training plot: step, running train NLL, held-out NLL."""

    steps: list[int] = field(default_factory=list)
    train_nll: list[float] = field(default_factory=list)
    test_nll: list[float] = field(default_factory=list)


def nll(flow: Flow, x: torch.Tensor, chunk: int = 65_536) -> float:
    """Mean -log p_X(x) in nats over the rows of ``x`` (no gradient)."""
    with torch.no_grad():
        total = 0.0
        for i in range(0, x.shape[0], chunk):
            total += float(-flow.log_prob(x[i : i + chunk]).sum())
    return total / x.shape[0]


class FlowTrainer:
    """Stepper: ``steps_done``, ``step(n) -> {"nll", "test_nll"}``, ``flow``, ``history``.

    ``x_train`` / ``x_test`` are (n, 2) float arrays. ``flow`` may be given (e.g. a copy of a
    pretrained one) to continue from it; otherwise it is built from ``config``.
    """

    def __init__(
        self,
        config: FlowConfig,
        x_train: np.ndarray,
        x_test: np.ndarray,
        train: TrainConfig = TrainConfig(),
        device: torch.device | str = "cpu",
        seed: int = 0,
        flow: Flow | None = None,
    ):
        self.config, self.train_config, self.device = config, train, torch.device(device)
        self.flow = flow if flow is not None else build_flow(config, self.device)
        self.flow.train()
        self.x_train = torch.as_tensor(
            np.asarray(x_train), dtype=torch.float32, device=self.device
        )  # (N, D)
        self.x_test = torch.as_tensor(
            np.asarray(x_test), dtype=torch.float32, device=self.device
        )  # (M, D)
        self.generator = torch.Generator().manual_seed(seed)
        self.opt = torch.optim.Adam(
            self.flow.parameters(), lr=train.lr, weight_decay=train.weight_decay
        )
        self.steps_done = 0
        self.history = History()
        self._running: float | None = None
        self._calls = 0
        self._init_actnorm()

    def _init_actnorm(self) -> None:
        """Glow's data-dependent init: one forward pass over a big batch before the first step."""
        with torch.no_grad():
            n = min(len(self.x_train), 4096)
            self.flow(self.x_train[torch.randperm(len(self.x_train), generator=self.generator)[:n]])

    def _batch(self) -> torch.Tensor:
        n = len(self.x_train)
        bs = min(self.train_config.batch_size, n)
        idx = torch.randint(0, n, (bs,), generator=self.generator)
        return self.x_train[idx.to(self.device)]

    def step(self, n: int = 1) -> dict[str, float]:
        loss_value = float("nan")
        for _ in range(int(n)):
            loss = -self.flow.log_prob(self._batch()).mean()  # NLL of the minibatch
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self._schedule()
            loss_value = float(loss.detach())
            self.steps_done += 1
            if not np.isfinite(loss_value):
                break
            r = self._running
            self._running = loss_value if r is None else 0.9 * r + 0.1 * loss_value
        self._calls += 1
        train_nll = self._running if np.isfinite(loss_value) else loss_value
        test = (
            self.test_nll()
            if self._calls % self.train_config.eval_every == 0 or not self.history.test_nll
            else self.history.test_nll[-1]
        )
        self.history.steps.append(self.steps_done)
        self.history.train_nll.append(float(train_nll))
        self.history.test_nll.append(float(test))
        return {"nll": float(train_nll), "test_nll": float(test)}

    def _schedule(self) -> None:
        T = self.train_config.cosine_steps
        if T > 0:
            t = min(self.steps_done + 1, T)
            lr = self.train_config.lr * 0.5 * (1 + np.cos(np.pi * t / T))
            for group in self.opt.param_groups:
                group["lr"] = lr

    def test_nll(self) -> float:
        self.flow.eval()
        try:
            return nll(self.flow, self.x_test)
        finally:
            self.flow.train()
