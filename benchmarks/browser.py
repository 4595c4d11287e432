"""Browser benchmark: what a person waits for, in headless Chromium against a fresh server.

    python -m benchmarks.browser                      # every page
    python -m benchmarks.browser --only 09_GANs       # one page (file stem)
    python -m benchmarks.browser --record             # also update benchmarks/results/browser.json
    python -m benchmarks.browser --record --only X    # re-run page X, keep the others' record

AppTest leaves out the websocket, the figure transfer and plotly.js; this does not. A
``MutationObserver`` on the page counts what the browser really changes, and a
``requestAnimationFrame`` after the last change stamps when it was painted:

* **slider → paint**: open the main area's folded expanders (a page's settings; not the math
  checks), focus a slider in the main area, press ArrowRight (then ArrowLeft, so the
  page returns to where it was), and time from the keydown to the paint after the last DOM change
  once the page is quiet again (script idle, no change for 600 ms). Median and p90 per page.
* **live view**: press Play, wait 1 s, then count for 6 s (or until the run pauses itself) the
  animation frames in which a figure of the page changed (``changed frames/s``; a canvas layer
  marks its redraws with an attribute), and the training steps shown (``step N`` caption) per
  second; next to it the same stepper's raw rate in a plain loop (``raw_steps_per_s`` of the
  page's benchmark module), measured in this same run.
* **scrub**: drag the first client-side player's slider (``ui.image_player``/``ui.plot_player``,
  else a plotly slider) one step per animation frame, and count the frames in which the figure
  changed per second, and the websocket messages the browser sent meanwhile (0 means no server
  round trip).

Each page's benchmark module (``benchmarks/pages/<stem>.py``) may declare what to visit::

    BROWSER_VIEWS = ["?bp_view=...", ...]     # deep-link queries whose sliders are timed
    BROWSER_LIVE = ["?...", ...]              # views with a Play button
    BROWSER_SCRUB = ["?...", ...]             # views with a client-side scrubber
    BROWSER_READY = {"?...": ["css", ...]}    # what a view shows once drawn (waited for)
    def raw_steps_per_s(query: str) -> float  # the live stepper's rate in a plain loop

Results print as a table and go to ``artifacts/benchmarks/browser.{json,md}`` (untracked), or
with ``--record`` to ``benchmarks/results/browser.{json,md}``; ``python -m benchmarks
--render-only --record`` then puts the section into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import re
import statistics
import time

from benchmarks.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, streamlit_server

RESULTS = ROOT / "benchmarks" / "results" / "browser.json"
SCRATCH = ROOT / "artifacts" / "benchmarks" / "browser.json"
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
QUIET_MS = 600

# Installed once per document: counts changed frames and stamps the paint after each change.
_INSTRUMENT = """
() => {
  if (window.__mp) return;
  const mp = window.__mp = {t0: 0, lastPaint: 0, lastMut: 0, lastBusy: 0, frames: 0,
                            pending: false, counting: false, excludeSlider: false};
  // a long task (>= 50 ms of main-thread work) ends: the page is still rendering, even if the
  // DOM has not changed yet (React renders before it commits)
  try {
    new PerformanceObserver((list) => list.getEntries().forEach((e) => {
      mp.lastBusy = Math.max(mp.lastBusy, e.startTime + e.duration); })
    ).observe({type: 'longtask', buffered: true});
  } catch (e) { /* no Long Tasks API: DOM quiet alone */ }
  const inFigure = (n) => {
    const el = n.nodeType === 1 ? n : n.parentElement;
    if (!el) return false;
    if (mp.excludeSlider && el.closest('.slider-container, .updatemenu-container')) return false;
    return !!el.closest('.js-plotly-plot, [data-testid=stImage], canvas, .mp-player img');
  };
  new MutationObserver((records) => {
    mp.lastMut = performance.now();
    requestAnimationFrame(() => { mp.lastPaint = performance.now(); });
    if (records.some((r) => inFigure(r.target))) mp.pending = true;
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             characterData: true});
  const tick = () => { if (mp.pending && mp.counting) mp.frames++; mp.pending = false;
                       requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  document.addEventListener('keydown', () => { mp.t0 = performance.now(); }, true);
}
"""


def _url_path(stem: str) -> str:
    from streamlit.source_util import page_icon_and_name

    return page_icon_and_name(ROOT / "pages" / f"{stem}.py")[1]


_INFLIGHT: dict[int, set] = {}  # id(page) -> HTTP requests not yet answered


def _track_requests(page) -> None:
    """Keep the set of the page's unanswered HTTP requests (the websocket is not one)."""
    busy = _INFLIGHT.setdefault(id(page), set())
    page.on("request", lambda r: busy.add(r))
    page.on("requestfinished", lambda r: busy.discard(r))
    page.on("requestfailed", lambda r: busy.discard(r))


def _settle(page, timeout_s: float = 60.0) -> None:
    """Wait until the script is idle, no HTTP request is pending and, for QUIET_MS, nothing
    in the page changed and the main thread ran no long task. (Under load the script reads
    idle while the browser still fetches a lazy element chunk, 5 s from a busy server, or
    renders in long tasks: §4's sliders and Play button were measured as absent.)"""
    deadline = time.monotonic() + timeout_s
    pending = _INFLIGHT.get(id(page), set())
    while time.monotonic() < deadline:
        page.wait_for_selector(IDLE, timeout=timeout_s * 1000)
        if pending:
            page.wait_for_timeout(100)
            continue
        quiet = page.evaluate(
            "performance.now() - Math.max(window.__mp.lastMut, window.__mp.lastBusy)"
        )
        if quiet >= QUIET_MS:
            return
        page.wait_for_timeout(max(50, QUIET_MS - quiet))


def _open(page, base: str, stem: str, query: str, ready: list[str] | None = None) -> None:
    """Load a view and wait until it is drawn: the script idle, then each ``ready`` selector
    (what the view must show before it is measured, from the page module's BROWSER_READY),
    then quiet (``_settle``)."""
    page.goto(f"{base}/{_url_path(stem)}{query}", wait_until="domcontentloaded", timeout=60_000)
    page.wait_for_selector(IDLE, timeout=240_000)
    page.evaluate(_INSTRUMENT)
    for sel in ready or []:
        page.locator(sel).first.wait_for(state="attached", timeout=120_000)
    page.wait_for_timeout(300)
    _settle(page)


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


_UNFOLD = """
() => document.querySelectorAll('[data-testid=stMain] [data-testid=stExpander] details:not([open])'
  + ' > summary').forEach((el) => { if (!/Math checks/.test(el.textContent)) el.click(); })
"""


def slider_latency(page, presses: int = 6, max_sliders: int = 3) -> list[float]:
    """ms from keydown to the paint after the last change, for up to ``max_sliders`` sliders."""
    out: list[float] = []
    # sliders folded into an expander (a page's settings) count too: open them (no rerun)
    page.evaluate(_UNFOLD)
    page.wait_for_timeout(300)
    sliders = page.locator("[data-testid=stMain] [data-testid=stSlider] input[type=range]")
    keys = ("ArrowRight", "ArrowLeft")
    if not any(sliders.nth(i).is_visible() for i in range(sliders.count())):
        # a view without sliders (§5's sampler): its number inputs, stepped by ArrowUp/Down,
        # which Streamlit commits at once like the +/- buttons
        sliders = page.locator("[data-testid=stMain] [data-testid=stNumberInput] input")
        keys = ("ArrowUp", "ArrowDown")
    n = min(sliders.count(), max_sliders)
    for i in range(n):
        s = sliders.nth(i)
        if not s.is_visible():
            continue
        for j in range(presses):
            s.focus()
            page.evaluate("window.__mp.lastPaint = 0")
            page.keyboard.press(keys[j % 2])
            _settle(page)
            t0, painted = page.evaluate("[window.__mp.t0, window.__mp.lastPaint]")
            if painted > t0:  # the page changed at all (a slider at its end does not)
                out.append(painted - t0)
    return out


def live_rate(page, warm_s: float = 1.0, window_s: float = 6.0) -> dict | None:
    """Press Play; changed figure frames/s and shown steps/s over ``window_s`` (or until the
    run pauses itself: a short replay such as the perceptron's); then Pause."""
    play = page.locator("[data-testid=stMain] button", has_text=re.compile("Play"))
    try:  # a view still rendering on a loaded machine: give it time before calling it absent
        play.first.wait_for(state="visible", timeout=30_000)
    except Exception:  # noqa: BLE001 - playwright's timeout: the view has no Play button
        return None
    play.first.click()
    page.wait_for_timeout(warm_s * 1000)

    def steps() -> int | None:
        txt = page.locator("[data-testid=stMain]").inner_text()
        m = re.search(r"step ([\d,]+)", txt)
        return int(m.group(1).replace(",", "")) if m else None

    s0, t0 = steps(), time.perf_counter()
    pause = page.locator("[data-testid=stMain] button", has_text=re.compile("Pause"))
    draws = "(() => { const d = window.__mpDraws; return d ? d.react.length + d.fast.length : 0 })"
    draws += "()"
    d0 = page.evaluate(draws)  # the players' own count of drawn frames (ui/scrub.py)
    page.evaluate("window.__mp.frames = 0; window.__mp.counting = true")
    while time.perf_counter() - t0 < window_s:  # ends early when the run pauses itself
        page.wait_for_timeout(250)
        if pause.count() == 0:
            break
    frames = page.evaluate("window.__mp.counting = false; window.__mp.frames")
    s1, dt, d1 = steps(), time.perf_counter() - t0, page.evaluate(draws)
    try:  # the run may have paused itself meanwhile (step limit, divergence)
        if pause.count():
            pause.first.click(timeout=5_000)
    except Exception:  # noqa: BLE001 - playwright's timeout: nothing left to pause
        pass
    _settle(page)
    return {
        "frames_per_s": frames / dt,
        "steps_per_s": (s1 - s0) / dt if s0 is not None and s1 is not None else None,
        # drawn frames and the window: was nothing drawn, or did the run pause itself?
        "player_draws_per_s": (d1 - d0) / dt,
        "window_s": dt,
    }


# A drag as the browser sees it: mousedown on the grip, one mousemove per animation frame along
# the rail (plotly's slider listens to these), mouseup; counts the frames whose figure changed.
_DRAG = """
async ([moves]) => {
  const mp = window.__mp;
  const player = [...document.querySelectorAll('[data-testid=stMain] .mp-player input[type=range]')]
    .find((el) => el.offsetParent !== null);  // a visible one (a live view's player has none)
  if (player) {  // the image player: one input event per animation frame
    mp.frames = 0; mp.counting = true;
    const t0 = performance.now(), n = +player.max;
    for (let k = 1; k <= moves; k++) {
      await new Promise((r) => requestAnimationFrame(r));
      player.value = String(Math.round(n * k / moves));
      player.dispatchEvent(new Event('input', {bubbles: true}));
    }
    await new Promise((r) => requestAnimationFrame(r));
    mp.counting = false;
    return {frames: mp.frames, seconds: (performance.now() - t0) / 1000};
  }
  const plot = document.querySelector('[data-testid=stMain] .js-plotly-plot .slider-rail-rect')
                 .closest('.js-plotly-plot');
  const rail = plot.querySelector('.slider-rail-rect').getBoundingClientRect();
  const grip = plot.querySelector('.slider-grip-rect');
  const g = grip.getBoundingClientRect();
  const y = g.top + g.height / 2;
  const ev = (type, x, target) => target.dispatchEvent(new MouseEvent(type, {
      bubbles: true, cancelable: true, clientX: x, clientY: y, buttons: 1, view: window}));
  ev('mousedown', g.left + g.width / 2, grip);
  mp.excludeSlider = true; mp.frames = 0; mp.counting = true;
  const t0 = performance.now();
  for (let k = 1; k <= moves; k++) {
    await new Promise((r) => requestAnimationFrame(r));
    ev('mousemove', rail.left + rail.width * k / moves, window);
  }
  await new Promise((r) => requestAnimationFrame(r));
  const dt = (performance.now() - t0) / 1000;
  mp.counting = false; mp.excludeSlider = false;
  ev('mouseup', rail.right, window);
  return {frames: mp.frames, seconds: dt};
}
"""


def scrub_rate(page, ws_sent: list[int], moves: int = 90) -> dict | None:
    """Drag the first plotly slider across its rail, one move per frame; changed frames/s and
    the websocket messages the browser sent meanwhile."""
    rail = page.locator("[data-testid=stMain] .mp-player input[type=range]:visible, "
                        "[data-testid=stMain] .js-plotly-plot .slider-rail-rect")  # fmt: skip
    if rail.count() == 0:
        return None
    rail.first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    sent0 = ws_sent[0]
    r = page.evaluate(_DRAG, [moves])
    page.wait_for_timeout(300)
    return {
        "frames_per_s": r["frames"] / r["seconds"],
        "moves_per_s": moves / r["seconds"],
        "messages_sent": ws_sent[0] - sent0,
    }


def _spec(stem: str) -> dict:
    try:
        mod = importlib.import_module(f"benchmarks.pages.{stem}")
    except ImportError:
        mod = None
    return {
        "views": getattr(mod, "BROWSER_VIEWS", [""]),
        "live": getattr(mod, "BROWSER_LIVE", []),
        "scrub": getattr(mod, "BROWSER_SCRUB", []),
        "raw": getattr(mod, "raw_steps_per_s", None),
        "ready": getattr(mod, "BROWSER_READY", {}),
    }


def bench_page(browser, base: str, stem: str) -> dict:
    spec = _spec(stem)
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    _track_requests(page)
    ws_sent = [0]
    page.on("websocket", lambda ws: ws.on("framesent", lambda _p: ws_sent.__setitem__(
        0, ws_sent[0] + 1)))  # fmt: skip
    res: dict = {"page": stem, "sliders": {}, "live": {}, "scrub": {}}
    try:
        for q in spec["views"]:
            _open(page, base, stem, q, spec["ready"].get(q))
            res["sliders"][q] = slider_latency(page)
        for q in spec["live"]:
            _open(page, base, stem, q, spec["ready"].get(q))
            r = live_rate(page)
            raw = spec["raw"](q) if r is not None and spec["raw"] is not None else None
            if raw is not None and math.isfinite(raw):  # nan: a replay paced on purpose
                r["raw_steps_per_s"] = float(raw)
            res["live"][q] = r
        for q in spec["scrub"]:
            _open(page, base, stem, q, spec["ready"].get(q))
            res["scrub"][q] = scrub_rate(page, ws_sent)
    finally:
        ctx.close()
        _INFLIGHT.pop(id(page), None)
    lat = [x for v in res["sliders"].values() for x in v]
    if lat:
        res["slider_ms"] = {"n": len(lat), "median": statistics.median(lat), "p90": _pct(lat, 0.9)}
    return res


def _ok(good: bool) -> str:
    return "✅" if good else "❌"


def _table(results: list[dict]) -> str:
    """One row per page: slider latency over all its views; each live view and scrubber."""
    rows = ["| page | slider → paint, median / p90 (n) | live view: changed frames/s · "
            "steps/s while playing (raw stepper) | scrub: frames/s · messages sent |",
            "|---|---|---|---|"]  # fmt: skip
    for r in results:
        s = r.get("slider_ms")
        sl = (f"{s['median']:.0f} / {s['p90']:.0f} ms ({s['n']}) "
              f"{_ok(s['median'] <= 200 and s['p90'] <= 400)}" if s else "–")  # fmt: skip
        lv = []
        for v in r["live"].values():
            if not v:
                continue
            raw, steps = v.get("raw_steps_per_s"), v.get("steps_per_s") or 0
            good = v["frames_per_s"] >= 10 and (raw is None or steps >= 0.5 * raw)
            lv.append(
                f"{v['frames_per_s']:.1f} · {steps:,.0f}"
                + (f" ({raw:,.0f}, {steps / raw:.0%})" if raw else "")
                + f" {_ok(good)}"
            )
        sc = [f"{v['frames_per_s']:.0f} · {v['messages_sent']} "
              f"{_ok(v['frames_per_s'] >= 30 and v['messages_sent'] == 0)}"
              for v in r["scrub"].values() if v]  # fmt: skip
        page = f"{r['page']} ({r['when']})" if r.get("when") else r["page"]  # --only re-runs
        rows.append(f"| {page} | {sl} | {'; '.join(lv) or '–'} | {'; '.join(sc) or '–'} |")
    return "\n".join(rows)


def markdown(record: dict) -> str:
    """The BENCHMARKS.md section for a recorded run (``benchmarks/results/browser.json``)."""
    return (
        "## In a browser (`python -m benchmarks.browser --record`)\n\n"
        f"Headless Debian Chromium and a fresh `streamlit run app.py` on one machine "
        f"({record['machine']}; load {record['load_1min_at_end']:.2f} at the end; "
        f"{record['when']}). Budgets: slider → paint median ≤ 200 ms and p90 ≤ 400 ms; live views "
        "≥ 10 changed frames/s with ≥ 50 % of the raw stepper's steps/s; scrubbing ≥ 30 frames/s "
        "with no message to the server. Method: `benchmarks/browser.py`'s docstring.\n\n"
        + _table(record["pages"])
        + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="page file stems (default: every page)")
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/browser.json")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"skip: {CHROMIUM} not found (apt-get install -y chromium)")
        return 0
    from playwright.sync_api import sync_playwright

    stems = args.only or sorted(p.stem for p in (ROOT / "pages").glob("[0-9]*.py"))
    results = []
    with streamlit_server(ROOT / "artifacts" / "benchmarks" / "server.log") as base:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for stem in stems:
                    r = bench_page(browser, base, stem)
                    r["when"] = time.strftime("%Y-%m-%d %H:%M")
                    print(_table([r]).splitlines()[-1], flush=True)
                    results.append(r)
            finally:
                browser.close()
    print(_table(results))
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
           "load_1min_at_end": os.getloadavg()[0], "when": time.strftime("%Y-%m-%d %H:%M"),
           "pages": results}  # fmt: skip
    path = RESULTS if args.record else SCRATCH
    if args.only and path.exists():  # --only: keep the other pages' last measurement
        mine = {r["page"] for r in results}
        kept = [r for r in json.loads(path.read_text())["pages"] if r["page"] not in mine]
        out["pages"] = sorted(kept + results, key=lambda r: r["page"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    # the BENCHMARKS.md section (python -m benchmarks --render-only --record appends it)
    path.with_suffix(".md").write_text(markdown(out))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
