"""The shared char-level corpus (core.data.text): vocabulary, round trip, split."""

import numpy as np

from core.data.text import VOCAB, decode, encode, normalise, text_corpus


def test_vocab_is_newline_plus_printable_ascii():
    assert len(VOCAB) == 96 and len(set(VOCAB)) == 96
    assert VOCAB[0] == "\n" and VOCAB[1] == " " and VOCAB[-1] == "~"


def test_round_trip_and_transliteration():
    s = "def f(x):\n    return x ** 2  # ok"
    assert decode(encode(s)) == s
    norm, unknown = normalise("\u201cquoted\u201d \u2013 caf\u00e9 \u00e9")
    assert norm == '"quoted" - caf? ?' and unknown == ["\u00e9"]


def test_split_by_paragraph_is_disjoint_and_about_ten_percent():
    c = text_corpus()
    n_tr, n_ho = len(c.train), len(c.held_out)
    assert 0.05 < n_ho / (n_tr + n_ho) < 0.2
    assert c.train.min() >= 0 and c.train.max() < c.vocab_size
    # no held-out 200-character window appears verbatim in the training text
    tr = decode(c.train)
    ho = decode(c.held_out)
    probes = [ho[i : i + 200] for i in range(0, len(ho) - 200, len(ho) // 7)]
    assert not any(p in tr for p in probes)
    assert not c.train.flags.writeable and len(c.sha256) == 64
    assert np.bincount(c.train, minlength=96)[VOCAB.index("e")] > 0
