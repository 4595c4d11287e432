"""Page anatomy shared by every page: header, the global sidebar, presentation mode, figures.

Usage at the top of a page::

    ctx = ui.page("Diffusion", "🌫️", section="§10", intuition="...", equation=r"q(x_t|x_0)=...")
    ctx.seed, ctx.device, ctx.presentation

Presentation mode (a lecturer projecting a demo) hides prose written with `prose`, enlarges
fonts and makes plots taller. It and the global seed persist across pages for the session.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st
import torch

from core.device import configure_threads, describe, get_device
from core.theme import apply_theme, install

install()  # plotly's default template for every figure of this process

PRESENTATION, SEED = "presentation", "global_seed"

_PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
h1 { font-size: 2.8rem !important; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
</style>
"""


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


def _persistent_widget(widget, label: str, key: str, default, **kw):
    """A sidebar widget whose value survives page switches (kept outside the widget's key)."""
    if key not in st.session_state:
        st.session_state[key] = default
    wkey = f"_w_{key}"
    st.session_state[wkey] = st.session_state[key]

    def sync():
        st.session_state[key] = st.session_state[wkey]

    return widget(label, key=wkey, on_change=sync, **kw)


def sidebar() -> PageContext:
    """The global sidebar block: device in use, global seed, presentation-mode toggle."""
    device = _device()
    with st.sidebar:
        st.caption(f"Device: **{describe(device)}**")
        _persistent_widget(
            st.number_input,
            "Global seed",
            SEED,
            0,
            min_value=0,
            max_value=2**31 - 1,
            step=1,
            help="Seeds every sampler and training run on every page.",
        )
        _persistent_widget(
            st.toggle,
            "Presentation mode",
            PRESENTATION,
            False,
            help="Hide prose, enlarge fonts and plots: for projecting in class.",
        )
    return PageContext(
        seed=int(st.session_state[SEED]),
        device=device,
        presentation=bool(st.session_state[PRESENTATION]),
    )


def presenting() -> bool:
    return bool(st.session_state.get(PRESENTATION, False))


def page(
    title: str, icon: str, *, section: str, intuition: str = "", equation: str | None = None
) -> PageContext:
    """Set up a topic page: config, sidebar, title, the notes section, intuition and equation."""
    st.set_page_config(
        page_title=f"{title} · Machine Perception Playground", page_icon=icon, layout="wide"
    )
    ctx = sidebar()
    if ctx.presentation:
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)
    st.title(f"{icon} {title}")
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


def figure(fig: go.Figure, *, key: str | None = None, height: int | None = None, **kw):
    """Show a plotly figure in the shared theme; taller with bigger fonts in presentation mode."""
    apply_theme(fig, presentation=presenting())
    if height is not None:
        fig.update_layout(height=int(height * (1.35 if presenting() else 1.0)))
    return st.plotly_chart(fig, key=key, width="stretch", config={"displaylogo": False}, **kw)
