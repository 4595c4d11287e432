"""The real app in a real browser: `streamlit run app.py` + headless Chromium through Playwright.

One fresh server per test process. Every ``pages/*.py`` is opened by a DEEP LINK typed straight
into the address bar (``/Backpropagation``, ...), deep links before the home page so that the very
first session of the fresh server is a deep link (the case Streamlit's legacy mode breaks). The
layout test (``test_layout.py``) loads each page so, waits until the script has run
(``data-test-script-state=notRunning``), and checks it with ``check_loaded``: no exception
element, no "Page not found", the right page (not the home page) is shown, no error boundary
fired. A screenshot per page goes to ``artifacts/screenshots/`` (git-ignored). One load per page
and mode serves both tests: the browser tests are the suite's longest part.

Where ``/usr/bin/chromium`` or Playwright is missing the tests skip with the reason, except
under CI (the ``CI`` environment variable set), where they fail instead.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, _require_browser

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = ROOT / "artifacts" / "screenshots"
PAGE_RUN_MS = 240_000  # a page's first run may load weights or precompute: be generous
HOME_TITLE = "Machine Perception Playground"


def _url_path(script: Path) -> str:
    """The URL path Streamlit gives a ``pages/`` file: ``10_Diffusion.py`` -> ``Diffusion``."""
    try:  # Streamlit's own rule (number prefix dropped, spaces/underscores -> one '_', emoji off)
        from streamlit.source_util import page_icon_and_name

        return page_icon_and_name(script)[1]
    except ImportError:  # pragma: no cover - the same rule, should the helper move
        m = re.search(r"([0-9]*)[_ -]*(.*)\.py", script.name)
        return re.sub(r"[_ ]+", "_", m.group(2)).strip() or m.group(1)


# Discovered at collection time, so a new page is covered without touching this file.
PAGES = [
    (p.stem, _url_path(p))
    for p in sorted((ROOT / "pages").glob("*.py"))
    if not p.name.startswith("_")
]
TARGETS = PAGES + [("home", "")]  # deep links first: the first session is a deep link


def _server_log_tail(log_path: Path, n: int = 60) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-n:])


def check_loaded(page, base: str, name: str, path: str, log_path: Path, errors: list[str]):
    """What every page load must show (called by the layout test on each page's first load,
    so one load serves both): no exception element, no "Page not found", the right page (not
    the home page), no error boundary fired, no page error in the console; the home page
    links every page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    detail = f"\n--- server log ---\n{_server_log_tail(log_path)}"
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.first.inner_text() + detail
    assert page.get_by_text("Page not found").count() == 0, f"/{path}: Page not found"
    broken = page.locator("[data-testid=stAlert]", has_text="Something went wrong")
    assert broken.count() == 0, broken.first.inner_text() + detail
    title = page.locator("[data-testid=stMain] h1").first.inner_text()
    if path:
        assert HOME_TITLE not in title, f"/{path} showed the home page, not {name}"
    else:
        assert HOME_TITLE in title
        for _, p in PAGES:  # the home page links every existing page
            assert page.locator(f"a[href$='{p}']").count() >= 1, f"no link to /{p}"
    assert page.url.rstrip("/") == f"{base}/{path}".rstrip("/") or "?" in page.url
    assert not errors, errors


def test_missing_chromium_skips_outside_ci_and_fails_under_ci(monkeypatch):
    """The skip/fail rule itself, checked without a browser."""
    from _pytest.outcomes import Failed, Skipped

    monkeypatch.setattr(sys.modules["tests.browser.conftest"], "CHROMIUM",
                        Path("/nonexistent/chromium"))  # fmt: skip
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="/nonexistent/chromium not found"):
        _require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="required under CI"):
        _require_browser()
