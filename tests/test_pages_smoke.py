"""Every page renders with its defaults without an exception (new pages are covered automatically).

Page-specific tests (controls, bad inputs) live in each topic's own test module.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["app.py"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_renders_with_defaults(script):
    at = AppTest.from_file(str(ROOT / script), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if "went wrong" in e.value], [e.value for e in at.error]


@pytest.mark.parametrize("script", SCRIPTS)
def test_presentation_mode_renders(script):
    at = AppTest.from_file(str(ROOT / script), default_timeout=120)
    at.session_state["presentation"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
