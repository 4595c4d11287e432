"""The §5 page's views: the measured table, same-seed samples, quality vs time, sample a model."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

import ui
from core.diffusion.mnist import QUICK_STEPS
from core.generative.measure import VLB_NOTE
from core.generative.registry import BY_NAME, FAMILIES, MAX_N, image_models, point_models
from core.generative.render import grid_png, scatter_png
from core.imaging import make_grid, to_png_bytes
from core.pretrained import PretrainedError, read_manifest
from ui.generative import checks as gen_checks
from ui.generative import data

MISSING = (
    "The measured table is missing. Record it (every number is computed by our code) with "
    "`python -m core.generative.measure`."
)


def _fmt(v, digits: int = 3) -> str:
    """A measured number as written in the tables (the tables are plain text: ``st.table``)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{float(v):,.{digits}f}"


def _table(rows: list[dict]) -> None:
    """A read-only table as plain HTML (``st.table``): ``st.dataframe``'s canvas grid took
    ~200 ms of Chromium's time to paint after every run, and nothing here is sorted or edited."""
    st.table(pd.DataFrame(rows), hide_index=True)


def ms64(r: dict) -> float:
    """Milliseconds to sample 64: the CPU time (an idle machine's wall clock) where recorded."""
    return 1000 * r.get("cpu_seconds_64", r["seconds_64"])


def _rows() -> list[dict] | None:
    t = data.table()
    if t is None:
        st.warning(MISSING)
        return None
    return t["rows"]


@st.fragment
@ui.guarded("the table view")
def table_view() -> None:
    rows = _rows()
    if rows is None:
        return
    t = data.table()
    img = [r for r in rows if r["kind"] == "image"]
    st.subheader("Digit models on the shared split (4,500 train / 500 held-out MNIST)")
    _table(
        [
            {
                "model": BY_NAME[r["name"]].label,
                "family": r["family"],
                "NLL (nats/image)": _fmt(r["nats"], 1)
                + (f" ± {r['nats_se']:.1f}" if r.get("nats_se") is not None else ""),
                "bits/dim": _fmt(r["bpd"], 4),
                "likelihood": r["nll_kind"],
                "judged accuracy": _fmt(r["accuracy"]) if r["accuracy"] is not None else "n/a",
                "class entropy (ln 10 = 2.303)": _fmt(r["entropy"]),
                "Fréchet (judge)": _fmt(r["frechet"], 1),
                "precision": _fmt(r["precision"]),
                "recall": _fmt(r["recall"]),
                "memorisation ratio": _fmt(r["mem_ratio"]),
                "samples closer than 1% of held-out": _fmt(r["mem_frac_closer"]),
                "parameters": f"{r['parameters']:,}",
                "ms per 64 samples": _fmt(ms64(r), 0),
                "training steps": f"{r['steps']:,}",
            }
            for r in img
        ]
    )
    ui.prose(
        f"Judge scores, precision/recall and memorisation on **{t['n_eval']} samples per model** "
        f"(seed {t['eval_seed']}; conditional models get balanced labels 0–9), against the 500 "
        "held-out digits; Fréchet distances grow as the sample count shrinks, so compare them "
        "only within this table. Precision/recall: k-NN manifolds (k = 3) in judge features "
        "(Kynkäänniemi et al. 2019). Memorisation ratio = median distance of a sample to its "
        "nearest training digit ÷ the same for held-out digits (≈ 1 or more: no copying). "
        f"Time to sample 64: seed {t['grid_seed']}, {t['threads']} torch thread, measured "
        f"{_when(t)} on a shared 2-core CPU: the process's CPU time, which is what the "
        "clock reads on an idle machine (the wall clock of a loaded one is longer). VAE "
        "likelihoods are the held-out −ELBO of a Bernoulli decoder on grey levels in [0, 1] "
        "(from each model's manifest): a different data model from the U-Net's 8-bit one, so "
        "the two columns do not compare across families. The autoregressive models (§7) "
        "model **binarised** digits (x = 1{pixel ≥ ½}): their NLL is exact but on bits, and "
        "their samples are scored against the binarised held-out and training digits. "
        + (
            f"Diffusion U-Net: {VLB_NOTE}. "
            if any(r.get("nats_se") is not None for r in img)
            else "Diffusion U-Net: its variational bound is not recorded in this table yet. "
        )
        + f"Recorded by `{t['command']}`."
    )
    pts = [r for r in rows if r["kind"] == "points"]
    if pts:
        st.subheader("2-D flows (exact likelihood, toy densities)")
        _table(
            [
                {
                    "model": BY_NAME[r["name"]].label,
                    "held-out NLL (nats/point)": _fmt(r["nats"]),
                    "bits/dim": _fmt(r["bpd"]),
                    "parameters": f"{r['parameters']:,}",
                    "ms per 64 samples": _fmt(ms64(r), 1),
                    "training steps": f"{r['steps']:,}",
                }
                for r in pts
            ]
        )
    name = _closest_pairs(img)
    with ui.error_boundary("the math checks"):
        ui.show_checks(gen_checks.table_checks(rows, name, data.recorded_samples()))


