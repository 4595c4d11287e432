"""§7.7 Transformers: self-attention computed in front of you, a tiny GPT trained here, the causal
mask and its pitfalls, why √d, positions, and attention vs recurrence measured.

The page is its table of contents: each view is an ``@st.fragment`` in ``ui/transformer/``.
"""

from __future__ import annotations

import ui
from ui.transformer import generate, live, mask, positions, recurrence, scaling, stepthrough

ctx = ui.page(
    "Transformers",
    "🔤",
    section="§7.7",
    intuition=(
        "Self-attention is a soft dictionary lookup: every position asks a **query**, every "
        "position offers a **key** and a **value**, and the output is the average of the "
        "values weighted by how well the query matches each key. Stack such layers, forbid "
        "looking ahead with a mask M, and you have a GPT. Everything below is computed here: "
        "a ~200k-parameter GPT trained on Python's own documentation, every number measured."
    ),
    equation=(
        r"Q = XW_Q,\; K = XW_K,\; V = XW_V,\qquad "
        r"Y = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d}} + M\right)V"
    ),
)
VIEWS = {
    "Step through": stepthrough.view,
    "Generate": generate.view,
    "Mask": mask.view,
    "Why √d": scaling.view,
    "Positions": positions.view,
    "Attention vs RNN": recurrence.view,
    "Live training": live.view,
}
ui.prose(
    "Corpus: Python's documentation (`pydoc_data.topics`, shipped with Python), 96 characters; "
    "the last ~10 % of every topic is held out, and every loss below is measured on it."
)
view = ui.url_radio("View", "tf_view", list(VIEWS), horizontal=True)
with ui.error_boundary(f"the {view} view"):
    VIEWS[view](ctx)
