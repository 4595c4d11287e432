"""§5 Generative models: every family side by side on the same digits, measured by our code.

The page reads as its table of contents; the views live in ui/generative/views.py and the numbers
come from core/generative (recorded by ``python -m core.generative.measure``).
"""

from __future__ import annotations

import ui
from ui.generative import views

ctx = ui.page(
    "Generative Models",
    "🎲",
    section="§5",
    intuition=(
        "A generative model learns p(x) from examples so that it can draw new ones. The families "
        "differ in what they can tell you about p(x): **explicit-tractable** models (flows §8, "
        "autoregressive §7) give log p(x) exactly; **explicit-approximate** ones (the VAE, §6) a "
        "lower bound; **implicit** ones (the GAN, §9) only a sampler; **diffusion** (§10) learns "
        "to undo noise and bounds log p(x) by a sum of per-step terms. Here every pretrained "
        "model is scored the same way on the same held-out digits, and sampled from the same seed."
    ),
    equation=r"\theta^*=\arg\max_\theta\ \mathbb{E}_{x\sim p_{\rm data}}[\log p_\theta(x)]"
    r"\qquad\text{bits/dim}=\frac{-\log p_\theta(x)}{D\,\ln 2}",
)

VIEWS = {
    "Measured table": views.table_view,
    "Same seed, every family": views.side_by_side_view,
    "Quality vs sampling time": views.quality_time_view,
    "Sample a model": lambda: views.sample_view(ctx),
}
view = ui.url_radio("View", "gen_view", list(VIEWS), horizontal=True)
with ui.error_boundary(f"the {view} view"):
    VIEWS[view]()
