"""§1 Backpropagation page: rerun latency per control, live-tick cost, training throughput."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks.harness import Interaction, Row, in_view

PAGE = "pages/01_Backpropagation.py"
ROOT = Path(__file__).resolve().parent.parent.parent
VIEWS = [
    "Playground",
    "Backprop step-through",
    "Perceptron (§1.1)",
    "Universal approximation (§1.5)",
]


# benchmarks/browser.py: deep links whose main-area sliders are timed, the ▶ views, and the raw
# rate of the live view's default stepper (XOR, 4-4 tanh, batch 10, step(25) chunks)
BROWSER_VIEWS = [
    "?bp_view=Backprop+step-through",
    "?bp_view=Perceptron+%28%C2%A71.1%29",
    "?bp_view=Universal+approximation+%28%C2%A71.5%29",
]
BROWSER_LIVE = ["?bp_view=Playground", "?bp_view=Perceptron+%28%C2%A71.1%29"]


def raw_steps_per_s(query: str) -> float:
    """The live view's default stepper in a plain loop for ~2 s (one torch thread)."""
    import torch

    torch.set_num_threads(1)
    if "Perceptron" in query:  # a replay paced on purpose (~60 frames per run): no raw rate
        return float("nan")
    from core.backprop.datasets import make_dataset
    from core.backprop.trainer import BackpropTrainer, TrainConfig

    tr = BackpropTrainer(TrainConfig(hidden=(4, 4)), make_dataset("xor", 300, 0.1, 0, 0.5))
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        tr.step(25)
    return tr.steps_done / (time.perf_counter() - t0)


def _in_view(view: str, set_control):
    return in_view("bp_view", view, set_control)


INTERACTIONS = [
    Interaction(
        "playground: show test data",
        _in_view(VIEWS[0], lambda at, i: at.toggle(key="bp_show_test").set_value(i % 2 == 1)),
    ),
    Interaction(
        "playground: discretise output",
        _in_view(VIEWS[0], lambda at, i: at.toggle(key="bp_discrete").set_value(i % 2 == 0)),
    ),
    Interaction(
        "playground: detail view",
        _in_view(
            VIEWS[0],
            lambda at, i: at.radio(key="bp_detail").set_value(
                ["hidden neurons", "gradient norms", "confusion matrix"][i % 3]
            ),
        ),
    ),
    Interaction(
        "playground: learning rate (new network)",
        _in_view(
            VIEWS[0], lambda at, i: at.select_slider(key="bp_lr").set_value([0.01, 0.03][i % 2])
        ),
    ),
    Interaction(
        "playground: dataset (new data + network)",
        _in_view(
            VIEWS[0], lambda at, i: at.selectbox(key="bp_data").set_value(["circles", "xor"][i % 2])
        ),
    ),
    Interaction(
        "step-through: stage slider",
        _in_view(VIEWS[1], lambda at, i: at.slider(key="bp_stage").set_value([2, 6][i % 2])),
    ),
    Interaction(
        "step-through: training point",
        _in_view(VIEWS[1], lambda at, i: at.slider(key="bp_point").set_value([3, 9][i % 2])),
    ),
    Interaction(
        "perceptron: points",
        _in_view(VIEWS[2], lambda at, i: at.slider(key="bp_pc_n").set_value([40, 60][i % 2])),
    ),
    Interaction(
        "perceptron: data set",
        _in_view(
            VIEWS[2],
            lambda at, i: at.radio(key="bp_pc_data").set_value(["xor", "separable"][i % 2]),
        ),
    ),
    Interaction(
        "universal: hidden units n",
        _in_view(VIEWS[3], lambda at, i: at.slider(key="bp_ua_n").set_value([16, 8][i % 2])),
    ),
    Interaction(
        "universal: target",
        _in_view(
            VIEWS[3],
            lambda at, i: at.selectbox(key="bp_ua_target").set_value(
                ["gaussian_bump", "sin"][i % 2]
            ),
        ),
    ),
]

_BARE_SCRIPT = """
import time
import streamlit as st
from core.backprop.datasets import make_dataset
from core.backprop.trainer import BackpropTrainer, TrainConfig
tr = BackpropTrainer(TrainConfig(hidden={hidden!r}), make_dataset({dataset!r}, 300, 0.1, 0, 0.5))
t0 = time.perf_counter()
while time.perf_counter() - t0 < {seconds}:
    tr.step(25)
st.session_state["rate"] = tr.steps_done / (time.perf_counter() - t0)
"""
ROUNDS, TICKS_PER_ROUND = 4, 4


