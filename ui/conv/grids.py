"""Small numeric grids with their numbers, drawn on ONE canvas in the browser (§2–3 figures).

Why not plotly: a heatmap with a number in every cell is one SVG <text> per cell, and plotly
redraws all of them on every update (~13k DOM mutations per slider press in the step-through,
~200 ms of software rendering in Chromium). A canvas draws the same picture in a millisecond.

``grid_figure`` shows grids side by side (the notes' figures: colour + number per cell,
outlined cells). With ``frames`` it is also a client-side player (range input + ▶, like
``ui.image_player``): each frame replaces some panels and adds its own outlines and label, so
stepping through the positions of a convolution never talks to the server. The numbers of
every frame are computed on the server by ``core.conv`` (the page checks them live); the
browser only draws them.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.conv.figures import grid_boxes, grid_frames, grid_panel

_CSS = """
.mp-grids { font-family: "Inter", Helvetica, Arial, sans-serif; }
.mp-grids canvas { display: block; }
.mp-grids .mp-row { display: flex; align-items: center; gap: 0.6rem; margin-top: 0.4rem;
                    flex-wrap: wrap; }
.mp-grids input[type=range] { flex: 1; min-width: 12rem; accent-color: #3b6fd8; }
.mp-grids button { border: 1px solid #c8ccd4; background: #fff; border-radius: 0.4rem;
                   padding: 0.2rem 0.7rem; font-size: 1rem; cursor: pointer; }
.mp-grids .mp-label { flex: 3; min-width: 24rem; font-variant-numeric: tabular-nums;
                      font-size: 0.95rem; }
"""

_JS = """
const BLUES = [[247,251,255],[222,235,247],[198,219,239],[158,202,225],[107,174,214],
               [66,146,198],[33,113,181],[8,81,156],[8,48,107]];
const RDBU_R = [[5,48,97],[33,102,172],[67,147,195],[146,197,222],[209,229,240],[247,247,247],
                [253,219,199],[244,165,130],[214,96,77],[178,24,43],[103,0,31]];
const colour = (scale, t) => {  // t in [0, 1] -> [r, g, b], linear between the anchors
  t = Math.min(Math.max(isFinite(t) ? t : 0.5, 0), 1) * (scale.length - 1);
  const i = Math.min(Math.floor(t), scale.length - 2), f = t - i;
  return scale[i].map((c, q) => Math.round(c + f * (scale[i + 1][q] - c)));
};

export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector('.mp-grids');
  if (!root) {
    root = document.createElement('div');
    root.className = 'mp-grids';
    root.innerHTML = '<canvas></canvas><div class="mp-row"><button type="button">▶</button>' +
      '<input type="range" min="0" step="1"><span class="mp-label"></span></div>';
    parentElement.appendChild(root);
  }
  const canvas = root.querySelector('canvas'), row = root.querySelector('.mp-row');
  const range = root.querySelector('input'), label = root.querySelector('.mp-label'),
        btn = root.querySelector('button');
  // frames: a list, or one JSON string cached by the caller (hundreds of positions)
  const fl = data.frames_json ? JSON.parse(data.frames_json) : data;
  const frames = fl.frames, labels = fl.labels;
  const n = frames.length, font = data.font, family = '"Inter", Helvetica, Arial, sans-serif';
  row.style.display = n > 1 ? '' : 'none';
  root.classList.toggle('mp-player', n > 1);  // a player: found by benchmarks/browser.py
  range.max = String(Math.max(n - 1, 0));
  if (root.__timer) { clearInterval(root.__timer); root.__timer = null; }

  const draw = (p) => {
    const fr = frames[p], panels = data.panels.map((pl, c) => fr.g[c] || pl);
    const W = Math.max(root.clientWidth || parentElement.clientWidth || 800, 200);
    const g = canvas.getContext('2d');
    g.font = `${font}px ${family}`;
    const titleW = data.titles.map((t) => g.measureText(t).width);
    const cols = panels.map((pl) => pl.c), rows = Math.max(...panels.map((pl) => pl.r));
    const gap = Math.max(font, 16);
    // cell size: fits the width (cells + gaps), the height cap and the max cell size
    let cell = Math.min(data.max_cell, (data.max_height - 2 * font - 8) / rows,
                        (W - gap * (panels.length - 1)) / cols.reduce((a, b) => a + b, 0));
    const slots = (cz) => cols.map((c, i) => Math.max(c * cz, titleW[i]));
    const total = (cz) => slots(cz).reduce((a, b) => a + b, 0) + gap * (panels.length - 1);
    for (let it = 0; it < 8 && total(cell) > W; it++) cell *= W / total(cell);
    cell = Math.max(Math.floor(cell), 4);
    const top = font + 10, H = Math.ceil(top + rows * cell + 4);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    g.textAlign = 'center'; g.textBaseline = 'middle';
    const sl = slots(cell);
    let x = Math.max(0, (W - total(cell)) / 2);
    const origin = [];
    panels.forEach((pl, c) => {
      const x0 = x + (sl[c] - pl.c * cell) / 2;
      origin.push(x0);
      g.fillStyle = '#262730'; g.font = `${font}px ${family}`;
      g.fillText(data.titles[c], x + sl[c] / 2, font / 2 + 2);
      let lo = Infinity, hi = -Infinity;
      for (const v of pl.v) { if (v < lo) lo = v; if (v > hi) hi = v; }
      const signed = pl.s || lo < 0, m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
      let fs = Math.min(font, cell * 0.42);
      const widest = Math.max(...pl.t.map((s) => s.length));
      g.font = `${fs}px ${family}`;
      const probe = g.measureText('-8'.padEnd(widest, '8')).width;
      if (probe > cell - 4) fs = Math.max(6, fs * (cell - 4) / probe);
      g.font = `${fs}px ${family}`;
      for (let r = 0; r < pl.r; r++) for (let q = 0; q < pl.c; q++) {
        const v = pl.v[r * pl.c + q];
        const rgb = signed ? colour(RDBU_R, (v / m + 1) / 2)
                           : colour(BLUES, hi > lo ? (v - lo) / (hi - lo) : 0);
        g.fillStyle = `rgb(${rgb})`;
        g.fillRect(x0 + q * cell + 0.5, top + r * cell + 0.5, cell - 1, cell - 1);
        if (cell >= 12) {
          const lum = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
          g.fillStyle = lum < 140 ? '#ffffff' : '#262730';
          g.fillText(pl.t[r * pl.c + q], x0 + (q + 0.5) * cell, top + (r + 0.5) * cell + 1);
        }
      }
      x += sl[c] + gap;
    });
    const taps = [];  // a frame's window: k x k cells d apart from (r0, c0)
    if (fr.k) { const [c, r0, c0, k, d, col] = fr.k;
      for (let m = 0; m < k; m++) for (let q = 0; q < k; q++)
        taps.push([c, r0 + d * m, c0 + d * q, r0 + d * m, c0 + d * q, col]); }
    for (const [c, r0, c0, r1, c1, col] of data.boxes.concat(fr.b, taps)) {
      g.strokeStyle = col; g.lineWidth = 3;
      g.strokeRect(origin[c] + c0 * cell + 1.5, top + r0 * cell + 1.5,
                   (c1 - c0 + 1) * cell - 3, (r1 - r0 + 1) * cell - 3);
    }
    root.__p = p; range.value = p; label.textContent = labels[p] || '';
    canvas.dataset.p = p + ':' + W;  // a DOM change per draw: what the latency counters see
  };
  const stop = () => { clearInterval(root.__timer); root.__timer = null; btn.textContent = '▶'; };
  const play = () => {
    if (root.__p >= n - 1) draw(0);
    btn.textContent = '■';
    root.__timer = setInterval(() => {
      if (root.__p >= n - 1) { stop(); return; }
      draw(root.__p + 1);
    }, data.frame_ms);
  };
  range.oninput = () => { stop(); draw(+range.value); };
  btn.onclick = () => (root.__timer ? stop() : play());
  const start = root.__key === data.key && root.__p !== undefined && root.__p < n
    ? root.__p : Math.min(Math.max(data.active, 0), n - 1);
  root.__key = data.key;
  draw(start);
  if (!root.__ro) {  // redraw at the new width when the column resizes
    root.__ro = new ResizeObserver(() => {
      if (!root.__draw || root.__w === root.clientWidth) return;
      root.__w = root.clientWidth; root.__draw(root.__p || 0);
    });
    root.__ro.observe(root);
  }
  root.__w = root.clientWidth; root.__draw = draw;
}
"""

_component = st.components.v2.component("mp_conv_grids", css=_CSS, js=_JS, isolate_styles=False)


def grid_figure(
    grids: list[np.ndarray],
    titles: list[str],
    *,
    key: str,
    boxes: dict[int, list] | None = None,
    signed: bool = False,
    height: int = 330,
    frames: list[dict] | None = None,
    labels: list[str] | None = None,
    frames_json: str | None = None,
    active: int = 0,
    frame_key: str = "",
    frame_ms: int = 400,
) -> None:
    """Grids side by side, numbers in the cells (blue scale; red-blue around 0 when ``signed``
    or a grid has negatives); ``boxes[c]`` outlines inclusive cell ranges on panel c.

    ``frames``: dicts with "grids" ({panel: grid} replaced), "boxes" (added) and "taps" ((panel,
    row0, col0, k, d, colour): a kernel window's k x k cells d apart), with ``labels``: a
    client-side player opening at ``active``; it keeps its position across reruns while
    ``frame_key`` is unchanged. ``frames_json`` instead: ``{"frames": grid_frames(...),
    "labels": [...]}`` as one JSON string, cached by the caller (hundreds of positions: a
    cached string costs nothing per rerun, a list of dicts is copied and re-encoded).
    ``height`` caps the figure's height (px) like the plotly version's did.
    """
    big = ui.presenting()
    frames = frames or [{}]
    _component(
        key=key,
        data={
            "panels": [grid_panel(g, signed) for g in grids],
            "titles": list(titles),
            "boxes": grid_boxes(boxes),
            "frames": [] if frames_json else grid_frames(frames, signed),
            "labels": [] if frames_json else list(labels or [""] * len(frames)),
            "frames_json": frames_json,
            "active": int(active),
            "key": frame_key,
            "font": 20 if big else 14,
            "max_cell": 76 if big else 56,
            "max_height": int(height * (1.35 if big else 1.0)),
            "frame_ms": int(frame_ms),
        },
    )
