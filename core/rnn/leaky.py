"""Gradient flow through time for three cells on the same sequence: Elman, leaky unit, LSTM (§4.2).

Leaky unit (the notes' form; α is the fraction of the old state kept):

    ĥ⁽ᵗ⁾ = tanh(W_h h⁽ᵗ⁻¹⁾ + W_x x⁽ᵗ⁾ + b),   h⁽ᵗ⁾ = α h⁽ᵗ⁻¹⁾ + (1 − α) ĥ⁽ᵗ⁾

    ∂h⁽ᵗ⁾/∂h⁽ᵗ⁻¹⁾ = α I + (1 − α) diag(tanh'(·)) W_h

so with α → 1 each step's Jacobian → I and the gradient neither vanishes nor explodes (but the
unit also stops listening to its input). The LSTM learns its α per unit and per step: along the
cell, ∂c⁽ᵗ⁾/∂c⁽ᵗ⁻¹⁾ = diag(f⁽ᵗ⁾) + (paths through h), so a forget bias b_f > 0 (f ≈ σ(b_f))
keeps the highway open.

`gradient_vs_lag` measures ‖∂s⁽ᵀ⁾/∂s⁽ᵏ⁾‖₂ by autograd, where s is the state the cell carries:
h for Elman and leaky, (h, c) concatenated for the LSTM.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.rnn.lstm import LSTMWeights, lstm_cell

CELLS = ("elman", "leaky", "lstm")


@dataclass(frozen=True)
class FlowConfig:
    d: int = 16  # hidden units
    D: int = 4  # input size
    T: int = 40  # sequence length = the largest lag shown
    scale: float = 1.0  # W_h ~ N(0, scale²/d): scale 1 sits at the edge of vanishing for tanh
    alpha: float = 0.9  # leaky unit: fraction of h⁽ᵗ⁻¹⁾ kept
    forget_bias: float = 1.0  # LSTM b_f
    seed: int = 0
    inputs: str = "random"  # one of INPUTS: the sequence every cell reads


INPUTS = ("random", "pulse", "sine")


def input_sequence(cfg: FlowConfig, g: torch.Generator) -> torch.Tensor:
    """xs (T, D): seeded N(0, 1) draws (always drawn, so the weights after them do not change),
    then replaced by a pulse (2 at t = 1, zeros after) or a slow sine when asked."""
    xs = torch.randn(cfg.T, cfg.D, generator=g, dtype=torch.float64)
    if cfg.inputs == "random":
        return xs
    if cfg.inputs == "pulse":
        xs = torch.zeros(cfg.T, cfg.D, dtype=torch.float64)
        xs[0] = 2.0
        return xs
    if cfg.inputs == "sine":
        t = torch.arange(cfg.T, dtype=torch.float64)[:, None]
        return torch.sin(2 * torch.pi * t / 20 + torch.arange(cfg.D, dtype=torch.float64))
    raise ValueError(f"unknown input pattern: {cfg.inputs!r}; choose from {', '.join(INPUTS)}")


def leaky_step(W_h, W_x, b, alpha: float, h, x):
    """h⁽ᵗ⁾ = α h⁽ᵗ⁻¹⁾ + (1 − α) tanh(W_h h⁽ᵗ⁻¹⁾ + W_x x⁽ᵗ⁾ + b); h (B, d), x (D,)."""
    return alpha * h + (1 - alpha) * torch.tanh(h @ W_h.T + W_x @ x + b)


def run_cell(cell: str, cfg: FlowConfig) -> dict:
    """Run one cell on the config's seeded sequence.

    Returns the states s⁽⁰..ᵀ⁾ (T+1, n), the step map ``step(s, t) -> s⁽ᵗ⁺¹⁾`` and, for the
    LSTM, its gates f, i, g, o and h, c stacked over time (T, d). Elman is the leaky unit at
    α = 0; all three share the seeded inputs, and Elman/leaky share W_h, W_x, b.
    """
    if cell not in CELLS:
        raise ValueError(f"unknown cell: {cell!r}; choose from {', '.join(CELLS)}")
    g = torch.Generator().manual_seed(cfg.seed)
    xs = input_sequence(cfg, g)  # (T, D)
    W_h = torch.randn(cfg.d, cfg.d, generator=g, dtype=torch.float64) * cfg.scale / cfg.d**0.5
    W_x = torch.randn(cfg.d, cfg.D, generator=g, dtype=torch.float64) / cfg.D**0.5
    b = torch.zeros(cfg.d, dtype=torch.float64)
    d, out = cfg.d, {}
    if cell in ("elman", "leaky"):
        alpha = 0.0 if cell == "elman" else cfg.alpha

        def step(s, t):
            return leaky_step(W_h, W_x, b, alpha, s, xs[t])

        s0 = torch.zeros(d, dtype=torch.float64)
    else:
        w = LSTMWeights.random(cfg.D, d, seed=cfg.seed, forget_bias=cfg.forget_bias)
        w = LSTMWeights(w.W_x, w.W_h * cfg.scale, w.b)

        def step(s, t):  # s = (h, c) concatenated (B, 2d)
            h, c, gates = lstm_cell(w, xs[t].expand(len(s), -1), s[:, :d], s[:, d:])
            out["_gates"] = gates
            return torch.cat([h, c], dim=1)

        s0 = torch.zeros(2 * d, dtype=torch.float64)
    states, gates = [s0[None]], []
    with torch.no_grad():
        for t in range(cfg.T):
            states.append(step(states[-1], t))
            gates.append(out.get("_gates"))
    result = {"states": torch.cat(states), "step": step}  # (T+1, n)
    if cell == "lstm":
        for k in ("f", "i", "g", "o"):
            result[k] = torch.cat([gt[k] for gt in gates])  # (T, d)
        result["h"], result["c"] = result["states"][1:, :d], result["states"][1:, d:]
    return result


def step_jacobian(step, s: torch.Tensor, t: int) -> torch.Tensor:
    """∂s⁽ᵗ⁺¹⁾/∂s⁽ᵗ⁾ (n, n) by autograd: n copies of s in one batch, one backward pass.

    Copy j's output is weighted by the basis vector e_j, so the gradient that lands on copy j
    is row j of the Jacobian.
    """
    n = s.shape[0]
    batch = s.detach().expand(n, n).clone().requires_grad_(True)  # (n, n), row j = s
    eye = torch.eye(n, dtype=s.dtype)
    (J,) = torch.autograd.grad((step(batch, t) * eye).sum(), batch)
    return J  # J[j, m] = ∂s_j⁽ᵗ⁺¹⁾/∂s_m⁽ᵗ⁾


def chained_jacobian_norms(states: torch.Tensor, step) -> torch.Tensor:
    """‖∂s⁽ᵀ⁾/∂s⁽ᵏ⁾‖₂ by lag T − k = 1..T.

    Each one-step Jacobian comes from autograd (`step_jacobian`); the chain rule multiplies
    them from the end: J_{T←k} = J_{T←k+1} · ∂s⁽ᵏ⁺¹⁾/∂s⁽ᵏ⁾.
    """
    T = states.shape[0] - 1
    J = torch.eye(states.shape[1], dtype=states.dtype)
    products = []  # J_{T←k} for lag T − k = 1..T
    for k in range(T - 1, -1, -1):
        J = J @ step_jacobian(step, states[k], k)
        products.append(J)
    return torch.linalg.matrix_norm(torch.stack(products), ord=2).double()  # one batched SVD


def gradient_vs_lag(cfg: FlowConfig) -> dict[str, torch.Tensor]:
    """{cell: ‖∂s⁽ᵀ⁾/∂s⁽ᵏ⁾‖₂ by lag 1..T} for the three cells."""
    out = {}
    for cell in CELLS:
        r = run_cell(cell, cfg)
        out[cell] = chained_jacobian_norms(r["states"], r["step"])
    return out
