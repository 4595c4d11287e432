"""§6.3 latent map view: held-out codes μ(x) of the 2-D VAE over its decoded manifold g(z).

A click anywhere on the map (or a box drag: its centre) decodes that z. The map is a small
``st.components.v2`` component that draws the figure with plotly.js and updates it in place
(``Plotly.react``): moving the z sliders moves the marker without remounting the chart (Streamlit's
own ``st.plotly_chart`` remounts it on every rerun), and a click reports z = (x, y) in data
coordinates through ``setTriggerValue`` — no hidden lattice of clickable points is needed.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

import ui
from core.imaging import make_grid, to_mnist_style
from core.theme import apply_theme
from core.vae import figures as vf
from ui.vae.common import codes, decode, heldout, kl_mc_check, load, manifest, show_view_checks

EXTENT = 3.0  # the map shows z in [-3, 3]^2 (the sliders' range)

_MAP_JS = """
const loadPlotly = () => window.__mpPlotly || (window.__mpPlotly = new Promise((ok, fail) => {
  if (window.Plotly) return ok(window.Plotly);
  const s = document.createElement('script');
  s.src = new URL('app/static/plotly.min.js', document.baseURI).href;
  s.onload = () => ok(window.Plotly);
  s.onerror = () => fail(new Error('cannot load plotly.js'));
  document.head.appendChild(s);
}));

// The decoded z (a black cross, white outline) and the ★ of an uploaded digit are DOM overlays
// placed at the axes' pixel position of their z, not plotly traces or shapes: a changed trace,
// shape or annotation position makes Plotly.react recalculate and redraw all 500 class dots
// (~2,300 SVG nodes per slider step); moving an overlay redraws nothing.
const CROSS = '<svg width="22" height="22" viewBox="-11 -11 22 22" style="display:block">' +
  '<path d="M-7-7L7 7M-7 7L7-7" stroke="white" stroke-width="6" stroke-linecap="round"/>' +
  '<path d="M-7-7L7 7M-7 7L7-7" stroke="__MARKER__" stroke-width="2.5"/></svg>';
const STAR = '<div style="font-size:13px;background:rgba(255,255,255,0.7);padding:0 2px;' +
  'margin-bottom:-6px;white-space:nowrap">your digit</div>' +
  '<div style="font-size:30px;line-height:30px;color:__STAR__;' +
  '-webkit-text-stroke:1px black">★</div>';

const overlay = (root, cls, html) => {
  let el = root.querySelector('.' + cls.split(' ').join('.'));
  if (!el) {
    el = document.createElement('div');
    el.className = cls;
    el.innerHTML = html;
    el.style.cssText = 'position:absolute;pointer-events:none;display:none;text-align:center;' +
      'transform:translate(-50%,-50%);z-index:2';
    root.appendChild(el);
  }
  return el;
};

