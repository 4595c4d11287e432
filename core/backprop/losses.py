"""Losses of notes §1.2 as negative log-likelihoods, with the output delta for backprop (§1.3).

For a minibatch of B points the data loss is the mean of the per-point loss ell:

    bce         ell = -[y log y_hat + (1 - y) log(1 - y_hat)],   y_hat = sigmoid(z)  (Bernoulli)
    mse         ell = 1/2 ||y - y_hat||_2^2                      (Gaussian; the 1/2 of §1.3)
    l1          ell = ||y - y_hat||_1                            (Laplace)
    softmax_ce  ell = -log softmax(z)_y                          (categorical)

`loss_and_delta` returns L, dL/dy_hat and delta_L = dL/dz_L (the output pre-activation). For
BCE + sigmoid and softmax + CE the chain-rule product collapses to (y_hat - y) / B, computed in
that fused, overflow-free form; dL/dy_hat is still returned so the step-through can show
both chain-rule factors.

Regularisation (MAP with a prior on the weights, §1.2), applied to weights, not biases:

    L2  lambda * sum W^2    (Gaussian prior: ridge)      d/dW = 2 lambda W
    L1  lambda * sum |W|    (Laplace prior: sparsity)    d/dW = lambda sign(W)
"""

from __future__ import annotations

import numpy as np

from core.backprop.activations import head_forward

LOSSES: dict[str, str] = {
    "bce": "binary cross-entropy (Bernoulli MLE)",
    "mse": "mean squared error ½(y−ŷ)² (Gaussian MLE)",
    "l1": "L1 |y−ŷ| (Laplace MLE)",
    "softmax_ce": "softmax + cross-entropy (categorical MLE)",
}
REGULARIZERS: dict[str, str] = {
    "none": "none (MLE)",
    "l2": "L2 λ‖W‖² (Gaussian prior, MAP)",
    "l1": "L1 λ‖W‖₁ (Laplace prior, MAP)",
}


def check_loss(name: str) -> str:
    if name not in LOSSES:
        raise ValueError(f"unknown loss: {name!r}; choose from {', '.join(LOSSES)}")
    return name


def head_for(loss: str, task: str) -> str:
    """The output non-linearity the loss implies: sigmoid, softmax or identity (regression)."""
    check_loss(loss)
    if loss == "bce":
        return "sigmoid"
    if loss == "softmax_ce":
        return "softmax"
    return "identity" if task == "regression" else "sigmoid"


def targets(y: np.ndarray, n_out: int, head: str) -> np.ndarray:
    """Labels as the (B, n_out) float64 target matrix: one-hot for softmax, a column otherwise."""
    y = np.asarray(y)
    if head == "softmax":
        t = np.zeros((len(y), n_out))
        t[np.arange(len(y)), y.astype(np.int64)] = 1.0
        return t
    return y.astype(np.float64).reshape(-1, 1)


def loss_and_delta(loss: str, head: str, z: np.ndarray, t: np.ndarray):
    """(L, y_hat, dL/dy_hat, delta_L) for output pre-activations z (B, K) and targets t (B, K)."""
    check_loss(loss)
    B = z.shape[0]
    y_hat = head_forward(head, z)  # (B, K)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if loss == "bce":
            if head != "sigmoid":
                raise ValueError("bce needs the sigmoid head")
            # -[t log s + (1-t) log(1-s)] = softplus(z) - t z, overflow-free
            L = float(np.mean(np.sum(np.logaddexp(0.0, z) - t * z, axis=1)))
            dL_dyhat = (y_hat - t) / (y_hat * (1.0 - y_hat)) / B
            delta = (y_hat - t) / B
        elif loss == "softmax_ce":
            if head != "softmax":
                raise ValueError("softmax_ce needs the softmax head")
            m = z.max(axis=1, keepdims=True)
            log_sm = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
            L = float(-np.mean(np.sum(t * log_sm, axis=1)))
            dL_dyhat = -t / y_hat / B
            delta = (y_hat - t) / B
        else:
            r = y_hat - t  # residual (B, K)
            if loss == "mse":
                L = float(np.mean(0.5 * np.sum(r * r, axis=1)))
                dL_dyhat = r / B
            else:  # l1
                L = float(np.mean(np.sum(np.abs(r), axis=1)))
                dL_dyhat = np.sign(r) / B
            delta = dL_dyhat * head_derivative(head, z, y_hat)
    return L, y_hat, dL_dyhat, delta


def head_derivative(head: str, z: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    """Elementwise d y_hat / d z for the sigmoid and identity heads (softmax is not diagonal)."""
    if head == "sigmoid":
        return y_hat * (1.0 - y_hat)
    if head == "identity":
        return np.ones_like(z)
    raise ValueError("the softmax Jacobian is not diagonal; use the fused softmax_ce delta")


def reg_value(weights, kind: str, lam: float) -> float:
    """Penalty lambda * sum W^2 (l2) or lambda * sum |W| (l1) over the weight matrices."""
    if kind == "none" or lam == 0.0:
        return 0.0
    if kind == "l2":
        return float(lam * sum(np.sum(W * W) for W in weights))
    if kind == "l1":
        return float(lam * sum(np.sum(np.abs(W)) for W in weights))
    raise ValueError(f"unknown regularizer: {kind!r}; choose from {', '.join(REGULARIZERS)}")


def reg_grad(W: np.ndarray, kind: str, lam: float) -> np.ndarray:
    """d penalty / dW: 2 lambda W (l2), lambda sign(W) (l1), 0 (none)."""
    if kind == "none" or lam == 0.0:
        return np.zeros_like(W)
    if kind == "l2":
        return 2.0 * lam * W
    if kind == "l1":
        return lam * np.sign(W)
    raise ValueError(f"unknown regularizer: {kind!r}; choose from {', '.join(REGULARIZERS)}")
