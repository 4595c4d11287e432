"""§8.5 view: RealNVP's checkerboard and channel masks, and the squeeze, on an MNIST digit."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.data.mnist import MNIST_SPLIT_TEXT, mnist_split
from core.flows import figures as F
from core.flows.image_masks import partition_views, squeeze, unsqueeze


@st.cache_data(max_entries=32, show_spinner=False)
def _views(idx: int, parity: int):
    return partition_views(mnist_split().x_test[idx, 0], parity)


@st.cache_resource(max_entries=32, show_spinner=False)
def _frame(idx: int, parity: int) -> dict:
    """The mosaic as a plotly JSON dict, shared (not copied) between reruns: the player only
    reads it. ``st.cache_data`` would unpickle and a ``go.Figure`` re-validate it every step."""
    return F.partitions_frame(_views(idx, parity), parity)


@st.fragment
def view(ctx) -> None:
    st.subheader("§8.5 RealNVP on images: what conditions on what")
    ui.prose(
        "On images RealNVP first couples with a **checkerboard** mask, then **squeezes** each "
        "2×2 block into 4 channels (C×H×W → 4C×H/2×W/2) and couples with a **channel** mask: "
        "half of the channels condition the other half. " + MNIST_SPLIT_TEXT + "."
    )
    checks: list[ui.Check] = []
    with ui.error_boundary("the image masks"):
        i1, i2 = st.columns(2)
        with i1:
            digit = ui.url_slider("test digit", "nf_digit", 0, 499, 0)
        with i2:
            parity = ui.url_radio(
                "mask parity",
                "nf_parity",
                [0, 1],
                horizontal=True,
                format_func=lambda p: "even / first channels" if p == 0 else "odd / last channels",
            )
        views = _views(int(digit), int(parity))
        ui.plot_player([_frame(int(digit), int(parity))], [""], key="nf_masks_fig",
                       controls=False, height=460)  # fmt: skip
        x = torch.tensor(views["digit"])[None, None]  # (1, 1, 28, 28)
        checks.append(
            ui.Check(
                "images: max |unsqueeze(squeeze(x)) − x|",
                float((unsqueeze(squeeze(x)) - x).abs().max()),
                0.0,
            )
        )
        covered = np.where(np.isnan(views["checker_B"]), views["checker_A"], views["checker_B"])
        checks.append(
            ui.Check(
                "images: x_B and x_A of the checkerboard mask rebuild x exactly",
                float(np.abs(covered - views["digit"]).max()),
                0.0,
                f"{int(views['mask'].sum())} of 784 pixels condition",
            )
        )
    ui.show_checks(checks)
