"""Projector-ready, checked in Chromium: every page at 1366×768 and 1920×1080, presentation mode
off and on (``?present=1``). The first load of each page (presentation off) is also the load test
of ``test_browser.check_loaded``.

For each page and setting: no text, equation, metric or button overflows its box horizontally;
no label is cut with an ellipsis; the page's main visual starts inside the first screen; and with
``?present=1`` the mode is restored from the URL (sidebar collapsed, larger text, plot text
>= 18 px, metric values larger than their labels). Screenshots go to
``artifacts/screenshots/layout/`` (git-ignored).
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ROOT
from tests.browser.helpers import IDLE, new_tab
from tests.browser.test_browser import PAGE_RUN_MS, TARGETS, check_loaded

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = ROOT / "artifacts" / "screenshots" / "layout"
SIZES = {"1366x768": (1366, 768), "1920x1080": (1920, 1080)}

# The client-side players have drawn (plotly.js is fetched once per browser, then cached).
_PLAYERS_DRAWN = """
() => [...document.querySelectorAll('.mp-player .mp-fig')].every(
  (e) => e.classList.contains('js-plotly-plot') || e.textContent.trim())
"""

# The page's main visual: the first figure, player, image or table that is shown (one inside a
# tab that is not selected has no box, and no top to measure).
_VISUAL_JS = (
    "document.querySelectorAll('[data-testid=stMain] :is(.js-plotly-plot, .mp-player, "
    "[data-testid=stImage] img, [data-testid=stDataFrame], [data-testid=stTable])')"
)
_FIRST_SHOWN = "((els) => [...els].find((e) => e.getClientRects().length > 0) || null)"
_NO_SKELETON = """() => ![...document.querySelectorAll(
  '[data-testid=stMain] [data-testid=stSkeleton]')].some((e) => e.getClientRects().length > 0)"""
_VISUAL_ON_SCREEN = f"""() => {{
  const v = {_FIRST_SHOWN}({_VISUAL_JS});
  return v !== null && v.getBoundingClientRect().top + window.scrollY < window.innerHeight;
}}"""

# Everything the page measures about itself, in one evaluation.
_PROBE = """
() => {
  const main = document.querySelector('[data-testid=stMain]');
  // KaTeX's 2 px .vlist-s strut sticks out of every display equation, however small: 3 px slack
  const over = (el) => el.scrollWidth > el.clientWidth + (el.querySelector('.katex') ? 3 : 1)
                       && el.clientWidth > 0;
  const name = (el) => (el.innerText || el.textContent || '').trim().slice(0, 60);
  const overflowing = [];
  const boxes = main.querySelectorAll('[data-testid=stMarkdownContainer], .katex-display, ' +
    '[data-testid=stCaptionContainer], [data-testid=stMetric], [data-testid^=stBaseButton], ' +
    '[data-testid=stWidgetLabel], [data-testid=stHeading]');
  for (const el of boxes) {
    if (el.closest('[data-testid=stExpander] details:not([open])')) continue;
    if (over(el)) overflowing.push(name(el));
  }
  const truncated = [];
  for (const el of document.querySelectorAll('[data-testid=stMain] *, [data-testid=stSidebar] *')) {
    if (el.children.length || !el.textContent.trim()) continue;
    const cs = getComputedStyle(el);
    if (cs.textOverflow === 'ellipsis' && over(el)) truncated.push(name(el));
  }
  const visual = FIRST_SHOWN(VISUALS);
  const plotText = [];
  const texts = main.querySelectorAll('.js-plotly-plot .xtick text, ' +
    '.js-plotly-plot .ytick text, .js-plotly-plot .gtitle, .js-plotly-plot .annotation-text, ' +
    '.js-plotly-plot .textpoint text');  // trace text too: cell values, labels, arrows
  for (const t of texts) {
    plotText.push(parseFloat(getComputedStyle(t).fontSize));
  }
  const px = (e) => parseFloat(getComputedStyle(e).fontSize);
  const metric = (sel) => [...main.querySelectorAll(sel)].map(px);
  const sidebar = document.querySelector('[data-testid=stSidebar]');
  return {
    overflowing, truncated,
    visualTop: visual ? visual.getBoundingClientRect().top + window.scrollY : null,
    viewport: window.innerHeight,
    plotText,
    metricValues: metric('[data-testid=stMetricValue] div'),
    metricLabels: metric('[data-testid=stMetricLabel] p'),
    sidebarCollapsed: sidebar ? sidebar.getAttribute('data-collapsed') : null,
    rootFont: px(document.querySelector('[data-testid=stAppViewContainer]')),
  };
}
""".replace("FIRST_SHOWN", _FIRST_SHOWN).replace("VISUALS", _VISUAL_JS)


# Known defects, measured by this test on 2026-12-01 and left open in issue 13: each case is
# expected to fail until fixed (not strict, so timing cannot fail CI; an XPASS says it is fixed).
KNOWN: dict[tuple[str, bool], str] = {}


def _cases():
    for name, path in TARGETS:
        for present in (False, True):
            why = KNOWN.get((name, present))
            marks = [pytest.mark.xfail(reason=why, strict=False)] if why else []
            yield pytest.param(name, path, present, marks=marks,
                               id=f"{name}-{'present' if present else 'normal'}")  # fmt: skip


@pytest.mark.parametrize("name, path, present", list(_cases()))
def test_page_is_projector_ready(server, context, name, path, present):
    base, log_path = server
    page, errors = new_tab(context, 1366, 768)
    try:
        page.goto(f"{base}/{path}" + ("?present=1" if present else ""),
                  wait_until="domcontentloaded", timeout=60_000)  # fmt: skip
        page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
        page.wait_for_selector("[data-testid=stMain] h1", timeout=60_000)
        # Lazy element chunks (plotly's among them) arrive over HTTP after the script is idle; on
        # a busy machine a later image mounted first and was taken for the main visual.
        page.wait_for_load_state("networkidle", timeout=60_000)
        # and drawn them: a shown skeleton is an element whose code has not arrived (once, in a
        # fresh clone under full load, a whole page still showed them when it was measured)
        page.wait_for_function(_NO_SKELETON, timeout=60_000)
        if path:  # a topic page: its main visual has mounted (components mount after the run)
            try:  # the first *shown* one (a visual in a hidden tab never shows) is in place; a
                # figure drawn by a component mounts after the images beside it
                page.wait_for_function(_VISUAL_ON_SCREEN, timeout=30_000)
            except Exception:  # noqa: BLE001 - reported by the check below with the position
                pass
        page.wait_for_function(_PLAYERS_DRAWN, timeout=60_000)
        if not present:  # the page loads cleanly (tests/browser/test_browser.py)
            check_loaded(page, base, name, path, log_path, errors)
        shown = (1366, 768)
        for size, (w, h) in SIZES.items():  # the same page at each screen size
            if (w, h) != shown:
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(1500)  # plotly, the players and the equation fitter redraw
                page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
                page.wait_for_function(_NO_SKELETON, timeout=60_000)
                shown = (w, h)
            _check(page, name, path, present, size)
    finally:
        page.close()


def _check(page, name: str, path: str, present: bool, size: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size}-{'present' if present else 'normal'}.png"))
    r = page.evaluate(_PROBE)
    where = f"{name} at {size}{' presenting' if present else ''}"
    assert not r["overflowing"], f"{where}: overflows its box: {r['overflowing']}"
    assert not r["truncated"], f"{where}: cut off with an ellipsis: {r['truncated']}"
    if path:  # a topic page: its main visual starts inside the first screen
        assert r["visualTop"] is not None, "no figure, player or image on the default view"
        assert r["visualTop"] < r["viewport"], (
            f"{where}: main visual starts at y = {r['visualTop']:.0f} px, below the first screen "
            f"({r['viewport']} px)"
        )
    if present:
        assert r["sidebarCollapsed"] == "true", "?present=1 leaves the sidebar open"
        assert r["rootFont"] >= 20, f"presentation text is {r['rootFont']} px"
        small = [s for s in r["plotText"] if s < 18]
        assert not small, f"plot text under 18 px in presentation mode: {sorted(set(small))}"
        if r["metricValues"] and r["metricLabels"]:
            assert min(r["metricValues"]) > max(r["metricLabels"]), (
                f"metric values {r['metricValues']} not larger than labels {r['metricLabels']}"
            )
        assert "present=1" in page.url, "presentation mode is not kept in the URL"
