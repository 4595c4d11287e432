"""The playground's training stepper: minibatch gradient descent with the hand backprop (§1.3).

`BackpropTrainer(cfg, data).step(n)` takes n minibatch steps

    theta <- optimizer(theta, grad_theta [ mean_{i in batch} ell(f_theta(phi(x_i)), y_i)
                                           + lambda * penalty(W) ])

with the float64 numpy network of `core.backprop.mlp` (exact and fast for nets this small; the
page checks it against torch.autograd live), then evaluates the full train and test sets.
Minibatches walk through a fresh seeded permutation each epoch. If the loss, a gradient or a
weight becomes non-finite, or a weight or bias exceeds 1e8 in magnitude, the run is marked
diverged and every later ``step`` returns NaN metrics (the UI pauses on NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.backprop.datasets import Split
from core.backprop.features import check_features, make_features
from core.backprop.losses import head_for, loss_and_delta, targets
from core.backprop.mlp import MLP, MLPConfig
from core.backprop.optim import make_optimizer

WEIGHT_LIMIT = 1e8  # |w| beyond this counts as divergence (float64 would overflow soon after)


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Defaults are TensorFlow Playground's opening screen.

    features: input features (see `features.FEATURES`); TFP starts with x1, x2.
    hidden: hidden-layer widths; TFP starts with (4, 2).
    activation: hidden sigma; TFP's default is tanh.
    loss: bce | mse | l1 | softmax_ce (resolved against the task by `resolve_loss`).
    regularizer: none | l1 | l2, with rate ``reg_rate`` = lambda (TFP: none, 0).
    optimizer: sgd | momentum | adam; TFP only has SGD.
    lr: eta; TFP's default 0.03.  batch_size: TFP's default 10.
    seed: initial weights and minibatch order.
    """

    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    loss: str = "bce"
    regularizer: str = "none"
    reg_rate: float = 0.0
    optimizer: str = "sgd"
    lr: float = 0.03
    batch_size: int = 10
    seed: int = 0


def resolve_loss(loss: str, data: Split) -> tuple[str, str | None]:
    """The loss actually used for ``data`` and, when it differs from the request, why."""
    if data.task == "regression" and loss in ("bce", "softmax_ce"):
        return "mse", f"{loss} needs class labels; this regression set is trained with MSE."
    if data.task == "classification" and data.n_classes > 2 and loss != "softmax_ce":
        return "softmax_ce", (
            f"{data.n_classes} classes need a categorical output; trained with "
            "softmax + cross-entropy."
        )
    return loss, None


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """C[i, j] = #{true class i predicted as j}. # (k, k)"""
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)), 1)
    return C


@dataclass
class History:
    """Metrics after each ``step`` call (float lists, aligned with ``step``)."""

    step: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)  # per call: [||dL/dW_l||_F for l = 1..L]


