"""The pretrained char-level LSTM (§4.2): temperature sampling with a seed, the top-5 next
characters, text coloured by one cell (LSTMVis style) and the held-out loss against ln V."""

from __future__ import annotations

import html
import math

import numpy as np
import streamlit as st

import ui
from core.rnn import charlm
from ui.rnn import lstmvis

MAX_PROMPT = 400
GATES = {"c": "cell c", "h": "output h", "f": "forget gate f", "i": "input gate i",
         "o": "output gate o"}  # fmt: skip


@st.cache_resource(show_spinner="Loading the char LSTM…")
def fast_cell(device: str) -> tuple[charlm.FastCell, dict] | None:
    got = ui.pretrained(charlm.CHAR_LSTM_NAME, "cpu")
    if got is None:
        return None
    model, manifest = got
    return charlm.FastCell(model), manifest


@st.cache_data(max_entries=64, show_spinner=False)
def sampled(prompt: str, n: int, temperature: float, seed: int) -> dict:
    got = fast_cell("cpu")
    return charlm.sample(got[0], prompt, n, temperature, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def traced(text: str) -> dict:
    return charlm.trace(fast_cell("cpu")[0], text)


@st.cache_data(show_spinner="Measuring the held-out loss (239 windows)…")
def held_out_now() -> dict:
    model, _ = ui.pretrained(charlm.CHAR_LSTM_NAME, "cpu")
    return charlm.held_out_loss(model)


def coloured_html(text: str, values: np.ndarray, tips: list[str] | None = None) -> str:
    """Each character on a background from blue (−1) through white to red (+1)."""
    spans = []
    lim = float(np.abs(values).max()) or 1.0
    for j, (ch, v) in enumerate(zip(text, values, strict=True)):
        a = float(np.clip(v / lim, -1, 1))
        rgb = (214, 96, 77) if a > 0 else (67, 147, 195)
        bg = f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{abs(a):.2f})"
        title = html.escape(tips[j], quote=True) if tips else f"{v:+.2f}"
        shown = "⏎<br>" if ch == "\n" else html.escape(ch).replace(" ", "&nbsp;")
        spans.append(f'<span style="background:{bg}" title="{title}">{shown}</span>')
    return ('<div style="font-family:monospace;font-size:1.05rem;line-height:1.7;'
            'word-break:break-all">' + "".join(spans) + "</div>")  # fmt: skip


@st.fragment
def view(ctx) -> None:
    st.subheader("A character-level LSTM trained on Python's documentation")
    got = fast_cell("cpu")
    if got is None:
        return
    cell, manifest = got
    met = manifest["metrics"]
    m = st.columns(4)
    m[0].metric(
        "held-out loss",
        f"{met['nats_per_char']:.3f} nats/char",
        f"{met['nats_per_char'] - met['ln_V']:.2f} vs ln V",
        delta_color="inverse",
    )
    m[1].metric("bits per character", f"{met['bits_per_char']:.3f}")
    m[2].metric(f"perplexity (of V = {len(charlm.VOCAB)})", f"{met['perplexity']:.2f}")
    m[3].metric("untrained baseline ln V", f"{met['ln_V']:.3f} nats/char")  # fmt: skip
    st.caption(
        f"{manifest['parameters']:,} parameters · {manifest['steps']:,} steps · held-out text: "
        f"{int(met['windows'])} windows of 128 characters, each from a fresh state "
        "(the protocol shared with the §7.7 tiny GPT)."
    )
    c = st.columns([3, 1, 1, 1])
    with c[0]:
        prompt = st.text_input("prompt", value="The ", max_chars=MAX_PROMPT, key="rnn_lm_prompt")
    with c[1]:
        temp = ui.url_slider("temperature", "rnn_lm_temp", 0.0, 2.0, 0.8, step=0.05)
    with c[2]:
        seed = ui.url_number("seed", "rnn_lm_seed", 0, 2**31 - 1, ctx.seed, step=1)
    with c[3]:
        n = ui.url_slider("characters", "rnn_lm_n", 50, 1000, 500, step=50)
    _, unknown = charlm.normalise(prompt)
    if not prompt:
        st.info("Empty prompt: sampling starts after a newline.")
    if unknown:
        st.warning("The vocabulary has no " + ", ".join(repr(u) for u in unknown)
                   + ": shown to the model as '?'.")  # fmt: skip
    if temp == 0:
        st.info("Temperature 0 is greedy decoding (argmax): no randomness, the seed is unused, "
                "and the text tends to loop.")  # fmt: skip
    s = sampled(prompt, int(n), float(temp), int(seed))
    inspect(prompt, s, float(temp))


