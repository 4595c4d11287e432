"""Browser tests share one server, one Chromium and one browser context per test process. Under
pytest-xdist's ``--dist loadgroup`` two groups split them: ``xdist_group("browser")`` (the
layout test of every page) and ``xdist_group("browser_pages")`` (the per-page, bookmark and
download tests), each on one worker with its own server, so the two chains run side by side.
They wait on the server and the browser more than they compute, so ``./dev.sh test`` runs a
third worker that takes the other tests meanwhile.

Where ``/usr/bin/chromium`` or Playwright is missing the tests skip with the reason, except
under CI (the ``CI`` environment variable set), where they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, ServerError, streamlit_server

__all__ = ["CHROMIUM", "ROOT", "_require_browser"]


def pytest_configure(config):
    # registered here too, so --strict-markers accepts the mark when pytest-xdist is absent
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


def _missing_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def _require_browser() -> None:
    reason = _missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests are required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A fresh ``streamlit run app.py`` on a free localhost port, shared by the browser tests."""
    _require_browser()
    log_path: Path = tmp_path_factory.mktemp("streamlit") / "server.log"
    try:
        with streamlit_server(log_path) as base:
            yield base, log_path
    except ServerError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser context per test process, shared by its tests: each test opens its own tab
    (a new websocket, so a new Streamlit session) and closes it. Fresh contexts fetched and
    compiled Streamlit's and plotly's scripts anew for every test, 2-3 s each here."""
    ctx = browser.new_context(accept_downloads=True)
    try:
        yield ctx
    finally:
        ctx.close()
