"""Generation view: sample from the pretrained tiny GPT (temperature, top-k, top-p), the entropy
of every next-character distribution, and the attention maps of every layer × head.

Speed (notes §7.7 sampling is one model call per character): the settings live in their own
fragment, which redraws only the next-character distribution after the prompt (one cached
forward pass and a 96-way filter), so a slider answers at once. Sampling runs on **Generate** (and
once on the first visit), cached by its inputs; the attention grid is a fragment of its own, so
zooming into a head redraws only that head.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

import ui
from core.data.text import VOCAB, decode
from core.transformer import figures as tf
from core.transformer.sampling import entropy_bits, filter_probs, generate
from ui.transformer.common import clean_prompt, ids_of, load, manifest

GRID_CHARS = 40  # the attention grid shows the last 40 characters
SHOWN = "tf_gen_shown"  # session key: the Settings of the sample on screen
GO = "tf_gen_go_pressed"  # session key: Generate was pressed (set by its on_click)


@dataclass(frozen=True)
class Settings:
    prompt: str  # already mapped onto the 96 characters and cut to MAX_PROMPT
    n_new: int  # characters to generate
    temperature: float  # T; 0 = greedy
    top_k: int  # 0 = off
    top_p: float  # 1 = off


@st.cache_data(max_entries=64, show_spinner=False)
def last_logits(text: str, device: str) -> np.ndarray:
    """z (V,) float64: the model's logits for the character after ``text`` (its last 128)."""
    model = load(device=device)
    with torch.inference_mode():
        ctx = torch.as_tensor(ids_of(text[-model.cfg.block_size :]))[None].to(device)
        return model(ctx)[0, -1].double().cpu().numpy()


