"""What the per-page Chromium tests share: open a page in a new tab, wait for its rerun,
and check that what it shows is clean.

A failed live check is drawn as ``ui.checks.FAIL`` (a red Material Symbol), which Chromium
renders as ``<span role="img" aria-label="cancel icon">``: that, not an emoji, is what a clean
view must not contain.
"""

from __future__ import annotations

from tests.browser.test_browser import PAGE_RUN_MS

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
FAILED_CHECK = '[data-testid=stMain] [aria-label="cancel icon"]'


def new_tab(context, width: int = 1366, height: int = 1000):
    """(page, page errors): a new tab in the test process's shared context."""
    page = context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def open_page(context, url: str, height: int = 1000, count_sent: bool = False):
    """(page, page errors[, websocket messages sent]) after the first run is idle."""
    page, errors = new_tab(context, height=height)
    sent = [0]

    def count(_payload) -> None:
        sent[0] += 1

    if count_sent:
        page.on("websocket", lambda ws: ws.on("framesent", count))
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
    return (page, errors, sent) if count_sent else (page, errors)


def settle(page, ms: int = 500) -> None:
    """Let a rerun start, then wait for its end."""
    page.wait_for_timeout(ms)
    page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)


def assert_clean(page, errors: list[str]) -> None:
    """No exception element, no error boundary fired, no page error, no failed live check."""
    assert page.locator("[data-testid=stException]").count() == 0
    broken = page.locator("[data-testid=stAlert]", has_text="Something went wrong")
    assert broken.count() == 0, broken.first.inner_text()
    assert not errors, errors
    failed = page.locator(FAILED_CHECK)
    assert failed.count() == 0, (
        "a live check failed: "
        + failed.first.locator(
            "xpath=ancestor::*[@data-testid='stMarkdownContainer'][1]"
        ).inner_text()
    )
