"""Attention vs recurrence, measured: the tiny GPT against the §4 LSTM in bits/char, time per
forward pass against n, the gradient path from the last output to input k, and sampling with
and without the key–value cache."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.data.text import encode
from core.transformer import figures as tf
from core.transformer.analysis import (
    gradient_vs_distance,
    matched_pair,
    time_forward,
    time_sampling,
)
from ui.transformer.common import load, lstm_manifest, manifest

NS = (16, 32, 64, 128, 256, 512, 1024)
TRIALS = 2  # random inputs averaged in the gradient-path curve


@st.cache_resource(show_spinner=False)
def pair():
    att, lstm = matched_pair()
    n = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    return att, lstm, n(att), n(lstm), lstm.lstm.hidden_size


@st.cache_resource(show_spinner=False)
def timings(_bar=None) -> dict:
    att, lstm, *_ = pair()
    t_att = time_forward(att, NS, progress=(lambda f: _bar.progress(f / 2)) if _bar else None)
    t_lstm = time_forward(
        lstm, NS, progress=(lambda f: _bar.progress(0.5 + f / 2)) if _bar else None
    )
    return {"attention": t_att, "lstm": t_lstm}


@st.cache_resource(show_spinner="Back-propagating…")
def gradients(n: int) -> dict:
    att, lstm, *_ = pair()
    return {
        k: gradient_vs_distance(m, n, trials=TRIALS)
        for k, m in (("attention", att), ("lstm", lstm))
    }


def _seen(m: dict) -> int | None:
    """Training characters a manifest's run saw: steps x batch x 128 (its own record first)."""
    if "characters_seen" in m:
        return int(m["characters_seen"])
    cfg = m.get("config", {})
    window = cfg.get("seq_len") or cfg.get("gpt", {}).get("block_size")
    batch = cfg.get("batch_size")
    return m["steps"] * batch * window if batch and window else None


def comparison_table() -> None:
    """The tiny GPT against the char LSTM at equal parameters, at equal data and at the §4 run."""
    g, pair, r = manifest("gpt_char"), manifest("gpt_pair_lstm"), lstm_manifest()
    rows = {"model": [], "parameters": [], "training characters": [], "held-out bits/char": [],
            "nats/char": [], "steps × batch": []}  # fmt: skip
    models = (
        ("tiny GPT (§7.7)", g),
        ("char LSTM (§4), the GPT's budget", pair),
        ("char LSTM (§4), as shipped", r),
    )
    for label, m in models:
        if m is pair and pair is None:
            continue  # the equal-data LSTM is optional: the table says each budget anyway
        rows["model"].append(label)
        if m is None:
            for k in list(rows)[1:]:
                rows[k].append("not trained yet")
            continue
        seen = _seen(m)
        rows["parameters"].append(f"{m['parameters']:,}")
        rows["training characters"].append(f"{seen:,}" if seen else "?")
        rows["held-out bits/char"].append(f"{m['metrics']['bits_per_char']:.3f}")
        rows["nats/char"].append(f"{m['metrics']['nats_per_char']:.3f}")
        rows["steps × batch"].append(f"{m['steps']:,} × {m['config'].get('batch_size', '?')}")
    st.table(rows)
    if g and pair and _seen(g) == _seen(pair):
        gap = pair["metrics"]["bits_per_char"] - g["metrics"]["bits_per_char"]
        st.markdown(
            f"**At equal data** ({_seen(g):,} characters each) and about equal size, the GPT "
            f"predicts the held-out text **{abs(gap):.3f} bits/char "
            f"{'better' if gap > 0 else 'worse'}** than the LSTM."
        )
    elif g and r and _seen(g) and _seen(r) and _seen(g) != _seen(r):
        st.markdown(
            f"**Not at equal data:** the GPT saw {_seen(g):,} training characters, the LSTM "
            f"{_seen(r):,} ({_seen(r) / _seen(g):.1f}×), so these bits/char compare the two at "
            "about equal parameters only."
        )
    st.caption(
        "Same corpus, same split, same protocol: the held-out text in consecutive "
        "windows of 129 characters, 128 inputs → 128 targets each (the LSTM from a zero "
        "state per window). Training characters = steps × batch × 128. Each model keeps its "
        "own optimiser recipe (AdamW, lr 3·10⁻³, 100 warm-up steps, cosine to 10 %). "
        "Uniform guessing: log₂ 96 = 6.585 bits/char."
    )


