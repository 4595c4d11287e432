"""Universal approximation with one hidden layer, notes §1.5 (Hornik et al., 1989).

On I_1 = [0, 1] a target g is approximated by n hidden units and a linear read-out,

    f_theta(x) = v_0 + sum_{i=1}^n v_i sigma(w_i x + b_i).

(v_0 is an output bias: the theorem's sum absorbs it as a unit with b -> infinity, sigma = 1.)

Construction used here (the constructive proof's idea, made exact with least squares): unit i is
a soft step (sigmoid / tanh) or hinge (ReLU) centred at c_i = i / n, i.e. w_i = s n and
b_i = -w_i c_i with steepness s (default 4) for the bounded activations, w_i = 1 for ReLU; the
read-out (v_0, v) is then the least-squares solution on a dense grid. More units mean finer steps,
so max_x |f(x) - g(x)| shrinks with n for continuous g; at a jump (step, sawtooth, square wave)
it stays near half the jump, because the theorem needs g continuous. Targets come from a fixed
list: no user code is evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.backprop.activations import get_activation

TARGETS = {
    "sin": ("sin 2πx", lambda x: np.sin(2 * np.pi * x)),
    "gaussian_bump": (
        "Gaussian bump exp(−(x−½)²/0.02)",
        lambda x: np.exp(-((x - 0.5) ** 2) / 0.02),
    ),
    "abs": ("|2x − 1|", lambda x: np.abs(2 * x - 1)),
    "x_squared": ("x²", lambda x: x**2),
    "step": ("step 1{x > ½}", lambda x: (x > 0.5).astype(np.float64)),
    "sawtooth": ("sawtooth 3x mod 1", lambda x: np.mod(3 * x, 1.0)),
    "square_wave": ("square wave sign sin 4πx", lambda x: np.sign(np.sin(4 * np.pi * x))),
    "wiggle": ("sin 6πx · x", lambda x: x * np.sin(6 * np.pi * x)),
}
UA_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def target_fn(name: str):
    if name not in TARGETS:
        raise ValueError(f"unknown target: {name!r}; choose from {', '.join(TARGETS)}")
    return TARGETS[name][1]


@dataclass(frozen=True)
class UAFit:
    """x (G,), g(x) (G,), units v_i sigma(w_i x + b_i) (n, G), fit f(x) (G,), w, b, v (n,), v0."""

    x: np.ndarray
    g: np.ndarray
    units: np.ndarray
    fit: np.ndarray
    w: np.ndarray
    b: np.ndarray
    v: np.ndarray
    v0: float

    @property
    def max_error(self) -> float:
        return float(np.max(np.abs(self.fit - self.g)))


def fit_universal(
    target: str, n: int, activation: str = "sigmoid", steepness: float = 4.0, n_grid: int = 401
) -> UAFit:
    """Fit n units of ``activation`` to ``target`` on [0, 1] (see the module docstring)."""
    if n < 1:
        raise ValueError(f"need at least one hidden unit, got {n}")
    if activation not in UA_ACTIVATIONS:
        raise ValueError(
            f"unknown activation: {activation!r}; choose from {', '.join(UA_ACTIVATIONS)}"
        )
    sigma = get_activation(activation).f
    x = np.linspace(0.0, 1.0, n_grid)  # (G,)
    g = target_fn(target)(x)
    c = np.arange(n) / n  # centres c_i
    if activation == "relu":
        w = np.ones(n)
    else:
        w = np.full(n, steepness * n)
    b = -w * c
    H = sigma(np.outer(x, w) + b)  # (G, n): sigma(w_i x + b_i)
    # (v_0, v) = argmin ||v_0 + H v - g||^2 (minimum-norm least squares, via the SVD)
    A = np.hstack([np.ones((n_grid, 1)), H])  # (G, n + 1)
    coef = np.linalg.lstsq(A, g, rcond=1e-12)[0]
    v0, v = float(coef[0]), coef[1:]
    units = (H * v).T  # (n, G): v_i sigma(w_i x + b_i)
    return UAFit(x, g, units, v0 + units.sum(axis=0), w, b, v, v0)


def max_error_curve(target: str, ns, activation: str = "sigmoid") -> np.ndarray:
    """max_x |f_n(x) - g(x)| for every n in ``ns``."""
    return np.array([fit_universal(target, int(n), activation).max_error for n in ns])