def _throughput(dataset: str, hidden: int) -> dict:
    """Interleave, ROUNDS times: TICKS_PER_ROUND playing ticks of the page (AppTest; training
    time from LiveState.seconds, redraw time as the page records it), then 1 s of the bare
    stepper on the same data and net in a Streamlit script thread like the page's. Medians
    over rounds damp the shared machine's load swings."""
    import tempfile

    from streamlit.testing.v1 import AppTest

    page = AppTest.from_file(str(ROOT / PAGE), default_timeout=600)
    page.run()
    page.selectbox(key="bp_data").set_value(dataset).run()
    page.slider(key="bp_layers").set_value(hidden).run()
    widths = page.session_state["bp_live"].stepper.cfg.hidden  # what the page trains
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(_BARE_SCRIPT.format(hidden=widths, dataset=dataset, seconds=1.0))
    bare_app = AppTest.from_file(f.name, default_timeout=600)
    bare_app.run()  # imports
    page.button(key="bp_live_play").click().run()  # this run already contains one tick
    ticks, ui_rates, bare_rates = [], [], []
    for _ in range(ROUNDS):
        steps = secs = 0.0
        for _ in range(TICKS_PER_ROUND):
            live = page.session_state["bp_live"]
            steps0, secs0 = live.stepper.steps_done, live.seconds
            page.run()  # a playing run = one tick
            live = page.session_state["bp_live"]
            n, train = live.stepper.steps_done - steps0, live.seconds - secs0
            render = page.session_state["_bp_render_s"]
            ticks.append((n, train, render))
            steps += n
            secs += max(0.2, train + render)  # the fragment's run_every is 0.2 s
        ui_rates.append(steps / secs)
        bare_app.run()
        bare_rates.append(float(bare_app.session_state["rate"]))
    Path(f.name).unlink()
    return dict(
        widths=widths,
        ticks=ticks,
        ui=statistics.median(ui_rates),
        bare=statistics.median(bare_rates),
        ui_all=ui_rates,
        bare_all=bare_rates,
    )


def extra() -> list[Row]:
    out: list[Row] = []
    for dataset, hidden in (("xor", 2), ("spiral", 6)):
        r = _throughput(dataset, hidden)
        train = statistics.median(t for _, t, _ in r["ticks"])
        render = statistics.median(x for _, _, x in r["ticks"])
        tick = statistics.median(t + x for _, t, x in r["ticks"])
        label = f"{dataset}, hidden {'-'.join(map(str, r['widths']))} tanh"
        overhead = 1 - r["ui"] / r["bare"]
        out += [
            Row(
                f"live tick ({label}): train + redraw",
                tick * 1000,
                "ms",
                "≤ 200 ms",
                tick <= 0.2,
                f"median of {len(r['ticks'])} ticks: train {train * 1000:.0f} ms, "
                f"redraw {render * 1000:.0f} ms",
            ),
            Row(
                f"redraws per second ({label})",
                1 / max(0.2, tick),
                "1/s",
                "≥ 5",
                1 / max(0.2, tick) >= 5 - 1e-9,
                "fragment run_every = 0.2 s",
            ),
            Row(
                f"training throughput with the UI ({label})",
                r["ui"],
                "steps/s",
                "",
                None,
                "steps / Σ max(0.2 s, tick); rounds: " + ", ".join(f"{v:.0f}" for v in r["ui_all"]),
            ),
            Row(
                f"training throughput, bare stepper ({label})",
                r["bare"],
                "steps/s",
                "",
                None,
                "step(25) loop, batch 10, Streamlit script thread; rounds: "
                + ", ".join(f"{v:.0f}" for v in r["bare_all"]),
            ),
            Row(
                f"UI overhead ({label})",
                100 * overhead,
                "%",
                "≤ 25 %",
                overhead <= 0.25,
                "1 − UI / bare (medians over interleaved rounds)",
            ),
        ]
    # the live gradient check (hand vs autograd vs finite differences) on the default net
    from core.backprop.datasets import make_dataset
    from core.backprop.trainer import BackpropTrainer, TrainConfig
    from core.backprop.verify import gradient_check

    tr = BackpropTrainer(TrainConfig(hidden=(8, 8, 8)), make_dataset("spiral", 300, 0.1, 0, 0.5))
    tr.step(200)
    x, t = tr.minibatch(8)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        c = gradient_check(tr.net, x, t, tr.loss, n_fd=48)
        times.append(time.perf_counter() - t0)
    out.append(
        Row(
            "live gradient check (8-8-8 tanh net, batch 8, 48 FD params)",
            statistics.median(times) * 1000,
            "ms",
            "",
            None,
            f"max |hand − autograd| = {c.max_abs_autograd:.1e}, "
            f"max |hand − FD| = {c.max_abs_fd:.1e}; cached per training step",
        )
    )
    return out


NOTES = """
The playground trains with the hand-written float64 numpy backprop (`core.backprop.mlp`), which
the page checks live against `torch.autograd` and central differences. A live tick trains for
up to 160 ms (`tick_budget_s`) and then redraws only the training view (metrics, decision
heatmap on a 60×60 grid, loss curve); the network graph, neuron tiles, gradient norms and the
math checks redraw when training pauses or a control changes. "With the UI" throughput counts
the fragment interval: steps per tick / max(0.2 s, tick time). The bare stepper is timed in a
Streamlit script thread (as the page runs it), interleaved with the page's ticks, and both are
medians over rounds, because single measurements on a shared 2-core machine swing by 2-4x.

"""
