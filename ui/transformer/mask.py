"""The causal mask, carefully: the notes' strict M (NaN in row 1), the two fixes, and the leak
demo (a GPT trained with the mask off, measured on held-out text)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.transformer import figures as tf
from core.transformer.attention import attention, attention_with_start, mask_matrix
from ui.transformer.common import manifest

N = 6  # tokens of the small example


@st.cache_data(max_entries=16, show_spinner=False)
def example(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    Q, K, V = (torch.randn(N, 4, generator=g, dtype=torch.float64) for _ in range(3))
    q_s, k_s, v_s = (torch.randn(4, generator=g, dtype=torch.float64) for _ in range(3))
    lab = [f"x{i + 1}" for i in range(N)]
    Ms, Mc = mask_matrix(N, "strict", torch.float64), mask_matrix(N, "causal", torch.float64)
    Y_s, A_s = attention(Q, K, V, Ms)
    Y_c, A_c = attention(Q, K, V, Mc)
    # start token: its key/value join the keys; rows are the real tokens
    Ks, Vs = torch.cat([k_s[None], K]), torch.cat([v_s[None], V])
    _, A_t = attention(Q, Ks, Vs, mask_matrix(N + 1, "strict", torch.float64)[1:])
    Y_t = attention_with_start(Q, K, V, q_s, k_s, v_s)
    minf = lambda M: np.where(np.isinf(M.numpy()), -1.0, 0.0)  # noqa: E731
    hover = "query %{y}<br>key %{x}<br>%{z:.3f}<extra></extra>"
    fig = tf.heatmap_grid(
        [
            {
                "z": minf(Ms),
                "x": lab,
                "y": lab,
                "title": "notes' M (blue = −∞)",
                "diverging": True,
                "zmax": 1.0,
                "hover": hover,
            },
            {
                "z": A_s.numpy(),
                "x": lab,
                "y": lab,
                "title": "softmax(S + M): row 1 NaN",
                "zmax": 1.0,
            },
            {
                "z": A_c.numpy(),
                "x": lab,
                "y": lab,
                "title": "fix 1: diagonal included",
                "zmax": 1.0,
            },
            {
                "z": A_t.numpy(),
                "x": ["⟨s⟩"] + lab,
                "y": lab,
                "title": "fix 2: strict + start ⟨s⟩",
                "zmax": 1.0,
            },
        ],
        ncols=4,
        height=330,
        text=True,
    )
    return {
        "fig": fig,
        "nan": [int(torch.isnan(Y).any(1).sum()) for Y in (Y_s, Y_c, Y_t)],
        "row1_sum": float(A_c[0].sum()),
    }


def _leak_figure(leak: dict, ref: dict) -> dict:
    """The measured curves of both manifests: training loss, held-out loss (and on prefixes)."""
    series, x = {}, None
    for name, m in (("mask off", leak), ("mask on", ref)):
        c = np.array(m.get("curve", []), dtype=float)
        if len(c):
            x = c[:, 0]
            series[f"{name}: training loss"] = c[:, 1]
            series[f"{name}: held-out" + (" (future visible)" if c.shape[1] > 3 else "")] = c[:, 2]
            if c.shape[1] > 3:
                series[f"{name}: held-out on prefixes (as generating)"] = c[:, 3]
    windows = leak.get("config", {}).get("eval_windows", 64)
    n = leak.get("config", {}).get("gpt", {}).get("block_size", 128) + 1
    return tf.lines(
        x,
        series,
        title=f"measured while training ({windows} held-out windows of {n} per point)",
        xtitle="step",
        ytitle="nats/char",
        hlines={"uniform: ln 96": float(np.log(96))},
        markers=False,
    )


@st.fragment
def view(ctx) -> None:
    st.subheader("The causal mask M, and what goes wrong without it")
    ui.prose(
        "The notes' M puts −∞ on the diagonal as well, so token i may look only at tokens "
        "j < i. Then row 1 has nothing to look at: every score is −∞, and softmax gives "
        "e^−∞ / Σ e^−∞ = 0/0 = **NaN**, which then spreads through every later layer. "
        "Two standard fixes: **include the diagonal** (token i sees j ≤ i, and the output at "
        "i predicts token i+1: the targets are the inputs shifted by one, as in GPT), or "
        "**keep the strict mask and prepend a start token** ⟨s⟩ that every row can see."
    )
    ex = example(ctx.seed)
    ui.figure(ex["fig"], key="tf_mask_fig")
    c = st.columns(3)
    labels = ("strict (notes)", "diagonal included", "strict + ⟨s⟩")
    for col, label, k in zip(c, labels, ex["nan"], strict=True):
        col.metric(f"NaN output rows: {label}", k)
    ui.show_checks(
        [
            ui.Check(
                "the notes' strict mask: NaN rows in Y (must be exactly row 1)",
                abs(ex["nan"][0] - 1),
                0.0,
                "computed by softmax, not special-cased",
            ),
            ui.Check("fix 1 (diagonal): NaN rows", ex["nan"][1], 0.0),
            ui.Check("fix 2 (start token): NaN rows", ex["nan"][2], 0.0),
            ui.Check(
                "fix 1: row 1 attends only to itself, |Σ a_1j − 1|", abs(ex["row1_sum"] - 1), 1e-12
            ),
        ]
    )

    st.markdown("#### The leak: training with the mask off")
    ui.prose(
        "Without M, position t can read character t+1, which is exactly its target: copying "
        "it would drive the training loss towards 0. But when generating, character t+1 does "
        "not exist yet, so the model is scored fairly only on **prefixes** (each target "
        "seeing only the characters before it). Below: a small GPT trained with the mask "
        "off and the same network trained with it, both measured while they trained."
    )
    leak, ref = manifest("gpt_ablation_leak"), manifest("gpt_ablation_learned")
    if not leak or not ref:
        st.info(
            "The leak demo's models are not trained yet: `python -m core.pretrained train "
            "gpt_ablation_leak gpt_ablation_learned`."
        )
        return
    ml, mr = leak["metrics"], ref["metrics"]
    rows = {
        "": [
            "training loss (last minibatch)",
            "held-out, future visible (as trained)",
            "held-out on prefixes (as when generating)",
        ],
        "mask off (leak)": [ml["train_loss_last"], ml["nats_per_char"], ml["prefix_nats_per_char"]],
        "mask on": [mr["train_loss_last"], mr["nats_per_char"], mr["nats_per_char"]],
    }
    st.table(
        {
            k: v if k == "" else [f"{x:.3f} nats ({x / np.log(2):.2f} bits)" for x in v]
            for k, v in rows.items()
        }
    )
    g = leak["config"]["gpt"]
    st.caption(
        f"Both: the same small GPT ({g['n_layer']} layers × {g['n_head']} heads, d = "
        f"{g['n_embd']}, context {g['block_size']}, {leak['parameters']:,} parameters), "
        f"{leak['steps']:,} steps × batch {leak['config']['batch_size']}, seed {leak['seed']}; "
        f"held-out windows of {g['block_size'] + 1} characters. Uniform guessing is ln 96 = "
        f"{np.log(96):.3f} nats. Retrain: `python -m core.pretrained train gpt_ablation_leak "
        "gpt_ablation_learned`."
    )
    lean = ml["prefix_nats_per_char"] - ml["nats_per_char"]
    worse = ml["prefix_nats_per_char"] - mr["nats_per_char"]
    st.markdown(
        f"With the future visible the mask-off model scores {ml['nats_per_char']:.3f} nats/char; "
        f"on prefixes, as when generating, **{ml['prefix_nats_per_char']:.3f}**: it leans on "
        f"characters it will not have ({lean:+.3f} nats) and predicts {worse:+.3f} nats/char "
        f"{'worse' if worse > 0 else 'better'} than the same network trained with the mask. "
        f"After {leak['steps']:,} steps its last training loss is "
        f"{ml['train_loss_last']:.3f} against {mr['train_loss_last']:.3f} with the mask: "
        f"{'it has only begun to exploit the leak' if abs(lean) < 1 else 'the leak dominates'}."
    )
    ui.figure(_leak_figure(leak, ref), key="tf_mask_leak")
    c = st.columns(2)
    c[0].markdown("**Sample, mask off** (prompt `The `)")
    c[0].code(
        leak.get("sample_prompt", "") + leak.get("sample", ""), language=None, wrap_lines=True
    )
    c[1].markdown("**Sample, mask on**")
    c[1].code(ref.get("sample_prompt", "") + ref.get("sample", ""), language=None, wrap_lines=True)