def _when(t: dict) -> str:
    """When the rows were measured: one time, or the range (a subset can be re-measured)."""
    at = sorted({r.get("measured_at", t["measured_at"]) for r in t["rows"]})
    return at[0] if len(at) == 1 else f"between {at[0]} and {at[-1]}"


def _closest_pairs(img: list[dict]) -> str:
    st.subheader("Memorisation: the closest sample / training-digit pairs")
    names = [r["name"] for r in img]
    name = ui.url_selectbox("Model", "gen_mem_model", names, format_func=lambda k: BY_NAME[k].label)
    pairs = data.recorded_samples().get(f"{name}__closest")
    if pairs is None:
        st.info(MISSING)
        return name
    row = next(r for r in img if r["name"] == name)
    tiles = pairs.reshape(-1, 28, 28)  # sample, training digit, sample, ...
    st.image(to_png_bytes(make_grid(tiles, nrow=4), scale=3), width=360)
    st.caption(
        "Pairs side by side: generated digit, then its nearest training digit (pixel L2). "
        f"Closest distance {row['closest_pairs'][0]['distance']:.2f}; median over samples "
        f"{row['mem_median_sample']:.2f} vs {row['mem_median_heldout']:.2f} for held-out digits."
    )
    return name


@st.fragment
@ui.guarded("the side by side view")
def side_by_side_view() -> None:
    rec = data.recorded_samples()
    t = data.table()
    if not rec or t is None:
        st.warning(MISSING)
        return
    st.subheader(f"The same seed ({t['grid_seed']}) for every family")
    families = sorted({m.family for m in image_models()}, key=list(FAMILIES).index)
    for fam in families:
        st.markdown(f"**{fam}**: {FAMILIES[fam]}")
        ms = [m for m in image_models() if m.family == fam]
        cols = st.columns(min(4, len(ms)))
        for i, m in enumerate(ms):
            with cols[i % len(cols)]:
                if m.name in rec:
                    st.image(grid_png(rec[m.name][:36] / 255.0, scale=2), caption=m.label)
                ui.prose(f"{m.summary} (notes {m.section})")
    st.markdown(f"**explicit-tractable, 2-D flows**: {FAMILIES['explicit-tractable']}")
    cols = st.columns(3)
    from core.generative.render import flow_target_points

    for i, m in enumerate(point_models()):
        if m.name in rec:
            with cols[i % 3]:
                png = scatter_png(rec[m.name], flow_target_points(m.name, 2000), size=240)
                st.image(png, caption=m.label)
    ui.prose(f"{point_models()[0].summary} (notes §8.4)")
    ms = {r["name"]: ms64(r) for r in t["rows"]}
    one_pass = tuple(
        m.name
        for m in image_models()
        if m.family != "diffusion" and m.name in rec and ms.get(m.name, 1e9) < FAST_MS
    )  # the chain-rule samplers that take seconds are left out: this check runs on every view
    with ui.error_boundary("the math checks"):
        ui.show_checks([gen_checks.redraw_check(one_pass, int(t["grid_seed"]))])


FAST_MS = 500.0  # recorded ms per 64 samples under which a model is drawn again for a check
CAP_S = 30.0  # the page samples at most this many predicted seconds of one CPU thread


