"""§4 Recurrent Networks in Chromium: every view renders without an exception or a failed live
check; the BPTT scrubber moves through k in the browser alone (the frame title follows, the
term heatmap's image changes, no websocket message); the LSTMVis search lists held-out
matches; Play in the long-range memory view draws live frames."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import IDLE, assert_clean, open_page
from tests.browser.test_browser import PAGE_RUN_MS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_pages")]

PAGE = "Recurrent_Networks"
VIEWS = ("BPTT+step-through", "Spectrum+lab", "Leaky+unit+%26+LSTM", "Gradient+clipping",
         "Char-level+LSTM", "Long-range+memory")  # fmt: skip


@pytest.mark.parametrize("view", VIEWS)
def test_view_renders(server, context, view):
    base, _ = server
    page, errors = open_page(context, f"{base}/{PAGE}?rnn_view={view}")
    try:
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
        assert_clean(page, errors)
    finally:
        page.close()


def test_bptt_scrubber_plays_in_the_browser(server, context):
    base, _ = server
    url = f"{base}/{PAGE}?rnn_view=BPTT+step-through"
    page, errors, sent = open_page(context, url, count_sent=True)
    try:
        rng = page.locator("[data-testid=stMain] .mp-player input[type=range]").first
        rng.wait_for(state="visible", timeout=PAGE_RUN_MS)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stMain] .mp-player .gtitle')",
            timeout=PAGE_RUN_MS,
        )
        page.wait_for_timeout(1000)

        def state():
            return page.evaluate(
                """() => { const p = document.querySelector('[data-testid=stMain] .mp-player');
                  return [p.querySelector('.gtitle').textContent,
                          [...p.querySelectorAll('.layer-below image, .imagelayer image')]
                            .map((im) => im.getAttribute('href')).join('|')]; }"""
            )

        title0, images0 = state()
        assert "k = 6" in title0  # frame 0 is k = t = 6
        n0 = sent[0]
        rng.evaluate("(el) => { el.value = '3'; el.dispatchEvent(new Event('input', "
                     "{bubbles: true})); }")  # fmt: skip
        page.wait_for_function(
            "() => /k = 3/.test(document.querySelector('[data-testid=stMain] .mp-player"
            " .gtitle').textContent)",
            timeout=10_000,
        )
        page.wait_for_timeout(300)
        title1, images1 = state()
        assert images1 != images0  # term k's matrix and the running sum were swapped
        assert sent[0] == n0  # no server round trip
        assert_clean(page, errors)
    finally:
        page.close()


def test_lstmvis_lists_held_out_matches(server, context):
    base, _ = server
    url = f"{base}/{PAGE}?rnn_view=Char-level+LSTM&rnn_lv_span=%5B1,2%5D&rnn_lv_thr=0.2"
    page, errors = open_page(context, url)
    try:
        table = page.locator("[data-testid=stMain] table", has_text="cells kept")
        table.first.wait_for(timeout=PAGE_RUN_MS)
        assert table.first.locator("mark").count() >= 3  # held-out spans, highlighted
        # st.html draws in a shadow root: text locators see it, innerText does not
        assert page.get_by_text(re.compile(r"of 180 cells on")).count() == 1
        assert_clean(page, errors)
    finally:
        page.close()


def test_memory_view_plays_live_frames(server, context):
    base, _ = server
    page, errors = open_page(context, f"{base}/{PAGE}?rnn_view=Long-range+memory")
    try:
        play = page.locator("[data-testid=stMain] button", has_text=re.compile("Play"))
        play.first.wait_for(timeout=PAGE_RUN_MS)
        play.first.click()
        page.wait_for_function(
            "() => /step [1-9]/.test(document.querySelector('[data-testid=stMain]').innerText)",
            timeout=PAGE_RUN_MS,
        )
        page.wait_for_function(  # the player drew a live frame titled with its step
            "() => [...document.querySelectorAll('[data-testid=stMain] .mp-player .gtitle')]"
            ".some((t) => /Live: held-out recall accuracy · step [1-9]/.test(t.textContent))",
            timeout=PAGE_RUN_MS,
        )
        page.locator("[data-testid=stMain] button", has_text=re.compile("Pause")).first.click()
        page.wait_for_timeout(500)
        page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
        assert_clean(page, errors)
    finally:
        page.close()
