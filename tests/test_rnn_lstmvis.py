"""LSTMVis span search (core.rnn.lstmvis) against a brute-force reference written with Python
sets: every candidate span, its on-cells S₂ by an explicit loop over t, the LSTMVis ranking."""

import numpy as np
import pytest

from core.rnn import lstmvis


def brute_force(states, selected, threshold, sel_len, max_len, top):
    T, d = states.shape
    S1 = {c for c in range(d) if selected[c]}
    if not S1:
        return []
    cands = []
    for a in range(T):
        for L in range(1, max_len + 1):
            b = a + L - 1
            if b >= T:
                break
            S2 = {c for c in range(d) if all(states[t, c] >= threshold for t in range(a, b + 1))}
            kept, differ = len(S1 & S2), len(S1 | S2) - len(S1 & S2)
            cands.append(((-kept, differ, abs(L - sel_len), a), a, b, kept, differ))
    cands.sort()
    taken, out = set(), []
    for _, a, b, kept, differ in cands:
        if kept == 0:
            break
        if taken & set(range(a, b + 1)):
            continue
        taken |= set(range(a, b + 1))
        out.append(lstmvis.Match(a, b, kept, differ))
        if len(out) == top:
            break
    return out


@pytest.mark.parametrize("seed", range(4))
def test_match_spans_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    # smooth states, so cells stay on over runs (as an LSTM's do) and spans differ in rank
    states = np.cumsum(rng.normal(0, 0.4, (90, 12)), axis=0)
    states = np.tanh(states - states.mean(0))
    thr = 0.2
    a, b = 30, 34
    S = lstmvis.on_cells(states, a, b, thr)
    assert S.any()  # the test is not between empty sets
    got = lstmvis.match_spans(states, S, thr, b - a + 1, max_len=9, top=8)
    ref = brute_force(states, S, thr, b - a + 1, 9, 8)
    assert got == ref
    assert len(got) >= 3
    assert got[0].kept == S.sum()  # the selection itself (or a span as good) ranks first


def test_on_cells_definition_and_bad_spans():
    h = np.array([[0.5, 0.1, 0.9], [0.6, 0.4, 0.2], [0.7, 0.5, 0.95]])
    assert lstmvis.on_cells(h, 0, 2, 0.3).tolist() == [True, False, False]
    assert lstmvis.on_cells(h, 1, 2, 0.3).tolist() == [True, True, False]
    assert lstmvis.on_cells(h, 2, 2, 0.3).tolist() == [True, True, True]
    for a, b in ((2, 1), (-1, 1), (0, 3)):
        with pytest.raises(ValueError, match="not inside the text"):
            lstmvis.on_cells(h, a, b, 0.3)


def test_no_selected_cell_gives_no_match():
    h = np.zeros((10, 4))
    assert lstmvis.match_spans(h, np.zeros(4, bool), 0.5, 3) == []
