"""Rosenblatt's perceptron and Novikoff's mistake bound, notes §1.1.

Prediction with the step non-linearity on the augmented input x~ = (x, 1), theta = (w, b):

    y_hat = 1{w^T x + b > 0} = 1{theta^T x~ > 0}

Learning rule, applied to each point in turn (cycling through the data in epochs):

    theta <- theta + eta (y_i - y_hat_i) x~_i          # residual in {-1, 0, +1}

Novikoff (1962): if some unit vector u separates the data with margin
gamma = min_i s_i u^T x~_i > 0 (s_i = 2 y_i - 1 in {-1, +1}) and R = max_i ||x~_i||, then from
theta = 0 the rule makes at most (R / gamma)^2 mistakes (updates), for any eta > 0. Any
separating u gives a valid bound; `novikoff_bound` uses the max-margin one (tightest).
On XOR no separating u exists and the rule never stops updating.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog, minimize


def augment(X: np.ndarray) -> np.ndarray:
    """x~ = (x1, x2, 1). # (n, 2) -> (n, 3)"""
    X = np.asarray(X, np.float64)
    return np.hstack([X, np.ones((len(X), 1))])


def separable_set(
    n: int = 40, margin: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform on [-1, 1]^2 labelled by the line x1 + 0.3 x2 + 0.1 = 0, none closer
    than ``margin`` to it (rejection sampling, seeded): linearly separable by construction."""
    rng = np.random.default_rng(seed)
    w_true, b_true = np.array([1.0, 0.3]), 0.1
    keep: list[np.ndarray] = []
    while sum(len(k) for k in keep) < n:
        X = rng.uniform(-1.0, 1.0, size=(4 * n, 2))
        d = (X @ w_true + b_true) / np.linalg.norm(w_true)  # signed distance to the line
        keep.append(X[np.abs(d) >= margin])
    X = np.concatenate(keep)[:n]
    y = (X @ w_true + b_true > 0).astype(np.int64)
    return X, y


@dataclass(frozen=True)
class PerceptronRun:
    """thetas[u] = (w1, w2, b) after u updates (thetas[0] = 0); who[u-1] = (epoch, i) of the
    point that caused update u; mistakes_per_epoch; converged = an epoch without mistakes."""

    thetas: np.ndarray
    who: np.ndarray
    mistakes_per_epoch: list
    converged: bool
    epochs: int

    @property
    def n_updates(self) -> int:
        return len(self.thetas) - 1


def rosenblatt(
    X: np.ndarray, y: np.ndarray, eta: float = 1.0, max_epochs: int = 100
) -> PerceptronRun:
    """Run the perceptron rule from theta = 0 until an error-free epoch or ``max_epochs``."""
    Xa = augment(X)  # (n, 3)
    y = np.asarray(y, np.int64)
    theta = np.zeros(3)
    thetas, who, per_epoch = [theta.copy()], [], []
    converged = False
    for epoch in range(max_epochs):
        mistakes = 0
        for i in range(len(Xa)):
            y_hat = int(theta @ Xa[i] > 0)  # y_hat = 1{theta^T x~ > 0}
            if y_hat != y[i]:
                theta = theta + eta * (y[i] - y_hat) * Xa[i]
                thetas.append(theta.copy())
                who.append((epoch, i))
                mistakes += 1
        per_epoch.append(mistakes)
        if mistakes == 0:
            converged = True
            break
    return PerceptronRun(
        np.array(thetas),
        np.array(who, dtype=np.int64).reshape(-1, 2),
        per_epoch,
        converged,
        len(per_epoch),
    )


class PerceptronReplay:
    """A stepper over a finished `rosenblatt` run: ``step(n)`` reveals the next n updates.

    The rule itself is instant on a few hundred points; replaying its recorded thetas lets the
    page animate it update by update (``steps_done`` = updates shown) with the shared
    live-training controls, and lets the progress plot show the whole run with a cursor.
    """

    def __init__(self, run: PerceptronRun):
        self.run = run
        self.steps_done = 0

    def step(self, n: int = 1) -> dict[str, float]:
        self.steps_done = min(self.steps_done + int(n), self.run.n_updates)
        return self.metrics()

    def metrics(self) -> dict[str, float]:
        u = self.steps_done
        epoch = int(self.run.who[u - 1, 0]) + 1 if u > 0 else 0
        return {"updates": float(u), "epoch": float(epoch), "done": float(u >= self.run.n_updates)}


@dataclass(frozen=True)
class NovikoffBound:
    """separable: a separating u exists; R, gamma (of unit-norm u), bound = (R / gamma)^2."""

    separable: bool
    R: float
    gamma: float
    bound: float
    u: np.ndarray


def novikoff_bound(X: np.ndarray, y: np.ndarray) -> NovikoffBound:
    """R = max ||x~||; the max-margin u (hard-margin SVM through the origin of x~-space)."""
    Xa = augment(X)
    s = 2.0 * np.asarray(y, np.float64) - 1.0  # labels in {-1, +1}
    R = float(np.max(np.linalg.norm(Xa, axis=1)))
    A = s[:, None] * Xa  # rows s_i x~_i
    # feasibility: is there u with s_i u^T x~_i >= 1 for all i?  (linear program)
    lp = linprog(
        np.zeros(3), A_ub=-A, b_ub=-np.ones(len(A)), bounds=[(None, None)] * 3, method="highs"
    )
    if lp.status != 0:
        return NovikoffBound(False, R, float("nan"), float("inf"), np.zeros(3))
    # max margin: min 1/2 ||u||^2 s.t. A u >= 1, started from the feasible LP point
    qp = minimize(
        lambda u: 0.5 * u @ u,
        lp.x,
        jac=lambda u: u,
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda u: A @ u - 1.0, "jac": lambda u: A}],
        options={"maxiter": 200, "ftol": 1e-12},
    )
    u = qp.x if qp.success and np.min(A @ qp.x) > 0 else lp.x
    gamma = float(np.min(A @ u) / np.linalg.norm(u))  # margin of the unit vector u/||u||
    return NovikoffBound(True, R, gamma, (R / gamma) ** 2, u / np.linalg.norm(u))
