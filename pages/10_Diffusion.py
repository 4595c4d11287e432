"""§10 Diffusion: real forward and reverse processes scrubbed in the browser, DDPM/DDIM,
classifier-free guidance and latent diffusion.

The page is the table of contents; each view is an st.fragment in ui/diffusion/."""

from __future__ import annotations

import streamlit as st

import ui
from ui.diffusion.forward import forward_view
from ui.diffusion.latent import latent_view
from ui.diffusion.mnist import mnist_view
from ui.diffusion.reverse_2d import reverse_2d_view
from ui.state import _KEEP  # key prefix of the URL widgets' remembered values

ctx = ui.page(
    "Diffusion",
    "🌫️",
    section="§10",
    intuition=(
        "A diffusion model learns to undo noise. The forward process adds a little Gaussian noise "
        "T times until any image is pure N(0, I); a network ε̂ learns to predict the noise that "
        "was added, and sampling runs the chain backwards, one small denoising step at a time. "
        "Every frame on this page is computed by a real model: any seed, any number of steps, any "
        "guidance scale."
    ),
    # two lines (a top-level \\; "gathered" overflowed its box by 2 px in Chromium), so the
    # block never runs off the right edge
    equation=r"x_t=\sqrt{\bar\alpha_t}\,x_0+\sqrt{1-\bar\alpha_t}\,\epsilon,\qquad "
    r"\epsilon^*=(1+\rho)\,\epsilon_\theta(x,y)-\rho\,\epsilon_\theta(x)"
    r"\\ x_{t-1}=\tfrac{1}{\sqrt{\alpha_t}}\Big(x_t-\tfrac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}"
    r"\,\hat\epsilon_\theta(x_t,t)\Big)+\sigma_t z",
)

VIEWS = {
    "Forward process": forward_view,
    "2-D reverse process": reverse_2d_view,
    "Pretrained MNIST": mnist_view,
    "Latent diffusion": latent_view,
}


def _on_view_change() -> None:
    """A view change pauses the 2-D live training and drops the views' URL-widget values from
    session_state (ui.state keeps their last values and restores them with set_value). Without
    this, switching views while the 2-D model played left those keys behind, the widgets came
    back without set_value, and the browser showed (and then sent) their first options: T = 2,
    learning rate 1e-4, ε̂ field off."""
    s = st.session_state.get("dif2_live")
    if s is not None:
        s.playing = False
    for k in [
        k
        for k in st.session_state
        if isinstance(k, str)
        and k.startswith(("dif_", "dif2_"))
        and k != "dif_view"
        and _KEEP + k in st.session_state
    ]:
        del st.session_state[k]


view = ui.url_radio(
    "View",
    "dif_view",
    list(VIEWS),
    horizontal=True,
    label_visibility="collapsed",
    on_change=_on_view_change,
)
VIEWS[view](ctx)