@st.fragment
def view(ctx) -> None:
    st.subheader("Attention vs recurrence, measured")
    ui.prose(
        "Self-attention costs O(n²d) per layer but all n positions are computed at once, and "
        "every output is one step away from every input (maximum path length O(1)). An RNN "
        "costs O(n d²) but in n sequential steps, and the gradient from the last output to "
        "input k passes through n − k steps."
    )
    comparison_table()
    att, lstm, n_att, n_lstm, hidden = pair()
    st.markdown(
        f"**At initialisation, matched size:** the GPT's 4 attention blocks (d = 64, "
        f"{n_att:,} parameters) against `torch.nn.LSTM` with 2 layers of {hidden} units "
        f"({n_lstm:,} parameters), on random inputs (1, n, 64)."
    )
    c = st.columns(2)
    with c[0]:
        if st.button(
            "Measure the time per forward pass", key="tf_rec_time_go", icon=":material/timer:"
        ):
            st.session_state["tf_rec_time_on"] = True
        if st.session_state.get("tf_rec_time_on"):
            bar = st.progress(0.0, "timing one forward pass per n…")
            t = timings(bar)
            bar.empty()
            ui.figure(
                tf.lines(
                    NS,
                    {
                        "attention (4 blocks)": t["attention"] * 1e3,
                        "LSTM (2 layers)": t["lstm"] * 1e3,
                    },
                    title="time per forward pass (median of 3, this server)",
                    xtitle="sequence length n",
                    ytitle="ms",
                    log_x=True,
                    log_y=True,
                ),
                key="tf_rec_time",
            )
            g_att = t["attention"][-1] / t["attention"][-3]  # n = 256 -> 1024: 4x longer
            g_lstm = t["lstm"][-1] / t["lstm"][-3]
            st.caption(
                f"From n = 256 to 1024 (4× longer) attention took {g_att:.1f}× as long (its n² "
                f"term takes over), the LSTM {g_lstm:.1f}× (linear in n). On a CPU with one "
                "or two threads the parallel positions buy little, so torch's fused LSTM can "
                "be faster at every n here; attention's parallelism pays on a GPU. Measured "
                "once per server process: other work on the machine shows up in the figures."
            )
        else:
            st.caption("Times both on inputs of n = 16 … 1024 (a few seconds, once per server).")
    with c[1]:
        gradient_path()
    kv_cache(ctx)


@st.fragment
def gradient_path() -> None:
    """‖∂y_n/∂x_k‖ against the distance (its own fragment: the n slider redraws only this)."""
    n = int(ui.url_select_slider("n for the gradient path", "tf_rec_n", [32, 64, 128, 256], 128))
    gr = gradients(n)
    dist = np.arange(n)[::-1]  # input k = 1..n is n - k steps from the last output
    ui.figure(
        tf.lines(
            dist,
            {"attention": gr["attention"], "LSTM": gr["lstm"]},
            title="‖∂y_n/∂x_k‖ against the distance n − k",
            xtitle="n − k",
            ytitle="gradient norm",
            log_y=True,
            markers=False,
        ),
        key="tf_rec_grad",
    )
    g_far = (gr["attention"][0], gr["lstm"][0])
    st.caption(
        f"The input farthest away (distance {n - 1}): gradient {g_far[0]:.2e} through "
        f"attention, {g_far[1]:.2e} through the LSTM."
    )


@st.fragment
def kv_cache(ctx) -> None:
    """Sampling timed with and without the key–value cache (its own fragment)."""
    st.markdown("#### Sampling with and without the key–value cache")
    model = load(device=str(ctx.device))
    if model is None:
        return
    n_new = int(ui.url_select_slider("characters to sample", "tf_rec_kv_n", [50, 100, 120], 100))
    if st.button("Time both", key="tf_rec_kv", icon=":material/timer:"):
        with st.spinner("Sampling twice…"):
            prompt = encode("The ")
            st.session_state["tf_rec_kv_res"] = (
                n_new,
                time_sampling(model, prompt, n_new, use_cache=False, seed=ctx.seed),
                time_sampling(model, prompt, n_new, use_cache=True, seed=ctx.seed),
            )
    res = st.session_state.get("tf_rec_kv_res")
    if res:
        k, t0, t1 = res
        c = st.columns(3)
        c[0].metric(f"{k} characters, no cache", f"{t0 * 1e3:.0f} ms")
        c[1].metric("with the KV cache", f"{t1 * 1e3:.0f} ms")
        c[2].metric("speed-up", f"{t0 / t1:.2f}×")
        st.caption(
            "Without the cache every new character re-runs all positions of the context; "
            "with it, one position against the stored keys and values. At 200k "
            "parameters Python's per-call overhead is a large share of both; the "
            "tokens are the same (a unit test checks it token for token)."
        )
