"""The GAN page's panels below the live view (notes §9, §9.1): the run's timeline, the theory
(D* and −log 4), the mode-collapse benchmark and the pretrained MNIST generator.

The timeline is scrubbed in the browser: the field of every timeline snapshot (every 25
generator steps, thinned to at most 60 frames) is computed once per run and cached per step,
then ``ui.plot_player`` plays and scrubs it with no server round trip. Before the run has a
second snapshot, the panel plays a recorded run of the default settings (``core.gan.timeline``,
shipped in ``pretrained/``): there is something to scrub from the first visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import ui
from core.gan import benchmark as gbench
from core.gan import figures as gfig
from core.gan import views
from core.gan.metrics import PERFECT_HQ_FRACTION
from core.gan.objectives import OBJECTIVES
from core.gan.theory import LOG4, dstar_grid
from core.gan.timeline import TIMELINE_NAME, TimelineConfig, frames_of
from core.gan.trainer import GANConfig, GANTrainer
from ui.gan.live import FIELD_HEIGHT, field_figure, shown
from ui.gan.settings import RECOMMENDED, Settings

MAX_FRAMES = 60
CURVE_NAMES = {  # timeline subplot titles
    "modes": "modes captured",
    "hq_pct": "% high-quality",
    "reverse_kl": "reverse KL (nats)",
    "js": "JS estimate (nats)",
}


def _run_cache(trainer: GANTrainer) -> dict:
    """Per-run cache of timeline frames and theory grids (cleared when the run changes)."""
    cache: dict = st.session_state.setdefault("gan_view_cache", {})
    if cache.get("_token") != id(trainer):
        cache.clear()
        cache["_token"] = id(trainer)
    return cache


@st.cache_resource(max_entries=1, show_spinner=False)
def _recording_context(sha: str) -> GANTrainer:
    """A trainer of the recording's config: its data, loss and fixed noise for the fields
    (shared read-only; never stepped)."""
    return GANTrainer(TimelineConfig().gan, "cpu")


@st.cache_resource(max_entries=8, show_spinner=False)
def _recorded_frames(sha: str, show: tuple[bool, ...], _run, steps: tuple[int, ...]) -> list:
    ctx = _recording_context(sha)
    flags = dict(zip(shown(), show, strict=True))
    return [field_figure(G, D, ctx, flags, f"generator step {s:,} (recorded)")
            for s, (G, D) in zip(steps, frames_of(_run), strict=True)]  # fmt: skip


@st.cache_resource(max_entries=2, show_spinner=False)
def _recorded_curves(sha: str, _tl: dict) -> dict:
    curves = {CURVE_NAMES[k]: _tl[k] for k in CURVE_NAMES}
    return gfig.timeline_figure(_tl["steps"], np.array(_tl["counts"]), curves).to_plotly_json()


def recorded_timeline_panel() -> None:
    """The shipped recording of the default settings, until the user's run has a timeline."""
    got = ui.pretrained(TIMELINE_NAME, "cpu")
    if got is None:
        return
    run, manifest = got
    sha, steps = manifest["sha256"], tuple(manifest["config"]["frame_steps"])
    figs = _recorded_frames(sha, tuple(shown().values()), run, steps)
    m = manifest["metrics"]
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(
            f"Your run has no timeline yet (press Step ×25 or Play above). Meanwhile, a "
            f"**recorded run** of the default settings (ring of 8, r1, seed 0): "
            f"{manifest['steps']:,} generator steps, ending with {m['modes']:.0f}/8 modes and "
            f"{m['hq_pct']:.1f}% high-quality samples (▶ or drag: played in your browser)."
        )
        ui.plot_player(figs, [f"generator step {s:,} (recorded)" for s in steps],
                       key="gan_tl_player", active=len(figs) - 1, frame_ms=250,
                       height=FIELD_HEIGHT)  # fmt: skip
    with right:
        ui.figure(_recorded_curves(sha, manifest["timeline"]), key="gan_timeline_fig")


