"""§9 Generative adversarial networks: watch mode collapse, measure it, cure it."""

from __future__ import annotations

import hashlib
import math
import uuid

import numpy as np
import pandas as pd
import streamlit as st

import ui
from core.gan import benchmark as gbench
from core.gan import figures as gfig
from core.gan import views
from core.gan.metrics import PERFECT_HQ_FRACTION, mode_spec
from core.gan.models import MLPConfig
from core.gan.objectives import OBJECTIVES, get_objective
from core.gan.theory import LOG4, dstar_grid
from core.gan.trainer import CUSTOM, OPTIMIZERS, GANConfig, GANTrainer

ctx = ui.page(
    "GANs",
    "🎭",
    section="§9",
    intuition=(
        "A generator G turns noise z into points; a discriminator D tries to tell them from real "
        "data, and G learns from D's gradient. Here you can watch the game in slow motion on 2-D "
        "data: D's belief D(x) as a heatmap, the arrows along which G's loss pushes each sample, "
        "and the noise sheet G lays over the plane. On the ring of 8 Gaussians the vanilla game "
        "can *collapse*, dropping modes or smearing samples between them; the mode histogram "
        "and the standard metric (modes captured, % high-quality samples) show it, and the "
        "remedies cure it."
    ),
    equation=r"\min_G \max_D\; V(D,G)=\mathbb{E}_{x\sim p_{\rm data}}[\log D(x)]"
    r"+\mathbb{E}_{z\sim\mathcal N(0,I)}[\log(1-D(G(z)))],\qquad "
    r"D^*(x)=\frac{p_{\rm data}(x)}{p_{\rm data}(x)+p_{\rm model}(x)}",
)

DATASETS = {
    "ring8": "ring of 8 Gaussians (σ 0.01)",
    "grid25": "grid of 25 Gaussians (σ 0.05)",
    "moons": "two moons",
    "8gaussians": "8 Gaussians (FFJORD)",
    "2spirals": "two spirals",
    "checkerboard": "checkerboard",
    CUSTOM: "your CSV points",
}
LRS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0]
MIN_POINTS = 50
RECOMMENDED = "r1"

# ----------------------------------------------------------------------------- controls
with st.expander("⚙️ Data, objective and networks", expanded=not ctx.presentation):
    c1, c2, c3 = st.columns(3)
    with c1:
        dataset = ui.url_selectbox(
            "Data", "gan_data", list(DATASETS), value="ring8", format_func=DATASETS.get
        )
        points = None
        if dataset == CUSTOM:
            up = ui.points_upload(
                f"CSV of 2-D points (x1, x2), at least {MIN_POINTS} rows",
                key="gan_csv",
                min_rows=MIN_POINTS,
            )
            if up is not None:
                points = up[0]
            else:
                st.info(
                    f"Upload a CSV with at least {MIN_POINTS} points; until then the ring of 8 "
                    "is used."
                )
        objective = ui.url_selectbox(
            "Objective",
            "gan_objective",
            list(OBJECTIVES),
            value=RECOMMENDED,
            format_func=lambda k: f"{k} — {OBJECTIVES[k].description}",
            help=f"Recommended remedy: **{RECOMMENDED}** (non-saturating loss + R1 penalty).",
        )
        obj = get_objective(objective)
        d_steps = ui.url_slider("D steps per G step (k)", "gan_d_steps", 1, 10, 1)
        batch = ui.url_select_slider("Batch size", "gan_batch", [32, 64, 128, 256, 512], 256)
    with c2:
        st.markdown("**Generator**")
        opt_g = ui.url_selectbox("Optimiser (G)", "gan_opt_g", list(OPTIMIZERS))
        lr_g = ui.url_select_slider("Learning rate (G)", "gan_lr_g", LRS, 1e-3)
        g_width = ui.url_select_slider("Width (G)", "gan_g_width", [16, 32, 64, 128, 256], 128)
        g_depth = ui.url_slider("Hidden layers (G)", "gan_g_depth", 1, 5, 3)
        noise_dim = ui.url_slider("Noise dimension d", "gan_noise_dim", 1, 16, 2)
    with c3:
        st.markdown("**Discriminator**")
        opt_d = ui.url_selectbox("Optimiser (D)", "gan_opt_d", list(OPTIMIZERS))
        lr_d = ui.url_select_slider("Learning rate (D)", "gan_lr_d", LRS, 1e-3)
        d_width = ui.url_select_slider("Width (D)", "gan_d_width", [16, 32, 64, 128, 256], 128)
        d_depth = ui.url_slider("Hidden layers (D)", "gan_d_depth", 1, 5, 3)
    st.markdown(f"**Settings of `{objective}`**")
    r1, r2 = st.columns(2)
    unroll = pack = gp = r1g = clip = None  # only the chosen objective's knob is shown
    if obj.unroll:
        unroll = r1.slider(
            "Unroll k",
            1,
            10,
            obj.unroll,
            key="gan_unroll",
            help="G is updated against D after k look-ahead D steps",
        )
    if obj.pack > 1:
        pack = r1.slider(
            "Packing m", 2, 6, obj.pack, key="gan_pack", help="D judges m samples at once"
        )
    if obj.gp_lambda:
        gp = r1.select_slider("GP λ", [0.01, 0.1, 1.0, 10.0], obj.gp_lambda, key="gan_gp")
    if obj.r1_gamma:
        r1g = r1.select_slider(
            "R1 γ", [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0], obj.r1_gamma, key="gan_r1"
        )
    if obj.clip:
        clip = r1.select_slider("Clip c", [0.005, 0.01, 0.05, 0.1], obj.clip, key="gan_clip")
    g_ema = r2.select_slider(
        "G averaging β",
        [0.0, 0.9, 0.99, 0.999],
        obj.g_ema,
        key=f"gan_g_ema_{objective}",
        help="samples come from an exponential moving average of G's "
        "weights, G_ema ← β G_ema + (1−β) G (0 = off)",
    )

