"""§4 Recurrent Networks: BPTT by hand, the gradient spectrum, leaky unit and LSTM, clipping, long
memory and a char-level LSTM.

The page is its table of contents: each view is an ``@st.fragment`` in ``ui/rnn/<view>.py``.
"""

from __future__ import annotations

import ui
from ui.rnn import bptt, charlm, clipping, gates, memory, spectrum

ctx = ui.page(
    "Recurrent Networks",
    "🔁",
    section="§4.1–4.3",
    intuition=(
        "An RNN applies the same map at every step, so the gradient that reaches a step k from "
        "a loss at t is a product of t − k Jacobians. Whether that product vanishes or "
        "explodes is a question about W_h: here you change W_h and watch, with every number "
        "measured by autograd and checked against the hand-written maths."
    ),
    equation=(
        r"h^{(t)} = \tanh(W_h h^{(t-1)} + W_x x^{(t)}),\qquad "
        r"\frac{\partial \ell^{(t)}}{\partial W} = \sum_{k=1}^{t}"
        r"\frac{\partial \ell^{(t)}}{\partial h^{(t)}}"
        r"\prod_{i=k+1}^{t}\frac{\partial h^{(i)}}{\partial h^{(i-1)}}"
        r"\frac{\partial^{+} h^{(k)}}{\partial W}"
    ),
)
VIEWS = {
    "BPTT step-through": bptt.view,
    "Spectrum lab": spectrum.view,
    "Leaky unit & LSTM": gates.view,
    "Gradient clipping": clipping.view,
    "Char-level LSTM": charlm.view,
    "Long-range memory": memory.view,
}
view = ui.url_radio("View", "rnn_view", list(VIEWS), horizontal=True)
with ui.error_boundary(f"the {view} view"):
    VIEWS[view](ctx)
