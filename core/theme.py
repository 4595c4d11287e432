"""One visual theme for every figure: colours and fonts large enough for a projector.

`install()` registers the "playground" plotly template (plotly_white + our colourway and font)
and makes it the default, so every new figure starts themed. This is done once per process by
the UI layer (never at import of core). Setting ``template=`` on each figure instead would make
plotly re-validate the whole template every time (~10-40 ms a figure, measured); with the
default set, a new figure costs ~2 ms.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
)
DIVERGING = "RdBu"  # signed quantities (weights, gradients, D(x) - 1/2)
SEQUENTIAL = "Viridis"  # magnitudes, densities
GREYS = "gray"  # images
FONT = dict(family="Inter, Helvetica, Arial, sans-serif", size=14)
TEMPLATE = "playground"


def install() -> None:
    """Register the "playground" template and make it plotly's default (idempotent)."""
    if TEMPLATE not in pio.templates:
        tpl = go.layout.Template(pio.templates["plotly_white"])
        tpl.layout.colorway = list(PALETTE)
        tpl.layout.font = FONT
        tpl.layout.margin = dict(l=40, r=20, t=40, b=40)
        pio.templates[TEMPLATE] = tpl
    if pio.templates.default != TEMPLATE:
        pio.templates.default = TEMPLATE


PRESENT_FONT = 20  # px: read from the back row of a lecture hall (every text >= 18 px)


def apply_theme(fig: go.Figure, presentation: bool = False) -> go.Figure:
    """Enlarge every text of the figure in place for presentation mode (>= 18 px): the global
    font, tick labels, axis and colour-bar titles, legend, subplot titles and annotations (the
    rest comes from the template)."""
    if not presentation:
        return fig
    big, small = PRESENT_FONT, PRESENT_FONT - 2
    fig.update_layout(font_size=big, legend_font_size=small, title_font_size=big + 2,
                      hoverlabel_font_size=small)  # fmt: skip
    fig.update_xaxes(tickfont_size=small, title_font_size=big)
    fig.update_yaxes(tickfont_size=small, title_font_size=big)
    for a in fig.layout.annotations or ():
        if a.font.size is None or a.font.size < small:
            a.font.size = small
    for t in fig.data:
        cb = getattr(t, "colorbar", None)
        if cb is not None and hasattr(t, "showscale") and t.showscale is not False:
            t.colorbar.tickfont.size = small
        if t.type in ("heatmap", "scatter", "bar"):
            if t.texttemplate or t.text is not None:
                t.textfont.size = _at_least(t.textfont.size, small)
    return fig


def _at_least(size, small: int):
    """A text size (one number, None, or one per point) raised to at least ``small`` px."""
    if isinstance(size, (list, tuple)):
        return [max(v or 0, small) for v in size]
    return max(size or 0, small)


def present_trace_text(fig: dict) -> dict:
    """A figure in plotly's JSON form with every trace text >= 18 px: what `apply_theme` does to
    a go.Figure's traces, for the dict frames the players send unvalidated (a copy; the cells'
    values, labels and arrows of the gridworld figures were 9-17 px on a projector)."""
    small, data = PRESENT_FONT - 2, []
    for t in fig.get("data", []):
        if t.get("text") is not None or t.get("texttemplate"):
            font = dict(t.get("textfont") or {})
            font["size"] = _at_least(font.get("size"), small)
            t = {**t, "textfont": font}
        data.append(t)
    return {**fig, "data": data}