if max(lr_g, lr_d) >= 0.1:
    st.warning(
        f"Learning rate {max(lr_g, lr_d):g} is very large for these networks: expect the "
        "losses to blow up (training then pauses and says why)."
    )
# rough cost of one iteration relative to the defaults (D updates incl. unrolling, samples per
# update, MLP size); extreme combinations get a warning and finer-grained live ticks
_work = (
    (d_steps + (unroll or 0) + 1)
    * batch
    * (pack or 1)
    * (g_width**2 * g_depth + d_width**2 * d_depth)
)
WORK_RATIO = _work / ((1 + 0 + 1) * 256 * 1 * (128**2 * 3 * 2))
if WORK_RATIO >= 40:
    st.warning(
        f"These settings make each iteration about {WORK_RATIO:.0f}× the work of the "
        "defaults (D steps, unrolling, packing, batch and network size multiply): Step ×25 "
        "can take tens of seconds and Play advances slowly."
    )
if opt_g == "sgd" and opt_d == "sgd" and max(lr_g, lr_d) <= 1e-4:
    st.info("Plain SGD with a learning rate this small barely moves in a few thousand steps.")

data_name = (
    CUSTOM
    if (dataset == CUSTOM and points is not None)
    else ("ring8" if dataset == CUSTOM else dataset)
)
cfg = GANConfig(
    dataset=data_name,
    objective=objective,
    model=MLPConfig(
        noise_dim=noise_dim, g_width=g_width, g_depth=g_depth, d_width=d_width, d_depth=d_depth
    ),
    d_steps=d_steps,
    opt_g=opt_g,
    opt_d=opt_d,
    lr_g=lr_g,
    lr_d=lr_d,
    batch_size=batch,
    clip=clip,
    gp_lambda=gp,
    r1_gamma=r1g,
    unroll=unroll,
    pack=pack,
    g_ema=g_ema,
    snapshot_every=25,
    seed=ctx.seed,
)
points_hash = hashlib.sha1(points.tobytes()).hexdigest()[:12] if points is not None else ""
signature = (cfg, points_hash, str(ctx.device))

# view toggles (non-training controls: must rerun in <= 100 ms)
v1, v2, v3, v4, v5 = st.columns(5)
with v1:
    show_heat = ui.url_checkbox("D(x) heatmap", "gan_show_heat", True)
show_real = v2.checkbox("real samples", True, key="gan_show_real")
show_fake = v3.checkbox("generated", True, key="gan_show_fake")
show_arrows = v4.checkbox("G's gradient arrows", True, key="gan_show_arrows")
show_sheet = v5.checkbox("noise grid G(z)", False, key="gan_show_sheet")


def make_trainer() -> GANTrainer:
    return GANTrainer(cfg, ctx.device, points=points if data_name == CUSTOM else None)


