"""Sampling from the tiny GPT: temperature, top-k, top-p and the key–value cache (notes §7.7).

One step turns the logits z (V,) at the last position into a distribution and draws from it::

    p_i ∝ exp(z_i / T)                      temperature T (T → 0: the argmax, "greedy")
    top-k: keep the k largest p_i            (k = 0: keep all)
    top-p: keep the smallest set of largest p_i whose sum reaches p   (p = 1: keep all)

then renormalises. Without a cache every step re-runs the whole context (n positions: O(n²d)
attention); with the cache (`GPT.forward(cache=...)`) a step runs one position against the stored
keys and values (O(n d)). Both give the same tokens: `generate(..., use_cache=...)`.
When the context fills the block size, both continue from its last half (the cache is rebuilt
from that window), so they stay identical token for token.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from core.transformer.gpt import GPT


def filter_probs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0
) -> torch.Tensor:
    """Logits (..., V) -> the sampling distribution (..., V) after temperature, top-k, top-p."""
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature}")
    if not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if top_k < 0:
        raise ValueError(f"top_k must be >= 0 (0 = off), got {top_k}")
    if temperature == 0:  # greedy: all mass on the argmax
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    p = torch.softmax(logits / temperature, dim=-1)
    if 0 < top_k < p.shape[-1]:
        kth = p.topk(top_k, dim=-1).values[..., -1:]  # the k-th largest
        p = torch.where(p >= kth, p, torch.zeros_like(p))
    if top_p < 1.0:
        sorted_p, order = p.sort(dim=-1, descending=True)
        before = sorted_p.cumsum(-1) - sorted_p  # mass of the strictly larger ones
        keep_sorted = before < top_p * sorted_p.sum(-1, keepdim=True)  # the first always stays
        keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
        p = torch.where(keep, p, torch.zeros_like(p))
    return p / p.sum(-1, keepdim=True)


def entropy_bits(p: torch.Tensor) -> torch.Tensor:
    """H(p) = −Σ p log₂ p over the last axis (bits), 0 log 0 = 0."""
    return -(p * torch.log2(p.clamp_min(1e-30))).sum(-1)


@torch.inference_mode()
def generate(
    model: GPT,
    prompt_ids,
    n_new: int,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int = 0,
    use_cache: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Continue ``prompt_ids`` (non-empty) by ``n_new`` characters.

    Returns (the new ids (n_new,), info) with info["entropy_model"] (the model's next-token
    entropy at T = 1, bits), info["entropy_sampling"] (after temperature/top-k/top-p, bits) and
    info["p_chosen"] (the sampling probability of each drawn character), each (n_new,).
    """
    ids = [int(i) for i in np.asarray(prompt_ids).reshape(-1)]
    if not ids:
        raise ValueError("the prompt is empty: give at least one character")
    model.eval()
    dev = next(model.parameters()).device
    n_ctx = model.cfg.block_size
    g = torch.Generator().manual_seed(seed)
    s = max(0, len(ids) - n_ctx)  # the context is ids[s:]
    cache, cached_from = None, -1
    new, h_model, h_samp, p_chosen = [], [], [], []
    for _ in range(n_new):
        if len(ids) - s > n_ctx:  # full: keep the last half of the window (both paths alike)
            s = len(ids) - n_ctx // 2
        if use_cache and cache is not None and cached_from == s:
            logits = model(torch.tensor([ids[-1:]], device=dev), cache=cache)[0, -1]  # 1 position
        else:
            cache = [] if use_cache else None
            cached_from = s
            logits = model(torch.tensor([ids[s:]], device=dev), cache=cache)[0, -1]  # n positions
        logits = logits.double().cpu()
        p = filter_probs(logits, temperature, top_k, top_p)
        nxt = int(torch.multinomial(p, 1, generator=g))
        h_model.append(float(entropy_bits(torch.softmax(logits, -1))))
        h_samp.append(float(entropy_bits(p)))
        p_chosen.append(float(p[nxt]))
        ids.append(nxt)
        new.append(nxt)
    info = {
        "entropy_model": np.array(h_model),
        "entropy_sampling": np.array(h_samp),
        "p_chosen": np.array(p_chosen),
    }
    return np.array(new, dtype=np.int64), info
