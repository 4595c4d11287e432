"""§7 Autoregressive models in Chromium: every view renders without an exception or a failed
live check; clicking a pixel of the blind-spot picker moves the probed pixel there (the row and
column sliders and the URL follow); the variational RNN's figures render."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_browser import PAGE_RUN_MS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
PAGE = "Autoregressive_Models"
VIEWS = ("Ladder", "Chain+rule", "NADE+O(nd)", "MADE+masks", "Blind+spot", "Inpainting",
         "WaveNet", "Variational+RNN")  # fmt: skip


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
    return context, page, errors


def _settle(page, ms: int = 500) -> None:
    page.wait_for_timeout(ms)  # let a rerun start before waiting for its end
    page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)


def _clean(page, errors) -> None:
    assert page.locator("[data-testid=stException]").count() == 0
    broken = page.locator("[data-testid=stAlert]", has_text="Something went wrong")
    assert broken.count() == 0, broken.first.inner_text()
    assert not errors, errors
    assert "❌" not in page.locator("[data-testid=stMain]").inner_text(), "a live check failed"


@pytest.mark.parametrize("view", VIEWS)
def test_view_renders(server, browser, view):
    base, _ = server
    context, page, errors = _open(browser, f"{base}/{PAGE}?ar_view={view}")
    try:
        _settle(page)
        _clean(page, errors)
    finally:
        context.close()


def _slider_value(page, label: str) -> int:
    s = page.locator("[data-testid=stSlider]", has_text=label).locator("input[type=range]")
    return int(float(s.input_value()))


def test_clicking_a_pixel_probes_it(server, browser):
    base, _ = server
    context, page, errors = _open(browser, f"{base}/{PAGE}?ar_view=Blind+spot")
    try:
        plot = page.locator("[data-testid=stMain] .js-plotly-plot").filter(
            has=page.locator(".scatterlayer")
        )
        plot.first.wait_for(timeout=60_000)
        plot.first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        assert (_slider_value(page, "Row r"), _slider_value(page, "Column c")) == (14, 14)
        before = page.locator("[data-testid=stMain]").inner_text()
        # the first panel's axes: row 6, column 20 is a pixel in the plain PixelCNN's blind spot
        box = page.evaluate(
            """() => {
              const gd = [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]
                .find((g) => g.querySelector('.scatterlayer'));
              const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
              const r = gd.getBoundingClientRect();
              return {x: r.left + xa._offset + xa.l2p(20), y: r.top + ya._offset + ya.l2p(6)};
            }"""
        )
        page.mouse.click(box["x"], box["y"])
        _settle(page, 800)
        assert (_slider_value(page, "Row r"), _slider_value(page, "Column c")) == (6, 20)
        assert re.search(r"ar_bs_r=6\b", page.url) and re.search(r"ar_bs_c=20\b", page.url)
        after = page.locator("[data-testid=stMain]").inner_text()
        assert after != before  # the counts below the picker follow the new pixel
        _clean(page, errors)
    finally:
        context.close()


def test_vrnn_view_draws_both_figures(server, browser):
    base, _ = server
    context, page, errors = _open(browser, f"{base}/{PAGE}?ar_view=Variational+RNN")
    try:
        _settle(page)
        main = page.locator("[data-testid=stMain]")
        if "not trained" in main.inner_text() or "missing" in main.inner_text():
            pytest.skip("ar_vrnn is not trained")
        page.wait_for_selector("[data-testid=stMain] .js-plotly-plot", timeout=60_000)
        assert page.locator("[data-testid=stMain] .js-plotly-plot").count() >= 2
        assert "plain RNN rollout" in main.inner_text() or page.locator("text=plain RNN").count()
        _clean(page, errors)
    finally:
        context.close()
