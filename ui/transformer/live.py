"""Live view: a smaller GPT learning the corpus in front of you (``ui.live_training``).

Each frame: the training-loss curve and the attention of one head on a fixed probe line, so the
heads can be seen to organise (first a smear, then "look at the previous character").
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import streamlit as st
import torch

import ui
from core.data.text import decode, encode
from core.transformer import figures as tf
from core.transformer.char_lm import CharLMConfig, CharLMStepper
from core.transformer.gpt import GPTConfig
from core.transformer.sampling import generate

PROBE = "for item in items:\n    print(item)"
LRS = [3e-4, 1e-3, 3e-3, 1e-2]
MAX_STEPS = 3000
CURVE_POINTS = 300  # the loss curve of a frame is thinned to about this many points
FRAMES_PER_TICK, FRAME_MS = 8, 80  # 12.5 frames/s drawn while the server trains the next tick


def live_config(lr: float = 3e-3, n_layer: int = 2) -> CharLMConfig:
    """2 layers × 2 heads, d = 32, context 64: ~27k parameters, fast enough to watch."""
    gpt = GPTConfig(block_size=64, n_layer=int(n_layer), n_head=2, n_embd=32)
    return CharLMConfig(
        gpt=gpt, steps=MAX_STEPS, batch_size=16, lr=float(lr), warmup=50, eval_every=0
    )


def _smooth(y: list[float], k: int = 20) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if len(y) < 2:
        return y
    c = np.cumsum(np.insert(y, 0, 0.0))
    k = min(k, len(y))
    out = (c[k:] - c[:-k]) / k
    return np.concatenate([y[: k - 1], out]) if k > 1 else out


def snapshot(stepper: CharLMStepper) -> dict:
    """Loss curve (left) and the last layer's head 1 on the probe line (right): one dict."""
    m = stepper.model
    with torch.inference_mode():
        m.eval()
        _, attns = m(torch.as_tensor(encode(PROBE))[None], return_attn=True)
    A = attns[-1][0, 0].double().numpy().round(3)  # 3 decimals: shorter JSON per frame
    lab = tf.labels(PROBE)
    losses = stepper.losses[-1500:]
    x0 = len(stepper.losses) - len(losses)
    every = max(1, len(losses) // CURVE_POINTS)  # a light frame: at most ~300 points drawn
    y = _smooth(losses)[::-1][::every][::-1]  # every k-th point, always ending at the last step
    xs = np.arange(x0 + 1, x0 + len(losses) + 1)[::-1][::every][::-1]
    heat = tf.heatmap_grid(
        [{"z": A, "x": lab, "y": lab, "zmax": 1.0, "title": "last layer, head 1, on a probe line"}],
        ncols=1,
        height=420,
    )
    heat["data"][0]["xaxis"], heat["data"][0]["yaxis"] = "x2", "y2"
    lay = heat["layout"]
    lay["xaxis2"] = {**lay.pop("xaxis"), "domain": [0.55, 1.0], "anchor": "y2"}
    lay["yaxis2"] = {**lay.pop("yaxis"), "domain": [0.0, 0.9], "anchor": "x2"}
    lay["annotations"][0].update(x=0.775, y=0.9)
    lay["xaxis"] = {"domain": [0.0, 0.45], "anchor": "y", "title": {"text": "step"}}
    lay["yaxis"] = {
        "domain": [0.0, 0.9],
        "anchor": "x",
        "title": {"text": "nats/char"},
        "range": [0.8, 4.8],
    }
    curve = {
        "type": "scatter",
        "mode": "lines",
        "x": xs.tolist(),
        "y": np.round(y, 4).tolist(),
        "name": "training loss (mean of 20)",
        "line": {"color": tf.LINE_COLOURS[0]},
    }
    base = {
        "type": "scatter",
        "mode": "lines",
        "x": [1, max(2, x0 + len(losses))],
        "y": [math.log(96)] * 2,
        "name": "ln 96",
        "line": {"dash": "dot", "color": "gray"},
    }
    lay["showlegend"] = False
    lay["title"] = {"text": "tiny GPT training"}
    return {"data": [curve, base, heat["data"][0]], "layout": lay}


@st.fragment
def view(ctx) -> None:
    st.subheader("Live: train a smaller GPT here")
    row = st.container(horizontal=True)
    buttons = row.container(horizontal=True, width="content")
    with row.popover("Training settings", icon=":material/tune:"):
        lr = ui.url_select_slider("learning rate", "tf_live_lr", LRS, 3e-3)
        n_layer = ui.url_selectbox("layers", "tf_live_L", [1, 2, 3], 2)
    cfg = live_config(lr, n_layer)
    if lr >= 1e-2:
        st.warning(
            "A learning rate of 0.01 is high for Adam on this model: expect a noisy, "
            "possibly diverging loss (the run pauses itself on NaN)."
        )

    def render(stepper: CharLMStepper, metrics: dict) -> None:
        s = st.session_state.get("tf_live")
        if metrics:
            st.caption(
                f"step {stepper.steps_done:,} · training loss {metrics['loss']:.3f} "
                f"nats/char ({metrics['loss'] / math.log(2):.2f} bits) · "
                f"{dataclasses.asdict(cfg.gpt)['n_layer']} layers, "
                f"{sum(p.numel() for p in stepper.model.parameters()):,} parameters"
            )
        if getattr(s, "playing", False) or stepper.steps_done == 0:
            return
        ids, _ = generate(stepper.model, encode("The "), 80, temperature=0.8, seed=ctx.seed)
        st.code("The " + decode(ids), language=None, wrap_lines=True)

    ui.live_training(
        "tf_live",
        lambda: CharLMStepper(cfg, seed=ctx.seed, device="cpu"),
        signature=(cfg, ctx.seed),
        render=render,
        steps_per_click=20,
        chunk=1,
        max_steps=MAX_STEPS,
        snapshot=snapshot,
        frames_per_tick=FRAMES_PER_TICK,
        frame_ms=FRAME_MS,
        tick_budget_s=0.5,
        figure_height=440,
        controls=buttons,
    )
    ui.prose(
        "**What to notice.** The loss falls fast from ln 96 = 4.56 to about 3 (character "
        "frequencies), then slowly as the heads learn to use context. Pause to see a sample: "
        "first spaces and vowels, then words. The head on the right often turns into a "
        '"previous character" detector (a line just below the diagonal).'
    )
