"""PixelCNN's blind spot (§7.4): the input-gradient receptive field of one output pixel, for
masked convolutions (A then B) and for the gated vertical + horizontal stacks."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

import ui
from core.autoregressive import figures as F
from core.autoregressive.pixelcnn import (
    blind_spot,
    build,
    causal_mask,
    frozen_double,
    input_gradient,
)
from core.autoregressive.pretrained import CONFIGS, LABELS
from core.theme import apply_theme
from ui.autoregressive.common import manifest

NAMES = ("ar_pixelcnn", "ar_gated_pixelcnn")
BLIND = np.array([230, 30, 30], np.uint8)  # causal pixel with zero gradient
FUTURE = np.array([235, 235, 235], np.uint8)  # not allowed to matter
TARGET = np.array([255, 140, 0], np.uint8)


@st.cache_resource(max_entries=4)
def network(name: str, device: str, trained: bool):
    """A float64 copy of the trained network when it ships, else the same architecture freshly
    initialised (the receptive field is a property of the architecture; the page says which)."""
    if trained:
        got = ui.pretrained(name, device)
        if got is not None:
            return frozen_double(got[0])
    torch.manual_seed(0)
    return frozen_double(build(CONFIGS[name].model))


@st.cache_data(max_entries=256)
def field(name: str, r: int, c: int, device: str) -> dict:
    trained = manifest(name) is not None
    model = network(name, device, trained)
    g = input_gradient(model, r, c, n_inputs=2).numpy()  # (28, 28)
    counts = blind_spot(torch.from_numpy(g), r, c, model.cfg.reach)
    rows, cols = np.mgrid[0:28, 0:28]
    causal = (rows < r) | ((rows == r) & (cols < c))
    lg = np.log10(np.where(g > 0, g, np.nan))
    lo, hi = (
        np.nanmin(lg) if np.isfinite(lg).any() else 0,
        np.nanmax(lg) if np.isfinite(lg).any() else 1,
    )
    img = F.viridis((np.nan_to_num(lg, nan=lo) - lo) / max(hi - lo, 1e-9))
    img[~causal] = FUTURE
    img[causal & (g == 0)] = BLIND
    img[r, c] = TARGET
    # causality by perturbation: re-draw every pixel at or after (r, c); logit (r, c) must not move
    gen = torch.Generator().manual_seed(r * 28 + c)
    x = (torch.rand(2, 1, 28, 28, generator=gen) < 0.5).double()
    y = x.clone()
    fut = torch.from_numpy(~causal)
    y[:, 0][:, fut] = (torch.rand(2, int(fut.sum()), generator=gen) < 0.5).double()
    with torch.no_grad():
        d = float((model.logit_map(x) - model.logit_map(y))[:, 0, r, c].abs().max())
    return {"img": img, "counts": counts, "trained": trained, "delta": d,
            "reach": model.cfg.reach}  # fmt: skip


PICK = "ar_bs_pick"
CLICKED = "_ar_bs_clicked"


def _picked() -> None:
    """A click on the picker: move the row/column sliders there (before they are drawn)."""
    points = (st.session_state.get(PICK) or {}).get("selection", {}).get("points", [])
    if points:
        p = points[-1]
        r, c = p.get("customdata") or (p.get("y"), p.get("x"))
        st.session_state["ar_bs_r"] = min(max(int(r), 1), 27)  # row 0 has nothing above it
        st.session_state["ar_bs_c"] = min(max(int(c), 0), 27)
        st.session_state[CLICKED] = True


@st.cache_resource
def picker(presenting: bool) -> go.Figure:
    """The clickable 28×28 pad (one marker per pixel, shared read-only by every session).

    It does not change with the picked pixel, so a slider move does not redraw it: a chart of
    784 markers that changed every rerun cost ~1 s per slider step in Chromium."""
    rows, cols = np.mgrid[0:28, 0:28]
    shade = np.where((rows + cols) % 2 == 0, 236, 248).astype(np.uint8)  # a faint checkerboard
    rgb = np.repeat(shade[..., None], 3, -1)
    rgb[:, :, 2] = np.minimum(255, rgb[:, :, 2] + 7)
    fig = go.Figure(F.pixel_picker([(rgb, "click a pixel to probe it")], height=300))
    return apply_theme(fig, presentation=True) if presenting else fig


@st.fragment
def pad() -> None:
    """The pad in a fragment of its own: moving a slider does not remount it. A click moves
    the sliders (``_picked``) and then reruns the page, so the fields follow."""
    if st.session_state.pop(CLICKED, False):
        st.rerun()
    st.plotly_chart(picker(ui.presenting()), key=PICK, on_select=_picked,
                    selection_mode="points", width="stretch",
                    config={"displayModeBar": False})  # fmt: skip


def view(ctx) -> None:
    st.subheader("Masked convolutions and the blind spot")
    ui.prose(
        "A masked k×k convolution lets output (r, c) see only pixels above, or left in the same "
        "row: type A also hides the centre (the first layer: x̂_{r,c} must not see x_{r,c}), "
        "type B keeps it (later layers, whose centre feature already excludes x_{r,c}). **Click "
        "a pixel** on the pad (or set the sliders): its receptive field is the gradient of "
        "its output logit with respect to every input pixel (log scale). **Red: pixels before "
        "it in raster order, inside the stack's reach, with exactly zero gradient — the blind "
        "spot.** Grey: later pixels, which must not matter; orange: the picked pixel."
    )
    top = st.columns([1, 2])
    with top[0]:
        pad()
    with top[1]:
        ui.figure(
            F.heatmap_panels(
                [
                    {"z": causal_mask(7, "A").numpy(), "title": "mask A (7×7, first layer)"},
                    {"z": causal_mask(3, "B").numpy(), "title": "mask B (3×3, later layers)"},
                ],
                height=190,
            ),
            key="ar_bs_masks",
        )
    fields(ctx)


@st.fragment
def fields(ctx) -> None:
    dev = str(ctx.device)
    c = st.columns(2)
    with c[0]:
        r = int(ui.url_slider("Row r", "ar_bs_r", 1, 27, 14))
    with c[1]:
        col = int(ui.url_slider("Column c", "ar_bs_c", 0, 27, 14))
    out = {name: field(name, r, col, dev) for name in NAMES}
    cols = st.columns(2)
    for cc, name in zip(cols, NAMES, strict=True):
        f = out[name]
        k = f["counts"]
        cc.caption(
            f"**{LABELS[name]}**{'' if f['trained'] else ' (untrained weights)'}: "
            f"{k['zero_gradient']} of the {k['causal_in_reach']} causal pixels within its reach "
            f"({f['reach']} rows/columns) have zero gradient"
        )
        cc.image(F.upscale(f["img"], 9), width="stretch")
    ui.prose(
        "**What to notice.** Stacked masked 3×3 kernels grow the field up and to the *left* "
        "only: the wedge above-right of the pixel is never reached, however deep the stack. "
        "The gated PixelCNN's vertical stack sees whole rows above (shifted down one row so it "
        "never sees the current one) and its horizontal stack the row to the left: no blind spot."
    )
    ui.show_checks(
        [
            ui.Check(
                f"{LABELS[n]}: causality — |Δ logit(r, c)| after re-drawing every pixel at or "
                "after (r, c)",
                out[n]["delta"],
                0.0,
                "2 random images",
            )  # fmt: skip
            for n in NAMES
        ]
        + [
            ui.Check(
                f"{LABELS[n]}: later pixels with non-zero gradient",
                out[n]["counts"]["future_nonzero"],
                0,
                "",
            )  # fmt: skip
            for n in NAMES
        ]
        + [
            ui.Check(
                "gated PixelCNN: causal pixels within reach with zero gradient",
                out["ar_gated_pixelcnn"]["counts"]["zero_gradient"],
                0,
                "the vertical + horizontal stacks leave no blind spot",
            )  # fmt: skip
        ],
        expanded=True,
    )
