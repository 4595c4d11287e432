"""Client-side scrubbing and playback: the browser moves through frames the server computed once.

The pattern every page follows (and new pages build on)
-------------------------------------------------------
Measured in headless Chromium on the 2-core machine: Streamlit's own floor for a slider press
(keydown → rerun → paint, a one-slider app, our config) is ~70 ms, against a 200 ms budget. A
view may therefore spend ~60 ms on the server and ~60 ms drawing. So:

1. **Partial reruns.** Each view's body is an ``@st.fragment`` (its own error boundary inside):
   its controls rerun only it. A control that changes one figure may sit in a smaller fragment.
2. **Cheap figures.** Figures a control redraws are plotly-JSON dicts cached by their small
   inputs (``st.cache_data``), not ``go.Figure``s: plotly validates every attribute (10-60 ms a
   figure). Few traces (one trace per colour with ``None`` gaps, not one per edge), no text node
   per cell, heatmaps for grids. Read-only tables are ``st.table`` (HTML), not
   ``st.dataframe`` (a canvas grid that paints ~200 ms after the run). ``ui.figure`` and this
   player keep the chart mounted and update it in place (``Plotly.react``).
3. **Precompute, then scrub in the browser.** A sequence (diffusion steps t, value-iteration
   sweeps, flow layers k, the GAN timeline, a VAE interpolation, conv window positions, the
   backprop stages) is computed once on the server (cached by its small inputs), then handed to
   a client-side player; its slider and ▶ never talk to the server:

   * ``image_player(png_urls, labels)`` for images: an <img>, a range input and ▶, swapping
     cached PNGs (``png_data_url``) at the display's frame rate;
   * ``plot_player(figs, labels)`` for plots: ONE plotly chart (plotly.js from the plotly
     package, served from ./static/). Give every figure the same traces in the same order::

       figs = frames_for(config, seed)                 # cached: st.cache_data on small inputs
       ui.plot_player(figs, [f"t = {t}" for t in ts], key="dm_traj", active=t0)

4. **Live training draws between ticks.** ``ui.live_training(..., snapshot=fig_of_stepper)``
   trains in bounded chunks and takes ``frames_per_tick`` snapshots spread over one tick of
   work; the browser *plays* them (``plot_player(autoplay=True)``) while the server computes the
   next tick. Each frame is a real snapshot labelled with its true step count. A snapshot must
   cost a few ms on the server (a dict filled into a template built once), or it, not the
   training, sets the frame rate.
5. **Fast playback** (``ui.frames``, automatic for several frames): ``Plotly.react`` costs
   ~80-300 ms a frame in software-rendered Chromium, so a batch is prepared on the server:
   heatmaps and ``image`` traces become layout images (an href swap per frame), autoranged axes
   are fixed over the batch, traces identical in every frame are left alone, moving traces move
   with ``Plotly.animate(redraw=false)``, big moving marker clouds are drawn on a canvas with
   plotly's own axis transforms, margins are frozen after the batch's first draw, and a next
   batch of the same chart continues without a redraw. Hover on those layers returns when the
   view pauses (a single frame is a normal plotly chart).

URL state: the position a player opens at comes from a URL-mirrored control (``active=``); the
browser does not write a dragged position back to the URL (that would need the round trip this
avoids).
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit as st

from core.theme import apply_theme, present_trace_text
from ui.frames import canvas_traces
from ui.frames import jsonable as _jsonable
from ui.frames import prepare as prepare_frames
from ui.frames import signature as frame_signature
from ui.image_player import PLAYER_CSS as _PLAYER_CSS
from ui.image_player import URL_SYNC_JS, bookmarked_frame, image_player, png_data_url
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
  // a rerun that sends the very same chart (a control elsewhere in the fragment moved):
  // nothing to draw (plotly would redraw every trace of an equal figure), playback goes on
  const prev = root.__data;
  if (prev && prev.base === data.base && prev.active === data.active &&
      prev.height === data.height && prev.frames.length === data.frames.length &&
      data.frames.every((f, k) => f === prev.frames[k]) && !data.autoplay) return;
  root.__data = data;
  const base = JSON.parse(data.base);
  const frames = data.frames.map((f) => JSON.parse(f));
  const n = frames.length;
  row.style.display = data.controls && n > 1 ? '' : 'none';
  range.max = String(n - 1);
  fig.style.height = data.height + 'px';
  const nImages = (base.layout.images || []).length;
  const layout = (i) => {  // frame i's title and (converted heatmap) images on the base layout
    const lay = Object.assign({}, base.layout, { height: data.height, autosize: true },
                              frames[i].title ? { title: frames[i].title } : {});
    const own = frames[i].images || [];
    if (own.length) {
      lay.images = base.layout.images.map((im, k) => k < nImages - own.length ? im
        : Object.assign({}, im, { source: own[k - (nImages - own.length)] }));
    }
    return lay;
  };
  const config = { displaylogo: false, responsive: true };
  if (root.__timer) { clearInterval(root.__timer); root.__timer = null; }
  let drawn = false;  // this batch drawn in full once: later frames may take the fast path
  const ANIM = { transition: { duration: 0 }, frame: { duration: 0, redraw: false },
                 mode: 'immediate' };
  // big moving marker clouds: drawn on a canvas over the chart (ui/frames.canvas_traces)
  const onCanvas = new Set(base.canvas || []);
  const DTYPES = { f4: Float32Array, f8: Float64Array, i1: Int8Array, u1: Uint8Array,
                   i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array };
  const arr = (a) => {
    if (!a || Array.isArray(a)) return a || [];
    const bin = atob(a.bdata), buf = new Uint8Array(bin.length);
    for (let k = 0; k < bin.length; k++) buf[k] = bin.charCodeAt(k);
    return new DTYPES[a.dtype](buf.buffer);
  };
  // plotly keeps the canvas traces' style (legend) but none of their points: no SVG point,
  // calc or style work for them in any redraw (one gap, not none: an empty trace is dropped)
  const plotData = (i) => frames[i].data.map((t, k) => (onCanvas.has(k)
    ? Object.assign({}, t, { x: [null], y: [null], hoverinfo: 'skip' }) : t));
  if (!onCanvas.size && root.__cv) {  // a batch without canvas traces: clear the old ones
    root.__cv.getContext('2d').clearRect(0, 0, root.__cv.width, root.__cv.height);
  }
  const drawCanvas = (i) => {
    const full = fig._fullLayout;
    if (!full) return;
    let cv = root.__cv;
    if (!cv) {
      cv = root.__cv = document.createElement('canvas');
      cv.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none';
      fig.style.position = 'relative';
      fig.appendChild(cv);
    }
    const r = window.devicePixelRatio || 1, W = full.width, H = full.height;
    if (cv.width !== Math.round(W * r) || cv.height !== Math.round(H * r)) {
      cv.width = Math.round(W * r); cv.height = Math.round(H * r);
      cv.style.width = W + 'px'; cv.style.height = H + 'px';
    }
    cv.setAttribute('data-frame', String(i));  // a visible change, like plotly's own DOM edits
    const ctx = cv.getContext('2d');
    ctx.setTransform(r, 0, 0, r, 0, 0);
    ctx.clearRect(0, 0, W, H);
    for (const k of onCanvas) {
      const t = frames[i].data[k], fd = fig._fullData[k];
      if (!t || !fd || fd.visible !== true) continue;
      const xa = full[(fd.xaxis || 'x').replace('x', 'xaxis')];
      const ya = full[(fd.yaxis || 'y').replace('y', 'yaxis')];
      if (!xa || !ya) continue;
      const xs = arr(t.x), ys = arr(t.y), m = fd.marker || {};
      const cols = (t.marker && Array.isArray(t.marker.color)) ? t.marker.color : null;
      const rad = (m.size || 6) / 2, lw = (m.line && m.line.width) || 0;
      ctx.save();
      ctx.beginPath();
      ctx.rect(xa._offset, ya._offset, xa._length, ya._length);
      ctx.clip();
      ctx.globalAlpha = (m.opacity === undefined ? 1 : m.opacity) *
                        (fd.opacity === undefined ? 1 : fd.opacity);
      ctx.fillStyle = typeof m.color === 'string' ? m.color : '#1f77b4';
      if (lw) { ctx.lineWidth = lw; ctx.strokeStyle = (m.line && m.line.color) || '#444'; }
      for (let p = 0; p < xs.length; p++) {
        const px = xa._offset + xa.l2p(xs[p]), py = ya._offset + ya.l2p(ys[p]);
        if (!isFinite(px) || !isFinite(py)) continue;
        if (cols) ctx.fillStyle = cols[p];
        ctx.beginPath();
        ctx.arc(px, py, rad, 0, 2 * Math.PI);
        ctx.fill();
        if (lw) ctx.stroke();
      }
      ctx.restore();
    }
  };
  const imageElement = (j) => {  // the <image> element plotly drew for layout image j
    const want = fig.layout && fig.layout.images && fig.layout.images[j];
    if (!want) return null;
    for (const el of fig.querySelectorAll('.imagelayer image, .layer-below image')) {
      if (el.__mpImage === j) return el;
    }
    for (const el of fig.querySelectorAll('.imagelayer image, .layer-below image')) {
      if (el.__mpImage === undefined && el.getAttribute('href') === want.source) {
        el.__mpImage = j; return el;
      }
    }
    return null;
  };
  const fastDraw = (i, first) => {  // ui/frames.py: fixed axes, scatters, heatmaps as images
    const idx = [], traces = [];  // only the traces that move in this batch
    frames[i].data.forEach((t, k) => {
      if ((t.type || 'scatter') === 'scatter' && !base.static[k] && !onCanvas.has(k)) {
        idx.push(k); traces.push(t);
      }
    });
    if (onCanvas.size) drawCanvas(i);
    const upd = {}, own = frames[i].images || [];
    own.forEach((src, k) => {  // swap the <image> plotly drew (a relayout re-margins: ~50 ms)
      const j = nImages - own.length + k, el = imageElement(j);
      if (el) { el.setAttribute('href', src); fig.layout.images[j].source = src; }
      else upd['images[' + j + '].source'] = src;
    });
    const t = frames[i].title, text = t && (typeof t === 'string' ? t : (t.text || ''));
    const el = fig.querySelector('.gtitle');
    if (text && el && !/[<&$]/.test(text)) el.textContent = text;  // a relayout re-margins
    else if (text) upd['title.text'] = text;
    const anim = { data: traces, traces: idx };
    if (first) anim.layout = base.ranges;  // a new batch of the same chart: new axis ranges
    return window.Plotly.animate(fig, anim, ANIM)
      .then(() => (Object.keys(upd).length ? window.Plotly.relayout(fig, upd) : null));
  };
  loadPlotly().then((Plotly) => {
    const show = (i) => {
      root.__i = i; range.value = i; label.textContent = data.labels[i];
      // a batch continues the chart on screen (same signature): no full redraw at all
      const cont = !drawn && base.fast && root.__sig === base.sig && fig.data !== undefined;
      const t0 = performance.now(), fast = base.fast && (drawn || cont);  // window.__mpDraws
      const done = (fast ? fastDraw(i, !drawn)
                         : Plotly.react(fig, plotData(i), layout(i), config)
                             .then(() => { if (onCanvas.size) drawCanvas(i); }))
        .then(() => {
          if (base.fast && !fast && fig._fullLayout) {  // keep the margins plotly just computed:
            const z = fig._fullLayout._size;  // otherwise each frame re-measures the legend
            fig.layout.margin = Object.assign({}, fig.layout.margin,  // and titles, and a pixel's
              { l: z.l, r: z.r, t: z.t, b: z.b, autoexpand: false });  // change redraws it all
          }
          drawn = true; root.__sig = base.fast ? base.sig : null;
        });
      const log = window.__mpDraws || (window.__mpDraws = { react: [], fast: [] });
      return done.then(() => { (fast ? log.fast : log.react).push(performance.now() - t0); });
    };
    const remember = () => data.url_key && window.__mpUrl(data.url_key, root.__i, root);
    const stop = () => {
      if (root.__timer) remember();
      clearInterval(root.__timer); root.__timer = null; btn.textContent = '▶';
    };
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
    range.oninput = () => { stop(); show(+range.value); remember(); };
    btn.onclick = () => (root.__timer ? stop() : play(data.loop));
    show(data.autoplay ? 0 : Math.min(Math.max(data.active, 0), n - 1));
    if (data.autoplay && n > 1) play(false);
  }).catch((e) => { fig.textContent = 'The figure cannot be drawn: ' + e.message; });
}
"""


