"""LSTMVis's "select a span, find similar hidden-state patterns" on our char LSTM (notes §4.2).

Strobelt et al. (LSTMVis, 2018), Select and Match views. With hidden states h⁽ᵗ⁾ ∈ ℝᵈ and a
threshold ℓ, a cell c is *on* over a span [s, e] when it stays above the threshold across it:

    S(s, e) = { c : h_c⁽ᵗ⁾ ≥ ℓ for every t in s..e }

The student selects a span [s, e] of text: its on-cells S₁ = S(s, e) are the hypothesis. Every
candidate span [s', e'] of the held-out text has its own on-cells S₂ = S(s', e'), and
candidates rank as in LSTMVis's match view: most selected cells kept, |S₁ ∩ S₂|, first; then
fewest cells that differ, |S₁ ∪ S₂| − |S₁ ∩ S₂| (cells on in only one of the two); then the
length closest to the selection's (our tie-break; LSTMVis also breaks ties by length).
Candidates are at most ``max_len`` characters long and the results do not overlap (the best
one of each overlapping group is kept, greedily by rank).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Match:
    start: int  # s' (inclusive)
    end: int  # e' (inclusive)
    kept: int  # |S₁ ∩ S₂|: selected cells also on over this span
    differ: int  # |S₁ ∪ S₂| − |S₁ ∩ S₂|: cells on in only one of the two


def on_cells(states: np.ndarray, start: int, end: int, threshold: float) -> np.ndarray:
    """S(s, e) as a boolean mask (d,): cells with h_c⁽ᵗ⁾ ≥ ℓ for every t in start..end.

    ``states`` (T, d). Raises ValueError for an empty or out-of-range span.
    """
    T = states.shape[0]
    if not 0 <= start <= end < T:
        raise ValueError(f"the span {start}..{end} is not inside the text (0..{T - 1})")
    return (states[start : end + 1] >= threshold).all(axis=0)


def _pack(mask: np.ndarray) -> np.ndarray:
    """(n, d) bool -> (n, ⌈d/64⌉) uint64 bit sets (padding bits are 0)."""
    n, d = mask.shape
    words = -(-d // 64)
    padded = np.zeros((n, words * 64), dtype=bool)
    padded[:, :d] = mask
    return np.packbits(padded, axis=1).view(np.uint64)


def _rank_key(kept: np.ndarray, differ: np.ndarray, length: np.ndarray, sel_len: int):
    # larger is better: kept first, then fewer differing cells, then the closer length
    return kept * 10**8 - differ * 10**4 - np.abs(length - sel_len)


def match_spans(
    states: np.ndarray,
    selected: np.ndarray,
    threshold: float,
    sel_len: int,
    max_len: int = 40,
    top: int = 10,
) -> list[Match]:
    """The ``top`` best non-overlapping spans of ``states`` (T, d) for the on-cell set
    ``selected`` (d,) bool, ranked as in the module docstring.

    One pass per length L = 1..max_len: S(s', s'+L−1) is the running AND of the rows' on-masks,
    held as bits (64 cells a word, popcounts for the set sizes), so all T·max_len candidates
    cost O(T·max_len·d/64) word operations.
    """
    on = _pack(states >= threshold)  # (T, words) uint64
    T = on.shape[0]
    S = np.asarray(selected, dtype=bool)
    if S.sum() == 0 or T == 0:
        return []
    Sp = _pack(S[None])[0]  # (words,)
    starts, lengths, kepts, differs = [], [], [], []
    run = np.full_like(on, np.uint64(2**64 - 1))  # run[s'] = S(s', s' + L − 1) for this L
    for L in range(1, min(max_len, T) + 1):
        run = run[: T - L + 1] & on[L - 1 :]  # (T − L + 1, words)
        kept = np.bitwise_count(run & Sp).sum(1, dtype=np.int64)
        differ = np.bitwise_count(run ^ Sp).sum(1, dtype=np.int64)  # |S₁ ∪ S₂| − |S₁ ∩ S₂|
        starts.append(np.arange(T - L + 1))
        lengths.append(np.full(T - L + 1, L))
        kepts.append(kept)
        differs.append(differ)
    s, L, k, df = (np.concatenate(a) for a in (starts, lengths, kepts, differs))
    order = np.lexsort((s, -_rank_key(k, df, L, sel_len)))  # best first; ties: earliest start
    taken = np.zeros(T, dtype=bool)
    out: list[Match] = []
    for j in order:
        if k[j] == 0:
            break  # no selected cell on: not a match
        a, b = int(s[j]), int(s[j] + L[j] - 1)
        if taken[a : b + 1].any():
            continue
        taken[a : b + 1] = True
        out.append(Match(a, b, int(k[j]), int(df[j])))
        if len(out) == top:
            break
    return out
