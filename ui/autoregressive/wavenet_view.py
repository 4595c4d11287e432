"""WaveNet (§7.5): a dilation-schedule editor checked against the measured gradient support,
the causal-padding check, and a small μ-law WaveNet continuing a prompt."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.autoregressive.wavenet import (
    N_TEST,
    DilatedStack,
    gradient_support,
    mu_law_decode,
    mu_law_encode,
    receptive_field,
    signals,
)
from ui.autoregressive.common import manifest

MAX_LAYERS, MAX_D = 10, 64


def parse_dilations(text: str) -> tuple[int, ...]:
    """'1, 2, 4, 8' -> (1, 2, 4, 8); ValueError with a clear message otherwise."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts:
        raise ValueError("give at least one dilation, e.g. 1, 2, 4, 8")
    try:
        ds = tuple(int(p) for p in parts)
    except ValueError:
        raise ValueError(f"dilations must be whole numbers, got {text!r}") from None
    if len(ds) > MAX_LAYERS or not all(1 <= d <= MAX_D for d in ds):
        raise ValueError(f"use 1 to {MAX_LAYERS} dilations, each between 1 and {MAX_D}")
    return ds


@st.cache_data(max_entries=64)
def support(k: int, ds: tuple[int, ...], causal: bool) -> dict:
    R = receptive_field(k, ds)
    T = R + 24
    t = T - 13  # an output with 12 later inputs after it
    g = gradient_support(DilatedStack(k, ds, causal=causal), T, t)
    nz = np.flatnonzero(g > 0)
    fig = {
        "data": [
            {
                "type": "bar",
                "x": list(range(T)),
                "y": np.round(g / g.max(), 4).tolist(),
                "marker": {"color": ["#3b6fd8" if s <= t else "#d62728" for s in range(T)]},
                "hovertemplate": "input %{x}: %{y:.3f}<extra></extra>",
            },  # fmt: skip
        ],
        "layout": {
            "height": 260,
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "xaxis": {"title": {"text": "input position s"}},
            "yaxis": {"title": {"text": "|∂y_t/∂x_s| (scaled)"}},
            "shapes": [
                {
                    "type": "line",
                    "x0": t,
                    "x1": t,
                    "y0": 0,
                    "y1": 1,
                    "yref": "paper",
                    "line": {"dash": "dot", "color": "#444"},
                }
            ],  # fmt: skip
        },
    }
    span = int(t - nz.min() + 1) if len(nz) else 0  # from the earliest input that matters to t
    holes = span - int((nz <= t).sum())
    return {"R": R, "measured": span, "holes": holes, "future": int((nz > t).sum()), "fig": fig,
            "t": t}  # fmt: skip


@st.cache_resource(max_entries=32)
def continuation(idx: int, n_prompt: int, temp: float, seed: int) -> dict:
    got = ui.pretrained("ar_wavenet", "cpu")
    model = got[0]
    q = model.cfg.q
    x = signals(N_TEST, model.cfg.length, 2)[idx]  # a held-out signal
    levels = mu_law_encode(x, q)[None]
    out = model.continue_(levels[:, :n_prompt].repeat(3, 1), model.cfg.length - n_prompt,
                          torch.Generator().manual_seed(seed), temp)  # fmt: skip
    ys = mu_law_decode(out, q).numpy()
    T = model.cfg.length
    data = [{"type": "scatter", "x": list(range(T)), "y": np.round(x.numpy(), 4).tolist(),
             "name": "held-out signal", "line": {"color": "#999", "width": 3}}]  # fmt: skip
    for i, y in enumerate(ys):
        data.append({"type": "scatter", "x": list(range(n_prompt, T)),
                     "y": np.round(y[n_prompt:], 4).tolist(), "name": f"sample {i + 1}",
                     "line": {"width": 1.5}})  # fmt: skip
    fig = {"data": data, "layout": {
        "height": 320, "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
        "xaxis": {"title": {"text": "t (samples)"}}, "yaxis": {"range": [-1.05, 1.05]},
        "shapes": [{"type": "rect", "x0": 0, "x1": n_prompt, "y0": -1.05, "y1": 1.05,
                    "fillcolor": "rgba(59,111,216,0.08)", "line": {"width": 0}}]}}  # fmt: skip
    return {"fig": fig}