def max_n(row: dict | None) -> int:
    """The most samples the page draws from a model: its measured time per 64, scaled, within
    CAP_S (the chain-rule PixelCNNs need 784 passes a sample); MAX_N when it is not measured."""
    if row is None:
        return MAX_N
    return int(min(MAX_N, max(1, 64 * CAP_S * 1000 // ms64(row))))


def quality_time_figure(rows: list[dict], metric: str) -> go.Figure:
    img = [r for r in rows if r["kind"] == "image" and r.get(metric) is not None]
    fig = go.Figure()
    for fam in FAMILIES:
        rs = [r for r in img if r["family"] == fam]
        if rs:
            fig.add_trace(
                go.Scatter(
                    x=[ms64(r) for r in rs],
                    y=[r[metric] for r in rs],
                    mode="markers+text",
                    text=[BY_NAME[r["name"]].label for r in rs],
                    textposition="top center",
                    name=fam,
                    marker={"size": 12},
                )
            )
    fig.update_layout(
        xaxis={"title": "ms to sample 64 (log scale)", "type": "log"},
        yaxis={"title": metric + (" (lower is better)" if metric == "frechet" else "")},
        height=460,
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


@st.fragment
@ui.guarded("the quality time view")
def quality_time_view() -> None:
    rows = _rows()
    if rows is None:
        return
    metric = ui.url_radio(
        "Quality", "gen_quality", ["frechet", "precision", "recall"], horizontal=True
    )
    ui.figure(quality_time_figure(rows, metric), key="gen_quality_fig")
    ui.prose(
        "One forward pass (GAN, VAE) costs milliseconds; the pixel-space diffusion U-Net pays "
        f"{QUICK_STEPS} DDIM steps × 2 (guidance) network calls here, and latent diffusion buys "
        "speed back by denoising an 8-d code (§10.5)."
    )
    _steps_table()


def _steps_table() -> None:
    s = data.steps_table()
    if s is None:
        st.info("Record the U-Net's quality vs DDIM steps with `python -m core.generative.steps`.")
        return
    st.subheader("What fewer DDIM steps cost the diffusion U-Net")
    _table(
        [
            {
                "DDIM steps S": f"{r['S']}" + (" (quick sampling)" if r["S"] == QUICK_STEPS else "")
                + (" (its page's default)" if r["S"] == 50 else ""),
                "judged accuracy": _fmt(r["accuracy"]),
                "class entropy": _fmt(r["entropy"]),
                "Fréchet (judge)": _fmt(r["frechet"], 1),
                "precision": _fmt(r["precision"]),
                "recall": _fmt(r["recall"]),
                "ms per 64 (CPU time)": _fmt(1000 * r["cpu_seconds_64"], 0),
            }
            for r in s["rows"]
        ]
    )  # fmt: skip
    ui.prose(
        f"{s['n']} guided samples (ρ = {s['rho']:g}, seed {s['seed']}, balanced labels) per S, "
        "scored like the table above; quick sampling (the CLI and this page) uses "
        f"S = {QUICK_STEPS} so that 64 samples take ~2 s of one CPU thread (the budget is 3 s), "
        "and pays for it in precision and recall; the Diffusion page runs S = 50. Measured "
        f"{s['measured_at']} by `{s['command']}`."
    )


@st.fragment
@ui.guarded("the sample view")
def sample_view(ctx) -> None:
    names = [m.name for m in image_models() + point_models()]
    c1, c2, c3 = st.columns([3, 1, 1])
    with c1:
        name = ui.url_selectbox("Model", "gen_model", names, format_func=lambda k: BY_NAME[k].label)
    with c2:
        n = ui.url_number("N samples", "gen_n", 1, MAX_N, 64, step=1)
    with c3:
        seed = ui.url_number("Seed", "gen_seed", 0, 2**31 - 1, int(ctx.seed), step=1)
    entry = BY_NAME[name]
    row = {r["name"]: r for r in (data.table() or {}).get("rows", [])}.get(name)
    cap = max_n(row)
    if row is not None and n <= cap and ms64(row) * n / 64 > 1000.0:  # over the cap: see below
        st.caption(
            f"Expect about {ms64(row) * n / 64000:.0f} s here "
            "(measured time for 64, scaled to N; the CPU is shared)."
        )
    if n > cap:
        st.warning(
            f"{n} samples of {entry.label} would take about {ms64(row) * n / 64000:.0f} s of "
            f"this shared server's CPU (one pass per pixel); this page draws at most {cap} from "
            f"it (about {CAP_S:.0f} s). For more, use the command line: "
            f"`python -m core.pretrained sample {name} --n {n}`."
        )
    if st.button("Sample", key="gen_sample", icon=":material/casino:", disabled=n > cap):
        st.session_state["gen_request"] = (name, int(n), int(seed))
    req = st.session_state.get("gen_request")
    if req and req[0] == name:
        bar = st.empty()

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Sampling {req[1]} from {entry.label}…")

        try:
            with st.spinner(f"Sampling {req[1]} from {entry.label}…"):
                x, png, npz, sec = data.sample(*req, progress)
        except (PretrainedError, ValueError) as e:
            st.error(str(e))
        else:
            bar.empty()
            st.image(png, caption=f"{req[1]} samples, seed {req[2]} ({sec:.2f} s)", width=480)
            d1, d2 = st.columns(2)
            d1.download_button(
                "Download PNG", png, f"{name}_n{req[1]}_seed{req[2]}.png", "image/png",
                key="gen_dl_png",
            )  # fmt: skip
            d2.download_button(
                "Download .npz", npz, f"{name}_n{req[1]}_seed{req[2]}.npz",
                "application/octet-stream", key="gen_dl_npz",
            )  # fmt: skip
            with ui.error_boundary("the math checks"):
                ui.show_checks(gen_checks.sample_checks(name, x, npz, req[1], req[2]))
    try:
        st.page_link(
            entry.page,
            label=f"Open {entry.label} on its own page ({entry.section})",
            icon=":material/open_in_new:",
            query_params=entry.page_query or None,
        )
    except StreamlitPageNotFoundError:  # AppTest runs this page alone: no other pages exist
        st.caption(f"Its own page: {entry.page} ({entry.section})")
    _model_card(name)


def _model_card(name: str) -> None:
    with st.expander("Model card (from its manifest)", expanded=False):
        try:
            m = read_manifest(name)
        except PretrainedError as e:
            st.error(str(e))
            return
        st.markdown(
            f"**{m['name']}** — {m.get('description', '')}  \n"
            f"Architecture `{m.get('architecture')}`, {m.get('parameters', 0):,} parameters, "
            f"{m.get('steps')} steps, seed {m.get('seed')}.  \nData: {m.get('dataset')}  \n"
            f"Rebuild: `{m.get('retrain')}`  \nsha256 `{m.get('sha256', '')[:16]}…`"
        )
        st.json({"config": m.get("config"), "metrics": m.get("metrics")}, expanded=False)
        if m.get("notes"):
            st.caption(m["notes"])
