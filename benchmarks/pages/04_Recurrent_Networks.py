"""§4 Recurrent Networks: rerun latency per control, sampling 500 characters, one live tick's
stepper throughput, and the measured figures (char LSTM bits/char, recall success vs lag)."""

from __future__ import annotations

import time

from benchmarks.harness import Interaction, Row, in_view
from core.timing import median_ms

PAGE = "pages/04_Recurrent_Networks.py"


def _in_view(view, key, kind, values):
    return in_view(
        "rnn_view",
        view,
        lambda at, i: getattr(at, kind)(key=key).set_value(values[i % len(values)]),
    )


INTERACTIONS = [
    Interaction("BPTT: loss term t", _in_view("BPTT step-through", "rnn_bptt_t", "slider", [3, 5])),
    Interaction(
        "BPTT: W_h scale", _in_view("BPTT step-through", "rnn_bptt_scale", "slider", [0.5, 2.0])
    ),
    Interaction("spectrum: ρ", _in_view("Spectrum lab", "rnn_sp_rho", "slider", [0.8, 1.1])),
    Interaction(
        "spectrum: matrix kind",
        _in_view("Spectrum lab", "rnn_sp_kind", "selectbox", ["random", "non_normal"]),
    ),
    Interaction(
        "LSTM: forget bias", _in_view("Leaky unit & LSTM", "rnn_g_bf", "slider", [2.0, 0.0])
    ),
    Interaction("leaky: α", _in_view("Leaky unit & LSTM", "rnn_g_alpha", "slider", [0.5, 0.95])),
    Interaction(
        "clipping: threshold k",
        _in_view("Gradient clipping", "rnn_cl_k", "select_slider", [0.3, 3.0]),
    ),
    Interaction(
        "char LSTM: temperature",
        _in_view("Char-level LSTM", "rnn_lm_temp", "slider", [0.5, 1.0]),
    ),
    Interaction(
        "char LSTM: unit", _in_view("Char-level LSTM", "rnn_lm_unit", "number_input", [3, 7])
    ),
]


def extra() -> list[Row]:
    import torch

    from core.pretrained import PretrainedError, load
    from core.rnn import charlm
    from core.rnn.memory import load_curve

    torch.set_num_threads(1)
    rows: list[Row] = []
    try:
        model, manifest = load(charlm.CHAR_LSTM_NAME)
    except PretrainedError as e:
        return [Row("char LSTM", float("nan"), "", "", False, str(e))]
    cell = charlm.FastCell(model)
    seeds = iter(range(10_000))
    ms = median_ms(lambda: charlm.sample(cell, "The ", 500, 0.8, next(seeds)), 10)
    rows.append(Row("sample 500 characters (T = 0.8)", ms, "ms", "≤ 200 ms", ms <= 200,
                    "median of 10 seeds, numpy cell, one thread"))  # fmt: skip
    m = manifest["metrics"]
    rows.append(
        Row(
            "char LSTM held-out bits/char",
            m["bits_per_char"],
            "bits/char",
            "",
            None,
            f"{m['nats_per_char']:.3f} nats/char, perplexity {m['perplexity']:.2f}, "
            f"ln V = {m['ln_V']:.3f} nats; {manifest['parameters']:,} parameters",
        )
    )
    try:
        curve = load_curve()
    except FileNotFoundError:
        return rows
    for name in ("elman", "lstm"):
        accs = curve["accuracy"][name]
        ok = [int(lag) for lag in curve["lags"] if min(accs[str(lag)]) >= curve["success"]]
        rows.append(Row(f"recall task: longest lag every seed solves, {name}",
                        max(ok) if ok else 0, "steps", "", None,
                        "accuracy per lag (mean over seeds): " + ", ".join(
                            f"{lag}: {sum(accs[str(lag)]) / len(accs[str(lag)]):.2f}"
                            for lag in curve["lags"])))  # fmt: skip
    return rows


NOTES = """
Sampling uses `core.rnn.charlm.FastCell` (the trained weights as float32 numpy, the input side
tabulated per character). The recall curve is precomputed by `python -m core.rnn.memory` and
shipped as `pretrained/rnn_memory_curve.json`; the page's live view trains the same models.
"""

# ---------------------------------------------------------------- browser (benchmarks/browser.py)
BROWSER_VIEWS = [
    "?rnn_view=BPTT+step-through",
    "?rnn_view=Spectrum+lab",
    "?rnn_view=Leaky+unit+%26+LSTM",
    "?rnn_view=Gradient+clipping",
    "?rnn_view=Char-level+LSTM",
    "?rnn_view=Long-range+memory",
]
BROWSER_LIVE = ["?rnn_view=Long-range+memory"]
BROWSER_SCRUB = ["?rnn_view=BPTT+step-through"]
_SLIDER = "[data-testid=stMain] [data-testid=stSlider] input[type=range]"
_PLAYER = "[data-testid=stMain] .mp-player .js-plotly-plot"
# what each view shows once drawn (the benchmark waits for it: on a loaded machine a view was
# still rendering when the script read idle, and its sliders or Play button were missed)
BROWSER_READY = {
    "?rnn_view=BPTT+step-through": [_SLIDER, _PLAYER],
    "?rnn_view=Spectrum+lab": [_SLIDER],
    "?rnn_view=Leaky+unit+%26+LSTM": [_SLIDER],
    "?rnn_view=Gradient+clipping": [_SLIDER],
    "?rnn_view=Char-level+LSTM": [_SLIDER, "[data-testid=stMain] [data-testid=stTable]"],
    "?rnn_view=Long-range+memory": ["[data-testid=stMain] button:has-text('Play')", _PLAYER],
}


def raw_steps_per_s(query: str) -> float:
    """The live view's stepper (PairTrainer, default lag 16) in a plain loop for ~2 s, in the
    page's chunks of 5 steps, one torch thread as the server uses."""
    import torch

    from core.rnn.memory import MemoryConfig, PairTrainer

    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        tr = PairTrainer(MemoryConfig(lag=16), seed=0)
        tr.step(5)
        t0, n = time.perf_counter(), 0
        while time.perf_counter() - t0 < 2.0:
            tr.step(5)
            n += 5
        return n / (time.perf_counter() - t0)
    finally:
        torch.set_num_threads(n_threads)
