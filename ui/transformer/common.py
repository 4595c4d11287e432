"""Shared helpers of the §7.7 views: the pretrained GPTs, prompt validation, manifests."""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

import ui
from core.data.text import VOCAB, encode, normalise
from core.pretrained import PRETRAINED_DIR

MAIN = "gpt_char"
MAX_PROMPT = 120  # characters of a prompt the views accept (the context is 128)


def load(name: str = MAIN, device="cpu"):
    """The pretrained model (eval, frozen, shared) or None after showing why."""
    got = ui.pretrained(name, device)
    return None if got is None else got[0]


def manifest(name: str) -> dict | None:
    """A manifest's JSON without loading its weights, or None if the file is absent/corrupt."""
    path = PRETRAINED_DIR / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def lstm_manifest() -> dict | None:
    """The §4 char-level LSTM's manifest (pretrained/rnn_*.json with bits_per_char), if trained."""
    for path in sorted(Path(PRETRAINED_DIR).glob("rnn_*.json")):
        m = manifest(path.stem)
        if m and "bits_per_char" in m.get("metrics", {}):
            return m
    return None


def clean_prompt(raw: str, max_len: int = MAX_PROMPT, min_len: int = 1) -> str | None:
    """The prompt mapped onto the model's 96 characters, or None after a clear message.

    Empty -> a message; too long -> cut to the last ``max_len`` characters (said so);
    characters outside the vocabulary -> '?' (said so, listing them).
    """
    text = raw or ""
    if len(text.strip()) < min_len:
        st.info(f"Type at least {min_len} character{'s' * (min_len > 1)} to start.")
        return None
    norm, unknown = normalise(text)
    if unknown:
        shown = " ".join(repr(c) for c in unknown[:8])
        st.warning(
            f"{len(unknown)} character(s) are not among the model's {len(VOCAB)} "
            f"(newline + printable ASCII): {shown}; each is read as '?'."
        )
    if len(norm) > max_len:
        st.caption(f"Only the last {max_len} characters are used (of {len(norm)}).")
        norm = norm[-max_len:]
    return norm


def ids_of(text: str):
    return encode(text)
