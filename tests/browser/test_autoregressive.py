"""§7 Autoregressive models in Chromium: every view renders without an exception or a failed
live check; clicking a pixel of the blind-spot picker moves the probed pixel there (the row and
column sliders and the URL follow); the variational RNN's figures render."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import assert_clean as _clean
from tests.browser.helpers import open_page
from tests.browser.helpers import settle as _settle

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_pages")]

PAGE = "Autoregressive_Models"
VIEWS = ("Ladder", "Chain+rule", "NADE+O(nd)", "MADE+masks", "Blind+spot", "Inpainting",
         "WaveNet", "Variational+RNN")  # fmt: skip


def _open(context, url: str):
    return open_page(context, url, height=1000)


@pytest.mark.parametrize("view", VIEWS)
def test_view_renders(server, context, view):
    base, _ = server
    page, errors = _open(context, f"{base}/{PAGE}?ar_view={view}")
    try:
        _settle(page)
        _clean(page, errors)
    finally:
        page.close()


def _slider_value(page, label: str) -> int:
    s = page.locator("[data-testid=stSlider]", has_text=label).locator("input[type=range]")
    return int(float(s.input_value()))


def test_clicking_a_pixel_probes_it(server, context):
    base, _ = server
    page, errors = _open(context, f"{base}/{PAGE}?ar_view=Blind+spot")
    try:
        plot = page.locator("[data-testid=stMain] .js-plotly-plot").filter(
            has=page.locator(".scatterlayer")
        )
        plot.first.wait_for(timeout=60_000)
        plot.first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        assert (_slider_value(page, "Row r"), _slider_value(page, "Column c")) == (14, 14)
        before = page.locator("[data-testid=stMain]").inner_text()
        # the pad's axes: row 6, column 20 is a pixel in the plain PixelCNN's blind spot
        box = page.evaluate(
            """() => {
              const gd = [...document.querySelectorAll('[data-testid=stMain] .js-plotly-plot')]
                .find((g) => g.data && g.data[0] && g.data[0].customdata);  // the pad
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
        page.close()


def test_vrnn_view_draws_both_figures(server, context):
    base, _ = server
    page, errors = _open(context, f"{base}/{PAGE}?ar_view=Variational+RNN")
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
        page.close()
