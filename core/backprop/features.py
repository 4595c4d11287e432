"""Input features of the playground (TensorFlow Playground's seven), notes §1.1.

The MLP of §1.1 maps an input vector x to y_hat = sigma(W_k sigma(... sigma(W_1 x))). Here x is
not the raw point (x1, x2) but a chosen list of hand-made features of it:

    x1, x2, x1^2, x2^2, x1*x2, sin x1, sin x2

With only x1, x2 a network without hidden layers is a linear classifier (the perceptron's
limit, §1.1); adding x1*x2 makes XOR linearly separable in feature space, x1^2 + x2^2 does the
same for circles.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# name -> (label for the UI, phi(X) with X (n, 2) -> (n,))
FEATURES: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda X: X[:, 0]),
    "x2": ("x₂", lambda X: X[:, 1]),
    "x1^2": ("x₁²", lambda X: X[:, 0] ** 2),
    "x2^2": ("x₂²", lambda X: X[:, 1] ** 2),
    "x1*x2": ("x₁·x₂", lambda X: X[:, 0] * X[:, 1]),
    "sin(x1)": ("sin x₁", lambda X: np.sin(X[:, 0])),
    "sin(x2)": ("sin x₂", lambda X: np.sin(X[:, 1])),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def check_features(names) -> tuple[str, ...]:
    """Validate a feature selection; raise ValueError for an unknown or empty one."""
    names = tuple(names)
    for n in names:
        if n not in FEATURES:
            raise ValueError(f"unknown feature: {n!r}; choose from {', '.join(FEATURES)}")
    if not names:
        raise ValueError("no input feature selected; choose at least one of " + ", ".join(FEATURES))
    return names


def make_features(X: np.ndarray, names) -> np.ndarray:
    """phi(X): stack the chosen features of points X (n, 2) into (n, d) float64, in order."""
    names = check_features(names)
    X = np.asarray(X, dtype=np.float64)  # (n, 2)
    return np.stack([FEATURES[n][1](X) for n in names], axis=1)  # (n, d)


def feature_label(name: str) -> str:
    """The pretty label of a feature (x₁², sin x₁, ...)."""
    check_features([name])
    return FEATURES[name][0]
