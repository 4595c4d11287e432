"""What every AppTest of a page asserts after a run: no exception element, no error boundary
fired ("Something went wrong in ..."), and, when asked, no failed live check."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.checks import FAIL


def assert_ok(at: AppTest, *, checks: bool = False) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if "went wrong" in e.value], [e.value for e in at.error]
    if checks:
        assert not [m.value for m in at.markdown if FAIL in m.value], "a live check failed"