def timeline_panel(trainer: GANTrainer) -> None:
    snaps = trainer.snapshots
    if len(snaps) < 2:  # nothing to scrub yet: the shipped recording
        recorded_timeline_panel()
        return
    cache = _run_cache(trainer)
    show = shown()
    picks = list(range(len(snaps)))
    if len(picks) > MAX_FRAMES:  # keep the first and the last, thin the rest evenly
        picks = sorted(set(np.linspace(0, len(snaps) - 1, MAX_FRAMES).round().astype(int)))
    figs = []
    for i in picks:
        key = ("frame", snaps[i].step, tuple(show.values()))
        if key not in cache:
            G_s, D_s = trainer.models_at(i)
            cache[key] = field_figure(G_s, D_s, trainer, show, f"generator step {snaps[i].step:,}")
        figs.append(cache[key])
    labels = [f"generator step {snaps[i].step:,}" for i in picks]
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.caption(
            f"The run so far: {len(snaps)} snapshots, one every {trainer.cfg.snapshot_every} "
            "generator steps (▶ or drag: played in your browser)."
        )
        ui.plot_player(figs, labels, key="gan_tl_player", active=len(figs) - 1, frame_ms=120,
                       height=FIELD_HEIGHT)  # fmt: skip
    with right:
        curves = {
            CURVE_NAMES[k]: [s.metrics.get(k, np.nan) for s in snaps]
            for k in CURVE_NAMES
            if any(k in s.metrics for s in snaps)
        }
        counts = np.stack([s.counts for s in snaps]) if snaps[-1].counts is not None else None
        ui.figure(
            gfig.timeline_figure([s.step for s in snaps], counts, curves), key="gan_timeline_fig"
        )


def theory_panel(trainer: GANTrainer) -> None:
    st.subheader("Theory (§9.1): the optimal discriminator and −log 4")
    snaps = trainer.snapshots
    snap = snaps[-1]
    cache = _run_cache(trainer)
    st.caption(f"At the latest snapshot, generator step {snap.step:,}.")
    if ("theory", snap.step) not in cache:
        G_s, D_s = trainer.models_at(len(snaps) - 1)
        vd = views.field_view(G_s, D_s, trainer.obj.loss, trainer.data_np, trainer.z_eval)
        xs, ys, grid = views.grid_points(vd["box"], 45)
        fake = vd["fake"]
        ok = np.isfinite(fake).all()
        h = trainer.bandwidth
        Dstar = dstar_grid(trainer.data_np[:800], fake, grid, h).reshape(45, 45) if ok else None
        _, _, Dl = views.d_field(D_s, trainer.obj.loss, vd["box"], res=45)
        cache[("theory", snap.step)] = (xs, ys, Dl, Dstar, fake, vd["prob"])
    xs, ys, Dl, Dstar, fake, prob = cache[("theory", snap.step)]
    if Dstar is None:
        st.warning("The generator's samples are not finite at this snapshot: no density estimate.")
    else:
        if not prob:
            st.info(
                "This objective's D outputs a score, not a probability; the left panel shows "
                "sigmoid(score) for comparison with D*."
            )
            Dl = 1.0 / (1.0 + np.exp(-Dl))
        ui.figure(
            gfig.dstar_figure(xs, ys, Dl, Dstar, real=trainer.data_np[:300], fake=fake[:300]),
            key="gan_dstar",
        )
    js_curve = [s.metrics.get("js", np.nan) for s in snaps]
    ui.figure(
        gfig.value_curve_figure(
            [s.step for s in snaps], [2 * j - LOG4 for j in js_curve], js_curve
        ),
        key="gan_value",
    )
    ui.prose(
        f"D* uses Gaussian kernel density estimates (bandwidth {trainer.bandwidth:.3g}) of "
        "800 real and 600 generated points. By Theorem 3, V(G, D*) = 2 JS − log 4, so the "
        "blue curve can reach −log 4 ≈ −1.386 only when p_model = p_data."
    )


@st.cache_resource
def _bench_store() -> dict:
    return {}