const place = (root, gd) => {  // each overlay at its z in the current axes (zoom, resize)
  const fl = gd._fullLayout;
  const xa = fl && fl.xaxis, ya = fl && fl.yaxis;
  root.querySelectorAll('.mp-at').forEach((el) => {
    const z = el.__z;
    if (!xa || !ya || !z) { el.style.display = 'none'; return; }
    const px = xa.c2p(z[0]), py = ya.c2p(z[1]);
    const inside = px >= 0 && py >= 0 && px <= xa._length && py <= ya._length;
    el.style.display = inside ? '' : 'none';
    el.style.left = (xa._offset + px) + 'px';
    el.style.top = (ya._offset + py) + 'px';
  });
};

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector('.mp-vae-map');
  if (!root) {
    root = document.createElement('div');
    root.className = 'mp-vae-map';
    root.innerHTML = '<div class="mp-fig"></div>';
    root.style.position = 'relative';
    parentElement.appendChild(root);
  }
  const cross = overlay(root, 'mp-at mp-cross', CROSS), star = overlay(root, 'mp-at mp-star', STAR);
  star.style.transform = 'translate(-50%, calc(15px - 100%))';  // the ★'s centre at z
  cross.__z = data.z;
  star.__z = data.own;
  const gd = root.querySelector('.mp-fig');
  gd.style.height = data.height + 'px';
  // the chart is drawn only when the base figure or the height changed: Plotly.react with the
  // same traces and an equal layout still redraws every trace (measured in Chromium)
  const redraw = root.__baseStr !== data.base || root.__height !== data.height;
  if (root.__baseStr !== data.base) {
    root.__base = JSON.parse(data.base);
    root.__baseStr = data.base;
  }
  root.__height = data.height;
  const base = root.__base;
  const layout = Object.assign({}, base.layout, { height: data.height, autosize: true });
  root.__send = setTriggerValue;
  loadPlotly().then((Plotly) => (redraw || !gd._fullLayout
    ? Plotly.react(gd, base.data, layout, { displaylogo: false, responsive: true }) : null)
  ).then(() => {
    place(root, gd);
    if (gd.__mpBound) return;
    gd.__mpBound = true;
    gd.on('plotly_afterplot', () => place(root, gd));  // zoom, pan, resize
    gd.on('plotly_relayout', () => place(root, gd));
    const pick = (x, y) => root.__send('pick', { x: x, y: y });
    // plotly covers the page with a 'cover slip' while the mouse is down, so the click event
    // never reaches the chart: a press and release within 5 px and 600 ms is a click
    let down = null;
    gd.addEventListener('mousedown', (e) => {
      down = { x: e.clientX, y: e.clientY, t: performance.now() };
    }, true);
    document.addEventListener('mouseup', (e) => {
      const d = down; down = null;
      if (!d || Math.hypot(e.clientX - d.x, e.clientY - d.y) > 5) return;
      if (performance.now() - d.t > 600) return;
      const fl = gd._fullLayout;
      if (!fl || !fl.xaxis) return;
      const r = gd.getBoundingClientRect();
      const px = e.clientX - r.left - fl.xaxis._offset, py = e.clientY - r.top - fl.yaxis._offset;
      if (px < 0 || py < 0 || px > fl.xaxis._length || py > fl.yaxis._length) return;
      pick(fl.xaxis.p2c(px), fl.yaxis.p2c(py));
    }, true);
    gd.on('plotly_selected', (ev) => {
      if (ev && ev.range && ev.range.x) {
        pick((ev.range.x[0] + ev.range.x[1]) / 2, (ev.range.y[0] + ev.range.y[1]) / 2);
      }
    });
  }).catch((e) => { gd.textContent = 'The map cannot be drawn: ' + e.message; });
}
"""

_map_component = st.components.v2.component(
    "mp_vae_latent_map",
    css=None,
    js=_MAP_JS.replace("__MARKER__", vf.MARKER_COLOUR).replace("__STAR__", vf.STAR_COLOUR),
    isolate_styles=False,
)


@st.cache_resource
def manifold(name: str, device: str, n: int = 21, extent: float = EXTENT) -> np.ndarray:
    """g(z) tiled over an n x n lattice of [-extent, extent]^2 (top row = +z2)."""
    model = load(name, device)
    g = np.linspace(-extent, extent, n, dtype=np.float32)
    zz = np.array([[x, y] for y in g[::-1] for x in g], np.float32)  # (n*n, 2)
    return make_grid(decode(model, zz), nrow=n, pad=0)


@st.cache_data(max_entries=4, show_spinner=False)
def map_base_json(name: str, device: str, presenting: bool) -> str:
    """The static part of the map (manifold image + class dots), themed, as plotly JSON."""
    _, y = heldout()
    fig = vf.latent_map(codes(name, device), y, manifold(name, device), extent=EXTENT)
    fig.update_layout(dragmode="zoom", clickmode="none", uirevision="vae_map",
                      margin=dict(l=50, r=10, t=30, b=50))  # fmt: skip
    apply_theme(fig, presentation=presenting)
    return fig.to_json()


def latent_map_chart(z: tuple[float, float], own, device: str, *, key: str, on_pick,
                     height: int) -> None:  # fmt: skip
    """The map component: the cached base figure plus the decoded-z cross (and the ★), which the
    browser places over the chart from the two numbers (no trace is rebuilt, re-sent or
    redrawn)."""
    _map_component(
        key=key,
        data={
            "base": map_base_json("vae_2d", device, ui.presenting()),
            "z": [float(z[0]), float(z[1])],
            "own": None if own is None else [float(own[0]), float(own[1])],
            "height": int(height * (1.35 if ui.presenting() else 1.0)),
        },
        on_pick_change=on_pick,
    )


def z_from_pick(pt) -> tuple[float, float] | None:
    """A click's {x, y} (data coordinates from the browser) -> the sliders' z, clipped to the
    map and rounded to their 0.01 step; None for anything else (a hostile or partial event)."""
    try:
        x, y = float(pt["x"]), float(pt["y"])
    except (TypeError, KeyError, ValueError):
        return None
    if not (np.isfinite(x) and np.isfinite(y)):
        return None
    return (float(np.clip(round(x, 2), -EXTENT, EXTENT)),
            float(np.clip(round(y, 2), -EXTENT, EXTENT)))  # fmt: skip


@st.fragment
def view(ctx) -> None:
    dev = ctx.device
    st.subheader("The 2-D latent space of a VAE (§6.3)")
    ui.prose(
        "Each dot is a held-out digit at its posterior mean μ(x); behind them, the decoder "
        "g(z) drawn on a 21×21 lattice of z. **Click** any spot of the map (or drag a box: its "
        "centre), or move the sliders, to decode that z large."
    )
    model = load("vae_2d", dev)
    if model is None:
        return

    def on_pick():
        got = st.session_state.get("vae_map_chart")
        z = z_from_pick(getattr(got, "pick", None) if got is not None else None)
        if z is not None:
            st.session_state["vae_z1"], st.session_state["vae_z2"] = z

    c1, c2 = st.columns([3, 1])
    with c2:
        z1 = ui.url_slider("z₁", "vae_z1", -EXTENT, EXTENT, 0.0, step=0.01)
        z2 = ui.url_slider("z₂", "vae_z2", -EXTENT, EXTENT, 0.0, step=0.01)
        img = decode(model, np.array([[z1, z2]], np.float32))[0]
        st.caption(f"**g(z) at z = ({z1:.2f}, {z2:.2f})**")
        st.image(vf.strip_png(img[None], scale=8))
        own = own_digit_panel(model, dev)
    with c1:
        with ui.error_boundary("the latent map"):
            latent_map_chart(
                (z1, z2), own, str(dev), key="vae_map_chart", on_pick=on_pick, height=600
            )
    m = manifest("vae_2d", dev)
    if m:
        mm = m["metrics"]
        st.caption(
            f"vae_2d held-out: reconstruction {mm['heldout_recon_nats']:.1f} nats, "
            f"KL {mm['heldout_kl_nats']:.2f} nats, −ELBO {mm['heldout_neg_elbo_nats']:.1f} "
            f"nats/image."
        )
    ui.prose(
        "**What to notice.** The classes form regions that touch, with no empty gaps: the "
        "KL term packs the codes around the origin like N(0, I), so the whole square "
        "decodes to digit-like images, and walking between regions morphs one digit "
        "into the next (Kingma & Welling's manifold figure)."
    )
    checks = []
    with ui.error_boundary("the math checks"):
        mu = codes("vae_2d", str(dev))
        i = int(np.argmin(((mu - np.array([z1, z2])) ** 2).sum(1)))  # digit nearest to z
        checks.append(nearest_kl_check(i, str(dev)))
    show_view_checks(checks, ctx.seed, dev)


@st.cache_resource(max_entries=64, show_spinner=False)
def nearest_kl_check(i: int, device: str) -> ui.Check:
    """The KL check for held-out digit ``i`` (the one nearest the decoded z), computed once per
    digit: 20,000 Monte-Carlo draws cost ~30 ms, and a slider step usually keeps the same digit."""
    x, y = heldout()
    return kl_mc_check(load("vae_2d", device), x[[i]].to(device),
                       f"vae_2d, held-out digit #{i} (a {y[i]}) nearest z")  # fmt: skip


def own_digit_panel(model, dev) -> tuple[float, float] | None:
    """Upload a digit: MNIST-style preprocessing, encode, place it on the map."""
    with st.expander("Your own digit", icon=":material/draw:", expanded=False):
        la = ui.image_upload(
            "A digit image (dark on light or light on dark)", key="vae_upload", mode="LA"
        )
        if la is None:
            st.caption("No digit uploaded yet: the map shows only the held-out digits.")
            return None
        # exact content key (≤ 5 MB of file bytes): Streamlit's own hash of a large array only
        # samples 100,000 of its values, so two photos differing in a few strokes could collide
        f = st.session_state.get("vae_upload")
        raw = f.getvalue() if hasattr(f, "getvalue") else la.tobytes()
        key = hashlib.blake2b(raw, digest_size=16).hexdigest()
        got = encode_own_digit(key, str(dev), _la=la, _vae2=model, _vae16=load("vae_16d", dev))
        if got is None:
            st.warning("The image is empty (a single flat colour): there is no digit to encode.")
            return None
        for name, png in got["pngs"].items():
            st.caption(f"**{name}**")
            st.image(png)
        z = got["z"]
        st.caption(f"Encoded at μ = ({z[0]:.2f}, {z[1]:.2f}); the ★ marks it on the map.")
        return float(np.clip(z[0], -EXTENT, EXTENT)), float(np.clip(z[1], -EXTENT, EXTENT))


@st.cache_data(max_entries=8, show_spinner=False)
def encode_own_digit(key: str, device: str, _la: np.ndarray, _vae2, _vae16) -> dict | None:
    """(H, W, 2) grey + alpha upload (content hash ``key``) -> MNIST-style x, its 2-D code and
    reconstructions as PNGs.

    Cached per upload: preprocessing a 4-megapixel photo (to_mnist_style's medians and resize)
    takes ~70 ms, which every rerun (any slider on the map) would otherwise repeat.
    """
    gray, alpha = _la[..., 0], _la[..., 1]  # (H, W) each
    # a drawing exported on a transparent background (strokes opaque, paper alpha = 0) often
    # has black RGB everywhere: its grey channel is flat, the strokes are in alpha
    visible = gray[alpha > 0]
    arr = alpha if alpha.min() < 255 and (visible.size == 0 or np.ptp(visible) < 8) else gray
    x = to_mnist_style(arr.astype(np.float32) / 255.0)  # (28, 28)
    if x.max() <= 0:
        return None
    xt = torch.from_numpy(x)[None, None].to(device)  # (1, 1, 28, 28)
    with torch.inference_mode():
        mu, _ = _vae2.encode(xt)  # (1, 2)
        rows = {
            "preprocessed (28×28)": x[None],
            "VAE 2-D reconstruction": _vae2.decode(mu).cpu().numpy()[:, 0],
        }
        if _vae16 is not None:
            rows["VAE 16-D reconstruction"] = _vae16.decode(_vae16.embed(xt)).cpu().numpy()[:, 0]
    return {
        "z": mu.cpu().numpy()[0],
        "pngs": {name: vf.strip_png(im, scale=4) for name, im in rows.items()},
    }
