"""The shared character-level text corpus: Python's own documentation, shipped with Python.

``pydoc_data.topics.topics`` is the English text of ``help('TOPIC')`` for 79 language topics
(about 465,000 characters on CPython 3.11; 373,000 after deduplication), installed with every
Python: nothing is downloaded.
The §4 char-level LSTM and the §7.7 tiny GPT are trained and scored on this ONE corpus and split,
so their held-out bits/char are comparable.

- **Vocabulary** V = 96: the newline and the 95 printable ASCII characters (space .. ``~``). The
  few non-ASCII characters of the docs are transliterated (curly quotes -> straight, dashes ->
  ``-``, ``…`` -> ``...``); anything else becomes ``?``.
- **Split by paragraph within each topic**, so no paragraph straddles train and held-out and every
  topic is in both: each topic's text (topics sorted by name) is cut at the first blank line after
  90 % of its length, and the tail is held out (about 10 % of the text). Holding out whole topics
  would give 2 % (a few topics are most of the text).
- **Deduplicated.** Several topics repeat whole paragraphs of others (``__slots__`` appears in two);
  every paragraph (text between blank lines) is kept only at its first appearance, so no held-out
  paragraph is also a training paragraph.
- **Reproducibility.** The docs differ between Python versions; `corpus_sha256` fingerprints the
  text so a manifest can say which corpus it was trained on, and a test can skip, with the reason,
  on another Python.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

VOCAB: str = "\n" + "".join(chr(c) for c in range(32, 127))  # V = 96 symbols
UNKNOWN = "?"
TRAIN_FRACTION = 0.9
TRANSLITERATE = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": "...", "\t": "    ",
}  # fmt: skip
_INDEX = {ch: i for i, ch in enumerate(VOCAB)}
TEXT_CORPUS_TEXT = (
    "Python's own documentation (pydoc_data.topics, 79 topics), V = 96 characters; "
    "the last ~10 % of each topic held out"
)


@dataclass(frozen=True)
class TextCorpus:
    """Train and held-out text as (N,) int64 token ids over `VOCAB`; arrays are read-only."""

    train: np.ndarray
    held_out: np.ndarray
    sha256: str  # of the normalised full text: which Python's docs these are

    @property
    def vocab_size(self) -> int:
        return len(VOCAB)


def normalise(text: str) -> tuple[str, list[str]]:
    """Map `text` onto `VOCAB`: transliterate, replace the rest by '?'; also return the unknowns.

    The unknowns (in order of first appearance, without repeats) let a page say which characters
    of a user's prompt the model cannot see, instead of failing.
    """
    out, unknown = [], []
    for ch in text:
        ch = TRANSLITERATE.get(ch, ch)
        if all(c in _INDEX for c in ch):
            out.append(ch)
        else:
            out.append(UNKNOWN)
            if ch not in unknown:
                unknown.append(ch)
    return "".join(out), unknown


def encode(text: str) -> np.ndarray:
    """Text -> (N,) int64 ids over `VOCAB` (via `normalise`, so any string is accepted)."""
    norm, _ = normalise(text)
    return np.fromiter((_INDEX[c] for c in norm), dtype=np.int64, count=len(norm))


def decode(ids) -> str:
    """(N,) ids -> text; ids outside 0..V-1 raise an IndexError."""
    return "".join(VOCAB[int(i)] for i in np.asarray(ids).reshape(-1))


def _topics() -> list[tuple[str, str]]:
    from pydoc_data.topics import topics

    return sorted(topics.items())


@lru_cache(maxsize=1)
def text_corpus() -> TextCorpus:
    """The fixed corpus and split (cached; the arrays are shared and read-only)."""
    train, held_out, everything = [], [], []
    seen: set[str] = set()
    for _, body in _topics():
        paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
        paragraphs = [p for p in paragraphs if not (p in seen or seen.add(p))]
        if not paragraphs:
            continue
        body = "\n\n".join(paragraphs) + "\n\n"
        cut = body.find("\n\n", int(TRAIN_FRACTION * len(body)))
        cut = len(body) if cut < 0 else cut + 2
        train.append(encode(body[:cut]))
        held_out.append(encode(body[cut:]))
        everything.append(encode(body))
    sha = hashlib.sha256(np.concatenate(everything).astype(np.uint8).tobytes()).hexdigest()
    tr, ho = np.concatenate(train), np.concatenate(held_out)
    tr.setflags(write=False)
    ho.setflags(write=False)
    return TextCorpus(train=tr, held_out=ho, sha256=sha)