def benchmark_panel(ctx, s: Settings) -> None:
    st.subheader("Benchmark: N seeds × objectives on the ring and the grid")
    ui.prose(
        "Each run trains the current networks from scratch for a fixed number of generator "
        "steps and scores 2,500 samples with the standard metric (VEEGAN, PacGAN, GDPP): a sample "
        "is **high-quality** if it lies within 3σ of its nearest mode; a mode is **captured** if "
        "at least one high-quality sample is nearest to it. "
        f"Note: even a perfect generator scores only **{100 * PERFECT_HQ_FRACTION:.1f}%** "
        "high-quality (P(‖x−μ‖ ≤ 3σ) = 1 − e^{−4.5} for a 2-D Gaussian)."
    )
    b1, b2, b3, b4 = st.columns([3, 2, 1, 1])
    bench_objs = b1.multiselect(
        "objectives", list(OBJECTIVES), ["minimax", RECOMMENDED], key="gan_bench_objs"
    )
    bench_data = b2.multiselect(
        "datasets", list(gbench.BENCH_DATASETS), ["ring8"], key="gan_bench_data"
    )
    bench_seeds = b3.number_input("seeds", 1, 10, 3, key="gan_bench_seeds")
    bench_iters = b4.select_slider(
        "steps", [2, 50, 200, 500, 1000, 2500, 5000], 1000, key="gan_bench_iters"
    )
    c = s.cfg
    bcfg = gbench.BenchmarkConfig(
        objectives=tuple(bench_objs),
        datasets=tuple(bench_data),
        seeds=int(bench_seeds),
        iterations=int(bench_iters),
        base=GANConfig(
            model=c.model,
            d_steps=c.d_steps,
            opt_g=c.opt_g,
            opt_d=c.opt_d,
            lr_g=c.lr_g,
            lr_d=c.lr_d,
            batch_size=c.batch_size,
        ),
    )
    store = _bench_store()
    n_runs = len(bench_objs) * len(bench_data) * int(bench_seeds)
    if st.button(
        f"Run benchmark ({n_runs} runs)", icon=":material/play_arrow:", key="gan_bench_run",
        disabled=n_runs == 0,
    ):  # fmt: skip
        if bcfg not in store:
            bar = st.progress(0.0, text="starting")
            with ui.error_boundary("the benchmark"):
                store[bcfg] = gbench.run_benchmark(
                    bcfg,
                    ctx.device,
                    progress=lambda i, n, what: bar.progress(
                        i / max(n, 1), text=f"{i}/{n}: {what}"
                    ),
                )
            bar.empty()
    if bcfg in store:
        summ = gbench.summarize(store[bcfg])
        st.markdown(
            f"**This playground** ({bcfg.iterations} generator steps, "
            f"{bcfg.seeds} seeds, mean ± sd):"
        )
        st.table(  # read-only: a plain HTML table, not the canvas grid (~200 ms of paint)
            pd.DataFrame(
                [
                    {
                        "dataset": r["dataset"],
                        "objective": r["objective"],
                        "modes captured": f"{r['modes_mean']:.1f} ± {r['modes_sd']:.1f}",
                        "% high-quality": f"{r['hq_mean']:.1f} ± {r['hq_sd']:.1f}",
                        "reverse KL": f"{r['reverse_kl_mean']:.3f}",
                        "seeds with every mode": f"{r['all_modes_seeds']}/{r['seeds']}",
                        "s / run": f"{r['seconds_mean']:.1f}",
                    }
                    for r in summ
                ]
            ),
            hide_index=True,
        )
    elif n_runs:
        st.caption("Press the button to train; results are cached for these settings.")
    st.markdown(f"**Published numbers**, {gbench.PUBLISHED_NOTE}.")
    st.table(
        pd.DataFrame(
            [
                {
                    "dataset": p["dataset"],
                    "method": p["method"],
                    "modes captured": p["modes"],
                    "% high-quality": p["hq_pct"],
                    "source": f"{gbench.PUBLISHED_SOURCE} (quoted)",
                }
                for p in gbench.PUBLISHED
            ]
        ),
        hide_index=True,
    )


