"""Self-attention by hand (notes §7.7): keys, queries, values and the causal mask M.

    Q = X W_Q,   K = X W_K,   V = X W_V                        X: (n, d), W_*: (d, d)
    Y = softmax(Q Kᵀ / √d + M) V                               Y: (n, d)

The notes' mask puts −∞ on the diagonal too (a *strict* mask)::

    M = [[−∞, −∞, …, −∞],
         [ 0, −∞, …, −∞],
         …
         [ 0,  0, …, −∞]]

so row 1 (the first token) is all −∞ and its softmax is 0/0 = NaN. Two standard fixes:

- ``"causal"``: include the diagonal (a token may attend to itself); the prediction for
  position t+1 is read at position t, i.e. the targets are the inputs shifted by one (GPT).
- ``"strict+start"``: keep the strict mask but prepend a start token ⟨s⟩, so row 1 of the
  real tokens can attend to ⟨s⟩; the output at the start token itself is dropped.

Everything here works on any leading batch dims ``(..., n, d)``.
"""

from __future__ import annotations

import math

import torch

MASKS = ("none", "strict", "causal", "strict+start")


def mask_matrix(n: int, kind: str = "causal", dtype=torch.float32) -> torch.Tensor:
    """The additive mask M (n, n): 0 where attending is allowed, −∞ where it is not.

    ``kind``: "none" (all 0), "strict" (the notes' M: j ≥ i masked, diagonal included),
    "causal" (j > i masked: the diagonal fix). "strict+start" is the strict mask on the
    sequence *with* a start token; build it with `attention_with_start`.
    """
    if kind not in ("none", "strict", "causal"):
        raise ValueError(f"unknown mask: {kind!r}; choose from none, strict, causal")
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    blocked = {"none": torch.zeros(n, n, dtype=torch.bool), "strict": j >= i, "causal": j > i}[kind]
    return torch.zeros(n, n, dtype=dtype).masked_fill(blocked, float("-inf"))


def softmax_rows(S: torch.Tensor) -> torch.Tensor:
    """softmax over the last axis, written out: exp(S − max) / Σ exp(S − max).

    A row that is all −∞ gives max = −∞, S − max = NaN and so a NaN row: the 0/0 of the notes'
    strict mask, computed, not special-cased.
    """
    m = S.amax(dim=-1, keepdim=True)  # (..., n, 1)
    e = torch.exp(S - m)  # (..., n, n)
    return e / e.sum(dim=-1, keepdim=True)


def attention(
    Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, M: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Y = softmax(Q Kᵀ/√d + M) V; returns (Y (..., n, d_v), A (..., n, n))."""
    d = Q.shape[-1]
    S = Q @ K.transpose(-2, -1) / math.sqrt(d)  # (..., n, n)  Q Kᵀ / √d
    if M is not None:
        S = S + M
    A = softmax_rows(S)  # (..., n, n) each row sums to 1 over the keys it may see
    return A @ V, A


def attention_steps(
    X: torch.Tensor, W_Q: torch.Tensor, W_K: torch.Tensor, W_V: torch.Tensor, mask: str = "causal"
) -> dict[str, torch.Tensor]:
    """Every intermediate of one attention head, for the step-through view.

    X (n, d_model), W_* (d_model, d). Returns X, W_Q, W_K, W_V, Q, K, V, S = QKᵀ/√d, M,
    S+M, A = softmax(S+M), Y. For ``mask="strict+start"`` a start token (a zero row of X, so
    its q, k, v are 0) is prepended; the rows and columns shown include it.
    """
    if mask not in MASKS:
        raise ValueError(f"unknown mask: {mask!r}; choose from {', '.join(MASKS)}")
    if mask == "strict+start":
        X = torch.cat([torch.zeros_like(X[:1]), X], dim=0)  # (n+1, d_model), row 0 = ⟨s⟩
    n = X.shape[0]
    Q, K, V = X @ W_Q, X @ W_K, X @ W_V  # (n, d)
    S = Q @ K.T / math.sqrt(Q.shape[-1])  # (n, n)
    M = mask_matrix(n, "strict" if mask == "strict+start" else mask, dtype=X.dtype)
    A = softmax_rows(S + M)  # (n, n)
    if mask == "strict+start":
        A = A.clone()
        A[0] = 0.0  # ⟨s⟩ sees nothing (its output is never used): 0 instead of NaN
    Y = A @ V  # (n, d)
    return {
        "X": X,
        "W_Q": W_Q,
        "W_K": W_K,
        "W_V": W_V,
        "Q": Q,
        "K": K,
        "V": V,
        "S": S,
        "M": M,
        "S+M": S + M,
        "A": A,
        "Y": Y,
    }


def attention_with_start(
    Q: torch.Tensor, K: torch.Tensor, V: torch.Tensor, q_s: torch.Tensor, k_s, v_s
) -> torch.Tensor:
    """The start-token fix for the strict mask: token i attends to ⟨s⟩ and tokens j < i.

    Q, K, V (..., n, d); q_s, k_s, v_s (d,) the start token's query/key/value.
    Returns the outputs of the n real tokens (..., n, d) — no NaN, since ⟨s⟩ is always visible.
    """
    lead = Q.shape[:-2]
    Qs = torch.cat([q_s.expand(*lead, 1, -1), Q], dim=-2)  # (..., n+1, d)
    Ks = torch.cat([k_s.expand(*lead, 1, -1), K], dim=-2)
    Vs = torch.cat([v_s.expand(*lead, 1, -1), V], dim=-2)
    M = mask_matrix(Qs.shape[-2], "strict", dtype=Q.dtype)
    Y, _ = attention(Qs[..., 1:, :], Ks, Vs, M[1:])  # rows of the real tokens only
    return Y


def row_entropy(A: torch.Tensor) -> torch.Tensor:
    """H(a_i) = −Σ_j a_ij ln a_ij per attention row (nats), 0·ln 0 = 0: (..., n)."""
    return -(A * torch.log(A.clamp_min(1e-30))).sum(-1)
