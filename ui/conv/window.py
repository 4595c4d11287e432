"""The sliding window on a real image, scrubbed and hovered entirely in the browser (§2.1).

The server sends three small things once per geometry (cached): the padded input as a PNG, the
output map as a PNG and its values. A canvas draws the k×k taps of the window at output position
(i, j), at rows s·i + d·m and columns s·j + d·n of the padded input, and reveals the output up to
(i, j), both at the same pixel scale (true relative size: stride and dilation shrink the output
visibly). The range input and ▶ move the window; hovering an output pixel shows its input patch.
Nothing is sent to the server while scrubbing, playing or hovering.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

_CSS = """
.mp-win { font-family: inherit; }
.mp-win .mp-canv { display: flex; gap: 1.2rem; align-items: flex-start; flex-wrap: wrap; }
.mp-win figure { margin: 0; }
.mp-win figcaption { font-size: 0.9rem; color: #555; margin-bottom: 0.2rem; }
.mp-win canvas { image-rendering: pixelated; border: 1px solid #d0d4dc; }
.mp-win .mp-out canvas { cursor: crosshair; }
.mp-win .mp-row { display: flex; align-items: center; gap: 0.6rem; margin-top: 0.5rem; }
.mp-win input[type=range] { flex: 1; accent-color: #3b6fd8; }
.mp-win button { border: 1px solid #c8ccd4; background: #fff; border-radius: 0.4rem;
                 padding: 0.2rem 0.7rem; font-size: 1rem; cursor: pointer; }
.mp-win .mp-label { min-width: 16rem; font-variant-numeric: tabular-nums; }
"""

_JS = """
export default function (component) {
  const { data, parentElement } = component;
  let root = parentElement.querySelector('.mp-win');
  if (!root) {
    root = document.createElement('div');
    root.className = 'mp-win mp-player';  // mp-player: found by benchmarks/browser.py
    root.innerHTML = '<div class="mp-canv"><figure class="mp-in"><figcaption></figcaption>' +
      '<canvas></canvas></figure><figure class="mp-out"><figcaption></figcaption>' +
      '<canvas></canvas></figure></div><div class="mp-row"><button type="button">▶</button>' +
      '<input type="range" min="0" step="1"><span class="mp-label"></span></div>';
    parentElement.appendChild(root);
  }
  const [cin, cout] = root.querySelectorAll('canvas');
  const [capIn, capOut] = root.querySelectorAll('figcaption');
  const range = root.querySelector('input'), label = root.querySelector('.mp-label'),
        btn = root.querySelector('button');
  const { H, W, ho, wo, k, s, d, pad, values } = data;
  const n = ho * wo;
  const px = Math.max(1, Math.floor(data.max_px / Math.max(H, W, 1)));
  cin.width = W * px; cin.height = H * px; cout.width = wo * px; cout.height = ho * px;
  capIn.textContent = data.in_caption; capOut.textContent = data.out_caption;
  range.max = String(Math.max(n - 1, 0));
  const load = (src) => new Promise((ok) => { const im = new Image(); im.onload = () => ok(im);
                                               im.src = src; });
  if (root.__timer) { clearInterval(root.__timer); root.__timer = null; }
  Promise.all([load(data.inp), load(data.out)]).then(([imIn, imOut]) => {
    const gi = cin.getContext('2d'), go = cout.getContext('2d');
    gi.imageSmoothingEnabled = false; go.imageSmoothingEnabled = false;
    const show = (p) => {
      p = Math.min(Math.max(p | 0, 0), n - 1);
      root.__p = p; range.value = p; cout.dataset.p = p;  // a visible change, for counters
      const i = Math.floor(p / wo), j = p % wo;
      gi.drawImage(imIn, 0, 0, cin.width, cin.height);
      if (pad > 0) {  // the real image inside the padding
        gi.setLineDash([4, 3]); gi.strokeStyle = '#888'; gi.lineWidth = 1;
        gi.strokeRect(pad * px + 0.5, pad * px + 0.5,
                      (W - 2 * pad) * px - 1, (H - 2 * pad) * px - 1);
        gi.setLineDash([]);
      }
      const span = d * (k - 1) + 1;
      gi.fillStyle = 'rgba(230, 159, 0, 0.55)';
      for (let m = 0; m < k; m++) for (let q = 0; q < k; q++)
        gi.fillRect((s * j + d * q) * px, (s * i + d * m) * px, px, px);
      gi.strokeStyle = '#d55e00'; gi.lineWidth = 2;
      gi.strokeRect(s * j * px + 1, s * i * px + 1, span * px - 2, span * px - 2);
      go.drawImage(imOut, 0, 0, cout.width, cout.height);
      go.fillStyle = 'rgba(235, 237, 240, 0.92)';  // not yet computed
      go.fillRect((j + 1) * px, i * px, (wo - j - 1) * px, px);
      go.fillRect(0, (i + 1) * px, wo * px, (ho - i - 1) * px);
      go.strokeStyle = '#d55e00'; go.lineWidth = 2;
      go.strokeRect(j * px + 1, i * px + 1, Math.max(px - 2, 1), Math.max(px - 2, 1));
      label.textContent = `z[${i},${j}] = ${values[p]} · position ${p + 1} / ${n}`;
    };
    const stop = () => { clearInterval(root.__timer); root.__timer = null; btn.textContent = '▶'; };
    const play = () => {
      if (root.__p >= n - 1) show(0);
      btn.textContent = '■';
      const stepBy = Math.max(1, Math.ceil(n / 600));  // a whole pass in <= ~600 frames
      root.__timer = setInterval(() => {
        if (root.__p >= n - 1) { stop(); return; }
        show(root.__p + stepBy);
      }, data.frame_ms);
    };
    range.oninput = () => { stop(); show(+range.value); };
    btn.onclick = () => (root.__timer ? stop() : play());
    cout.onmousemove = (e) => {
      const r = cout.getBoundingClientRect();
      const j = Math.floor((e.clientX - r.left) / r.width * wo),
            i = Math.floor((e.clientY - r.top) / r.height * ho);
      if (i >= 0 && i < ho && j >= 0 && j < wo) { stop(); show(i * wo + j); }
    };
    show(root.__key === data.key && root.__p !== undefined ? root.__p : data.active);
    root.__key = data.key;
  });
}
"""

_component = st.components.v2.component("mp_conv_window", css=_CSS, js=_JS, isolate_styles=False)


def window_player(
    padded_png: str,
    out_png: str,
    out_values: np.ndarray,
    *,
    pad: int,
    k: int,
    stride: int,
    dilation: int,
    key: str,
    geometry_key: str,
    active: int = 0,
    max_px: int = 440,
    frame_ms: int = 40,
    in_caption: str = "",
    out_caption: str = "",
    padded_shape: tuple[int, int],
) -> None:
    """Draw the sliding window client-side (see the module docstring). ``out_values`` (ho, wo)
    label the current output pixel; ``geometry_key`` changes when the frames must reset."""
    ho, wo = out_values.shape
    H, W = padded_shape
    _component(
        key=key,
        data={
            "inp": padded_png,
            "out": out_png,
            "values": [format(float(v), ".4g") for v in out_values.ravel()],
            "H": int(H),
            "W": int(W),
            "ho": int(ho),
            "wo": int(wo),
            "k": int(k),
            "s": int(stride),
            "d": int(dilation),
            "pad": int(pad),
            "active": int(active),
            "frame_ms": int(frame_ms),
            "max_px": int(max_px),
            "key": geometry_key,
            "in_caption": in_caption,
            "out_caption": out_caption,
        },
    )
