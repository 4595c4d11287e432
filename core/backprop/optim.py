"""First-order optimisers on lists of numpy parameters, notes §1.3.

Gradient descent (§1.3) is theta <- theta - eta grad_theta L. Its two common refinements:

    SGD       theta <- theta - eta g
    momentum  v <- mu v + g;               theta <- theta - eta v           (heavy ball, mu = 0.9)
    Adam      m <- b1 m + (1 - b1) g;      s <- b2 s + (1 - b2) g^2
              m_hat = m / (1 - b1^t);      s_hat = s / (1 - b2^t)
              theta <- theta - eta m_hat / (sqrt(s_hat) + eps)    (b1 0.9, b2 0.999, eps 1e-8)

Updates are in place, so an `MLP`'s own arrays move.
"""

from __future__ import annotations

import numpy as np


class SGD:
    """theta <- theta - eta g."""

    def __init__(self, params: list[np.ndarray], lr: float):
        self.params, self.lr = params, float(lr)

    def step(self, grads: list[np.ndarray]) -> None:
        for p, g in zip(self.params, grads, strict=False):
            p -= self.lr * g


class Momentum:
    """v <- mu v + g; theta <- theta - eta v (mu = 0.9: the usual heavy-ball constant)."""

    def __init__(self, params: list[np.ndarray], lr: float, mu: float = 0.9):
        self.params, self.lr, self.mu = params, float(lr), float(mu)
        self.v = [np.zeros_like(p) for p in params]

    def step(self, grads: list[np.ndarray]) -> None:
        for p, v, g in zip(self.params, self.v, grads, strict=False):
            v *= self.mu
            v += g
            p -= self.lr * v


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction; defaults are the paper's."""

    def __init__(
        self,
        params: list[np.ndarray],
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ):
        self.params, self.lr = params, float(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.s = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for p, m, s, g in zip(self.params, self.m, self.s, grads, strict=False):
            m *= self.beta1
            m += (1.0 - self.beta1) * g  # m = b1 m + (1 - b1) g
            s *= self.beta2
            s += (1.0 - self.beta2) * g * g  # s = b2 s + (1 - b2) g^2
            p -= self.lr * (m / c1) / (np.sqrt(s / c2) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, params: list[np.ndarray], lr: float):
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer: {name!r}; choose from {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr)
