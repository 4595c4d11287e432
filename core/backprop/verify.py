"""Checks of the hand backprop (§1.3): torch.autograd and central finite differences.

Two independent references for dL/dtheta of the same network, loss and penalty:

* `autograd_grads`: the same forward written with torch's own primitives (torch.tanh,
  F.binary_cross_entropy_with_logits, F.cross_entropy, ...) in float64, differentiated by
  ``torch.autograd.grad``;
* `finite_difference_grads`: (L(theta + h e_i) - L(theta - h e_i)) / 2h for chosen parameter
  indices i; truncation error O(h^2), so with h = 1e-5 in float64 it agrees to ~1e-9 away from
  kinks (ReLU at 0, |.| at 0, the step's jump).

`gradient_check` returns both max |Delta| numbers that the page displays live.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.backprop.mlp import MLP


def _torch_sigma(name: str, z: torch.Tensor) -> torch.Tensor:
    if name == "linear":
        return z
    if name == "step":
        return (z > 0).to(z.dtype) + 0.0 * z  # piecewise constant: gradient 0, kept in the graph
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return torch.relu(z)
    raise ValueError(f"unknown activation: {name!r}")


def autograd_loss(
    net: MLP, Ws, bs, x: torch.Tensor, t: torch.Tensor, loss: str, reg: str, lam: float
) -> torch.Tensor:
    """L(theta) in torch float64, written independently of the numpy code."""
    a = x
    L = len(Ws)
    for l in range(L):
        z = a @ Ws[l] + bs[l]
        a = _torch_sigma(net.cfg.activation, z) if l < L - 1 else z
    z = a  # logits z_L  # (B, K)
    head = net.cfg.head
    if loss == "bce":
        data = F.binary_cross_entropy_with_logits(z, t, reduction="sum") / z.shape[0]
    elif loss == "softmax_ce":
        data = F.cross_entropy(z, t.argmax(dim=1), reduction="mean")
    else:
        y_hat = torch.sigmoid(z) if head == "sigmoid" else z
        if loss == "mse":
            data = 0.5 * F.mse_loss(y_hat, t, reduction="sum") / z.shape[0]
        elif loss == "l1":
            data = F.l1_loss(y_hat, t, reduction="sum") / z.shape[0]
        else:
            raise ValueError(f"unknown loss: {loss!r}")
    if reg == "l2" and lam:
        data = data + lam * sum((W**2).sum() for W in Ws)
    elif reg == "l1" and lam:
        data = data + lam * sum(W.abs().sum() for W in Ws)
    return data


def autograd_grads(
    net: MLP, x: np.ndarray, t: np.ndarray, loss: str, reg: str = "none", lam: float = 0.0
) -> tuple[float, list[np.ndarray]]:
    """(L, grads) from torch.autograd in float64, in `MLP.params` order."""
    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in net.W]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in net.b]
    xt = torch.as_tensor(np.asarray(x, np.float64))
    tt = torch.as_tensor(np.asarray(t, np.float64))
    L = autograd_loss(net, Ws, bs, xt, tt, loss, reg, lam)
    flat = [p for pair in zip(Ws, bs, strict=False) for p in pair]
    gs = torch.autograd.grad(L, flat, allow_unused=True)
    return float(L.detach()), [
        np.zeros(p.shape) if g is None else g.detach().numpy()
        for p, g in zip(flat, gs, strict=False)
    ]


def finite_difference_grads(
    net: MLP,
    x: np.ndarray,
    t: np.ndarray,
    loss: str,
    reg: str = "none",
    lam: float = 0.0,
    h: float = 1e-5,
    indices=None,
) -> list[tuple[int, int, float]]:
    """Central differences (L(theta + h e_i) - L(theta - h e_i)) / 2h.

    ``indices``: list of (param index, flat index) pairs; None means every parameter.
    Returns [(param index, flat index, estimate)].
    """
    params = net.params()
    if indices is None:
        indices = [(p, i) for p, P in enumerate(params) for i in range(P.size)]
    out = []
    for p, i in indices:
        P = params[p].reshape(-1)  # a view: perturbs the network in place
        old = P[i]
        P[i] = old + h
        lp = net.loss_value(x, t, loss, reg, lam)
        P[i] = old - h
        lm = net.loss_value(x, t, loss, reg, lam)
        P[i] = old
        out.append((p, i, (lp - lm) / (2 * h)))
    return out


def sample_indices(net: MLP, k: int, seed: int = 0) -> list[tuple[int, int]]:
    """Up to ``k`` (param, flat index) pairs, every parameter tensor represented, seeded."""
    rng = np.random.default_rng(seed)
    params = net.params()
    every = [(p, i) for p, P in enumerate(params) for i in range(P.size)]
    if len(every) <= k:
        return every
    chosen = {(p, int(rng.integers(P.size))) for p, P in enumerate(params)}
    rest = [e for e in every if e not in chosen]
    extra = rng.choice(len(rest), size=max(0, k - len(chosen)), replace=False)
    return sorted(chosen | {rest[j] for j in extra})


KINKED = ("relu", "step")  # activations with a kink (or jump) at z = 0


def _kink_pattern(net: MLP, x: np.ndarray, t: np.ndarray, loss: str, reg: str) -> np.ndarray:
    """Which side of every kink the loss sits on, as one boolean vector.

    The kinks of L(theta): z = 0 of a ReLU/step hidden unit (every sample), y_hat - t = 0 of the
    L1 loss, W = 0 of the L1 penalty. Where theta +- h e_i give different patterns, the central
    difference straddles a kink: it estimates the average of two one-sided slopes, not the
    gradient, and hand backprop (sigma'(0) = 0 by convention) cannot match it.
    """
    fw = net.forward(x)
    parts = []
    if net.cfg.activation in KINKED:
        parts += [(z > 0).ravel() for z in fw.z[1:-1]]  # hidden pre-activations z_l
    if loss == "l1":
        parts.append((fw.a[-1] - t > 0).ravel())
    if reg == "l1":
        parts += [(W > 0).ravel() for W in net.W]
    return np.concatenate(parts) if parts else np.zeros(0, bool)


def kink_crossings(
    net: MLP,
    x: np.ndarray,
    t: np.ndarray,
    loss: str,
    reg: str,
    indices,
    h: float = 1e-5,
) -> list[bool]:
    """For each (param, flat index): does theta +- h e_i straddle a kink of L (`_kink_pattern`)?"""
    net = net.copy()
    params = net.params()
    out = []
    for p, i in indices:
        P = params[p].reshape(-1)
        old = P[i]
        P[i] = old + h
        plus = _kink_pattern(net, x, t, loss, reg)
        P[i] = old - h
        minus = _kink_pattern(net, x, t, loss, reg)
        P[i] = old
        out.append(bool(np.any(plus != minus)))
    return out


@dataclass(frozen=True)
class GradCheck:
    """max |hand - autograd| over all parameters; max |hand - FD| over the ``n_fd`` sampled
    parameters whose +-h perturbation stays on one side of every kink (``n_kink`` of them
    straddle a ReLU/step/|.| kink and are reported apart, with their own max |Delta|)."""

    loss: float
    max_abs_autograd: float
    max_abs_fd: float
    n_params: int
    n_fd: int
    max_abs_grad: float
    n_kink: int = 0
    max_abs_fd_kink: float = 0.0


def gradient_check(
    net: MLP,
    x: np.ndarray,
    t: np.ndarray,
    loss: str,
    reg: str = "none",
    lam: float = 0.0,
    n_fd: int = 64,
    seed: int = 0,
) -> GradCheck:
    """Compare the hand gradients with autograd (all) and finite differences (``n_fd`` of them);
    perturbations that straddle a kink (`kink_crossings`) are counted apart, not compared."""
    net = net.copy()
    L, hand = net.loss_and_grads(x, t, loss, reg, lam)
    _, ref = autograd_grads(net, x, t, loss, reg, lam)
    d_auto = max(float(np.max(np.abs(g - r))) for g, r in zip(hand, ref, strict=False))
    idx = sample_indices(net, n_fd, seed)
    fd = finite_difference_grads(net, x, t, loss, reg, lam, indices=idx)
    kinked = kink_crossings(net, x, t, loss, reg, idx)
    d = [abs(hand[p].reshape(-1)[i] - est) for p, i, est in fd]
    smooth = [v for v, k in zip(d, kinked, strict=True) if not k]
    at_kink = [v for v, k in zip(d, kinked, strict=True) if k]
    return GradCheck(
        loss=L,
        max_abs_autograd=d_auto,
        max_abs_fd=float(max(smooth, default=0.0)),
        n_params=sum(g.size for g in hand),
        n_fd=len(idx),
        max_abs_grad=max(float(np.max(np.abs(g))) for g in hand),
        n_kink=len(at_kink),
        max_abs_fd_kink=float(max(at_kink, default=0.0)),
    )
