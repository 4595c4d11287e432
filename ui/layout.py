"""Page anatomy shared by every page: header, the global sidebar, presentation mode, figures.

Usage at the top of a page::

    ctx = ui.page("Diffusion", "🌫️", section="§10", intuition="...", equation=r"q(x_t|x_0)=...")
    ctx.seed, ctx.device, ctx.presentation

Presentation mode (a lecturer projecting a demo) hides prose written with `prose`, enlarges
fonts and makes plots taller. It and the global seed persist across pages for the session.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
import torch
from streamlit.errors import StreamlitPageNotFoundError
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.device import configure_threads, describe, get_device
from core.theme import apply_theme, install
from ui import busy

install()  # plotly's default template for every figure of this process

PRESENTATION, SEED = "presentation", "global_seed"
URL_PRESENT, URL_SEED = "present", "seed"  # ?present=1&seed=7: a bookmarked lecture demo
MAX_SEED = 2**31 - 1

# Labels wrap instead of being cut with an ellipsis (buttons, radios, the sidebar's page list),
# in both modes: "Step ×10" and "Convolution and Upsampling" stay whole on a 13" screen.
_BASE_CSS = """
<style>
[data-testid^="stBaseButton"] p, [data-testid="stRadio"] label p,
[data-testid="stSidebarNavLink"] span, [data-testid="stCheckbox"] label p,
[data-testid="stWidgetLabel"] p { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }
[data-testid="stSidebarNavLink"] { height: auto !important; min-height: 2rem; }
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
/* the two invisible blocks above the title (this style sheet, the equation fitter) would each
   add a 1rem gap that pushes the main visual down: take them out of the flow */
.st-key-mp_fit_equations,
[data-testid="stElementContainer"]:has(> [data-testid="stMarkdown"] style):not(:has(p)) {
  display: none; }
</style>
"""

# Projector: bigger text everywhere; metric values stay larger than their labels.
_PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"] p { font-size: 1.15rem; }
h1 { font-size: 2.6rem !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] div
  { font-size: 2.6rem !important; line-height: 1.2 !important; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] p { font-size: 1.1rem !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; }
[data-testid="stMain"] h3 { padding-top: 0.4rem; padding-bottom: 0.4rem; }
</style>
"""

# Display equations wider than their column are scaled down to fit (KaTeX never line-breaks a
# display equation, so a long one ran off the right edge on a projector).
_FIT_JS = """
export default function () {
  const fit = () => {
    for (const el of document.querySelectorAll('[data-testid=stMain] .katex-display')) {
      const k = el.querySelector(':scope > .katex');
      if (!k) continue;
      k.style.fontSize = '';
      let size = 1.21;  // KaTeX's own display size, em
      for (let i = 0; i < 4; i++) {  // not exactly linear (rounding, fixed struts): iterate
        const room = el.clientWidth, need = Math.max(k.scrollWidth, el.scrollWidth);
        if (!(room > 0 && need > room + 3)) break;  // KaTeX's 2 px .vlist-s strut always sticks out
        size *= (room / need) * 0.97;
        k.style.fontSize = size + 'em';
      }
    }
  };
  fit();
  if (!window.__mpFit) {
    window.__mpFit = true;
    let queued = false;
    new MutationObserver(() => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; fit(); });
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener('resize', fit);
    if (document.fonts) document.fonts.ready.then(fit);
  }
}
"""
_fit_equations = st.components.v2.component("mp_fit_equations", js=_FIT_JS)


@dataclass(frozen=True)
class PageContext:
    seed: int
    device: torch.device
    presentation: bool


@st.cache_resource
def _device() -> torch.device:
    configure_threads()
    try:
        return get_device()
    except ValueError:
        return torch.device("cpu")


