"""The Elman RNN and backpropagation through time, by hand (notes §4.1).

    a⁽ᵗ⁾ = W_h h⁽ᵗ⁻¹⁾ + W_x x⁽ᵗ⁾ + b          (d,)
    h⁽ᵗ⁾ = σ(a⁽ᵗ⁾)                            σ = tanh (the notes), sigmoid or linear
    ŷ⁽ᵗ⁾ = W_y h⁽ᵗ⁾                            (O,)
    ℓ⁽ᵗ⁾ = ½ ‖ŷ⁽ᵗ⁾ − y⁽ᵗ⁾‖²,   L = Σ_t ℓ⁽ᵗ⁾

BPTT writes the gradient of one loss term as a sum over the earlier steps k:

    ∂ℓ⁽ᵗ⁾/∂W_h = Σ_{k=1..t} ∂ℓ⁽ᵗ⁾/∂ŷ⁽ᵗ⁾ · ∂ŷ⁽ᵗ⁾/∂h⁽ᵗ⁾ · ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ · ∂⁺h⁽ᵏ⁾/∂W_h

with ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ = Π_{i=k+1..t} diag(σ'(a⁽ⁱ⁾)) W_h and ∂⁺h⁽ᵏ⁾/∂W_h the *immediate* derivative
that holds h⁽ᵏ⁻¹⁾ constant: term k = (δ⁽ᵏ⁾ ⊙ σ'(a⁽ᵏ⁾)) h⁽ᵏ⁻¹⁾ᵀ, where δ⁽ᵏ⁾ = (∂h⁽ᵗ⁾/∂h⁽ᵏ⁾)ᵀ
W_yᵀ (ŷ⁽ᵗ⁾ − y⁽ᵗ⁾). (The notes write the Jacobian as W_hᵀ diag(σ'); with the column convention
used here it is diag(σ') W_h. The norms, which is what §4.1 bounds, are the same.)

`bptt` runs the backward recursion for the whole L; `bptt_terms` lays out the sum for one ℓ⁽ᵗ⁾.
Both are checked against `torch.autograd` and central finite differences (`finite_difference`).
All maths in float64.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

ACTIVATIONS = ("tanh", "sigmoid", "linear")
GAMMA = {"tanh": 1.0, "sigmoid": 0.25, "linear": 1.0}  # γ = sup |σ'|


def sigma(name: str, a: torch.Tensor) -> torch.Tensor:
    if name == "tanh":
        return torch.tanh(a)
    if name == "sigmoid":
        return torch.sigmoid(a)
    if name == "linear":
        return a
    raise ValueError(f"unknown activation: {name!r}; choose from {', '.join(ACTIVATIONS)}")


def sigma_prime(name: str, a: torch.Tensor) -> torch.Tensor:
    """σ'(a), written out (not by autograd)."""
    if name == "tanh":
        return 1 - torch.tanh(a) ** 2
    if name == "sigmoid":
        s = torch.sigmoid(a)
        return s * (1 - s)
    if name == "linear":
        return torch.ones_like(a)
    raise ValueError(f"unknown activation: {name!r}; choose from {', '.join(ACTIVATIONS)}")


@dataclass
class ElmanParams:
    """W_h (d, d), W_x (d, D), b (d,), W_y (O, d)."""

    W_h: torch.Tensor
    W_x: torch.Tensor
    b: torch.Tensor
    W_y: torch.Tensor

    @staticmethod
    def random(D: int = 2, d: int = 3, O: int = 1, seed: int = 0, scale: float = 1.0):  # noqa: E741
        g = torch.Generator().manual_seed(seed)

        def n(*shape, s=1.0):
            return torch.randn(*shape, generator=g, dtype=torch.float64) * s

        return ElmanParams(n(d, d, s=scale / d**0.5), n(d, D, s=1 / D**0.5), n(d, s=0.1), n(O, d))

    def names(self) -> list[str]:
        return [f.name for f in fields(self)]

    def tensors(self) -> dict[str, torch.Tensor]:
        return {k: getattr(self, k) for k in self.names()}