def mnist_panel(ctx) -> None:
    st.subheader("MNIST: a pretrained DCGAN generator")
    from core.gan.mnist import MNIST_GAN_NAME, interpolate, sample
    from core.imaging import make_grid, to_png_bytes

    got = ui.pretrained(MNIST_GAN_NAME, ctx.device)
    if got is None:
        return
    G_mnist, manifest = got

    # PNGs cached per (seeds, weights): a toggle elsewhere on the page reruns this panel
    @st.cache_data(max_entries=64, show_spinner=False)
    def _grid_png(kind: str, a: int, b: int, sha: str) -> bytes:
        if kind == "sample":
            return to_png_bytes(make_grid(sample(G_mnist, 64, a).cpu().numpy(), nrow=8), scale=3)
        xi = interpolate(G_mnist, a, b, n=10).cpu().numpy()
        return to_png_bytes(make_grid(xi, nrow=10), scale=3)

    m1, m2 = st.columns(2)
    with m1:
        mseed = ui.url_number("sample seed", "gan_mnist_seed", 0, 10_000, min(ctx.seed, 10_000))
        st.image(
            _grid_png("sample", int(mseed), 0, manifest["sha256"]),
            caption="64 samples",
            width="content",
        )
    with m2:
        ia = ui.url_number("interpolate from seed", "gan_interp_a", 0, 10_000, 1)
        ib = ui.url_number("to seed", "gan_interp_b", 0, 10_000, 2)
        st.image(
            _grid_png("interp", int(ia), int(ib), manifest["sha256"]),
            caption="spherical interpolation in z",
            width="content",
        )

    @st.cache_data(show_spinner="judging 1,000 samples…")
    def _judged(seed: int, sha: str) -> tuple[list[float], float, float]:
        from core.judge import judge_scores

        s = judge_scores(sample(ui.pretrained(MNIST_GAN_NAME, ctx.device)[0], 1000, seed))
        return [float(v) for v in s.class_histogram], s.entropy, s.frechet

    hist, ent, fd = _judged(12345, manifest["sha256"])
    ui.figure(gfig.class_histogram_figure(np.array(hist), ent), key="gan_mnist_hist")
    st.caption(
        f"1,000 samples judged by the judge CNN: entropy {ent:.3f} nats, Fréchet "
        f"distance in judge features {fd:.1f} (manifest: "
        f"{manifest['metrics'].get('frechet_1000', float('nan')):.1f}); trained "
        f"{manifest['steps']:,} steps on {manifest['dataset']}."
    )
    p = np.asarray(hist, dtype=np.float64)
    h_ref = float(-(p[p > 0] * np.log(p[p > 0])).sum())  # H = -sum_c p_c log p_c
    ui.show_checks(
        [
            ui.Check(
                "class entropy: judge's value vs −Σ p_c log p_c of the histogram shown",
                abs(ent - h_ref),
                1e-6,
                f"{ent:.4f} vs {h_ref:.4f} nats (≤ ln 10 = 2.303)",
            )
        ],
        title="MNIST checks",
    )


PANELS = ("Timeline", "Theory (§9.1)", "Benchmark", "MNIST digits")


def view(ctx, s: Settings) -> None:
    """One panel at a time, in a fragment: its controls rerun only it."""

    @st.fragment
    def body() -> None:
        panel = ui.url_radio(
            "Panel", "gan_panel", PANELS, horizontal=True, label_visibility="collapsed"
        )
        live = st.session_state["gan_live"]
        trainer: GANTrainer = live.stepper
        st.session_state["gan_panel_token"] = st.session_state.get("gan_live_token")
        with ui.error_boundary(f"the {panel} panel"):
            if panel == PANELS[0]:
                timeline_panel(trainer)
            elif panel == PANELS[1]:
                theory_panel(trainer)
            elif panel == PANELS[2]:
                benchmark_panel(ctx, s)
            else:
                mnist_panel(ctx)

    body()
