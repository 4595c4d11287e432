"""Inpainting (§7.4): keep the top rows of a held-out digit, let a model draw the rest."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st
import torch

import ui
from core.autoregressive import figures as F
from core.autoregressive.pretrained import LABELS
from ui.autoregressive.common import digit_index, heldout, load, manifest, missing

MODELS = ["ar_nade", "ar_made", "ar_pixelcnn", "ar_gated_pixelcnn", "ar_fvsbn"]  # raster order


@st.cache_resource(max_entries=32)
def complete(name: str, idx: int, rows: int, n: int, seed: int, device: str) -> dict:
    model = load(name, device)
    x, _ = heldout()
    t0 = time.perf_counter()
    with torch.no_grad():
        out = model.sample(n, torch.Generator().manual_seed(seed), prompt=x[idx : idx + 1],
                           start=rows * 28)  # fmt: skip
        lp = model.log_prob(out).cpu().numpy()
    return {"x": out.reshape(n, 28, 28).cpu().numpy(), "s": time.perf_counter() - t0, "lp": lp}


@st.fragment
def view(ctx) -> None:
    dev = str(ctx.device)
    st.subheader("Inpainting: complete the bottom of a held-out digit")
    ui.prose(
        "An autoregressive model in raster order can condition on any prefix: fix the top rows "
        "to a held-out digit and keep sampling. Each completion is a draw from p(bottom | top)."
    )
    c = st.columns(4)
    with c[0]:
        name = ui.url_selectbox("Model", "ar_in_model", MODELS, format_func=lambda n: LABELS[n])
    with c[1]:
        idx = digit_index("Held-out digit #", "ar_in_idx", 7)
    with c[2]:
        rows = int(ui.url_slider("Rows kept", "ar_in_rows", 4, 24, 14))
    with c[3]:
        seed = int(ui.url_number("Seed", "ar_in_seed", 0, 10_000, 0, step=1))
    if manifest(name) is None:
        missing(name)
        return
    if load(name, dev) is None:
        return
    with st.spinner(f"Drawing {(28 - rows) * 28} pixels × 6 completions…"):
        r = complete(name, idx, rows, 6, seed, dev)
    x, _ = heldout()
    truth = x[idx].reshape(28, 28).numpy()
    shown = np.concatenate([truth[None], r["x"]])
    st.image(F.digits_image(shown, nrow=7, scale=4), width="stretch")
    st.caption(
        f"Left: held-out digit #{idx}; then 6 completions below row {rows} by {LABELS[name]} "
        f"({r['s']:.1f} s, cached). log p of each completed image: "
        + ", ".join(f"{v:.0f}" for v in r["lp"])
        + " nats."
    )