def view_data(G, D, trainer: GANTrainer) -> dict:
    vd = views.field_view(G, D, trainer.obj.loss, trainer.data_np, trainer.z_eval)
    vd["uid"] = uuid.uuid4().hex  # names this view in the figure cache (ids get reused)
    return vd


def field(vd: dict, trainer: GANTrainer, title: str) -> None:
    """The main view; figures are cached per (view data, toggles) so toggling back is instant."""
    figs: dict = st.session_state.setdefault("gan_field_figs", {})
    key = (vd["uid"], title, show_heat, show_real, show_fake, show_arrows, show_sheet)
    if key not in figs:
        if len(figs) > 16:
            figs.clear()
        figs[key] = gfig.field_figure(
            vd["xs"],
            vd["ys"],
            vd["Z"] if show_heat else None,
            real=trainer.data_np[:500] if show_real else None,
            fake=vd["fake"] if show_fake else None,
            arrows=vd["arrows"] if show_arrows else None,
            sheet=vd["sheet"] if show_sheet else None,
            z_label="D(x)" if vd["prob"] else "score",
            prob=vd["prob"],
            box=vd["box"],
            title=title,
        )
    ui.figure(figs[key], key=f"gan_field_{title[:4]}")


def metric_row(m: dict) -> None:
    cols = st.columns(5)
    if "modes" in m:
        n_modes = len(mode_spec(cfg.dataset)[0])
        cols[0].metric("modes captured", f"{int(m['modes'])}/{n_modes}")
        cols[1].metric("high-quality", f"{m['hq_pct']:.1f}%")
        cols[2].metric("reverse KL", f"{m['reverse_kl']:.3f}")
    cols[3].metric("JS estimate", f"{m.get('js', float('nan')):.3f}")
    if "loss_d" in m or "loss_g" in m:
        cols[4].metric(
            "loss D / G", " / ".join(f"{m[k]:.2f}" if k in m else "–" for k in ("loss_d", "loss_g"))
        )
    else:
        cols[4].metric("loss D / G", "not trained yet")


def snapshot_view(trainer: GANTrainer, i: int) -> tuple[dict, object, object]:
    """(view data, G, D) of snapshot i, cached per run (scrubbing back is a cache hit)."""
    cache: dict = st.session_state.setdefault("gan_view_cache", {})
    if cache.get("_token") != id(trainer):
        cache.clear()
        cache["_token"] = id(trainer)
    step = trainer.snapshots[i].step
    if ("view", step) not in cache:
        G_s, D_s = trainer.models_at(i)
        cache[("view", step)] = (view_data(G_s, D_s, trainer), G_s, D_s)
    return cache[("view", step)]


def selected_index(trainer: GANTrainer) -> int | None:
    """Index of the snapshot chosen on the timeline, or None for the live state."""
    sel = st.session_state.get("gan_timeline", "live")
    steps = [sn.step for sn in trainer.snapshots]
    return steps.index(sel) if sel in steps else None


def render(trainer: GANTrainer, metrics: dict) -> None:
    i = selected_index(trainer)
    live = st.session_state.get("gan_live")
    if i is not None and not (live is not None and live.playing):
        snap = trainer.snapshots[i]
        metric_row(snap.metrics)
        field(
            snapshot_view(trainer, i)[0],
            trainer,
            f"snapshot at step {snap.step:,}: D(x), samples and G's pull",
        )
        return
    metric_row(trainer.metrics())
    live_cache = st.session_state.setdefault("gan_live_view", {})
    key = (id(trainer), trainer.steps_done, trainer.d_updates)
    if key not in live_cache:  # keep only the newest: a view toggle reuses it
        live_cache.clear()
        live_cache[key] = view_data(trainer.generator(), trainer.D, trainer)
    field(live_cache[key], trainer, "live: D(x), samples and G's pull")


ui.prose(
    f"**Recommended remedy: `{RECOMMENDED}`** — the non-saturating loss, the R1 gradient "
    "penalty on real data (γ = 0.01, notes §9.2) and samples from an average of G's weights "
    "(β = 0.99). Try `minimax` on the ring of 8 and compare: in our runs it keeps most modes "
    "but fewer high-quality samples, and some seeds lose a mode (Benchmark panel)."
)


