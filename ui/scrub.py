"""Client-side scrubbing and playback: the browser moves through frames the server computed once.

The pattern every page follows (and new pages build on)
-------------------------------------------------------
A full Streamlit rerun costs 0.5–0.8 s in Chromium on 2 cores (websocket, figure transfer,
plotly.js), far over the 200 ms budget. So:

1. **Partial reruns.** Each view's body is an ``@st.fragment``: its own controls rerun only it.
2. **Precompute, then scrub in the browser.** A sequence (diffusion steps t, value-iteration
   sweeps, flow layers k, the GAN timeline, a VAE interpolation, conv window positions) is
   computed once on the server (cached by its small inputs), then handed to a client-side
   player; its slider and ▶ never talk to the server:

   * ``image_player(png_urls, labels)`` for images: an <img>, a range input and ▶, swapping
     cached PNGs (``png_data_url``) at the display's frame rate;
   * ``plot_player(figs, labels)`` for plots: ONE plotly chart (plotly.js from the plotly
     package, served from ./static/) updated in place with ``Plotly.react`` per frame. Give every
     figure the same traces in the same order and fixed axis ranges::

       figs = frames_for(config, seed)                 # cached: st.cache_data on small inputs
       ui.plot_player(figs, [f"t = {t}" for t in ts], key="dm_traj", active=t0)

3. **Live training draws between ticks.** ``ui.live_training(..., snapshot=fig_of_stepper)``
   trains in bounded chunks and takes ``frames_per_tick`` snapshots spread over one tick of
   work; the browser *plays* them (``plot_player(autoplay=True)``) while the server computes the
   next tick. The server answers ~1–2 times a second, the view changes ≥ 10 times a second, and
   each frame is a real snapshot labelled with its true step count.

URL state: the position a player opens at comes from a URL-mirrored control (``active=``); the
browser does not write a dragged position back to the URL (that would need the round trip this
avoids).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit as st

from core.theme import apply_theme
from ui.layout import presenting

# ---------------------------------------------------------------- plot sequences
# plotly.js itself: Streamlit bundles it privately, so the player loads the copy that ships with
# the plotly package, served by Streamlit's static file serving (server.enableStaticServing)
# from ./static/ next to app.py, once per browser (cached like any script).
_STATIC = Path(__file__).resolve().parents[1] / "static"
_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _ensure_plotly_asset() -> None:
    """Copy plotly.min.js into ./static/ (git-ignored) when missing or from another version."""
    dst = _STATIC / "plotly.min.js"
    try:
        if not dst.exists() or dst.stat().st_size != _PLOTLY_JS.stat().st_size:
            _STATIC.mkdir(exist_ok=True)
            tmp = dst.with_suffix(".tmp")
            shutil.copyfile(_PLOTLY_JS, tmp)
            tmp.replace(dst)
    except OSError:  # a read-only checkout: the player then says it cannot load plotly.js
        pass


_ensure_plotly_asset()

_PLOT_JS = """
const loadPlotly = () => window.__mpPlotly || (window.__mpPlotly = new Promise((ok, fail) => {
  if (window.Plotly) return ok(window.Plotly);
  const s = document.createElement('script');
  s.src = new URL('app/static/plotly.min.js', document.baseURI).href;
  s.onload = () => ok(window.Plotly);
  s.onerror = () => fail(new Error('cannot load plotly.js'));
  document.head.appendChild(s);
}));

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector('.mp-plot');
  if (!root) {
    root = document.createElement('div');
    root.className = 'mp-plot mp-player';
    root.innerHTML = '<div class="mp-fig"></div><div class="mp-row">' +
      '<button type="button">▶</button><input type="range" min="0" step="1">' +
      '<span class="mp-label"></span></div>';
    parentElement.appendChild(root);
  }
  const fig = root.querySelector('.mp-fig'), range = root.querySelector('input'),
        label = root.querySelector('.mp-label'), btn = root.querySelector('button'),
        row = root.querySelector('.mp-row');
  const base = JSON.parse(data.base);
  const frames = data.frames.map((f) => JSON.parse(f));
  const n = frames.length;
  row.style.display = data.controls && n > 1 ? '' : 'none';
  range.max = String(n - 1);
  fig.style.height = data.height + 'px';
  const layout = (i) => Object.assign({}, base.layout, { height: data.height, autosize: true },
                                      frames[i].title ? { title: frames[i].title } : {});
  const config = { displaylogo: false, responsive: true };
  if (root.__timer) { clearInterval(root.__timer); root.__timer = null; }
  loadPlotly().then((Plotly) => {
    const show = (i) => {
      root.__i = i; range.value = i; label.textContent = data.labels[i];
      return Plotly.react(fig, frames[i].data, layout(i), config);
    };
    const stop = () => { clearInterval(root.__timer); root.__timer = null; btn.textContent = '▶'; };
    const play = (loop) => {
      if (root.__i >= n - 1) show(0);
      btn.textContent = '❚❚';  // not U+23F8: many fonts lack it
      let busy = false;
      root.__timer = setInterval(() => {
        if (busy) return;  // never queue draws behind a slow one
        const i = root.__i + 1;
        if (i >= n && !loop) { stop(); return; }
        busy = true;
        show(i >= n ? 0 : i).then(() => { busy = false; });
      }, data.frame_ms);
    };
    range.oninput = () => { stop(); show(+range.value); };
    btn.onclick = () => (root.__timer ? stop() : play(data.loop));
    show(data.autoplay ? 0 : Math.min(Math.max(data.active, 0), n - 1));
    if (data.autoplay && n > 1) play(false);
  }).catch((e) => { fig.textContent = 'The figure cannot be drawn: ' + e.message; });
}
"""

_PLAYER_CSS = """
.mp-player { font-family: inherit; }
.mp-player img { width: 100%; image-rendering: pixelated; display: block; }
.mp-player .mp-row { display: flex; align-items: center; gap: 0.6rem; margin-top: 0.4rem; }
.mp-player input[type=range] { flex: 1; accent-color: #3b6fd8; }
.mp-player button { border: 1px solid #c8ccd4; background: #fff; border-radius: 0.4rem;
                    padding: 0.2rem 0.7rem; font-size: 1rem; cursor: pointer; }
.mp-player .mp-label { min-width: 7rem; font-variant-numeric: tabular-nums; }
"""

_plot_component = st.components.v2.component(  # the same player styles as image_player
    "mp_plot_player", css=_PLAYER_CSS, js=_PLOT_JS, isolate_styles=False
)


def _frame_json(fig: go.Figure | dict, with_layout: bool) -> tuple[str, str | None]:
    # numpy arrays travel as base64 typed arrays; a dict is already plotly's JSON form
    d = fig if isinstance(fig, dict) else json.loads(fig.to_json())
    title = d.get("layout", {}).get("title")
    frame = json.dumps({"data": d["data"], "title": title}, separators=(",", ":"))
    return frame, (json.dumps({"layout": d.get("layout", {})}, separators=(",", ":"))
                   if with_layout else None)  # fmt: skip


def plot_player(figs: Sequence[go.Figure | dict], labels: Sequence[str], *, key: str,
                active: int = 0, frame_ms: int = 50, autoplay: bool = False, loop: bool = False,
                controls: bool = True, height: int = 450) -> None:  # fmt: skip
    """Scrub and play plotly figures in the browser: one chart, updated in place.

    The layout of ``figs[0]`` (axes, theme) is kept for every frame; each frame brings its
    traces and title. Give every figure the same traces in the same order and fixed axis
    ranges, so frames differ only in what moved. The chart stays mounted across reruns
    (zoom survives via ``uirevision``); a new batch of frames replaces the old one.

    Many frames (~100): building and copying a ``go.Figure`` costs ~20-60 ms each (plotly
    validates every attribute), so frames may also be plain dicts in plotly's JSON form,
    ``{"data": [{"type": "scatter", "x": {"dtype": "f4", "bdata": <base64>}, ...}],
    "layout": {...}}``, passed through unvalidated (only the first frame's layout is themed).
    """
    if not figs:
        raise ValueError("plot_player needs at least one frame")
    if len(labels) != len(figs):
        raise ValueError(f"{len(labels)} labels for {len(figs)} frames")
    if isinstance(figs[0], dict):  # theme the layout the chart keeps; frames pass through
        lay = apply_theme(go.Figure(layout=figs[0].get("layout", {})), presentation=presenting())
        figs = [{"data": figs[0].get("data", []), "layout": json.loads(lay.to_json())["layout"]},
                *figs[1:]]  # fmt: skip
    # apply_theme edits in place and acts only when presenting: copy a figure only then
    figs = [f if isinstance(f, dict) or not presenting() else apply_theme(go.Figure(f), True)
            for f in figs]  # fmt: skip
    height = int(height * (1.35 if presenting() else 1.0))
    frames, base = [], None
    for i, f in enumerate(figs):
        fr, lay = _frame_json(f, with_layout=i == 0)
        frames.append(fr)
        base = base or lay
    _plot_component(
        key=key,
        data={
            "base": base,
            "frames": frames,
            "labels": list(labels),
            "active": int(active),
            "frame_ms": int(frame_ms),
            "autoplay": bool(autoplay),
            "loop": bool(loop),
            "controls": bool(controls),
            "height": int(height),
        },  # fmt: skip
    )


# ---------------------------------------------------------------- image sequences

_PLAYER_JS = """
export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector('.mp-player');
  if (!root) {
    root = document.createElement('div');
    root.className = 'mp-player';
    root.innerHTML = '<img alt=""><div class="mp-row"><button type="button">▶</button>' +
      '<input type="range" min="0" step="1"><span class="mp-label"></span></div>';
    parentElement.appendChild(root);
  }
  const img = root.querySelector('img'), range = root.querySelector('input'),
        label = root.querySelector('.mp-label'), btn = root.querySelector('button');
  const frames = data.frames, labels = data.labels;
  img.style.maxWidth = data.max_width ? data.max_width + 'px' : '';
  range.max = String(frames.length - 1);
  const show = (i) => { img.src = frames[i]; label.textContent = labels[i]; range.value = i; };
  if (root.__timer) clearInterval(root.__timer);
  const stop = () => { clearInterval(root.__timer); root.__timer = null; btn.textContent = '▶'; };
  const play = () => {
    if (+range.value >= frames.length - 1) show(0);
    btn.textContent = '❚❚';  // not U+23F8: many fonts lack it
    root.__timer = setInterval(() => {
      const i = +range.value + 1;
      if (i >= frames.length) { if (data.loop) show(0); else stop(); } else show(i);
    }, data.frame_ms);
  };
  range.oninput = () => { stop(); show(+range.value); };
  btn.onclick = () => (root.__timer ? stop() : play());
  show(Math.min(Math.max(data.active, 0), frames.length - 1));
  if (data.autoplay) play();
}
"""

_player_component = st.components.v2.component(
    "mp_image_player", css=_PLAYER_CSS, js=_PLAYER_JS, isolate_styles=False
)


def png_data_url(image) -> str:
    """A uint8 array (H, W) or (H, W, 3) as a PNG data URL."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    a = np.asarray(image)
    if a.dtype != np.uint8:
        raise ValueError(f"png_data_url takes uint8 pixels, got {a.dtype}")
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", optimize=False, compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def image_player(frames: Sequence[str], labels: Sequence[str], *, key: str, active: int = 0,
                 frame_ms: int = 50, autoplay: bool = False, loop: bool = False,
                 max_width: int | None = None) -> None:  # fmt: skip
    """Scrub and play a sequence of images entirely in the browser.

    ``frames`` are image URLs (``png_data_url`` of cached uint8 arrays, computed once); the
    slider and ▶ swap them without any message to the server, at the display's frame rate.
    """
    if not frames:
        raise ValueError("image_player needs at least one frame")
    if len(labels) != len(frames):
        raise ValueError(f"{len(labels)} labels for {len(frames)} frames")
    _player_component(
        key=key,
        data={
            "frames": list(frames),
            "labels": list(labels),
            "active": int(active),
            "frame_ms": int(frame_ms),
            "autoplay": bool(autoplay),
            "loop": bool(loop),
            "max_width": max_width,
        },  # fmt: skip
    )
