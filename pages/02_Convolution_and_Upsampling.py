"""§2–3 Convolution and upsampling: every op computed by core.conv and checked against PyTorch.

Nine parts, one shown at a time (each bookmarkable): the convolution explorer on any image, the
sliding window (client-side) and one position number by number, convolution as a (doubly block)
Toeplitz matrix, layers and conv backprop, pooling and unpooling (the notes' toy example),
transposed convolution and its checkerboard artefacts, the receptive-field calculator, the
pretrained judge CNN, and a U-Net against the same net without skips. The views live in
``ui.conv``; this page is their table of contents.
"""

from __future__ import annotations

import streamlit as st

import ui
from ui.conv.common import checks, default_geometry, notice, sidebar_controls
from ui.conv.explore import part_explorer, part_sliding
from ui.conv.linear import part_layers, part_matrix
from ui.conv.networks import part_judge, part_receptive, part_unet
from ui.conv.sampling import part_pooling, part_transposed

ctx = ui.page(
    "Convolution and Upsampling",
    "🧮",
    section="§2–3 (2.1–2.2, 3.1–3.2)",
    intuition="A convolution slides one small kernel over the whole image and takes a weighted "
    "sum at every position: the same few weights everywhere (locality + weight sharing), "
    "so it is linear and shift-equivariant. Pooling shrinks the map; upsampling "
    "(nearest, bed of nails, max unpooling, transposed convolution, bilinear) grows it "
    "back, which is what a fully convolutional network and the U-Net need. Every "
    "number on this page is computed by the playground's own code and checked live "
    "against PyTorch.",
    equation=r"(\mathbf K \star \mathbf I)[i,j]=\sum_{m,n}\mathbf K[m,n]\,\mathbf I[si+dm,\;sj+dn]"
    r"\qquad (\mathbf K * \mathbf I) = \mathrm{Rot}_{180}(\mathbf K)\star\mathbf I",
)

PARTS = (
    "Explorer",
    "Sliding window",
    "As a matrix",
    "Layers & backprop",
    "Pooling & unpooling",
    "Transposed conv",
    "Receptive field",
    "Judge CNN",
    "U-Net",
)
part = ui.url_radio(
    "Part", "conv_part", PARTS, "Explorer", horizontal=True, label_visibility="collapsed"
)
# the "Input and kernel" sidebar shows only on the parts that use it
SIDEBAR_PARTS = (
    "Explorer",
    "Sliding window",
    "As a matrix",
    "Layers & backprop",
    "Receptive field",
)
geometry = sidebar_controls(ctx) if part in SIDEBAR_PARTS else default_geometry(ctx)
PART_FNS = dict(
    zip(
        PARTS,
        (
            part_explorer,
            part_sliding,
            part_matrix,
            part_layers,
            part_pooling,
            part_transposed,
            part_receptive,
            part_judge,
            part_unet,
        ),
        strict=True,
    )
)


@st.fragment
def show_part(name: str, g) -> None:
    """One part, its "what to notice" and its live checks: a control inside reruns only this."""
    checks.clear()
    notice.clear()
    with ui.error_boundary(f"the {name} view"):
        PART_FNS[name](g)
    if notice:
        ui.prose("#### What to notice\n" + "\n".join(f"- {t}" for t in notice))
    if checks:
        ui.show_checks(list(checks))


show_part(part, geometry)