def _slow(kind: str) -> None:
    s = st.session_state.get("gan_live")
    if s is None:
        return
    s.playing, s.message = False, None
    st.session_state["gan_timeline"] = "live"
    m = s.stepper.d_step() if kind == "d" else s.stepper.g_step()
    s.metrics = dict(s.stepper.metrics(), **m)
    if not all(math.isfinite(v) for v in m.values()):
        s.message = (
            "Training diverged (a loss is NaN or infinite). Paused: lower the learning "
            "rate and press Reset."
        )


# the timeline slider sits above the live view: "live" follows training, a step scrubs back
_prev = st.session_state.get("gan_live")
_snaps = _prev.stepper.snapshots if _prev is not None and _prev.signature == signature else []
if len(_snaps) > 1:
    _opts = [sn.step for sn in _snaps] + ["live"]
    if st.session_state.get("gan_timeline") not in _opts:
        st.session_state["gan_timeline"] = "live"
    st.select_slider(
        "Timeline: view the run at generator step",
        _opts,
        key="gan_timeline",
        help="a snapshot every 25 generator steps (thinned to at most 120 on long "
        "runs); 'live' follows training",
    )
s1, s2, _ = st.columns([1, 1, 4])
s1.button(
    "🐢 D step",
    key="gan_dstep",
    on_click=_slow,
    args=("d",),
    width="stretch",
    help="one discriminator update only (slow motion)",
)
s2.button(
    "🐢 G step",
    key="gan_gstep",
    on_click=_slow,
    args=("g",),
    width="stretch",
    help="one generator update only (slow motion)",
)
trainer: GANTrainer = ui.live_training(
    "gan_live",
    make_trainer,
    signature=signature,
    render=render,
    steps_per_click=25,
    chunk=5 if WORK_RATIO < 5 else 1,
    max_steps=20_000,
)

# ----------------------------------------------------------------------------- panels
snaps = trainer.snapshots
_sel = selected_index(trainer)
idx = len(snaps) - 1 if _sel is None else _sel
snap = snaps[idx]
vd, G_s, D_s = snapshot_view(trainer, idx)
cache: dict = st.session_state["gan_view_cache"]


def timeline_panel() -> None:
    with ui.error_boundary("the timeline view"):
        upto = snaps[: idx + 1]
        st.caption(f"history up to generator step {snap.step:,} ({len(upto)} snapshots)")
        if ("timeline", snap.step, len(upto)) not in cache:
            curves = {
                k: [s.metrics.get(k, np.nan) for s in upto]
                for k in ("modes", "hq_pct", "reverse_kl", "js")
                if any(k in s.metrics for s in upto)
            }
            counts = np.stack([s.counts for s in upto]) if snap.counts is not None else None
            cache[("timeline", snap.step, len(upto))] = gfig.timeline_figure(
                [s.step for s in upto], counts, curves
            )
        ui.figure(cache[("timeline", snap.step, len(upto))], key="gan_timeline_fig")


def theory_panel() -> None:
    # ----------------------------------------------------------------------------- theory
    st.subheader("Theory (§9.1): the optimal discriminator and −log 4")
    with ui.error_boundary("the theory panel"):
        if ("theory", snap.step) not in cache:
            h = trainer.bandwidth
            xs, ys, grid = views.grid_points(vd["box"], 45)
            fake = vd["fake"]
            ok = np.isfinite(fake).all()
            Dstar = dstar_grid(trainer.data_np[:800], fake, grid, h).reshape(45, 45) if ok else None
            xs_l, ys_l, Dl = views.d_field(D_s, trainer.obj.loss, vd["box"], res=45)
            cache[("theory", snap.step)] = (xs, ys, Dl, Dstar)
        xs, ys, Dl, Dstar = cache[("theory", snap.step)]
        if Dstar is None:
            st.warning(
                "The generator's samples are not finite at this snapshot: no density estimate."
            )
        else:
            if not vd["prob"]:
                st.info(
                    "This objective's D outputs a score, not a probability; the left panel shows "
                    "sigmoid(score) for comparison with D*."
                )
                Dl = 1.0 / (1.0 + np.exp(-Dl))
            ui.figure(
                gfig.dstar_figure(
                    xs, ys, Dl, Dstar, real=trainer.data_np[:300], fake=vd["fake"][:300]
                ),
                key="gan_dstar",
            )
        js_curve = [s.metrics.get("js", np.nan) for s in snaps[: idx + 1]]
        ui.figure(
            gfig.value_curve_figure(
                [s.step for s in snaps[: idx + 1]], [2 * j - LOG4 for j in js_curve], js_curve
            ),
            key="gan_value",
        )
        ui.prose(
            f"D* uses Gaussian kernel density estimates (bandwidth {trainer.bandwidth:.3g}) of "
            "800 real and 600 generated points. By Theorem 3, V(G, D*) = 2 JS − log 4, so the "
            "blue curve can reach −log 4 ≈ −1.386 only when p_model = p_data."
        )


