"""LSTMVis on our char LSTM, live: select a span of the text above, take the cells that stay
on over it, and list the held-out spans whose hidden-state pattern matches best (§4.2;
``core.rnn.lstmvis`` has the definitions and the ranking)."""

from __future__ import annotations

import html

import numpy as np
import streamlit as st

import ui
from core.data.text import decode, text_corpus
from core.rnn import charlm, lstmvis

HELD_OUT_CHARS = 4000  # the searched text: the first 4,000 held-out characters, one state run
STATES = {"h": "hidden state h", "c": "cell state c (tanh)"}


@st.cache_data(show_spinner="Running the held-out text through the LSTM…")
def held_out_states() -> dict:
    """The searched text and its states, from one continuous run of the pretrained cell."""
    from ui.rnn.charlm import fast_cell

    text = decode(text_corpus().held_out[:HELD_OUT_CHARS])
    tr = charlm.trace(fast_cell("cpu")[0], text)
    return {"text": text, "h": tr["h"], "c": np.tanh(tr["c"])}


@st.cache_data(max_entries=64, show_spinner=False)
def search(state: str, selected: tuple[bool, ...], threshold: float, sel_len: int) -> list:
    ho = held_out_states()
    return lstmvis.match_spans(ho[state], np.array(selected), threshold, sel_len, top=10)


def _context(text: str, m: lstmvis.Match, pad: int = 28) -> str:
    """…left [span] right… as HTML, newlines shown as ⏎."""

    def esc(s: str) -> str:
        return html.escape(s).replace("\n", "⏎")

    left = text[max(0, m.start - pad) : m.start]
    right = text[m.end + 1 : m.end + 1 + pad]
    span = text[m.start : m.end + 1]
    mark = '<mark style="background:#f6c85f;padding:0 1px">'
    return (f'<span style="opacity:.65">…{esc(left)}</span>{mark}{esc(span)}</mark>'
            f'<span style="opacity:.65">{esc(right)}…</span>')  # fmt: skip


@st.fragment
def view(text: str, tr: dict) -> None:
    """The Select view (a span of ``text``, traced as ``tr``) and the Match view."""
    st.markdown("**Select a span, find similar hidden-state patterns** (LSTMVis)")
    ui.prose(
        "A cell is *on* over the span when its state stays at or above the threshold ℓ at "
        "every character of it. Those cells are the hypothesis (say, 'inside a word' or "
        "'after a newline'); the held-out spans ranked below keep the most of them on and "
        "turn on the fewest others."
    )
    c = st.columns([3, 1, 1])
    n = len(text)
    with c[0]:
        a, b = ui.url_slider("span (character positions of the text above)", "rnn_lv_span",
                             0, max(n - 1, 1), (0, min(2, max(n - 1, 1))))  # fmt: skip
    with c[1]:
        thr = ui.url_slider("threshold ℓ", "rnn_lv_thr", 0.0, 0.95, 0.2, step=0.05)
    with c[2]:
        state = ui.url_selectbox("state", "rnn_lv_state", list(STATES), "h",
                                 format_func=STATES.get)  # fmt: skip
    a, b = int(min(a, n - 1)), int(min(b, n - 1))
    values = tr["h"] if state == "h" else np.tanh(tr["c"])
    try:
        S = lstmvis.on_cells(values, a, b, float(thr))
    except ValueError as e:
        st.warning(f"{e}.")
        return
    cells = np.flatnonzero(S)
    shown = html.escape(text[a : b + 1]).replace("\n", "⏎")
    st.html(f"Selected <mark style='background:#f6c85f'>{shown}</mark> "
            f"({b - a + 1} characters): <b>{len(cells)}</b> of {len(S)} cells on "
            f"({state} ≥ {thr:g} throughout)" + (f": {', '.join(map(str, cells[:30]))}"
                                                  + (" …" if len(cells) > 30 else "")
                                                  if len(cells) else "."))  # fmt: skip
    if not len(cells):
        st.info("No cell stays above ℓ over the whole span: lower the threshold or select a "
                "shorter span.")  # fmt: skip
        return
    ho = held_out_states()
    matches = search(state, tuple(bool(x) for x in S), float(thr), b - a + 1)
    rows = "".join(
        f"<tr><td style='font-family:monospace;white-space:pre-wrap'>{_context(ho['text'], m)}"
        f"</td><td>{m.kept}/{len(cells)}</td><td>{m.differ}</td></tr>"
        for m in matches
    )
    st.html(
        "<table style='width:100%'><tr><th>held-out span in context</th>"
        "<th>selected cells kept |S₁∩S₂|</th><th>cells that differ |S₁△S₂|</th></tr>"
        f"{rows}</table>"
    )
    st.caption(
        f"Searched: the first {len(ho['text']):,} characters of the held-out text (one state "
        "run), every span up to 40 characters; the 10 best that do not overlap, ranked by "
        "cells kept, then fewest differing cells, then the length closest to the selection's."
    )