@st.fragment
def inspect(prompt: str, s: dict, temp: float) -> None:
    """Colour by a unit, and the top-5 at a chosen position: reruns only this part."""
    norm, _ = charlm.normalise(prompt or "\n")
    text = norm + s["text"]
    tr = traced(text)
    c = st.columns([1, 1, 2])
    with c[0]:
        gate = ui.url_selectbox("colour by", "rnn_lm_gate", list(GATES), "c",
                                format_func=GATES.get)  # fmt: skip
    with c[1]:
        unit = ui.url_number("unit", "rnn_lm_unit", 0, cell_d(tr) - 1, 0, step=1)
    with c[2]:
        pos = ui.url_slider("top-5 after character #", "rnn_lm_pos", 1, len(s["text"]), 1)
    vals = tr[gate][:, int(unit)]
    if gate in ("f", "i", "o"):
        vals = vals - 0.5  # gates live in [0, 1]: centre at ½ for the two-sided colours
    tips = [f"{gate}[{int(unit)}] = {tr[gate][j, int(unit)]:+.3f}" for j in range(len(text))]
    st.html(coloured_html(text, vals, tips))
    st.caption(
        f"Prompt ({len(norm)} characters) then {len(s['text'])} sampled characters, coloured by "
        f"{GATES[gate]} of unit {int(unit)} (red +, blue −; hover for values). Try units whose "
        "colour tracks quotes, brackets or line starts."
    )
    j = min(int(pos), len(s["text"])) - 1
    best = charlm.top5(s["logits"][j], temp if temp > 0 else 1.0)
    context = (norm + s["text"])[max(0, len(norm) + j - 30) : len(norm) + j]
    how = f"temperature {temp:g}" if temp > 0 else "temperature 1; greedy takes the first"
    st.markdown(f"**Next-character probabilities** after …{context!r} ({how})")
    st.table({"next character": [repr(ch) for ch, _ in best],
              "probability": [f"{p:.3f}" for _, p in best]})  # fmt: skip
    st.caption(f"It drew {s['text'][j]!r}.")
    lstmvis.view(text, tr)
    checks_block(tr)


def cell_d(tr: dict) -> int:
    return int(tr["c"].shape[1])


@st.fragment
def checks_block(tr: dict) -> None:
    checks = []
    _, manifest = fast_cell("cpu")
    if st.checkbox("Re-measure the held-out loss now (≈2 s)", key="rnn_lm_remeasure"):
        now = held_out_now()
        checks.append(ui.Check("held-out nats/char now − manifest", abs(now["nats_per_char"]
                               - manifest["metrics"]["nats_per_char"]), 1e-4,
                               f"{now['nats_per_char']:.4f} nats/char"))  # fmt: skip
    untrained = manifest["metrics"].get("untrained_nats_per_char", math.nan)
    checks.append(
        ui.Check(
            "untrained model's held-out loss − ln V",
            abs(untrained - math.log(96)),
            0.05,
            f"{untrained:.4f} vs ln 96 = {math.log(96):.4f} (manifest)",
        )
    )
    checks.append(
        ui.Check(
            "probabilities sum to 1 at every position (max |Σp − 1|)",
            float(np.abs(tr["probs"].sum(1) - 1).max()),
            1e-9,
            "softmax",
        )
    )
    ui.show_checks(checks)  # fmt: skip