def next_char(z: np.ndarray, temperature: float, top_k: int, top_p: float) -> dict:
    """p = softmax(z) and the sampling distribution after T, top-k, top-p; top-20 bar chart."""
    z = torch.from_numpy(z)
    p_model = torch.softmax(z, -1)
    p_samp = filter_probs(z, temperature, top_k, top_p)
    top = torch.argsort(p_model, descending=True)[:20].tolist()
    names = [repr(VOCAB[i])[1:-1] or "␣" for i in top]
    fig = {
        "data": [
            {"type": "bar", "x": names, "y": p_model[top].tolist(), "name": "model (T = 1)"},
            {"type": "bar", "x": names, "y": p_samp[top].tolist(), "name": "sampled from"},
        ],
        "layout": {
            "title": {"text": "the next character after the prompt: top 20"},
            "height": 320,
            "barmode": "group",
            "xaxis": {"type": "category"},
            "yaxis": {"title": {"text": "probability"}},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }
    return {
        "fig": fig,
        "H": (float(entropy_bits(p_model)), float(entropy_bits(p_samp))),
        "kept": int((p_samp > 0).sum()),
    }


@st.cache_data(max_entries=64, show_spinner="Sampling…")
def sample(
    prompt: str, n_new: int, temperature: float, top_k: int, top_p: float, seed: int, device: str
) -> dict:
    model = load(device=device)
    ids, info = generate(model, ids_of(prompt), n_new, temperature, top_k, top_p, seed)
    text = decode(ids)
    fig_h = tf.lines(
        np.arange(1, n_new + 1),
        {"model, T = 1": info["entropy_model"], "after T, top-k, top-p": info["entropy_sampling"]},
        title="entropy of each next-character distribution",
        xtitle="generated character #",
        ytitle="bits",
        hlines={"uniform: log₂ 96 = 6.58": math.log2(96)},
        markers=False,
    )
    fig_h["data"][0]["text"] = [tf.show_char(c) for c in text]
    fig_h["data"][0]["hovertemplate"] = "#%{x} '%{text}': %{y:.2f} bits<extra></extra>"
    return {"text": text, "info": info, "fig_h": fig_h}


@st.cache_data(max_entries=32, show_spinner=False)
def attention_maps(text: str, device: str) -> np.ndarray:
    """A (L, H, n, n) of the model on ``text`` (its own causal forward)."""
    model = load(device=device)
    with torch.inference_mode():
        _, attns = model(torch.as_tensor(ids_of(text))[None].to(device), return_attn=True)
    return np.stack([a[0].cpu().numpy() for a in attns])


@st.cache_data(max_entries=32, show_spinner=False)
def grid_figure(text: str, device: str) -> dict:
    A = attention_maps(text, device)
    L, H = A.shape[:2]
    lab = tf.labels(text)
    hover = "query %{y}<br>key %{x}<br>weight %{z:.3f}<extra></extra>"
    panels = [
        {
            "z": A[l, h],
            "x": lab,
            "y": lab,
            "title": f"layer {l + 1} · head {h + 1}",
            "zmax": 1.0,
            "hover": hover,
        }
        for l in range(L)
        for h in range(H)
    ]
    return tf.heatmap_grid(panels, ncols=H, height=170 * L + 60, vgap=0.06, hgap=0.02)


def head_figure(A: np.ndarray, text: str, layer: int, head: int) -> dict:
    lab = tf.labels(text)
    hover = "query %{y}<br>attends to key %{x}<br>weight %{z:.3f}<extra></extra>"
    return tf.heatmap_grid(
        [
            {
                "z": A[layer, head],
                "x": lab,
                "y": lab,
                "zmax": 1.0,
                "hover": hover,
                "title": f"layer {layer + 1} · head {head + 1}: hover a cell",
            }
        ],
        ncols=1,
        height=560,
    )


@st.fragment
def settings(ctx) -> Settings | None:
    """The controls and what they do to the next character after the prompt (no sampling)."""
    c = st.columns([3, 1, 1, 1, 1])
    with c[0]:
        raw = st.text_input(
            "Prompt", value="The return statement ", key="tf_gen_prompt", max_chars=400
        )
    with c[1]:
        n_new = int(ui.url_slider("characters", "tf_gen_n", 10, 300, 80, step=10))
    with c[2]:
        temperature = float(ui.url_slider("temperature T", "tf_gen_T", 0.0, 2.0, 0.8, step=0.05))
    with c[3]:
        top_k = int(ui.url_number("top-k (0 = off)", "tf_gen_k", 0, 96, 0, step=1))
    with c[4]:
        top_p = float(ui.url_slider("top-p", "tf_gen_p", 0.05, 1.0, 1.0, step=0.05))
    if temperature == 0:
        st.caption("T = 0: greedy decoding, always the most likely character (entropy 0).")
    if top_k == 1:
        st.caption("top-k = 1 is greedy decoding too.")
    prompt = clean_prompt(raw)
    if prompt is None or load(device=str(ctx.device)) is None:
        st.session_state.pop(GO, None)
        return None
    s = Settings(prompt, n_new, temperature, top_k, top_p)
    nc = next_char(last_logits(prompt, str(ctx.device)), temperature, top_k, top_p)
    ui.figure(nc["fig"], key="tf_gen_dist", height=320)
    st.caption(
        f"After the prompt: next-character entropy {nc['H'][0]:.2f} bits under the model, "
        f"{nc['H'][1]:.2f} bits after T/top-k/top-p, which keep {nc['kept']} of 96 characters."
    )
    if st.session_state.pop(GO, False) or st.session_state.get(SHOWN) is None:
        st.session_state[SHOWN] = s  # Generate was pressed (or a first visit): draw with s
    if st.session_state[SHOWN] != s:
        st.info("The sample below was drawn with other settings: press **Generate** to redraw.")
    return s


@st.fragment
def attention_grid(window: str, device: str) -> None:
    """bertviz's model view: every layer × head, and one head zoomed (its own fragment)."""
    st.markdown(f"**Attention of every layer × head** on the last {GRID_CHARS} characters")
    A = attention_maps(window, device)
    c = st.columns([1, 1])
    with c[0]:
        ui.figure(grid_figure(window, device), key="tf_gen_grid")
    with c[1]:
        cc = st.columns(2)
        layer = int(cc[0].selectbox("zoom: layer", range(1, A.shape[0] + 1), key="tf_gen_l"))
        head = int(cc[1].selectbox("zoom: head", range(1, A.shape[1] + 1), key="tf_gen_hd"))
        ui.figure(head_figure(A, window, layer - 1, head - 1), key="tf_gen_head")
    rows = A.sum(-1)
    ui.show_checks(
        [
            ui.Check(
                "every attention row sums to 1: max |Σ_j a_ij − 1|",
                float(np.abs(rows - 1).max()),
                1e-5,
                f"{A.shape[0] * A.shape[1] * A.shape[2]} rows",
            ),
            ui.Check(
                "causal: weight above the diagonal (future keys), max",
                float(np.abs(np.triu(A, 1)).max()),
                0.0,
                "must be exactly 0",
            ),
        ]
    )


@st.fragment
def view(ctx) -> None:
    st.subheader("Generate with the tiny GPT")
    m = manifest("gpt_char")
    if m:
        mt, g = m["metrics"], m["config"]["gpt"]
        ui.prose(
            f"A {m['parameters']:,}-parameter GPT ({g['n_layer']} layers × {g['n_head']} heads, "
            f"d = {g['n_embd']}, context {g['block_size']}) trained here for {m['steps']:,} "
            f"steps on Python's documentation: held-out **{mt['bits_per_char']:.3f} bits/char** "
            "(uniform guessing: log₂ 96 = 6.58). The sliders act on the next character at once; "
            "**Generate** draws a sample with them."
        )
    s = settings(ctx)
    st.button(
        "Generate",
        key="tf_gen_go",
        type="primary",
        icon=":material/auto_awesome:",
        on_click=st.session_state.__setitem__,
        args=(GO, True),  # read by `settings` on this rerun, before it draws
    )
    if s is None:
        return
    shown: Settings = st.session_state[SHOWN]
    device = str(ctx.device)
    r = sample(
        shown.prompt, shown.n_new, shown.temperature, shown.top_k, shown.top_p, ctx.seed, device
    )
    st.code(shown.prompt + r["text"], language=None, wrap_lines=True)
    info = r["info"]
    st.caption(
        f"T = {shown.temperature:g}, top-k = {shown.top_k}, top-p = {shown.top_p:g}, seed "
        f"{ctx.seed}: mean next-character entropy {info['entropy_model'].mean():.2f} bits "
        f"(model), {info['entropy_sampling'].mean():.2f} bits after T/top-k/top-p; mean "
        f"−log₂ p of the drawn characters {-np.log2(info['p_chosen']).mean():.2f} bits."
    )
    ui.figure(r["fig_h"], key="tf_gen_h", height=320)
    attention_grid((shown.prompt + r["text"])[-GRID_CHARS:], device)
    ui.prose(
        "**What to notice.** Low temperature makes the text repetitive and the entropy near 0; "
        "high temperature flattens the distribution towards 6.58 bits (noise). Top-k and top-p "
        "cut the long tail. In the grid, some heads look at the previous character (a "
        "diagonal just below the main one), others at the start of the word or line."
    )
