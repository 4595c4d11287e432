"""§7.7 Transformers in Chromium: every view renders without an exception or a failed check; in
Generate a slider redraws the next-character distribution without resampling, and Generate
draws anew; the live view trains and its figure changes while playing; Pause stops it."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import assert_clean, open_page, settle

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_pages")]

PAGE = "Transformers"
VIEWS = ("Step+through", "Generate", "Mask", "Why+%E2%88%9Ad", "Positions", "Attention+vs+RNN")


@pytest.mark.parametrize("view", VIEWS)
def test_view_renders(server, context, view):
    base, _ = server
    page, errors = open_page(context, f"{base}/{PAGE}?tf_view={view}")
    try:
        page.wait_for_selector("[data-testid=stMain] .js-plotly-plot", timeout=60_000)
        assert_clean(page, errors)
        # a failed live check turns its expander's mark into a warning sign (ui.checks)
        checks = page.locator("[data-testid=stMain] [data-testid=stExpander] summary")
        labels = [checks.nth(i).inner_text() for i in range(checks.count())]
        assert not [t for t in labels if "Math checks" in t and "warning" in t], labels
    finally:
        page.close()


def test_generate_slider_does_not_resample_and_generate_does(server, context):
    base, _ = server
    page, errors = open_page(context, f"{base}/{PAGE}?tf_view=Generate&tf_gen_n=40")
    try:
        code = page.locator("[data-testid=stMain] [data-testid=stCode]").first
        first = code.inner_text()
        assert first.startswith("The return statement ") and len(first) > 40
        caption = page.locator("[data-testid=stMain]", has_text="After the prompt")
        before = page.get_by_text(re.compile(r"After the prompt: next-character")).inner_text()
        slider = page.get_by_role("slider", name="temperature T")
        slider.focus()
        page.keyboard.press("End")  # T 0.8 -> 2.0 (a step of 0.05 may draw the same text:
        # every T uses the same seeded random numbers)
        settle(page)
        assert caption.count() == 1
        after = page.get_by_text(re.compile(r"After the prompt: next-character")).inner_text()
        assert after != before, "the next-character distribution did not follow T"
        assert code.inner_text() == first, "a slider resampled"
        assert page.get_by_text("press Generate to redraw").count() == 1
        page.get_by_role("button", name=re.compile("Generate")).click()
        settle(page)
        assert code.inner_text() != first, "Generate did not draw a new sample at T = 2"
        assert page.get_by_text("press Generate to redraw").count() == 0
        assert "T = 2, top-k = 0" in page.locator("[data-testid=stMain]").inner_text()
        assert_clean(page, errors)
    finally:
        page.close()


def test_live_training_plays_and_pauses(server, context):
    base, _ = server
    page, errors = open_page(context, f"{base}/{PAGE}?tf_view=Live+training")
    try:
        main = page.locator("[data-testid=stMain]")

        def step() -> int:
            m = re.search(r"step ([\d,]+)", main.inner_text())
            return int(m.group(1).replace(",", "")) if m else -1

        assert step() == 0
        page.get_by_role("button", name=re.compile("Play")).click()
        page.wait_for_timeout(4_000)
        title = ".mp-player .gtitle"
        seen = set()
        for _ in range(10):  # the figure's title carries the step: it changes while playing
            seen.add(page.locator(title).first.text_content())
            page.wait_for_timeout(150)
        page.get_by_role("button", name=re.compile("Pause")).click()
        settle(page, 800)
        assert step() > 0 and len(seen) >= 3, (step(), seen)
        paused = step()
        page.wait_for_timeout(1_500)
        assert step() == paused, "still training after Pause"
        assert page.locator("[data-testid=stMain] [data-testid=stCode]").count() == 1  # a sample
        assert_clean(page, errors)
    finally:
        page.close()
