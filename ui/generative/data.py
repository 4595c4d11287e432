"""Cached reads of the recorded §5 measurements, and cached live sampling (shared by all)."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st
from safetensors import SafetensorError
from safetensors.numpy import load_file

from core.generative.measure import SAMPLES, TABLE
from core.generative.steps import FILE as STEPS_FILE
from core.pretrained import PRETRAINED_DIR
from ui.memo import remembered


@st.cache_data(show_spinner=False)
def table() -> dict | None:
    """The recorded table (``python -m core.generative.measure``), or None when missing/corrupt."""
    path = PRETRAINED_DIR / TABLE
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


@st.cache_data(show_spinner=False)
def steps_table() -> dict | None:
    """The U-Net's quality vs DDIM steps (``python -m core.generative.steps``), or None."""
    try:
        return json.loads((PRETRAINED_DIR / STEPS_FILE).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


@st.cache_data(show_spinner=False)
def recorded_samples() -> dict[str, np.ndarray]:
    """Same-seed grids (uint8 digits or float points) and closest pairs, by model name."""
    try:
        return load_file(str(PRETRAINED_DIR / SAMPLES))
    except (OSError, ValueError, SafetensorError):
        return {}


MAX_SAMPLES = 32  # cached sample requests (each up to 1,024 digits) per server process


def sample(name: str, n: int, seed: int, progress=None) -> tuple[np.ndarray, bytes, bytes, float]:
    """(samples, PNG bytes, .npz bytes, seconds) of n samples of ``name`` from ``seed``, kept
    per process (``ui.memo``: a progress bar inside ``st.cache_data`` broke on a hit);
    ``progress(done, total)`` follows the sampler on a miss."""
    key = (name, int(n), int(seed))
    return remembered("gen_samples", key, lambda: _sample(*key, progress), MAX_SAMPLES)


def _sample(name: str, n: int, seed: int, progress) -> tuple[np.ndarray, bytes, bytes, float]:
    import io
    import time

    from core.generative.registry import BY_NAME, balanced_labels, draw
    from core.generative.render import samples_png
    from ui.pretrained import _load

    model, _ = _load(name, "cpu")
    t0 = time.perf_counter()
    x = draw(name, model, n, seed, progress)
    seconds = time.perf_counter() - t0
    buf = io.BytesIO()
    extra = {"labels": balanced_labels(n).numpy()} if BY_NAME[name].conditional else {}
    np.savez_compressed(buf, samples=x, seed=np.int64(seed), **extra)
    return x, samples_png(name, x), buf.getvalue(), seconds
