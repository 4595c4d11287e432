"""Expensive results kept once per server process, shared by every session, least recently used
dropped first: sampled trajectories (§10), model samples (§5).

Not ``st.cache_data``: a progress bar drawn while the result is computed would be recorded and
replayed on a hit into a block created outside the cached function, which Streamlit refuses
(CacheReplayClosureError). Here ``compute`` runs like any other code, on a miss only.

    x = remembered("gen_samples", (name, n, seed), lambda: draw(...), max_entries=32)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")
_LOCK = threading.Lock()  # sessions run on threads of one process


@st.cache_resource(show_spinner=False)
def store(name: str) -> OrderedDict:
    """The process-wide store called ``name`` (key -> result, least recent first)."""
    return OrderedDict()


def remembered(name: str, key: Hashable, compute: Callable[[], T], max_entries: int) -> T:
    """``compute()`` once per ``key`` in the store ``name``; later calls return the stored
    result. Two sessions missing the same key at once both compute it (no lock is held while
    computing, so one slow request never blocks the others)."""
    s = store(name)
    with _LOCK:
        if key in s:
            s.move_to_end(key)
            return s[key]
    result = compute()
    with _LOCK:
        s[key] = result
        while len(s) > max_entries:
            s.popitem(last=False)
    return result