def _url_value(name: str, parse):
    """The query parameter ``name`` parsed, or None when absent or invalid (never raises)."""
    raw = st.query_params.get(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except (TypeError, ValueError):
        return None


def _parse_present(raw: str) -> bool:
    if raw in ("1", "true", "True", "on"):
        return True
    if raw in ("0", "false", "False", "off"):
        return False
    raise ValueError(raw)


def _parse_seed(raw: str) -> int:
    v = float(raw)
    if v != int(v) or not 0 <= v <= MAX_SEED:
        raise ValueError(raw)
    return int(v)


def _read_url(page_id: str) -> None:
    """On a page's first run in the session, ``?present=`` and ``?seed=`` override the state."""
    seen = st.session_state.setdefault("_url_read_pages", set())
    if page_id in seen:
        return
    seen.add(page_id)
    for name, key, parse in ((URL_PRESENT, PRESENTATION, _parse_present),
                             (URL_SEED, SEED, _parse_seed)):  # fmt: skip
        v = _url_value(name, parse)
        if v is not None:
            st.session_state[key] = v


def _write_url() -> None:
    """Mirror the global settings into the URL (defaults are left out)."""
    qp = st.query_params
    if st.session_state.get(PRESENTATION):
        if qp.get(URL_PRESENT) != "1":
            qp[URL_PRESENT] = "1"
    elif URL_PRESENT in qp:
        del qp[URL_PRESENT]
    seed = int(st.session_state.get(SEED, 0))
    if seed:
        if qp.get(URL_SEED) != str(seed):
            qp[URL_SEED] = str(seed)
    elif URL_SEED in qp:
        del qp[URL_SEED]


def _persistent_widget(widget, label: str, key: str, default, **kw):
    """A sidebar widget whose value survives page switches (kept outside the widget's key)."""
    if key not in st.session_state:
        st.session_state[key] = default
    wkey = f"_w_{key}"
    st.session_state[wkey] = st.session_state[key]

    def sync():
        st.session_state[key] = st.session_state[wkey]

    return widget(label, key=wkey, on_change=sync, **kw)


_ROOT = Path(__file__).resolve().parents[1]
# Material icons render everywhere (no emoji font needed); chapter number -> icon.
_NAV_ICONS = {"01": "hub", "02": "grid_on", "04": "replay", "05": "category", "06": "compress",
              "07": "text_fields", "08": "waves", "09": "sports_kabaddi", "10": "blur_on",
              "11": "route", "12": "smart_toy"}  # fmt: skip


def _nav() -> None:
    """Our own page list (Streamlit's is hidden: client.showSidebarNavigation = false): the
    home page reads "Home", not "app", and long titles wrap instead of being cut."""
    try:
        st.page_link("app.py", label="Home", icon=":material/home:")
    except StreamlitPageNotFoundError:  # AppTest runs a page as its own entry point: no pages
        return
    for f in sorted((_ROOT / "pages").glob("[0-9]*.py")):
        num, _, name = f.stem.partition("_")
        icon = _NAV_ICONS.get(num, "article")
        st.page_link(f"pages/{f.name}", label=f"§{int(num)} {name.replace('_', ' ')}",
                     icon=f":material/{icon}:")  # fmt: skip


def sidebar(page_id: str = "home") -> PageContext:
    """The global sidebar block: device in use, global seed, presentation-mode toggle.

    Both settings persist across pages for the session and live in the URL (``?seed=7``,
    ``?present=1``), so a configured lecture demo is a bookmark.
    """
    _read_url(page_id)
    device = _device()
    with st.sidebar:
        _nav()
        st.divider()
        st.caption(f"Device: **{describe(device)}**")
        _persistent_widget(st.number_input, "Global seed", SEED, 0, min_value=0,
                           max_value=MAX_SEED, step=1,
                           help="Seeds every sampler and training run on every page.")  # fmt: skip
        _persistent_widget(st.toggle, "Presentation mode", PRESENTATION, False,
                           help="Hide prose, enlarge fonts and plots, collapse this sidebar: "
                           "for projecting in class (the URL keeps it: ?present=1).")  # fmt: skip
    _write_url()
    busy.signal()  # a toast when many sessions compute at once (issue 21)
    presentation = bool(st.session_state[PRESENTATION])
    st.markdown(_BASE_CSS + (_PRESENTATION_CSS if presentation else ""), unsafe_allow_html=True)
    _fit_equations(key="mp_fit_equations", height=0)
    return PageContext(seed=int(st.session_state[SEED]), device=device, presentation=presentation)


def presenting() -> bool:
    return bool(st.session_state.get(PRESENTATION, False))


def page_config(title: str, icon: str, page_id: str) -> None:
    """st.set_page_config with the sidebar collapsed when presenting (read from the URL first)."""
    _read_url(page_id)
    st.set_page_config(page_title=title, page_icon=icon, layout="wide",
                       initial_sidebar_state="collapsed" if presenting() else "auto")  # fmt: skip


def page(title: str, icon: str, *, section: str, intuition: str = "",
         equation: str | None = None) -> PageContext:  # fmt: skip
    """Set up a topic page: config, sidebar, title, the notes section, intuition and equation."""
    page_config(f"{title} · Machine Perception Playground", icon, page_id=title)
    ctx = sidebar(page_id=title)
    st.title(title)  # no emoji in the heading: projector PCs often lack an emoji font
    st.caption(f"Machine Perception notes {section}")
    if intuition:
        prose(intuition)
    if equation:
        st.latex(equation)
    return ctx


def prose(markdown: str) -> None:
    """Explanatory text: shown normally, hidden in presentation mode."""
    if not presenting():
        st.markdown(markdown)


def _call_site_key(depth: int = 2) -> str:
    """A key for an unkeyed figure: its call site, numbered within this script run."""
    frame = sys._getframe(depth)
    site = f"fig_{Path(frame.f_code.co_filename).stem}_{frame.f_lineno}"
    ctx = get_script_run_ctx()
    # ScriptRunContext.reset() gives every script or fragment run a new `cursors` dict; holding
    # it (not its id, which a later dict may reuse) tells this run from the last one
    run = ctx.cursors if ctx is not None else None
    token, counts = st.session_state.get("_fig_sites", (None, {}))
    if token is not run:
        counts = {}
        st.session_state["_fig_sites"] = (run, counts)
    counts[site] = counts.get(site, 0) + 1
    return f"{site}_{counts[site]}"


def figure(fig: go.Figure | dict, *, key: str | None = None, height: int | None = None, **kw):
    """Show a plotly figure in the shared theme; taller with bigger fonts in presentation mode.

    The chart is a ``ui.plot_player`` of one frame: it stays mounted and is updated in place
    (``Plotly.react``) when a rerun changes it. ``st.plotly_chart`` remounts the chart on every
    rerun (a full ``Plotly.newPlot``), the largest part of a slider's 0.5 s in Chromium; it is
    still used when ``**kw`` asks for one of its own options (selections, ...).
    """
    if kw:
        apply_theme(fig, presentation=presenting())
        if height is not None:
            fig.update_layout(height=int(height * (1.35 if presenting() else 1.0)))
        return st.plotly_chart(fig, key=key, width="stretch", config={"displaylogo": False}, **kw)
    from ui.scrub import plot_player  # ui.scrub imports this module

    own = fig.get("layout", {}).get("height") if isinstance(fig, dict) else fig.layout.height
    plot_player([fig], [""], key=key or _call_site_key(), controls=False,
                height=int(height or own or 450))  # fmt: skip
    return None
