"""Positional information: the sinusoidal table, the GPT's learned positions, the ablation on
held-out loss, and the permutation check (without positions attention cannot tell order)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.transformer import figures as tf
from core.transformer.gpt import sinusoidal_table
from ui.transformer.common import clean_prompt, ids_of, load, manifest


@st.cache_data(max_entries=4, show_spinner=False)
def tables(device: str) -> dict:
    P = sinusoidal_table(128, 64).numpy()
    panels = [
        {
            "z": P,
            "x": [str(j) for j in range(64)],
            "y": [str(t) for t in range(128)],
            "title": "sinusoidal P[t, i] (Vaswani et al.)",
            "diverging": True,
            "hover": "position %{y}<br>dim %{x}<br>%{z:.3f}<extra></extra>",
        }
    ]
    model = load(device=device)
    if model is not None and model.wpe is not None:
        W = model.wpe.detach().cpu().numpy()
        panels.append(
            {
                "z": W,
                "x": [str(j) for j in range(W.shape[1])],
                "y": [str(t) for t in range(W.shape[0])],
                "diverging": True,
                "title": "the tiny GPT's learned P (trained here)",
                "hover": "position %{y}<br>dim %{x}<br>%{z:.3f}<extra></extra>",
            }
        )
    return tf.heatmap_grid(panels, ncols=2, height=420)


@st.cache_data(max_entries=64, show_spinner=False)
def permutation_check(text: str, seed: int, device: str) -> dict:
    """max |f(x_π) − f(x)_π| for the no-position and the learned-position models, mask off."""
    perm = torch.randperm(len(text), generator=torch.Generator().manual_seed(seed))
    idx = torch.as_tensor(ids_of(text))[None].to(device)
    out = {"perm": "".join(text[i] for i in perm.tolist())}
    for name in ("gpt_ablation_nopos", "gpt_char"):
        model = load(name, device)
        with torch.inference_mode():
            a = model(idx, causal=False)[:, perm]  # (1, n, V) permuted outputs
            b = model(idx[:, perm], causal=False)  # outputs of the permuted input
        out[name] = float((a - b).abs().max())
    return out


def ablation_figure(a: dict, b: dict) -> dict:
    """Held-out loss against step, as measured while the two models trained (their manifests)."""
    series, x = {}, None
    for name, m in (("learned positions", a), ("no positions", b)):
        c = np.array(m.get("curve", []), dtype=float)
        if len(c):
            x = c[:, 0]
            series[f"{name}: held-out"] = c[:, 2] / np.log(2)
            series[f"{name}: training"] = c[:, 1] / np.log(2)
    return tf.lines(
        x,
        series,
        title="measured while training (bits/char)",
        xtitle="step",
        ytitle="bits/char",
        markers=False,
    )


@st.fragment
def view(ctx) -> None:
    st.subheader("Positional information")
    ui.prose(
        "Attention compares every query with every key by content only: nothing in "
        "softmax(QKᵀ/√d)V knows where a token is. Without positions (and without the mask), "
        "permuting the input permutes the output: the model sees a bag of characters. GPT adds "
        "a position vector P[t] to each token embedding; the classic choice is a fixed table "
        "of sines and cosines at geometric frequencies, ours is learned."
    )
    ui.figure(tables(str(ctx.device)), key="tf_pos_tables")
    st.markdown("#### The ablation, measured on held-out text")
    a, b = manifest("gpt_ablation_learned"), manifest("gpt_ablation_nopos")
    if not a or not b:
        st.info(
            "The ablation models are not trained yet: `python -m core.pretrained train "
            "gpt_ablation_learned gpt_ablation_nopos`."
        )
        return
    g = a["config"]["gpt"]
    st.table(
        {
            "model": ["learned positions", "no positions"],
            "held-out bits/char": [f"{m['metrics']['bits_per_char']:.3f}" for m in (a, b)],
            "parameters": [f"{m['parameters']:,}" for m in (a, b)],
            "steps × batch": [f"{m['steps']:,} × {m['config']['batch_size']}" for m in (a, b)],
        }
    )
    gap = b["metrics"]["bits_per_char"] - a["metrics"]["bits_per_char"]
    st.markdown(
        f"Without positions the held-out loss is **{gap:+.3f} bits/char** "
        f"({'worse' if gap > 0 else 'not worse'}) at the same budget."
    )
    ui.figure(ablation_figure(a, b), key="tf_pos_curves")
    st.caption(
        f"Both: the small GPT of the live view ({g['n_layer']} layers × {g['n_head']} heads, "
        f"d = {g['n_embd']}, context {g['block_size']}), causal mask, seed {a['seed']}; "
        f"held-out windows of {g['block_size'] + 1} characters (not comparable with the "
        "128-context tiny GPT's). Retrain: `python -m core.pretrained train "
        "gpt_ablation_learned gpt_ablation_nopos`."
    )
    ui.prose(
        "With the causal mask a model without positions is not quite blind to order: the "
        "output at t sees the *set* of characters up to t, and how diluted its attention is "
        "hints at t. Only with the mask off is it a pure bag of characters (the check below)."
    )
    st.markdown("#### Permute the input, permute the output?")
    raw = st.text_input("Text to permute", value="def f(x):", key="tf_pos_text", max_chars=64)
    text = clean_prompt(raw, max_len=64, min_len=2)
    if text is None or load("gpt_ablation_nopos", str(ctx.device)) is None:
        return
    if load("gpt_char", str(ctx.device)) is None:
        return
    r = permutation_check(text, ctx.seed, str(ctx.device))
    st.caption(
        f"permutation (global seed {ctx.seed}): `{text}` → `{r['perm']}`; both models "
        "run with the mask off."
    )
    shuffled = r["perm"] != text
    ui.show_checks(
        [
            ui.Check(
                "no positions: max |f(x_π) − f(x)_π| (permutation-equivariant)",
                r["gpt_ablation_nopos"],
                1e-4,
            ),
            ui.Check(
                "learned positions: the same gap is NOT small (order matters), 1e-3 / gap",
                1e-3 / max(r["gpt_char"], 1e-12) if shuffled else 0.0,
                1.0,
                f"gap {r['gpt_char']:.3g}" if shuffled else "identity permutation",
            ),
        ],
        expanded=True,
    )
