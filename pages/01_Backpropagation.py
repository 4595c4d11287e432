"""§1 Neural networks: a TensorFlow-Playground-style MLP playground with backprop you can step
through and verify (hand backprop vs torch.autograd vs finite differences), the perceptron and
universal approximation. The math lives in ``core.backprop``; the views in ``ui.backprop``; this
page is their table of contents.
"""

from __future__ import annotations

import ui
from ui.backprop.common import sidebar_controls
from ui.backprop.perceptron import perceptron_view
from ui.backprop.playground import playground
from ui.backprop.stepthrough import stepthrough_view
from ui.backprop.universal import universal_view

ctx = ui.page(
    "Backpropagation",
    "🧮",
    section="§1.1–1.5",
    intuition=(
        "A multi-layer perceptron stacks affine maps and non-linearities. **Backpropagation** "
        "computes the gradient of the loss with respect to every weight by the chain rule, from "
        "the loss back to the inputs, reusing each node's δ for every weight that feeds it. "
        "Train a network live, then step through one point's forward and backward pass and see "
        "the gradients checked against `torch.autograd` and finite differences."
    ),
    equation=(
        r"\delta_L=\frac{\partial L}{\partial \hat y}\,\sigma'(z_L),\qquad "
        r"\delta_{l-1}=(\delta_l W_l^{\top})\odot\sigma'(z_{l-1}),\qquad "
        r"\frac{\partial L}{\partial W_l}=a_{l-1}^{\top}\delta_l"
    ),
)

VIEWS = [
    "Playground",
    "Backprop step-through",
    "Perceptron (§1.1)",
    "Universal approximation (§1.5)",
]
view = ui.url_radio("View", "bp_view", VIEWS, horizontal=True, label_visibility="collapsed")

if view in VIEWS[:2]:
    data, cfg, extras = sidebar_controls(ctx)  # the sidebar: only where it applies
    if view == VIEWS[0]:
        with ui.error_boundary("the playground"):
            playground(data, cfg, extras, ctx)
    else:
        with ui.error_boundary("the step-through"):
            stepthrough_view(data, cfg, ctx)
elif view == VIEWS[2]:
    with ui.error_boundary("the perceptron view"):
        perceptron_view(ctx)
else:
    with ui.error_boundary("the universal-approximation view"):
        universal_view()
