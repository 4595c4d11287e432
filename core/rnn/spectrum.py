"""Vanishing and exploding gradients: the spectrum of W_h against the measured ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖ (§4.1).

    ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Π_{i=k+1..t} diag(σ'(a⁽ⁱ⁾)) W_h,   ‖diag(σ')‖ ≤ γ  (tanh: 1, sigmoid: 1/4)

Submultiplicativity gives the bound that always holds,

    ‖∂h⁽ᵗ⁾/∂h⁽ᵏ⁾‖₂ ≤ (γ σ_max(W_h))^(t−k),

so σ_max < 1/γ is *sufficient* for vanishing gradients (Pascanu, Mikolov & Bengio 2013).
**Where the notes are loose:** they bound with the largest eigenvalue λ₁ and use ‖W_h‖ = λ₁.
That holds for a symmetric (normal) W_h, where σ_max = |λ₁|. For a non-normal W_h, σ_max can be
far above the spectral radius ρ = max|λᵢ|: `non_normal` has ρ < 1, yet the measured norm grows
for many steps before it decays, above (γρ)^(t−k). The eigenvalues decide the *asymptotic* rate
(Gelfand: ‖Wⁿ‖^(1/n) → ρ), not every lag.

`jacobian_norms` measures the norms with torch.autograd (d backward passes give row j of every
∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ at once), independent of the hand product in `core.rnn.elman.bptt_terms`.
"""

from __future__ import annotations

import math

import torch

from core.rnn.elman import GAMMA, sigma

MATRICES = ("random", "orthogonal", "identity", "symmetric", "non_normal")


def make_W(kind: str, d: int = 8, scale: float = 0.9, seed: int = 0, shear: float = 2.0):
    """W_h (d, d) float64 of a given kind, scaled so that its spectral radius is `scale`.

    random: Gaussian; orthogonal: QR of a Gaussian (all |λ| = σ = scale); identity: scale·I;
    symmetric: (A + Aᵀ)/2 (normal: σ_max = ρ); non_normal: scale·I + shear·N with N the shift
    matrix (ones above the diagonal): every eigenvalue is `scale`, σ_max ≈ scale + shear.
    """
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(d, d, generator=g, dtype=torch.float64)
    if kind == "random":
        W = A
    elif kind == "orthogonal":
        W, _ = torch.linalg.qr(A)
    elif kind == "identity":
        W = torch.eye(d, dtype=torch.float64)
    elif kind == "symmetric":
        W = (A + A.T) / 2
    elif kind == "non_normal":
        return scale * torch.eye(d, dtype=torch.float64) + shear * torch.diag(
            torch.ones(d - 1, dtype=torch.float64), 1
        )
    else:
        raise ValueError(f"unknown matrix kind: {kind!r}; choose from {', '.join(MATRICES)}")
    return W * (scale / spectral_radius(W))


def eigenvalues(W: torch.Tensor) -> torch.Tensor:
    return torch.linalg.eigvals(W)  # complex (d,)


def spectral_radius(W: torch.Tensor) -> float:
    return float(eigenvalues(W).abs().max())


def sigma_max(W: torch.Tensor) -> float:
    return float(torch.linalg.matrix_norm(W, ord=2))


def states(
    W_h: torch.Tensor, act: str, T: int, seed: int = 0, x_scale: float = 1.0, D: int = 4
) -> list[torch.Tensor]:
    """Run h⁽ᵗ⁾ = σ(W_h h⁽ᵗ⁻¹⁾ + W_x x⁽ᵗ⁾) from h⁽⁰⁾ = 0 on seeded inputs x ~ N(0, x_scale²).

    Returns [h⁽⁰⁾ .. h⁽ᵀ⁾], one autograd graph, every h⁽ᵏ⁾ kept (retain_grad) to differentiate to.
    """
    d = W_h.shape[0]
    g = torch.Generator().manual_seed(seed)
    W_x = torch.randn(d, D, generator=g, dtype=torch.float64) / D**0.5
    xs = torch.randn(T, D, generator=g, dtype=torch.float64) * x_scale
    hs = [torch.zeros(d, dtype=torch.float64, requires_grad=True)]
    for t in range(T):
        hs.append(sigma(act, W_h @ hs[-1] + W_x @ xs[t]))
    return hs


def state_jacobian_norms(hs: list[torch.Tensor]) -> torch.Tensor:
    """‖∂h⁽ᵀ⁾/∂h⁽ᵏ⁾‖₂ by torch.autograd, returned by lag T − k = 1..T.

    One backward pass per output unit j gives row j of every ∂h⁽ᵀ⁾/∂h⁽ᵏ⁾ at once (d passes).
    The states may be any tensors on one graph (h, or the LSTM's (h, c) concatenated).
    """
    T, hT = len(hs) - 1, hs[-1]
    eye = torch.eye(hT.shape[0], dtype=hT.dtype)  # one backward per output unit j, batched (vmap)
    grads = torch.autograd.grad(
        hT, hs[:-1], grad_outputs=eye, is_grads_batched=True, retain_graph=True
    )  # grads[k][j] = ∂h_j⁽ᵀ⁾/∂h⁽ᵏ⁾, i.e. grads[k] = ∂h⁽ᵀ⁾/∂h⁽ᵏ⁾ (d_T, d_k)
    out = torch.zeros(T, dtype=torch.float64)
    for k in range(T):
        out[T - k - 1] = torch.linalg.matrix_norm(grads[k], ord=2)
    return out  # out[lag - 1]


def jacobian_norms(
    W_h: torch.Tensor, act: str = "tanh", T: int = 30, seed: int = 0, x_scale: float = 1.0
) -> dict:
    """The measured norms by lag 1..T, with the σ_max bound and the notes' eigenvalue 'bound'."""
    if act not in GAMMA:
        raise ValueError(f"unknown activation: {act!r}; choose from {', '.join(GAMMA)}")
    measured = state_jacobian_norms(states(W_h, act, T, seed, x_scale))
    lags = torch.arange(1, T + 1, dtype=torch.float64)
    gamma, s, rho = GAMMA[act], sigma_max(W_h), spectral_radius(W_h)
    return {
        "lag": lags.numpy(),
        "measured": measured.numpy(),
        "sigma_bound": ((gamma * s) ** lags).numpy(),  # (γσ_max)^(t−k): always above
        "eig_bound": ((gamma * rho) ** lags).numpy(),  # (γρ)^(t−k): the notes' claim
        "gamma": gamma,
        "sigma_max": s,
        "rho": rho,
    }


def power_norms(W: torch.Tensor, n: int) -> torch.Tensor:
    """‖Wⁿ‖₂ for n = 1..n: the linear RNN's exact Jacobian norms (a closed form to test against)."""
    out, P = [], torch.eye(W.shape[0], dtype=W.dtype)
    for _ in range(n):
        P = W @ P
        out.append(torch.linalg.matrix_norm(P, ord=2))
    return torch.stack(out)


def transient_peak(measured, eig_bound) -> dict:
    """Where the measured norm exceeds the eigenvalue 'bound' the most (None if it never does)."""
    ratio = [m / b if b > 0 else math.inf for m, b in zip(measured, eig_bound, strict=True)]
    j = max(range(len(ratio)), key=lambda i: ratio[i])
    return {"lag": j + 1, "ratio": float(ratio[j]), "violated": bool(ratio[j] > 1 + 1e-9)}
