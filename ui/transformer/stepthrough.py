"""Attention step-through: one head of the pretrained GPT computed by hand on the student's text.

X → W_Q, W_K, W_V → Q, K, V → QKᵀ/√d → + M → softmax → Y, each a labelled heatmap; the hand
result is checked live against ``F.scaled_dot_product_attention`` and the model's own forward.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

import ui
from core.transformer import figures as tf
from core.transformer.attention import attention_steps, mask_matrix
from ui.transformer.common import clean_prompt, ids_of, load

MASK_LABELS = {
    "causal": "causal: diagonal included (GPT)",
    "strict": "strict: the notes' M (diagonal masked)",
    "strict+start": "strict + a start token ⟨s⟩",
    "none": "no mask",
}
MAX_LEN = 16


def head_weights(model, layer: int, head: int):
    """W_Q, W_K, W_V (d, d_h) and b_Q, b_K, b_V (d_h,) of one head, from the packed W_qkv."""
    attn = model.blocks[layer].attn
    d, h = model.cfg.n_embd, model.cfg.n_head
    dh = d // h
    W, b = attn.W_qkv.weight.T, attn.W_qkv.bias  # (d, 3d), (3d,): y = x W + b
    cols = [slice(k * d + head * dh, k * d + (head + 1) * dh) for k in range(3)]
    return [W[:, c] for c in cols], [b[c] for c in cols]


@st.cache_data(max_entries=64, show_spinner=False)
def compute(text: str, layer: int, head: int, mask: str, device: str) -> dict:
    model = load(device=device)
    idx = torch.as_tensor(ids_of(text))[None].to(device)  # (1, n)
    with torch.inference_mode():
        x_l = model.residual_stream(idx)[layer]  # (1, n, d) the block's input
        X = model.blocks[layer].ln_1(x_l)[0].cpu()  # (n, d) what attention reads
        (W_Q, W_K, W_V), (b_Q, b_K, b_V) = (
            [t.cpu() for t in ts] for ts in head_weights(model, layer, head)
        )
        # the biases ride along as a constant input column: [X 1] [[W], [b]] = X W + b
        X1 = torch.cat([X, torch.ones(len(X), 1)], 1)
        Wq, Wk, Wv = (torch.cat([W, b[None]], 0) for W, b in ((W_Q, b_Q), (W_K, b_K), (W_V, b_V)))
        s = attention_steps(X1, Wq, Wk, Wv, mask=mask)
        causal = attention_steps(X1, Wq, Wk, Wv, mask="causal")
        _, attns = model(idx, return_attn=True, fast=False)
        A_model = attns[layer][0, head].cpu()  # (n, n) the model's own weights
        off = 1 if mask == "strict+start" else 0
        M = mask_matrix(len(s["Q"]), "strict" if off else mask)
        ref = F.scaled_dot_product_attention(s["Q"][None], s["K"][None], s["V"][None], attn_mask=M)[
            0
        ]
    rows = np.arange(off, len(ref))
    hand, sdpa = s["Y"][rows].numpy(), ref[rows].numpy()
    # a row with no visible key: the hand softmax gives 0/0 = NaN, torch's kernel returns 0
    fin = np.isfinite(hand).all(1)
    sdpa_gap = float(np.abs(hand[fin] - sdpa[fin]).max()) if fin.any() else 0.0
    sdpa_masked_row = sdpa[~fin].tolist()[:1]
    model_gap = float((causal["A"] - A_model).abs().max())
    lab = tf.labels(text)
    if off:  # row/column 0 is the start token
        lab = ["0 ⟨s⟩"] + [f"{i + 1} {tf.show_char(c)}" for i, c in enumerate(text)]
    dims = [f"{j}" for j in range(X.shape[1])] + ["1"]
    hd = [f"{j}" for j in range(W_Q.shape[1])]
    n_txt = len(lab) <= 10
    big = {"height": 300, "vgap": 0.1}
    fig_in = tf.heatmap_grid(
        [
            {
                "z": s["X"].numpy(),
                "x": dims,
                "y": lab,
                "title": "X = LN(x) (n × d, with a 1 column)",
                "diverging": True,
            },
            {
                "z": Wq.numpy(),
                "x": hd,
                "y": dims,
                "title": "W_Q (d+1 × d_h, last row b_Q)",
                "diverging": True,
            },
            {"z": Wk.numpy(), "x": hd, "y": dims, "title": "W_K", "diverging": True},
            {"z": Wv.numpy(), "x": hd, "y": dims, "title": "W_V", "diverging": True},
        ],
        ncols=4,
        **big,
    )
    fig_qkv = tf.heatmap_grid(
        [
            {"z": s[k].numpy(), "x": hd, "y": lab, "title": f"{k} = X W_{k}", "diverging": True}
            for k in ("Q", "K", "V")
        ],
        ncols=3,
        **big,
    )
    fig_att = tf.heatmap_grid(
        [
            {"z": s["S"].numpy(), "x": lab, "y": lab, "title": "QKᵀ/√d_h", "diverging": True},
            {
                "z": np.where(np.isinf(s["M"].numpy()), -1.0, 0.0),
                "x": lab,
                "y": lab,
                "title": "M (blue = −∞)",
                "diverging": True,
                "zmax": 1.0,
                "hover": "query %{y}<br>key %{x}<extra></extra>",
            },
            {"z": s["S+M"].numpy(), "x": lab, "y": lab, "title": "QKᵀ/√d_h + M", "diverging": True},
            {
                "z": s["A"].numpy(),
                "x": lab,
                "y": lab,
                "title": "A = softmax(· + M)",
                "zmax": 1.0,
                "hover": "query %{y}<br>key %{x}<br>weight %{z:.3f}<extra></extra>",
            },
        ],
        ncols=4,
        height=330,
        text=n_txt,
    )
    fig_y = tf.heatmap_grid(
        [{"z": s["Y"].numpy(), "x": hd, "y": lab, "title": "Y = A V (n × d_h)", "diverging": True}],
        ncols=1,
        height=300,
    )
    return {
        "figs": (fig_in, fig_qkv, fig_att, fig_y),
        "sdpa_gap": sdpa_gap,
        "model_gap": model_gap,
        "nan_rows": int(np.isnan(s["A"].numpy()).all(1).sum()),
        "sdpa_masked_row": sdpa_masked_row,
    }


@st.fragment
def view(ctx) -> None:
    st.subheader("Self-attention on your text")
    c = st.columns([3, 1, 1, 3])
    with c[0]:
        raw = st.text_input(
            "Your text (up to 16 characters)", value="for x in y:", key="tf_st_text", max_chars=64
        )
    model = load(device=str(ctx.device))
    if model is None:
        return
    L, H = model.cfg.n_layer, model.cfg.n_head
    with c[1]:
        layer = int(ui.url_selectbox("Layer", "tf_st_layer", list(range(1, L + 1)), 1))
    with c[2]:
        head = int(ui.url_selectbox("Head", "tf_st_head", list(range(1, H + 1)), 1))
    with c[3]:
        mask = ui.url_selectbox(
            "Mask M", "tf_st_mask", list(MASK_LABELS), "causal", format_func=MASK_LABELS.get
        )
    text = clean_prompt(raw, max_len=MAX_LEN)
    if text is None:
        return
    r = compute(text, layer - 1, head - 1, mask, str(ctx.device))
    fig_in, fig_qkv, fig_att, fig_y = r["figs"]
    ui.figure(fig_in, key="tf_st_in")
    ui.figure(fig_qkv, key="tf_st_qkv")
    ui.figure(fig_att, key="tf_st_att")
    if r["nan_rows"]:
        st.warning(
            f"Row 1 of the strict mask is all −∞: its softmax is 0/0 = **NaN** "
            f"({r['nan_rows']} NaN row, computed, marked ×); every later layer would inherit "
            "it. Fix it by including the diagonal (causal) or by prepending a start token ⟨s⟩."
        )
    ui.figure(fig_y, key="tf_st_y")
    ui.show_checks(
        [
            ui.Check(
                "hand Y vs torch scaled_dot_product_attention (same Q, K, V, M): max |Δ|",
                r["sdpa_gap"],
                1e-5,
                "over the rows that see at least one key"
                + (
                    f"; on the all-masked row torch's kernel returns "
                    f"{r['sdpa_masked_row'][0][:3]}… instead of NaN"
                    if r["sdpa_masked_row"]
                    else ""
                ),
            ),
            ui.Check(
                f"hand causal A vs the model's own forward, layer {layer} head {head}: max |Δ|",
                r["model_gap"],
                1e-5,
                "the weights GPT.forward computes on the same text",
            ),
        ]
    )
    ui.prose(
        "**What happens.** One head of the pretrained tiny GPT reads your characters. Each "
        "character's vector x (after the layer norm) is projected to a **query** q = x W_Q, "
        "a **key** k = x W_K and a **value** v = x W_V. Row i of QKᵀ/√d scores how well "
        "query i matches every key; the mask M removes the keys it may not see; the softmax "
        "turns each row into weights; Y is the weighted mix of the values. (The model's "
        "projections carry a bias b: it is the last row of each W above, against a constant "
        "1 in X.)"
    )
