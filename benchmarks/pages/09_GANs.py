"""§9 GANs: rerun latency of the view toggles / timeline, live tick, MNIST sampling, and the
mode-collapse bars (ring of 8, 5 seeds) for the recommended remedy and the vanilla objective.

The seeded ring-of-8 runs are produced by ``python -m core.gan.benchmark`` (the same code the
page's Benchmark button runs) into ``benchmarks/gan/ring8_runs.json``; `extra` reuses that
file when its config matches the current code's defaults and reruns the seeds otherwise.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.harness import Interaction, Row

PAGE = "pages/09_GANs.py"
RUNS = Path(__file__).resolve().parent.parent / "gan" / "ring8_runs.json"
# informational, not a bar: produced by the same CLI with --datasets grid25 --seeds 3
# --processes 3 --out benchmarks/gan/grid25_runs.json (read if present, never rerun here)
GRID_RUNS = Path(__file__).resolve().parent.parent / "gan" / "grid25_runs.json"
ITERATIONS = 2500
RUNS_CMD = (
    "python -m core.gan.benchmark --objectives minimax,r1 --datasets ring8 --seeds 5 "
    f"--iterations {ITERATIONS} --processes 5 --out benchmarks/gan/ring8_runs.json"
)


def _panel(at, i):
    if i == 0:  # one Step click (25 generator steps) makes snapshots to draw; not timed
        at.button(key="gan_live_step").click()
    else:
        at.radio(key="gan_panel").set_value(["Theory (§9.1)", "Timeline"][i % 2])


# Browser benchmark (benchmarks/browser.py): the default view (live field, its toggles, the
# timeline panel's client-side player) and the Benchmark panel's slider.
BROWSER_VIEWS = ["", "?gan_panel=Benchmark"]
BROWSER_LIVE = [""]
BROWSER_SCRUB = [""]


def raw_steps_per_s(query: str = "") -> float:
    """The live view's default stepper (ring8, r1, 3x128 MLPs, batch 256, a timeline snapshot
    with modes / KL / JS every 25 steps) in a plain loop for ~2 s, one torch thread."""
    import torch

    from core.gan.trainer import GANConfig, GANTrainer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t = GANTrainer(replace(GANConfig(), snapshot_every=25))
        t.step(2)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 2.0:
            t.step(1)
            n += 1
        return n / (time.perf_counter() - t0)
    finally:
        torch.set_num_threads(threads)


INTERACTIONS = [
    Interaction(
        "view toggle: gradient arrows",
        lambda at, i: at.checkbox(key="gan_show_arrows").set_value(i % 2 == 1),
    ),
    Interaction(
        "view toggle: noise grid",
        lambda at, i: at.checkbox(key="gan_show_sheet").set_value(i % 2 == 0),
    ),
    Interaction(
        "view toggle: D(x) heatmap",
        lambda at, i: at.checkbox(key="gan_show_heat").set_value(i % 2 == 1),
    ),
    Interaction("panel: Theory ↔ Timeline", _panel),
]


def _live_tick_ms(repeats: int = 15) -> float:
    """Median wall time of one live tick: the steps ui.live_training fits in its 100 ms budget
    (chunks of 5 generator steps) plus the view computation of the redraw."""
    import torch

    from core.gan import figures, views
    from core.gan.trainer import GANConfig, GANTrainer

    torch.set_num_threads(1)
    t = GANTrainer(replace(GANConfig(), snapshot_every=25))
    t.step(5)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.1:
            t.step(5)
        box = views.bounds(t.data_np)
        xs, ys, Z = views.d_field(t.D, t.obj.loss, box)
        arrows = views.generator_arrows(t.G, t.D, t.obj.loss, t.z_eval[:120])
        fig = figures.field_figure(
            xs,
            ys,
            Z,
            real=t.data_np[:600],
            fake=t.sample(800),
            arrows=arrows,
            sheet=views.manifold(t.G),
            box=box,
        )
        fig.to_json()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _mnist_sample_ms(repeats: int = 21) -> float | None:
    import torch

    from core.gan.mnist import MNIST_GAN_NAME, sample
    from core.pretrained import PretrainedError, load

    torch.set_num_threads(1)
    try:
        G, _ = load(MNIST_GAN_NAME)
    except PretrainedError:
        return None
    sample(G, 64, 0)
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        sample(G, 64, i)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _ring_runs() -> dict:
    from core.gan.benchmark import BenchmarkConfig, config_dict, run_benchmark, summarize

    cfg = BenchmarkConfig(
        objectives=("minimax", "r1"), datasets=("ring8",), seeds=5, iterations=ITERATIONS
    )
    if RUNS.exists():
        stored = json.loads(RUNS.read_text())
        if stored.get("config") == config_dict(cfg):
            return stored
    rows = run_benchmark(cfg)
    out = {"config": config_dict(cfg), "rows": rows, "summary": summarize(rows)}
    RUNS.write_text(json.dumps(out, indent=1))
    return out


def extra() -> list[Row]:
    rows = [
        Row("live tick (steps for 100 ms + field redraw)", _live_tick_ms(), "ms", "<= 200 ms", None)
    ]
    rows[-1].passed = rows[-1].value <= 200
    ms = _mnist_sample_ms()
    if ms is not None:
        rows.append(Row("MNIST DCGAN: sample 64 digits", ms, "ms", "<= 100 ms", ms <= 100))
        from core.pretrained import read_manifest

        m = read_manifest("gan_mnist_dcgan")["metrics"]
        rows.append(
            Row(
                "MNIST DCGAN: judged class entropy, 1,000 samples",
                m["judged_entropy_1000"],
                "nats",
                ">= 2.2",
                m["judged_entropy_1000"] >= 2.2,
                "uniform = ln 10 = 2.303",
            )
        )
        rows.append(
            Row(
                "MNIST DCGAN: Frechet distance in judge features",
                m["frechet_1000"],
                "",
                "",
                None,
                "vs 500 held-out digits; see judge.json for real digits",
            )
        )
    runs = _ring_runs()
    by = {s["objective"]: s for s in runs["summary"]}
    r1 = by["r1"]
    rows.append(
        Row(
            "ring8, r1 (recommended): seeds with 8/8 modes",
            r1["all_modes_seeds"],
            f"of {r1['seeds']}",
            "all",
            r1["all_modes_seeds"] == r1["seeds"],
            f"modes {r1['modes_mean']:.1f} ± {r1['modes_sd']:.1f}",
        )
    )
    rows.append(
        Row(
            "ring8, r1 (recommended): min % high-quality over seeds",
            r1["min_hq"],
            "%",
            ">= 80 %",
            r1["min_hq"] >= 80,
            f"mean {r1['hq_mean']:.1f} ± {r1['hq_sd']:.1f}; reverse KL {r1['reverse_kl_mean']:.3f}",
        )
    )
    rows.append(
        Row(
            "ring8, r1: CPU seconds per seed (max)",
            r1["cpu_seconds_max"],
            "s",
            "<= 60 s",
            r1["cpu_seconds_max"] <= 60,
            f"{ITERATIONS} generator steps; wall {r1['seconds_mean']:.0f} s mean on the "
            "shared, loaded machine",
        )
    )
    mm = by["minimax"]
    rows.append(
        Row(
            "ring8, minimax (vanilla): modes captured, mean",
            mm["modes_mean"],
            "of 8",
            "",
            None,
            f"± {mm['modes_sd']:.1f}; seeds with 8/8: {mm['all_modes_seeds']}/"
            f"{mm['seeds']}; per seed: "
            + ", ".join(f"{int(r['modes'])}" for r in runs["rows"] if r["objective"] == "minimax"),
        )
    )
    rows.append(
        Row(
            "ring8, minimax (vanilla): % high-quality, mean",
            mm["hq_mean"],
            "%",
            "",
            None,
            f"± {mm['hq_sd']:.1f}; min {mm['min_hq']:.1f}",
        )
    )
    if GRID_RUNS.exists():
        g = json.loads(GRID_RUNS.read_text())
        it = g["config"]["iterations"]
        for s in g["summary"]:
            rows.append(
                Row(
                    f"grid25, {s['objective']}: modes captured (of 25), mean",
                    s["modes_mean"],
                    "modes",
                    "",
                    None,
                    f"± {s['modes_sd']:.1f}; % HQ {s['hq_mean']:.1f} ± {s['hq_sd']:.1f}; "
                    f"{s['seeds']} seeds, {it} steps, same default MLPs (informational)",
                )
            )
    return rows


NOTES = (
    "Ring-of-8 bars: 5 seeds, default MLPs (G and D 3x128), Adam 1e-3, batch 256, "
    f"{ITERATIONS} generator steps, 2,500 samples, the standard metric (HQ = within 3σ of the "
    "nearest mode; a perfect generator scores 98.9 %). Produced by `" + RUNS_CMD + "` "
    "(one torch thread per process); CPU seconds are the bar because the shared machine's wall "
    "clock depends on other users. The page shows numbers quoted from VEEGAN (Srivastava et al., "
    "2017) Table 1 beside ours (their own architectures and budgets; not measured here); PacGAN "
    "and GDPP Table 1 numbers are not reproduced."
)
