"""One visual theme for every figure: colours and fonts large enough for a projector."""
from __future__ import annotations

import plotly.graph_objects as go

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#999999", "#882255")
DIVERGING = "RdBu"     # signed quantities (weights, gradients, D(x) - 1/2)
SEQUENTIAL = "Viridis"  # magnitudes, densities
GREYS = "gray"          # images
FONT = dict(family="Inter, Helvetica, Arial, sans-serif", size=14)


def apply_theme(fig: go.Figure, presentation: bool = False) -> go.Figure:
    """Apply the shared fonts, margins and colourway in place; return ``fig``."""
    size = 20 if presentation else FONT["size"]
    fig.update_layout(
        font=dict(FONT, size=size), colorway=list(PALETTE), template="plotly_white",
        margin=dict(l=40, r=20, t=50 if fig.layout.title.text else 20, b=40),
        legend=dict(font=dict(size=size - 2)),
    )
    return fig
