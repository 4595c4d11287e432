"""A tiny GPT (notes §7.7, "stacking"): token + position embeddings, L blocks, a softmax head.

Each block is pre-norm, as in GPT-2 / nanoGPT::

    x = x + MHA(LN(x))          multi-head causal self-attention
    x = x + MLP(LN(x))          d -> 4d -> d with GELU

MHA splits d into h heads of size d_h = d / h; head k computes
softmax(Q_k K_kᵀ/√d_h + M) V_k with the diagonal-inclusive causal mask M (the "causal" fix of
`core.transformer.attention`), the heads are concatenated and projected back (W_O).

The logits at position t predict token t+1. ``positions`` chooses the positional information:
"learned" (a table P (block_size, d), as GPT-2), "sinusoidal" (Vaswani et al. 2017, fixed) or
"none" (then attention is permutation-equivariant: permuting the input permutes every layer's
output). ``causal=False`` trains without the mask: the "leak" demo.

A key–value cache makes sampling O(n) per new token instead of recomputing all n positions:
``forward(idx, cache=...)`` appends this call's keys and values per layer and attends to them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.transformer.attention import attention, mask_matrix

POSITIONS = ("learned", "sinusoidal", "none")


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = 96  # V: the shared corpus' characters (core.data.text.VOCAB)
    block_size: int = 128  # context length n the positions cover
    n_layer: int = 4  # L stacked blocks
    n_head: int = 4  # h heads per block
    n_embd: int = 64  # d, the width; d_h = d / h = 16
    positions: str = "learned"  # learned | sinusoidal | none
    causal: bool = True  # False = no mask: the leak demo

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} is not divisible by n_head={self.n_head}")
        if self.positions not in POSITIONS:
            raise ValueError(f"unknown positions: {self.positions!r}; choose from {POSITIONS}")


def sinusoidal_table(n: int, d: int) -> torch.Tensor:
    """P[t, 2i] = sin(t / 10000^(2i/d)), P[t, 2i+1] = cos(t / 10000^(2i/d)): (n, d)."""
    t = torch.arange(n, dtype=torch.float32)[:, None]  # (n, 1)
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float32) / d)
    P = torch.zeros(n, d)
    P[:, 0::2] = torch.sin(t * freq)
    P[:, 1::2] = torch.cos(t * freq[: d // 2])
    return P


class CausalSelfAttention(nn.Module):
    """h heads of softmax(Q Kᵀ/√d_h + M) V, concatenated and projected by W_O."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.W_qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)  # [W_Q | W_K | W_V] for all heads
        self.W_O = nn.Linear(cfg.n_embd, cfg.n_embd)

    def forward(self, x, kv=None, return_attn=False, fast=True, causal=None):
        """x (B, n, d); ``kv`` the cached (K, V) (B, h, P, d_h) of earlier positions or None.

        Returns (y (B, n, d), (K, V) now including these n positions, A (B, h, n, P+n) or None).
        ``fast`` uses torch's fused scaled_dot_product_attention when no weights are asked for;
        ``causal`` overrides the config's mask (to score the leak model on prefixes only).
        """
        B, n, d = x.shape
        h = self.cfg.n_head
        q, k, v = self.W_qkv(x).split(d, dim=2)  # (B, n, d) each
        q, k, v = (t.view(B, n, h, d // h).transpose(1, 2) for t in (q, k, v))  # (B, h, n, d_h)
        if kv is not None:
            k = torch.cat([kv[0], k], dim=2)  # (B, h, P+n, d_h)
            v = torch.cat([kv[1], v], dim=2)
        P = k.shape[2] - n  # positions already cached
        M = None
        if (self.cfg.causal if causal is None else causal) and n > 1:
            # query i sits at absolute position P+i and may see keys 0..P+i
            M = mask_matrix(P + n, "causal", dtype=x.dtype)[P:].to(x.device)  # (n, P+n)
        if fast and not return_attn:  # the fused kernel; is_causal is its own fast causal path
            causal_only = M is not None and P == 0
            y = F.scaled_dot_product_attention(
                q, k, v, attn_mask=None if causal_only else M, is_causal=causal_only
            )
            A = None
        else:
            y, A = attention(q, k, v, M)  # (B, h, n, d_h), (B, h, n, P+n)
        y = y.transpose(1, 2).reshape(B, n, d)  # concatenate the heads
        return self.W_O(y), (k, v), A


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd)
        )

    def forward(self, x, kv=None, return_attn=False, fast=True, causal=None):
        a, kv, A = self.attn(self.ln_1(x), kv, return_attn, fast, causal)
        x = x + a
        return x + self.mlp(self.ln_2(x)), kv, A


class GPT(nn.Module):
    """Token ids (B, n) -> next-token logits (B, n, V)."""

    def __init__(self, cfg: GPTConfig = GPTConfig()):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)  # token embedding E (V, d)
        if cfg.positions == "learned":
            self.wpe = nn.Parameter(0.02 * torch.randn(cfg.block_size, cfg.n_embd))  # P (n, d)
        elif cfg.positions == "sinusoidal":
            self.register_buffer("wpe", sinusoidal_table(cfg.block_size, cfg.n_embd), False)
        else:
            self.wpe = None
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.head.weight = self.wte.weight  # weight tying (GPT-2): logits = h Eᵀ
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2: residual projections scaled by 1/√(2L)
            if name.endswith("W_O.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def embed(self, idx: torch.Tensor, start: int = 0) -> torch.Tensor:
        """x_t = E[idx_t] + P[start + t]: (B, n, d)."""
        n = idx.shape[1]
        if start + n > self.cfg.block_size:
            raise ValueError(f"{start + n} positions exceed block_size={self.cfg.block_size}")
        x = self.wte(idx)
        if self.wpe is not None:
            x = x + self.wpe[start : start + n]
        return x

    def forward(
        self,
        idx: torch.Tensor,
        cache: list | None = None,
        return_attn: bool = False,
        fast: bool = True,
        causal: bool | None = None,
    ):
        """idx (B, n) -> logits (B, n, V).

        ``cache``: a list (one (K, V) per layer, empty to start) that this call extends; the new
        tokens sit after the cached ones. ``return_attn``: also return the attention weights, a
        list of L tensors (B, h, n, P+n). ``fast=False`` uses the hand attention throughout;
        ``causal`` overrides the config's mask.
        """
        P = cache[0][0].shape[2] if cache else 0
        x = self.embed(idx, start=P)
        attns = []
        for i, block in enumerate(self.blocks):
            kv = cache[i] if cache is not None and i < len(cache) else None
            x, kv, A = block(x, kv, return_attn, fast, causal)
            if cache is not None:
                if len(cache) > i:
                    cache[i] = kv
                else:
                    cache.append(kv)
            attns.append(A)
        logits = self.head(self.ln_f(x))  # (B, n, V)
        return (logits, attns) if return_attn else logits

    @torch.no_grad()
    def residual_stream(self, idx: torch.Tensor) -> list[torch.Tensor]:
        """x⁽⁰⁾ = the embeddings and x⁽ˡ⁾ after block l: L + 1 tensors (B, n, d).

        Block l's attention reads LN_1(x⁽ˡ⁻¹⁾): the X of the step-through view.
        """
        xs = [self.embed(idx)]
        for block in self.blocks:
            xs.append(block(xs[-1])[0])
        return xs


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