@st.fragment
def view(ctx) -> None:
    st.subheader("WaveNet: dilated causal convolutions")
    ui.prose(
        "A causal convolution pads (k − 1)·d zeros on the left only, so output t never sees "
        "input t + 1. Dilations d = 1, 2, 4, … double the reach per layer: the receptive field "
        "spans R = 1 + (k − 1)·Σ d inputs. Edit the schedule; the bars are the measured gradient "
        "|∂y_t/∂x_s| of one output (dotted line) of a random stack, blue up to t, red after."
    )
    st.latex(r"R = 1 + (k-1)\sum_{l=1}^{L} d_l")
    c = st.columns([2, 1, 1])
    with c[0]:
        text = st.text_input("Dilations", value="1, 2, 4, 8", key="ar_wn_d", max_chars=80)
    with c[1]:
        k = int(ui.url_slider("Kernel k", "ar_wn_k", 2, 4, 2))
    with c[2]:
        pad = ui.url_radio("Padding", "ar_wn_pad", ["causal (left)", "same (both sides)"])
    try:
        ds = parse_dilations(text)
    except ValueError as e:
        st.error(str(e))
        return
    causal = pad.startswith("causal")
    s = support(k, ds, causal)
    ui.figure(s["fig"], key="ar_wn_support")
    if s["holes"]:
        st.warning(
            f"This schedule leaves {s['holes']} input(s) inside the span with zero gradient "
            "(holes): the output skips them. Dilations that double (1, 2, 4, …) with k = 2 "
            "cover the span without holes."
        )
    ui.show_checks(
        [
            ui.Check(
                "receptive field: |formula − measured span of the gradient support|",
                abs(s["R"] - s["measured"]),
                0,
                f"formula R = {s['R']}, measured span {s['measured']} inputs",
            ),
            ui.Check(
                "causal padding: later inputs with non-zero gradient",
                s["future"],
                0,
                "must be 0 for an autoregressive model",
            ),
        ],
        expanded=True,
    )
    trained(ctx)


@st.fragment
def trained(ctx) -> None:
    st.markdown("#### A small WaveNet continues a prompt")
    m = manifest("ar_wavenet")
    if m is None or ui.pretrained("ar_wavenet", "cpu") is None:
        st.info("ar_wavenet is not trained yet: `python -m core.pretrained train ar_wavenet`.")
        return
    mm = m["metrics"]
    ui.prose(
        f"Trained on generated signals (two sines and a chirp under a slow envelope), μ-law "
        f"quantised to {m['config']['q']} levels; held-out NLL "
        f"{mm['test_bits_per_sample']:.2f} bits per sample against "
        f"{mm['uniform_bits_per_sample']:.0f} for a uniform guess; receptive field "
        f"{int(mm['receptive_field'])} samples. The shaded prompt is a held-out signal; three "
        "continuations are sampled level by level."
    )
    c = st.columns(4)
    with c[0]:
        idx = int(ui.url_number("Held-out signal #", "ar_wn_idx", 0, N_TEST - 1, 0, step=1))
    with c[1]:
        n_prompt = int(ui.url_slider("Prompt length", "ar_wn_prompt", 16, 112, 64, step=16))
    with c[2]:
        temp = float(ui.url_slider("Temperature", "ar_wn_temp", 0.1, 1.5, 1.0, step=0.1))
    with c[3]:
        seed = int(ui.url_number("Seed", "ar_wn_seed", 0, 10_000, 0, step=1))
    with st.spinner("Sampling…"):
        r = continuation(idx, n_prompt, temp, seed)
    ui.figure(r["fig"], key="ar_wn_cont")
