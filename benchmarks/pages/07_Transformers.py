"""§7.7 Transformers: rerun latency, the tiny GPT against the §4 LSTM, timing curves, KV cache."""

from __future__ import annotations

from benchmarks.harness import Interaction, Row, in_view

PAGE = "pages/07_Transformers.py"


def _in_view(view, key, kind, values):
    return in_view(
        "tf_view", view, lambda at, i: getattr(at, kind)(key=key).set_value(values[i % len(values)])
    )


INTERACTIONS = [
    Interaction(
        "step-through: layer",
        _in_view("Step through", "tf_st_layer", "selectbox", [2, 3]),
    ),
    Interaction(
        "step-through: mask",
        _in_view("Step through", "tf_st_mask", "selectbox", ["strict", "causal"]),
    ),
    Interaction("generate: temperature", _in_view("Generate", "tf_gen_T", "slider", [0.7, 0.9])),
    Interaction(
        "generate: Generate (cached after the first)",
        in_view("tf_view", "Generate", lambda at, i: at.button(key="tf_gen_go").click()),
    ),
    Interaction("why √d: d", _in_view("Why √d", "tf_sd_d", "select_slider", [32, 128])),
    Interaction(
        "recurrence: n of the gradient path",
        _in_view("Attention vs RNN", "tf_rec_n", "select_slider", [64, 128]),
    ),
]


def extra() -> list[Row]:
    import torch

    from core.data.text import encode
    from core.pretrained import load
    from core.transformer.analysis import matched_pair, time_forward, time_sampling
    from core.transformer.char_lm import held_out_loss
    from ui.transformer.common import lstm_manifest

    torch.set_num_threads(1)
    rows: list[Row] = []
    model, m = load("gpt_char")
    ho = held_out_loss(model)
    rows.append(
        Row(
            "tiny GPT held-out",
            ho["bits_per_char"],
            "bits/char",
            "",
            None,
            f"{m['parameters']:,} parameters, {m['steps']:,} steps",
        )
    )
    lstm = lstm_manifest()
    if lstm is not None:
        rows.append(
            Row(
                "§4 char LSTM held-out (its manifest)",
                lstm["metrics"]["bits_per_char"],
                "bits/char",
                "",
                None,
                f"{lstm['parameters']:,} parameters",
            )
        )
    att, rnn = matched_pair()
    ns = (64, 256, 1024)
    for name, net in (("attention, 4 blocks", att), ("LSTM, 2 layers", rnn)):
        for n, t in zip(ns, time_forward(net, ns, repeats=5), strict=True):
            rows.append(
                Row(
                    f"forward pass n = {n}, {name}",
                    t * 1e3,
                    "ms",
                    "",
                    None,
                    "median of 5, one thread, random (1, n, 64) input",
                )
            )
    p = encode("The ")
    t0 = time_sampling(model, p, 100, use_cache=False)
    t1 = time_sampling(model, p, 100, use_cache=True)
    rows.append(Row("sample 100 characters, no KV cache", t0 * 1e3, "ms", "", None, ""))
    rows.append(Row("sample 100 characters, KV cache", t1 * 1e3, "ms", "< no cache", t1 < t0, ""))
    return rows


NOTES = """
The tiny GPT and the §4 LSTM are scored by the same protocol on the same held-out text
(`core.data.text`): consecutive non-overlapping windows of 129 characters, 128 inputs → 128
targets each. Rebuild with `python -m core.pretrained train gpt_char`.
"""

# ---------------------------------------------------------------- browser (benchmarks/browser.py)
BROWSER_VIEWS = [
    "?tf_view=Step+through",
    "?tf_view=Generate",
    "?tf_view=Why+%E2%88%9Ad",
    "?tf_view=Attention+vs+RNN",
]
BROWSER_LIVE = ["?tf_view=Live+training"]
BROWSER_SCRUB: list[str] = []


def raw_steps_per_s(query: str) -> float:
    """The live view's default stepper in a plain loop for ~2 s, one torch thread."""
    import time

    import torch

    from core.transformer.char_lm import CharLMStepper
    from ui.transformer.live import live_config

    torch.set_num_threads(1)
    s = CharLMStepper(live_config(), seed=0)
    s.step(2)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        s.step(1)
        n += 1
    return n / (time.perf_counter() - t0)
