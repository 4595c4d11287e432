"""A scrubber's position is part of the bookmark (issue 13), in Chromium.

The players write ``?<key>=<frame>`` into the address bar as the user drags, with no message to
the server (``ui.image_player.URL_SYNC_JS``); a widget that writes its own query parameter makes
Streamlit rewrite the query string, and the position must survive that; a copied URL opens at
the same frame; a silly value is ignored.
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import IDLE, open_page
from tests.browser.test_browser import PAGE_RUN_MS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_pages")]

RANGE = ".mp-player input[type=range]"
PAGE = "Diffusion"  # its default view scrubs the forward process with an image player
KEY = "dif_fwd_player"


def _open(context, url: str):
    page, errors = open_page(context, url, height=900)
    page.wait_for_selector(RANGE, timeout=60_000)
    return page, errors


def _frame(page) -> int:
    return int(page.query_selector(RANGE).evaluate("e => e.value"))


def test_scrub_position_is_in_the_url_survives_a_widget_and_reopens(server, context):
    base, _ = server
    page, errors = _open(context, f"{base}/{PAGE}")
    try:
        assert _frame(page) != 7
        page.query_selector(RANGE).evaluate(
            "e => { e.value = 7; e.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
        page.wait_for_function(f"location.search.includes('{KEY}=7')", timeout=5_000)
        # a widget writes its own parameter: Streamlit rewrites the query string from the server
        page.locator("[data-testid=stSelectbox]").filter(has_text="Schedule").click()
        page.get_by_role("option", name="linear").click()
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
        url = page.evaluate("location.href")
        assert "dif_schedule=linear" in url and f"{KEY}=7" in url, url
        assert not errors, errors
    finally:
        page.close()
    page, errors = _open(context, url)
    try:
        assert _frame(page) == 7, "the copied URL did not reopen the scrubbed frame"
        assert not errors, errors
    finally:
        page.close()


def test_silly_position_in_the_url_is_ignored(server, context):
    base, _ = server
    page, errors = _open(context, f"{base}/{PAGE}?{KEY}=banana")
    try:
        assert page.query_selector("[data-testid=stException]") is None
        assert 0 <= _frame(page) <= int(page.query_selector(RANGE).evaluate("e => e.max"))
        assert not errors, errors
    finally:
        page.close()
