"""The chain rule animated (§7) and teacher forcing vs free running (§7.2), with NADE."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.autoregressive import chain
from core.autoregressive import figures as F
from ui.autoregressive.common import digit_index, heldout, load, manifest, missing

MODELS = {
    "NADE, raster order": "ar_nade",
    "NADE, random order": "ar_nade_random",
    "FVSBN, raster order": "ar_fvsbn",
    "FVSBN, random order": "ar_fvsbn_random",
}
STRIDES = [4, 8, 16, 28]


@st.cache_resource(max_entries=16)
def frames(name: str, seed: int, stride: int, device: str) -> dict:
    """One digit drawn pixel by pixel: the PNG frames for the client-side player."""
    t = chain.trace(load(name, device), seed, stride)
    return {
        "urls": [ui.png_data_url(f) for f in t["frames"]],
        "labels": t["labels"],
        "log_p": t["log_p"],
    }


@st.cache_resource(max_entries=32)
def contrast(name: str, idx: int, rows: int, seed: int, device: str) -> dict:
    x, _ = heldout()
    return chain.teacher_vs_free(load(name, device), x[idx], rows * 28, seed)


@st.fragment
def view(ctx) -> None:
    dev = str(ctx.device)
    st.subheader("The chain rule, one pixel at a time")
    ui.prose(
        "Sampling runs the chain rule forwards: draw x₁ from p(x₁), then x₂ from p(x₂ | x₁), "
        "and so on for all 784 pixels. Left: the pixels drawn so far; right: the network's "
        "output for every pixel not drawn yet, given the drawn ones (viridis: dark = 0, "
        "yellow = 1). Only the red pixel's value is a factor of p(x) at that step. Scrub or "
        "press ▶: the frames play in your browser."
    )
    c = st.columns([2, 1, 1])
    with c[0]:
        label = ui.url_selectbox("Model and ordering", "ar_ch_model", list(MODELS))
    with c[1]:
        stride = int(ui.url_selectbox("A frame every … pixels", "ar_ch_stride", STRIDES, 8))
    with c[2]:
        seed = int(ui.url_number("Sample seed", "ar_ch_seed", 0, 10_000, 0, step=1))
    name = MODELS[label]
    if manifest(name) is None:
        missing(name)
        return
    if load(name, dev) is None:
        return
    with st.spinner("Drawing 784 pixels…"):
        f = frames(name, seed, stride, dev)
    ui.image_player(f["urls"], f["labels"], key="ar_ch_player", frame_ms=60, max_width=620)
    st.caption(f"log p(x) of this sample = Σ of the 784 log-factors = {f['log_p']:.1f} nats.")
    free_running(ctx, name)


@st.fragment
def free_running(ctx, name: str) -> None:
    dev = str(ctx.device)
    st.markdown("#### Teacher forcing vs free running (§7.2)")
    ui.prose(
        "Training feeds every conditional the *true* earlier pixels (teacher forcing: one "
        "pass scores all 784 factors). Sampling feeds it the model's *own* draws (free "
        "running). Keep the top rows of a held-out digit and compare the conditionals of the "
        "rest: with the truth they stay sharp; with its own draws the model drifts and "
        "commits to whatever it drew."
    )
    c = st.columns(3)
    with c[0]:
        idx = digit_index("Held-out digit #", "ar_tf_idx", 3)
    with c[1]:
        rows = int(ui.url_slider("Rows kept", "ar_tf_rows", 1, 27, 14))
    with c[2]:
        seed = int(ui.url_number("Seed", "ar_tf_seed", 0, 10_000, 0, step=1))
    r = contrast(name, idx, rows, seed, dev)
    cols = st.columns(4)
    panels = [
        ("the held-out digit", F.digits_image(r["true"][None], 1, 5)),
        ("teacher forcing p(x_i | true x_<i)", F.prob_image(np.nan_to_num(r["tf"], nan=0.0), 5)),
        ("free running p(x_i | own x_<i)", F.prob_image(np.nan_to_num(r["fr"], nan=0.0), 5)),
        ("the free-running sample", F.digits_image(r["sample"][None], 1, 5)),
    ]
    for col, (title, img) in zip(cols, panels, strict=True):
        col.caption(f"**{title}**")
        col.image(img, width="stretch")
    later = r["later"]
    sharp_tf = float(np.mean(np.abs(r["tf"][later] - 0.5)) * 2)
    sharp_fr = float(np.mean(np.abs(r["fr"][later] - 0.5)) * 2)
    agree = float(np.mean(r["sample"][later] == r["true"][later]))
    st.markdown(
        f"Below row {rows}: −log p(true pixels | true past) = **{r['nll_tf']:.1f} nats**; "
        f"mean confidence |2p − 1| with the truth {sharp_tf:.2f}, with its own draws "
        f"{sharp_fr:.2f}; the free-running sample agrees with the true digit on "
        f"{100 * agree:.0f} % of those pixels."
    )
    with ui.error_boundary("the math checks"):
        x, _ = heldout()
        model = load(name, dev)
        with torch.no_grad():
            lp = float(model.log_prob(x[idx : idx + 1])[0])
        ui.show_checks(
            [
                ui.Check(
                    "teacher forcing in one pass = the chain rule's sum of log-factors",
                    abs(check_sum(name, idx, dev) - lp),
                    1e-3,
                    f"log p(x) = {lp:.3f} nats for digit #{idx}",
                )
            ]
        )


@st.cache_data(max_entries=64)
def check_sum(name: str, idx: int, device: str) -> float:
    """Σ_i log p(x_i | x_<i), each factor taken one at a time (NADE: from the explicit O(nd)
    recursion; other models: their conditionals), against log_prob's one-pass total."""
    x, _ = heldout()
    model = load(name, device)
    with torch.no_grad():
        xb = model.bits(x[idx : idx + 1])
        recursive = getattr(model, "logits_recursive", model.logits)
        logits = recursive(xb)
        p = torch.sigmoid(logits)[0]
        return float(torch.where(xb[0] == 1, p, 1 - p).log().sum())