class BackpropTrainer:
    """A `core.training.Stepper` over an `MLP`; see the module docstring."""

    def __init__(self, cfg: TrainConfig, data: Split, device=None):
        self.cfg, self.data = cfg, data
        self.device = device  # the hand backprop is numpy float64 on the CPU by design
        self.loss, self.loss_note = resolve_loss(cfg.loss, data)
        check_features(cfg.features)
        self.head = head_for(self.loss, data.task)
        k = data.n_classes if self.head == "softmax" else 1
        self.net = MLP(
            MLPConfig(len(cfg.features), tuple(cfg.hidden), k, cfg.activation, self.head),
            seed=cfg.seed,
        )
        self.opt = make_optimizer(cfg.optimizer, self.net.params(), cfg.lr)
        self.phi_train = make_features(data.X_train, cfg.features)  # (n, d)
        self.phi_test = make_features(data.X_test, cfg.features)
        self.t_train = targets(data.y_train, k, self.head)  # (n, k)
        self.t_test = targets(data.y_test, k, self.head)
        self.batch_size = int(max(1, min(cfg.batch_size, len(self.phi_train))))
        self._rng = np.random.default_rng(cfg.seed + 7)
        self._perm = self._rng.permutation(len(self.phi_train))
        self._pos = 0
        self.steps_done = 0
        self.diverged: str | None = None
        self.history = History()
        self._last_grads = [np.zeros_like(W) for W in self.net.W]
        self._record(self.evaluate())

    # ------------------------------------------------------------------ training
    def _next_batch(self) -> np.ndarray:
        if self._pos + self.batch_size > len(self._perm):
            self._perm = self._rng.permutation(len(self.phi_train))
            self._pos = 0
        idx = self._perm[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx

    def step(self, n: int = 1) -> dict[str, float]:
        """n minibatch steps, then the metrics on the full train and test sets."""
        cfg = self.cfg
        with np.errstate(all="ignore"):
            for _ in range(int(n)):
                if self.diverged:
                    break
                idx = self._next_batch()
                L, grads = self.net.loss_and_grads(
                    self.phi_train[idx], self.t_train[idx], self.loss, cfg.regularizer, cfg.reg_rate
                )
                self.steps_done += 1
                if not np.isfinite(L) or not all(np.isfinite(g).all() for g in grads):
                    self.diverged = f"the loss or a gradient overflowed at step {self.steps_done}"
                    break
                self._last_grads = grads[0::2]
                self.opt.step(grads)
                big = max(float(np.max(np.abs(p))) for p in self.net.params())
                if not np.isfinite(big) or big > WEIGHT_LIMIT:
                    self.diverged = (
                        f"a parameter reached {big:.3g} at step {self.steps_done} "
                        f"(limit {WEIGHT_LIMIT:.0e})"
                    )
        metrics = self.evaluate()
        self._record(metrics)
        return metrics

    # ------------------------------------------------------------------ evaluation
    @property
    def epoch(self) -> float:
        return self.steps_done * self.batch_size / len(self.phi_train)

    def _loss_acc(self, phi: np.ndarray, t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        z = self.net.logits(phi)
        L = loss_and_delta(self.loss, self.head, z, t)[0]
        if self.data.task != "classification":
            return L, float("nan")
        return L, float(np.mean(self.classify_logits(z) == y))

    def classify_logits(self, z: np.ndarray) -> np.ndarray:
        """Predicted class from logits: z > 0 (sigmoid head) or argmax (softmax)."""
        return (z[:, 0] > 0).astype(np.int64) if self.head != "softmax" else z.argmax(axis=1)

    def evaluate(self) -> dict[str, float]:
        """Data loss (no penalty) and accuracy on train and test; NaN after divergence."""
        if self.diverged:
            nan = float("nan")
            return {"loss": nan, "test_loss": nan, "epoch": self.epoch}
        with np.errstate(all="ignore"):
            L, acc = self._loss_acc(self.phi_train, self.t_train, self.data.y_train)
            Lt, acct = self._loss_acc(self.phi_test, self.t_test, self.data.y_test)
        m = {"loss": L, "test_loss": Lt, "epoch": self.epoch}
        if self.data.task == "classification":
            m["accuracy"], m["test_accuracy"] = acc, acct
        return m

    def _record(self, m: dict[str, float]) -> None:
        h = self.history
        h.step.append(self.steps_done)
        h.loss.append(m["loss"])
        h.test_loss.append(m["test_loss"])
        h.accuracy.append(m.get("accuracy", float("nan")))
        h.test_accuracy.append(m.get("test_accuracy", float("nan")))
        h.grad_norm.append([float(np.linalg.norm(g)) for g in self._last_grads])

    # ------------------------------------------------------------------ views
    def output(self, X: np.ndarray) -> np.ndarray:
        """Network output on raw 2-D points X (n, 2): P(y=1) (n,), class probs (n, K) or y_hat."""
        with np.errstate(all="ignore"):
            fw = self.net.forward(make_features(X, self.cfg.features))
        y_hat = fw.y_hat
        return y_hat if self.head == "softmax" else y_hat[:, 0]

    def hidden_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """a_l (n, n_l) of every hidden layer l = 1..L-1 on raw points X, plus the output."""
        with np.errstate(all="ignore"):
            fw = self.net.forward(make_features(X, self.cfg.features))
        return fw.a[1:]

    def confusion(self, test: bool = True) -> np.ndarray:
        """Confusion matrix on the test (or train) set (classification only)."""
        phi, y = (self.phi_test, self.data.y_test) if test else (self.phi_train, self.data.y_train)
        k = max(2, self.data.n_classes)
        with np.errstate(all="ignore"):
            return confusion_matrix(y, self.classify_logits(self.net.logits(phi)), k)

    def minibatch(self, size: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A fixed, seeded minibatch of training features and targets (for the gradient check)."""
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(self.phi_train), size=min(size, len(self.phi_train)), replace=False)
        return self.phi_train[idx], self.t_train[idx]
