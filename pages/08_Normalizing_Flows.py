"""§8 Normalizing flows: NICE / RealNVP / Glow warp a Gaussian into a 2-D density, with exact
likelihoods and log-determinants checked against autograd (notes §8.1–8.5).

The page is its table of contents: each part is an ``@st.fragment`` in ``ui/flows/<part>.py``
(its controls rerun only that part); the part switch is a full rerun.
"""

from __future__ import annotations

import ui
from ui.flows import images, one_d, two_d

ctx = ui.page(
    "Normalizing Flows",
    "🌊",
    section="§8.1–8.5",
    intuition="A normalizing flow bends a standard Gaussian into the data's shape with a chain "
    "of **invertible** maps whose Jacobian determinants are cheap. Because every step "
    "can be undone and its volume change is known, the likelihood of any point is "
    "**exact**: no bound, no sampling. Watch a grid and Gaussian samples being warped "
    "step by step, and check the page's own determinants against autograd.",
    equation=r"\log p_X(x) = \log p_Z\big(f^{-1}(x)\big) + \sum_{k=1}^{m}"
    r"\log\big|\det J_{f_k^{-1}}\big|,\qquad x = f(z) = (f_m\circ\dots\circ f_1)(z)",
)

SECTIONS = {
    "2d": ("2-D flows (§8.2–8.4)", two_d.view),
    "1d": ("1-D change of variables (§8.1)", one_d.view),
    "images": ("image masks (§8.5)", images.view),
}
section = ui.url_radio(
    "part",
    "nf_section",
    list(SECTIONS),
    horizontal=True,
    format_func=lambda k: SECTIONS[k][0],
    label_visibility="collapsed",
)
with ui.error_boundary(f"the {SECTIONS[section][0]} part"):
    SECTIONS[section][1](ctx)