_plot_component = st.components.v2.component(  # the same player styles as image_player
    "mp_plot_player", css=_PLAYER_CSS, js=URL_SYNC_JS + _PLOT_JS, isolate_styles=False
)


@functools.lru_cache(maxsize=256)
def _themed(layout_json: str, presentation: bool) -> str:
    """A dict frame's layout through the theme (a validated go.Figure: 10-20 ms), once per
    distinct layout: a rerun that brings the same layout again pays a dict lookup."""
    lay = apply_theme(go.Figure(layout=json.loads(layout_json)), presentation=presentation)
    return json.dumps(json.loads(lay.to_json())["layout"])


def _batch(dicts: list[dict]) -> tuple[str, list[str]]:
    """The player's JSON: the base layout (and the fast-path facts) and one string per frame."""
    layout = dict(dicts[0].get("layout", {}))  # a shallow copy: prepare() replaces, not edits
    data = [list(d.get("data", [])) for d in dicts]
    images: list[list[dict]] = [[] for _ in dicts]
    fast = False
    if len(dicts) > 1:
        images, fast = prepare_frames(data, layout)
    frames = [json.dumps({"data": ds, "title": d.get("layout", {}).get("title"),
                          "images": [im["source"] for im in ims]},
                         separators=(",", ":"), default=_jsonable)
              for ds, d, ims in zip(data, dicts, images, strict=True)]  # fmt: skip
    static, ranges, sig = frame_signature(data, layout) if fast else ([], {}, "")
    canvas = canvas_traces(data, static) if fast else []
    base = json.dumps({"layout": layout, "fast": fast, "static": static, "ranges": ranges,
                       "sig": sig, "canvas": canvas}, separators=(",", ":"),
                      default=_jsonable)  # fmt: skip
    return base, frames


