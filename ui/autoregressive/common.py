"""Cached data and models shared by the §7 views: the binarised held-out digits, the pretrained
ladder (weights + manifests) and the samples each manifest ships."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.autoregressive.pretrained import CONFIGS, LABELS, hex_bits
from core.pretrained import PretrainedError, read_manifest, retrain_command

LADDER = list(CONFIGS)  # in ladder order


@st.cache_resource
def heldout() -> tuple[torch.Tensor, np.ndarray]:
    """The 500 held-out digits binarised, (500, 784) {0, 1}, and their labels (500,)."""
    from core.autoregressive.data import binarized_split

    d = binarized_split()
    return d["test"], d["y_test"].numpy()


def load(name: str, device: str = "cpu"):
    """The pretrained model or None (the error and its rebuild command are shown)."""
    got = ui.pretrained(name, device)
    return None if got is None else got[0]


@st.cache_data(ttl=60)
def manifest(name: str) -> dict | None:
    try:
        return read_manifest(name)
    except PretrainedError:
        return None


def missing(name: str) -> None:
    st.info(f"{LABELS[name]} is not trained yet: `{retrain_command(name)}` builds it.")


@st.cache_data(max_entries=16)
def manifest_samples(name: str) -> np.ndarray | None:
    """The samples that shipped with the model, (N, 28, 28) {0, 1}, or None."""
    m = manifest(name)
    if not m or "samples_hex" not in m:
        return None
    return hex_bits(m["samples_hex"], int(m["samples_n"]))[:, 0]


def digit_index(label: str, key: str, default: int = 3) -> int:
    """A held-out digit number, 0..499 (URL-mirrored; out-of-range URL values are clamped)."""
    return int(ui.url_number(label, key, 0, 499, default, step=1))