def forward(
    p: ElmanParams, xs: torch.Tensor, act: str = "tanh", h0: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """xs (T, D) -> a (T, d), h (T+1, d) with h[0] = h⁽⁰⁾, ŷ (T, O)."""
    h = [torch.zeros(p.W_h.shape[0], dtype=xs.dtype) if h0 is None else h0]
    a = []
    for t in range(xs.shape[0]):
        a.append(p.W_h @ h[-1] + p.W_x @ xs[t] + p.b)  # a⁽ᵗ⁾
        h.append(sigma(act, a[-1]))  # h⁽ᵗ⁾
    hs = torch.stack(h)
    return {"a": torch.stack(a), "h": hs, "yhat": hs[1:] @ p.W_y.T}


def loss(p: ElmanParams, xs, ys, act: str = "tanh", t: int | None = None) -> torch.Tensor:
    """L = Σ_t ½‖ŷ⁽ᵗ⁾ − y⁽ᵗ⁾‖², or the single term ℓ⁽ᵗ⁾ when t (1-based) is given."""
    r = forward(p, xs, act)["yhat"] - ys  # (T, O)
    per_step = 0.5 * (r**2).sum(1)
    return per_step.sum() if t is None else per_step[t - 1]


def bptt(p: ElmanParams, xs, ys, act: str = "tanh", t: int | None = None) -> dict:
    """Hand-written ∂L/∂θ (or ∂ℓ⁽ᵗ⁾/∂θ) for θ in W_h, W_x, b, W_y by the backward recursion.

    δ_h⁽ᵗ⁾ = W_yᵀ e⁽ᵗ⁾ + W_hᵀ (δ_h⁽ᵗ⁺¹⁾ ⊙ σ'(a⁽ᵗ⁺¹⁾)),  e⁽ᵗ⁾ = ŷ⁽ᵗ⁾ − y⁽ᵗ⁾ (0 for steps ≠ t)
    """
    f = forward(p, xs, act)
    T = xs.shape[0]
    e = f["yhat"] - ys  # (T, O)
    if t is not None:
        mask = torch.zeros(T, 1, dtype=e.dtype)
        mask[t - 1] = 1
        e = e * mask
    g = {k: torch.zeros_like(v) for k, v in p.tensors().items()}
    g["W_y"] = e.T @ f["h"][1:]  # Σ_t e⁽ᵗ⁾ h⁽ᵗ⁾ᵀ
    carry = torch.zeros(p.W_h.shape[0], dtype=xs.dtype)  # W_hᵀ(δ⁽ᵗ⁺¹⁾ ⊙ σ'(a⁽ᵗ⁺¹⁾))
    for s in reversed(range(T)):
        delta = p.W_y.T @ e[s] + carry  # ∂L/∂h⁽ˢ⁾ (all paths)
        da = delta * sigma_prime(act, f["a"][s])  # ∂L/∂a⁽ˢ⁾
        g["W_h"] += torch.outer(da, f["h"][s])  # immediate ∂a/∂W_h holds h⁽ˢ⁻¹⁾ fixed
        g["W_x"] += torch.outer(da, xs[s])
        g["b"] += da
        carry = p.W_h.T @ da
    return g


def bptt_terms(p: ElmanParams, xs, ys, t: int, act: str = "tanh") -> dict[str, torch.Tensor]:
    """The notes' sum for ℓ⁽ᵗ⁾, term by term (k = 1..t).

    Returns terms (t, d, d): term k of ∂ℓ⁽ᵗ⁾/∂W_h; jac (t, d, d): ∂h⁽ᵗ⁾/∂h⁽ᵏ⁾ built as the
    product Π diag(σ') W_h; term_norm (t,) and jac_norm (t,) (Frobenius and spectral norms).
    """
    f = forward(p, xs, act)
    d = p.W_h.shape[0]
    e = f["yhat"][t - 1] - ys[t - 1]  # ∂ℓ⁽ᵗ⁾/∂ŷ⁽ᵗ⁾ (O,)
    g_h = p.W_y.T @ e  # ∂ℓ⁽ᵗ⁾/∂h⁽ᵗ⁾ (d,)
    J = torch.eye(d, dtype=xs.dtype)  # ∂h⁽ᵗ⁾/∂h⁽ᵗ⁾
    terms, jacs = [None] * t, [None] * t
    for k in range(t, 0, -1):  # k = t, t-1, ..., 1
        jacs[k - 1] = J
        delta = J.T @ g_h  # ∂ℓ⁽ᵗ⁾/∂h⁽ᵏ⁾
        terms[k - 1] = torch.outer(delta * sigma_prime(act, f["a"][k - 1]), f["h"][k - 1])
        J = J @ (sigma_prime(act, f["a"][k - 1])[:, None] * p.W_h)  # ·∂h⁽ᵏ⁾/∂h⁽ᵏ⁻¹⁾
    terms_t, jac_t = torch.stack(terms), torch.stack(jacs)
    return {
        "terms": terms_t,
        "jac": jac_t,
        "term_norm": terms_t.flatten(1).norm(dim=1),
        "jac_norm": torch.linalg.matrix_norm(jac_t, ord=2),
    }


def autograd_grads(p: ElmanParams, xs, ys, act: str = "tanh", t: int | None = None) -> dict:
    """The same gradients by torch.autograd (the reference)."""
    q = ElmanParams(**{k: v.detach().clone().requires_grad_(True) for k, v in p.tensors().items()})
    grads = torch.autograd.grad(loss(q, xs, ys, act, t), list(q.tensors().values()))
    return dict(zip(q.names(), grads, strict=True))


def finite_difference(
    p: ElmanParams, xs, ys, act: str = "tanh", t: int | None = None, eps: float = 1e-6
) -> dict:
    """Central differences (L(θ+ε) − L(θ−ε)) / 2ε for every entry (tiny models only)."""
    out = {}
    for name, v in p.tensors().items():
        g = torch.zeros_like(v)
        flat = v.reshape(-1)
        for j in range(flat.numel()):
            old = flat[j].item()
            flat[j] = old + eps
            lp = loss(p, xs, ys, act, t).item()
            flat[j] = old - eps
            lm = loss(p, xs, ys, act, t).item()
            flat[j] = old
            g.reshape(-1)[j] = (lp - lm) / (2 * eps)
        out[name] = g
    return out


def max_abs_diff(a: dict, b: dict) -> float:
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def toy_problem(T: int = 6, D: int = 2, d: int = 3, seed: int = 0, scale: float = 1.0):
    """A tiny seeded sequence problem: params, xs (T, D), ys (T, 1)."""
    g = torch.Generator().manual_seed(seed + 1000)
    xs = torch.randn(T, D, generator=g, dtype=torch.float64)
    ys = torch.randn(T, 1, generator=g, dtype=torch.float64)
    return ElmanParams.random(D, d, 1, seed, scale), xs, ys
