"""Activation functions sigma and their derivatives sigma'(z), notes §1.1 and §1.4.

Backpropagation (§1.3) needs only the derivative of each primitive. Each entry gives
``f(z) -> a`` and ``df(z, a) -> sigma'(z)`` (``a`` is passed so sigmoid and tanh reuse it):

    linear   sigma(z) = z                 sigma'(z) = 1     (an MLP of these is affine, §1.4)
    step     sigma(z) = 1{z > 0}          sigma'(z) = 0 almost everywhere (Rosenblatt, §1.1)
    sigmoid  sigma(z) = 1 / (1 + e^-z)    sigma'(z) = sigma(z) (1 - sigma(z))
    tanh     sigma(z) = tanh z            sigma'(z) = 1 - tanh(z)^2
    ReLU     sigma(z) = max(z, 0)         sigma'(z) = 1{z > 0}

The step's derivative is honest: zero wherever it exists, so backprop sends no gradient through a
step layer (the perceptron needs its own learning rule, see `perceptron`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function (no overflow warning for large |z|)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # in (0, 1]
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True)
class Activation:
    """``f``: z -> sigma(z); ``df``: (z, a) -> sigma'(z); ``label`` for the UI."""

    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray, np.ndarray], np.ndarray]
    label: str


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(lambda z: z, lambda z, a: np.ones_like(z), "linear"),
    "step": Activation(
        lambda z: (z > 0).astype(np.float64),
        lambda z, a: np.zeros_like(z),
        "step 1{z>0} (perceptron)",
    ),
    "sigmoid": Activation(sigmoid, lambda z, a: a * (1.0 - a), "sigmoid"),
    "tanh": Activation(np.tanh, lambda z, a: 1.0 - a * a, "tanh"),
    "relu": Activation(
        lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64), "ReLU"
    ),
}


def get_activation(name: str) -> Activation:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation: {name!r}; choose from {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]


# Output heads: the last layer's non-linearity, fixed by the loss and the task (§1.2).
#   sigmoid: y_hat = P(y=1) for Bernoulli / BCE (and for MSE/L1 on 0/1 labels, as in §1.3)
#   softmax: y_hat_k = P(y=k) for the categorical / softmax cross-entropy
#   identity: y_hat = z for regression (Gaussian -> MSE, Laplace -> L1)
HEADS = ("sigmoid", "softmax", "identity")


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = exp(z_k) / sum_j exp(z_j), row-wise and stable. # (B, K) -> (B, K)"""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def head_forward(head: str, z: np.ndarray) -> np.ndarray:
    """y_hat = head(z_L) for the output pre-activation z_L (B, n_out)."""
    if head == "sigmoid":
        return sigmoid(z)
    if head == "softmax":
        return softmax(z)
    if head == "identity":
        return z
    raise ValueError(f"unknown head: {head!r}; choose from {', '.join(HEADS)}")
