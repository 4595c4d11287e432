"""A visible "server busy" signal (issue 21): when many sessions of this server process run their
scripts at once, each run gets a small share of the CPU and of the GIL, and a page would look
frozen. Every page run starts by counting the runs in progress; above ``RUNS_PER_CORE`` per
core it shows a toast saying so (at most once every ``QUIET_S`` per session), so a student sees
why an answer is slow instead of a page that seems dead.

The count reads Streamlit's session manager: the runtime's active sessions whose app is running
(a rerun, or a fragment's tick of live training). It is internal API (``Runtime._session_mgr``,
``AppSession._state``), so any surprise there counts 0: the signal is then off, never a crash.
"""

from __future__ import annotations

import os
import time

import streamlit as st

RUNS_PER_CORE = 2.0  # concurrent script runs per core above which answers slow down visibly
QUIET_S = 20.0  # a session sees the toast at most this often
_SHOWN = "_mp_busy_shown_at"


def running_scripts() -> int:
    """Script runs in progress in this server process, this one included (0 when unknown)."""
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.app_session import AppSessionState

        sessions = Runtime.instance()._session_mgr.list_active_sessions()
        return sum(1 for s in sessions if s.session._state == AppSessionState.APP_IS_RUNNING)
    except Exception:  # noqa: BLE001 - internal API (module docstring): no signal, no crash
        return 0


def busy_message(running: int, cores: int) -> str | None:
    """The toast's text when ``running`` runs share ``cores`` cores, or None when not busy."""
    if running <= RUNS_PER_CORE * max(cores, 1):
        return None
    return (
        f"The server is busy: {running} pages are computing at once on {cores} CPU core"
        f"{'s' if cores != 1 else ''}. Your change is being worked on; answers take longer "
        "than usual."
    )


def signal() -> None:
    """Show the busy toast on this run when the process is over its share (see module doc)."""
    msg = busy_message(running_scripts(), os.cpu_count() or 1)
    now = time.monotonic()
    if msg is None or now - st.session_state.get(_SHOWN, -QUIET_S) < QUIET_S:
        return
    st.session_state[_SHOWN] = now
    st.toast(msg, icon=":material/hourglass_top:")
