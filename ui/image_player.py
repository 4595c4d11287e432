"""The image player of ``ui.scrub``'s pattern: cached PNG frames scrubbed and played in the
browser (an <img>, a range input and ▶), with no message to the server."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

PLAYER_CSS = """
.mp-player { font-family: inherit; }
/* plotly's many layout reads and writes stay inside the chart: the page is not re-laid out */
.mp-player .mp-fig { contain: layout paint style; }
/* heatmaps and images the fast path drew as layout images: cells as sharp as plotly's own */
.mp-player .mp-fig image { image-rendering: pixelated; }
.mp-player img { width: 100%; image-rendering: pixelated; display: block; }
.mp-player .mp-row { display: flex; align-items: center; gap: 0.6rem; margin-top: 0.4rem; }
.mp-player input[type=range] { flex: 1; accent-color: #3b6fd8; }
.mp-player button { border: 1px solid #c8ccd4; background: #fff; border-radius: 0.4rem;
                    padding: 0.2rem 0.7rem; font-size: 1rem; cursor: pointer; }
.mp-player .mp-label { min-width: 7rem; font-variant-numeric: tabular-nums; }
"""

# A scrubber's position is part of the bookmark (issue 13: "every control a lecturer sets"): the
# players write ?<key>=<frame> into the address bar as the user drags or stops playback, with no
# message to the server. Streamlit rewrites the query string whenever a widget writes its own
# (ui.url_state), from the server's copy that never saw ours, so history.replaceState/pushState
# are wrapped once to put the players' positions back (same page, player still mounted).
URL_SYNC_JS = """
if (!window.__mpUrl) {
  const pos = {};  // url key -> [frame, player element]
  const withPos = (url) => {
    const u = new URL(url == null ? window.location.href : url, window.location.href);
    if (u.pathname !== window.location.pathname) return url;  // another page: leave it
    for (const [k, [i, el]] of Object.entries(pos)) {
      if (el.isConnected) u.searchParams.set(k, String(i)); else delete pos[k];
    }
    return u.pathname + u.search + u.hash;
  };
  for (const name of ['replaceState', 'pushState']) {
    const orig = history[name].bind(history);
    history[name] = (state, title, url) => orig(state, title, withPos(url));
  }
  let timer = null;  // browsers refuse more than ~100 history writes in 10 s: at most 5 a second
  window.__mpUrl = (key, i, el) => {
    pos[key] = [i, el];
    if (timer) return;
    timer = setTimeout(() => { timer = null; history.replaceState(history.state, ''); }, 200);
  };
}
"""

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
  const remember = () => data.url_key && window.__mpUrl(data.url_key, +range.value, root);
  const stop = () => {
    if (root.__timer) remember();
    clearInterval(root.__timer); root.__timer = null; btn.textContent = '▶';
  };
  const play = () => {
    if (+range.value >= frames.length - 1) show(0);
    btn.textContent = '❚❚';  // not U+23F8: many fonts lack it
    root.__timer = setInterval(() => {
      const i = +range.value + 1;
      if (i >= frames.length) { if (data.loop) show(0); else stop(); } else show(i);
    }, data.frame_ms);
  };
  range.oninput = () => { stop(); show(+range.value); remember(); };
  btn.onclick = () => (root.__timer ? stop() : play());
  show(Math.min(Math.max(data.active, 0), frames.length - 1));
  if (data.autoplay) play();
}
"""

_player_component = st.components.v2.component(
    "mp_image_player", css=PLAYER_CSS, js=URL_SYNC_JS + _PLAYER_JS, isolate_styles=False
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


_SEEN = "_mp_player_url_seen"


def bookmarked_frame(key: str, n: int, active: int, scrubbable: bool) -> tuple[int, str | None]:
    """The frame to show first and the URL key the browser writes the position to.

    A scrubbable player (several frames, controls, no autoplay) is bookmarkable as ``?<key>=i``:
    on the session's first run of that player a valid ``i`` from the URL replaces ``active``
    (clamped to the frames; a silly value is ignored); afterwards the caller's ``active`` rules
    again, since the server's copy of the URL never sees the browser's later writes.
    """
    if not scrubbable:
        return active, None
    seen: set = st.session_state.setdefault(_SEEN, set())
    if key not in seen:
        seen.add(key)
        try:
            return min(max(int(str(st.query_params.get(key, "")).strip()), 0), n - 1), key
        except ValueError:
            pass
    return active, key


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
    active, url_key = bookmarked_frame(key, len(frames), active, len(frames) > 1 and not autoplay)
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
            "url_key": url_key,
        },  # fmt: skip
    )