@functools.lru_cache(maxsize=16)
def _prepared(raw: str) -> tuple[str, list[str]]:
    return _batch(json.loads(raw))


def _as_dict(fig: go.Figure | dict) -> dict:
    # numpy arrays travel as base64 typed arrays; a dict is already plotly's JSON form
    return fig if isinstance(fig, dict) else json.loads(fig.to_json())


def plot_player(figs: Sequence[go.Figure | dict], labels: Sequence[str], *, key: str,
                active: int = 0, frame_ms: int = 50, autoplay: bool = False, loop: bool = False,
                controls: bool = True, height: int = 450) -> None:  # fmt: skip
    """Scrub and play plotly figures in the browser: one chart, updated in place.

    The layout of ``figs[0]`` (axes, theme) is kept for every frame; each frame brings its
    traces and title. Give every figure the same traces in the same order and fixed axis
    ranges, so frames differ only in what moved. The chart stays mounted across reruns
    (zoom survives via ``uirevision``); a new batch of frames replaces the old one. Several
    frames are prepared for fast playback (``ui.frames``: heatmaps as images, axes fixed over
    the batch, ``Plotly.animate`` without a redraw when every trace is a scatter).

    Many frames (~100): building and copying a ``go.Figure`` costs ~20-60 ms each (plotly
    validates every attribute), so frames may also be plain dicts in plotly's JSON form,
    ``{"data": [{"type": "scatter", "x": {"dtype": "f4", "bdata": <base64>}, ...}],
    "layout": {...}}``, passed through unvalidated (only the first frame's layout is themed).
    """
    if not figs:
        raise ValueError("plot_player needs at least one frame")
    if len(labels) != len(figs):
        raise ValueError(f"{len(labels)} labels for {len(figs)} frames")
    if presenting():  # trace texts of dict frames too (apply_theme does a go.Figure's below)
        figs = [present_trace_text(f) if isinstance(f, dict) else f for f in figs]
    if isinstance(figs[0], dict):  # theme the layout the chart keeps; frames pass through
        raw = json.dumps(figs[0].get("layout", {}), sort_keys=True, default=_jsonable)
        figs = [{"data": figs[0].get("data", []), "layout": json.loads(_themed(raw, presenting()))},
                *figs[1:]]  # fmt: skip
    # apply_theme edits in place and acts only when presenting: copy a figure only then
    figs = [f if isinstance(f, dict) or not presenting() else apply_theme(go.Figure(f), True)
            for f in figs]  # fmt: skip
    height = int(height * (1.35 if presenting() else 1.0))
    dicts = [_as_dict(f) for f in figs]
    active, url_key = bookmarked_frame(key, len(dicts), active,
                                       len(dicts) > 1 and controls and not autoplay)  # fmt: skip
    if len(dicts) > 1 and not autoplay:  # a scrubbed sequence resent by a rerun: prepared once
        base, frames = _prepared(json.dumps(dicts, separators=(",", ":"), default=_jsonable))
    else:  # one figure, or a live batch (new every tick)
        base, frames = _batch(dicts)
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
            "url_key": url_key,
        },  # fmt: skip
    )


__all__ = ["image_player", "plot_player", "png_data_url"]