def benchmark_panel() -> None:
    # ----------------------------------------------------------------------------- benchmark
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

    @st.cache_resource
    def _bench_store() -> dict:
        return {}

    bcfg = gbench.BenchmarkConfig(
        objectives=tuple(bench_objs),
        datasets=tuple(bench_data),
        seeds=int(bench_seeds),
        iterations=int(bench_iters),
        base=GANConfig(
            model=cfg.model,
            d_steps=d_steps,
            opt_g=opt_g,
            opt_d=opt_d,
            lr_g=lr_g,
            lr_d=lr_d,
            batch_size=batch,
        ),
    )
    store = _bench_store()
    n_runs = len(bench_objs) * len(bench_data) * int(bench_seeds)
    if st.button(f"▶ Run benchmark ({n_runs} runs)", key="gan_bench_run", disabled=n_runs == 0):
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
        st.dataframe(
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
    st.dataframe(
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


def mnist_panel() -> None:
    # ----------------------------------------------------------------------------- MNIST
    st.subheader("MNIST: a pretrained DCGAN generator")
    with ui.error_boundary("the MNIST generator"):
        from core.gan.mnist import MNIST_GAN_NAME, interpolate, sample
        from core.imaging import make_grid, to_png_bytes

        got = ui.pretrained(MNIST_GAN_NAME, ctx.device)
        if got is not None:
            G_mnist, manifest = got

            # PNGs cached per (seeds, weights): a toggle elsewhere on the page reruns this panel
            @st.cache_data(max_entries=64, show_spinner=False)
            def _grid_png(kind: str, a: int, b: int, sha: str) -> bytes:
                if kind == "sample":
                    return to_png_bytes(
                        make_grid(sample(G_mnist, 64, a).cpu().numpy(), nrow=8), scale=3
                    )
                xi = interpolate(G_mnist, a, b, n=10).cpu().numpy()
                return to_png_bytes(make_grid(xi, nrow=10), scale=3)

            m1, m2 = st.columns(2)
            with m1:
                mseed = st.number_input(
                    "sample seed", 0, 10_000, min(ctx.seed, 10_000), key="gan_mnist_seed"
                )
                st.image(
                    _grid_png("sample", int(mseed), 0, manifest["sha256"]),
                    caption="64 samples",
                    width="content",
                )
            with m2:
                ia = st.number_input("interpolate from seed", 0, 10_000, 1, key="gan_interp_a")
                ib = st.number_input("to seed", 0, 10_000, 2, key="gan_interp_b")
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


PANELS = {
    "Timeline views": timeline_panel,
    "Theory (§9.1)": theory_panel,
    "Benchmark": benchmark_panel,
    "MNIST digits": mnist_panel,
}
panel = ui.url_radio(
    "Panel",
    "gan_panel",
    list(PANELS),
    horizontal=True,
    help="one panel at a time keeps every rerun fast",
)
PANELS[panel]()


# ----------------------------------------------------------------------------- notice + checks
st.subheader("What to notice")
ui.prose(
    "- With **minimax** on the ring, G's arrows are tiny where D(G(z)) ≈ 0: the saturating loss "
    "gives almost no gradient early on (notes §9.2, Figure 22).\n"
    "- Mode collapse shows as one or two bright rows in the mode histogram; mode hopping as the "
    "bright row jumping between modes over time.\n"
    "- The noise grid shows how G must tear the plane into 8 clusters: the stretched lines between "
    "modes are the low-quality samples.\n"
    "- The learned D is far from D*: D is trained for k steps only, as the notes warn after "
    "Theorem 4.\n"
    f"- A perfect generator scores {100 * PERFECT_HQ_FRACTION:.1f}% high-quality, not 100%."
)


@st.cache_data
def _checks() -> list[tuple[str, float, float, str]]:
    from core.gan.checks import self_checks

    return self_checks()


ui.show_checks([ui.Check(n, v, t, d) for n, v, t, d in _checks()])
