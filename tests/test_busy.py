"""The "server busy" signal (ui.busy, issue 21): its threshold, that a page run shows the toast
when the process is over it (once per quiet period), and that the internal API it reads fails
safe (counts 0) where there is no real runtime."""

from streamlit.testing.v1 import AppTest

from ui import busy

SCRIPT = """
import streamlit as st
import ui
ui.sidebar("busy test")
st.button("again")
"""


def test_threshold_is_runs_per_core():
    assert busy.busy_message(4, 2) is None  # 2 per core: still fine
    msg = busy.busy_message(5, 2)
    assert msg is not None and "5 pages" in msg and "2 CPU cores" in msg
    assert busy.busy_message(3, 1) is not None and "1 CPU core." in busy.busy_message(3, 1)


def test_no_runtime_counts_zero():
    """AppTest's runtime is a mock: the count fails safe to 0 and nothing breaks."""
    assert busy.running_scripts() == 0


def _app(monkeypatch, running: int) -> AppTest:
    monkeypatch.setattr(busy, "running_scripts", lambda: running)  # undone after the test
    return AppTest.from_string(SCRIPT, default_timeout=60)


def test_busy_server_shows_a_toast_once_per_quiet_period(monkeypatch):
    at = _app(monkeypatch, 12)
    at.run()
    assert not at.exception
    assert [t.value for t in at.toast if "server is busy" in t.value]
    at.button[0].click().run()  # within QUIET_S: no second toast
    assert not [t for t in at.toast if "server is busy" in t.value]


def test_quiet_server_shows_nothing(monkeypatch):
    at = _app(monkeypatch, 1)
    at.run()
    assert not at.exception and not at.toast
