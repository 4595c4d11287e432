"""Pretrained models in the UI: loaded once per process, shared read-only by all sessions."""

from __future__ import annotations

import streamlit as st
import torch
from torch import nn

from core.pretrained import PretrainedError, load


@st.cache_resource(show_spinner="Loading pretrained weights…")
def _load(name: str, device: str) -> tuple[nn.Module, dict]:
    model, manifest = load(name, device)
    for p in model.parameters():
        p.requires_grad_(False)  # shared across sessions: never trained, never mutated
    return model.eval(), manifest


def pretrained(name: str, device: torch.device | str = "cpu") -> tuple[nn.Module, dict] | None:
    """(model, manifest) or None after showing why (missing/corrupt file + the rebuild command)."""
    try:
        return _load(name, str(device))
    except PretrainedError as e:
        st.error(str(e))
        return None
