"""§8 Normalizing flows: NICE / RealNVP / Glow warp a Gaussian into a 2-D density, with exact
likelihoods and log-determinants checked against autograd (notes §8.1–8.5)."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

import ui
from core.data.mnist import MNIST_SPLIT_TEXT, mnist_split
from core.flows import density as D
from core.flows import figures as F
from core.flows.image_masks import partition_views, squeeze, unsqueeze
from core.flows.models import FLOW_BUILDERS, FLOW_LABELS, PERMUTATIONS, FlowConfig
from core.flows.one_d import MONOTONE_MAPS, one_d_checks, one_d_density
from core.flows.pretrained import TARGETS, pretrained_name, standardise_points, target_data
from core.flows.trainer import BEST_NLL, FlowTrainer, TrainConfig

UPLOAD = "upload"
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0, 10.0]
DIVERGED_NLL = 50.0  # nats per point: far worse than the untrained base Gaussian on any target

ctx = ui.page(
    "Normalizing Flows",
    "🌊",
    section="§8.1–8.5",
    intuition="A normalizing flow bends a standard Gaussian into the data's shape with a chain "
    "of **invertible** maps whose Jacobian determinants are cheap. Because every step "
    "can be undone and its volume change is known, the likelihood of any point is "
    "**exact**: no bound, no sampling. Watch a grid and Gaussian samples being warped "
    "step by step, and check the page's own determinants against autograd.",
    equation=r"\log p_X(x) = \log p_Z\big(f^{-1}(x)\big) + \sum_{k=1}^{m}"
    r"\log\big|\det J_{f_k^{-1}}\big|,\qquad x = f(z) = (f_m\circ\dots\circ f_1)(z)",
)

SECTIONS = {
    "2d": "2-D flows (§8.2–8.4)",
    "1d": "1-D change of variables (§8.1)",
    "images": "image masks (§8.5)",
}
section = ui.url_radio(
    "part",
    "nf_section",
    list(SECTIONS),
    horizontal=True,
    format_func=SECTIONS.get,
    label_visibility="collapsed",
)
checks: list[ui.Check] = []


# ------------------------------------------------------------------------------ §8.1 in 1-D
def one_d_section() -> None:
    st.subheader("§8.1 Change of variables in one dimension")
    ui.prose(
        "Push z ~ N(0, 1) through a monotone map x = f(z). Where f is steep the same "
        "probability is spread over more x, so the density drops by the factor "
        "|df⁻¹/dx| = 1/|f'(z)| (dotted, right axis)."
    )
    with ui.error_boundary("the 1-D view"):
        map_name = ui.url_selectbox(
            "monotone map f",
            "nf_map",
            list(MONOTONE_MAPS),
            format_func=lambda k: MONOTONE_MAPS[k].label,
        )
        d1, c1 = _one_d(map_name, ctx.seed)
        ui.figure(F.fig_one_d(d1, MONOTONE_MAPS[map_name].label), key="nf_1d_fig")
        checks.append(
            ui.Check(
                "1-D: ∫ p_X dx over the window − P(window)",
                c1["integral_error"],
                1e-3,
                f"window holds {c1['window_mass']:.4f} of the mass",
            )
        )
        checks.append(
            ui.Check(
                "1-D: |df⁻¹/dx| vs finite differences (max relative error)",
                c1["jacobian_error"],
                1e-4,
            )
        )


@st.cache_data(max_entries=16, show_spinner=False)
def _one_d(name: str, seed: int):
    d = one_d_density(name, n=600, n_samples=5000, seed=seed)
    return d, one_d_checks(name, d)


# ------------------------------------------------------------------------------ 2-D flows
@st.cache_data(max_entries=16, show_spinner=False)
def _target(target: str):
    x_train, x_test = target_data(target)
    return x_train, x_test, D.data_box(np.concatenate([x_train, x_test]))


@st.cache_data(max_entries=4, show_spinner=False)
def _standardised(X: np.ndarray):
    return standardise_points(X)  # ~17 ms for 20,000 points (np.unique): once per upload


def _uploaded_split(X: np.ndarray, seed: int):
    perm = np.random.default_rng(seed).permutation(len(X))
    n_test = max(1, len(X) // 5)  # 20 % held out, never trained on
    return X[perm[n_test:]], X[perm[:n_test]], D.data_box(X)


@st.cache_data(max_entries=24, show_spinner=False)
def _paths(key: tuple, _flow, box: tuple, x_show: np.ndarray, seed: int):
    return D.warp_views(_flow, box, x_show, seed)


@st.cache_data(max_entries=64, show_spinner=False)
def _step_logdet(key: tuple, _flow, k: int, pts_before: np.ndarray):
    b = D.data_box(pts_before, pad=0.1)
    xs, ys, ld = D.step_log_det_grid(_flow, k, b, 100)
    return xs, ys, ld, b


@st.cache_data(max_entries=24, show_spinner=False)
def _flow_checks(key: tuple, _flow, x_test: np.ndarray):
    return D.flow_checks(_flow, x_test)


@st.cache_data(max_entries=16, show_spinner=False)
def _show_subset(x: np.ndarray, n: int = 1500):
    idx = np.random.default_rng(0).permutation(len(x))[:n]
    return x[idx]


def two_d_section() -> None:
    st.subheader("§8.2–8.5 Flows in two dimensions")
    ui.prose(
        "Coupling layers (§8.2) copy one coordinate x_B and transform the other with an "
        "invertible h(x_A, β(x_B)); stacking m of them (§8.3) with the halves exchanged between "
        "steps lets every coordinate be transformed. Training maximises the exact likelihood "
        "(§8.4)."
    )
    c_t, c_s = st.columns([2, 2])
    with c_t:
        target = ui.url_selectbox(
            "target density",
            "nf_target",
            list(TARGETS) + [UPLOAD],
            format_func=lambda k: TARGETS.get(k, "your own points (CSV)"),
        )
    with c_s:
        source = ui.url_radio(
            "flow shown",
            "nf_source",
            ["pretrained", "live"],
            horizontal=True,
            format_func={"pretrained": "pretrained (fitted)", "live": "train live"}.get,
        )

    x_train = x_test = box = None
    data_tag: tuple = (target,)
    if target == UPLOAD:
        up = ui.points_upload("2-D points (CSV with columns x1, x2)", key="nf_upload", min_rows=20)
        if up is None:
            st.info("Upload a CSV of at least 20 points (columns x1, x2) to fit a flow to them.")
        else:
            X_up = up[0]
            try:
                U, mean, sd = _standardised(X_up)
            except ValueError as e:
                st.error(f"Cannot fit a 2-D flow to these points: {e}.")
                U = None
            if U is not None:
                x_train, x_test, box = _uploaded_split(U, ctx.seed)
                # the points' exact content: sums alone cannot tell a file from its columns swapped
                data_tag = (
                    target,
                    hashlib.blake2b(
                        np.ascontiguousarray(X_up).tobytes(), digest_size=16
                    ).hexdigest(),
                )
                st.caption(
                    f"Your {len(X_up):,} points are standardised per coordinate, "
                    f"u = (x − ({mean[0]:.3g}, {mean[1]:.3g})) / ({sd[0]:.3g}, "
                    f"{sd[1]:.3g}), and the flow is fitted to u (20 % held out). NLLs "
                    f"below are per point in u; in your units add ln sd₁ + ln sd₂ = "
                    f"{float(np.log(sd).sum()):.3f} nats."
                )
                if source == "pretrained":
                    st.info("There is no pretrained flow for your points: train one live below.")
                    source = "live"
    else:
        x_train, x_test, box = _target(target)

    best = BEST_NLL.get(target)
    flow = None
    flow_key: tuple = ()
    flow_label = ""

    if x_train is not None and source == "pretrained":
        with ui.error_boundary("the pretrained flow"):
            loaded = ui.pretrained(pretrained_name(target), ctx.device)
            if loaded is not None:
                flow, manifest = loaded
                m = manifest["metrics"]
                flow_key = ("pretrained", pretrained_name(target), manifest["sha256"])
                cfg = manifest["config"]["flow"]
                flow_label = (
                    f"pretrained RealNVP, {cfg['n_steps']} steps, width {cfg['hidden']}, "
                    f"{manifest['steps']:,} Adam steps"
                )
                st.caption(
                    f"{flow_label}: held-out NLL **{m['test_nll']:.3f}** ± "
                    f"{m['test_nll_se']:.3f} nats (train {m['train_nll']:.3f})"
                    + (f"; best achievable ln 32 = {best:.3f}" if best else "")
                )
                cur = manifest.get("curve")
                if cur:
                    ui.figure(
                        F.fig_training_curve(
                            cur["steps"],
                            cur["train_nll"],
                            cur["test_nll"],
                            best,
                            "ln 32 = 3.466 (entropy)" if best else "",
                        ),
                        key="nf_pre_curve",
                        height=260,
                    )

    if x_train is not None and source == "live":
        c1_, c2_, c3_, c4_, c5_ = st.columns(5)
        with c1_:
            kind = ui.url_selectbox(
                "architecture",
                "nf_kind",
                list(FLOW_BUILDERS),
                value="realnvp",
                format_func=FLOW_LABELS.get,
            )
        with c2_:
            n_steps = ui.url_slider("coupling steps m", "nf_steps", 1, 16, 6)
        with c3_:
            hidden = ui.url_select_slider("hidden width", "nf_hidden", [8, 16, 32, 64, 128], 64)
        with c4_:
            perm = ui.url_selectbox(
                "exchange halves",
                "nf_perm",
                list(PERMUTATIONS),
                format_func={
                    "reverse": "alternate (reverse)",
                    "random": "random per step",
                    "none": "none (same half)",
                }.get,
            )
        with c5_:
            lr = ui.url_select_slider("learning rate", "nf_lr", LRS, 3e-3)
        if perm == "none" and kind != "glow":
            st.warning(
                "Without exchanging the halves, x_B is copied through every step: the flow "
                "can only learn p(x_A | x_B) and keeps x_B Gaussian."
            )
        cfg = FlowConfig(
            kind=kind, n_steps=int(n_steps), hidden=int(hidden), permutation=perm, seed=ctx.seed
        )
        tcfg = TrainConfig(lr=float(lr))
        xtr, xte = x_train, x_test

        def make():
            return FlowTrainer(cfg, xtr, xte, tcfg, device=ctx.device, seed=ctx.seed)

        def diverged(metrics):
            if metrics.get("test_nll", 0.0) > DIVERGED_NLL:
                return (
                    f"Training diverged: held-out NLL {metrics['test_nll']:.3g} nats per point "
                    f"(> {DIVERGED_NLL:g}). Paused: lower the learning rate and press Reset."
                )
            return None

        def render(stepper, metrics):
            h = stepper.history
            if metrics:
                st.caption(
                    f"train NLL {metrics['nll']:.3f} · held-out NLL {metrics['test_nll']:.3f} "
                    "nats per point" + (f" · best achievable ln 32 = {best:.3f}" if best else "")
                )
            if h.steps:
                keep = np.unique(
                    np.linspace(0, len(h.steps) - 1, min(len(h.steps), 300)).astype(int)
                )
                ui.figure(
                    F.fig_training_curve(
                        [h.steps[i] for i in keep],
                        [h.train_nll[i] for i in keep],
                        [h.test_nll[i] for i in keep],
                        best,
                        "ln 32 = 3.466 (entropy)" if best else "",
                    ),
                    key="nf_live_curve",
                    height=260,
                )
            else:
                st.caption("Press ▶ Play or ⏭ Step to fit the flow by maximum likelihood.")

        with ui.error_boundary("live training"):
            trainer = ui.live_training(
                "nf_live",
                make,
                signature=(cfg, tcfg, data_tag, ctx.seed),
                render=render,
                steps_per_click=50,
                chunk=10,
                stop_when=diverged,
            )
            flow = trainer.flow
            flow_key = ("live", id(trainer), trainer.steps_done, cfg, tcfg, data_tag, ctx.seed)
            flow_label = f"live {FLOW_LABELS[kind]}, step {trainer.steps_done:,}"
            st.caption(
                "The views below show the flow as of the last full rerun; they refresh when "
                "you pause or change a view control."
            )

    if flow is not None and not all(bool(torch.isfinite(p).all()) for p in flow.parameters()):
        st.info(
            "The flow's parameters are NaN or infinite after the divergence, so there is no "
            "warping, density or check to show: lower the learning rate and press Reset."
        )
        flow = None

    if flow is not None:
        st.markdown(f"**Warping view** · {flow_label}")
        m = flow.n_steps
        v1, v2, v3 = st.columns([3, 2, 2])
        with v1:
            k = ui.url_slider(
                f"after step k of m = {m}",
                "nf_step",
                0,
                m,
                m,
                help="0 = where the points start; m = the end of the flow",
            )
        with v2:
            direction = ui.url_radio(
                "direction",
                "nf_direction",
                ["generate", "normalize"],
                format_func={
                    "generate": "latent → data  x = f(z)",
                    "normalize": "data → latent  z = f⁻¹(x)",
                }.get,
            )
        with v3:
            view = ui.url_radio(
                "right panel",
                "nf_view",
                ["density", "logdet", "samples"],
                format_func={
                    "density": "density p_X (change of variables)",
                    "logdet": "log|det J| of step k",
                    "samples": "samples over data",
                }.get,
            )
        x_show = _show_subset(x_test)
        with ui.error_boundary("the warping view"):
            P = _paths(flow_key, flow, tuple(box), x_show, ctx.seed)
            left, right = st.columns(2)
            with left:
                if direction == "generate":
                    fig = F.fig_warp(
                        P["gen_lines"][k],
                        P["gen_pts"][k],
                        f"z ~ N(0, I) and a grid after f_1…f_{k}"
                        if k
                        else "base samples z ~ N(0, I) and a grid (step 0)",
                        box=box if k == m else None,
                        data=x_show if k == m else None,
                    )
                else:
                    fig = F.fig_warp(
                        P["nrm_lines"][k],
                        P["nrm_pts"][k],
                        f"data and a grid pulled back through {k} of {m} steps",
                        box=(-4, 4, -4, 4) if k == m else (box if k == 0 else None),
                    )
                ui.figure(fig, key="nf_warp_fig")
            with right:
                if view == "density":
                    xs, ys, logp = P["density"]
                    ui.figure(
                        F.fig_heatmap(
                            xs,
                            ys,
                            np.exp(logp),
                            "p_X(x) = p_Z(f⁻¹(x)) · |det J of f⁻¹ at x| (200×200 grid)",
                            "p_X",
                            box=box,
                        ),
                        key="nf_density_fig",
                    )
                elif view == "logdet":
                    kk = max(k, 1)
                    xs, ys, ld, b = _step_logdet(flow_key, flow, kk, P["gen_pts"][kk - 1])
                    ui.figure(
                        F.fig_heatmap(
                            xs,
                            ys,
                            ld,
                            f"log|det J| of step f_{kk} on its input "
                            "(blue: stretches, red: compresses)",
                            "log|det J|",
                            diverging=True,
                            box=b,
                        ),
                        key="nf_logdet_fig",
                    )
                else:
                    ui.figure(
                        F.fig_samples_over_data(x_show, P["gen_pts"][m][:1000], box),
                        key="nf_samples_fig",
                    )
        with ui.error_boundary("the flow checks"):
            C = _flow_checks(flow_key, flow, x_test)
            checks.extend(
                [
                    ui.Check("2-D: max |f⁻¹(f(z)) − z| (float32)", C["inv32"], 1e-4),
                    ui.Check("2-D: max |f⁻¹(f(z)) − z| (float64 copy)", C["inv64"], 1e-10),
                    ui.Check(
                        "2-D: log|det J| from the layers vs autograd Jacobian determinant",
                        C["ld_err"],
                        1e-8,
                        f"float64, 16 points, mean |log det| {C['ld_scale']:.2f}",
                    ),
                    ui.Check(
                        "2-D: 1 − ∫ p_X over the plotted box (200×200 midpoint rule)",
                        abs(1 - P["integral"]),
                        0.03,
                        f"integral = {P['integral']:.4f}; ≈ 1 only when the box holds the "
                        "flow's mass (an untrained flow spills over)",
                    ),
                ]
            )
            st.metric(
                "held-out NLL (nats per point)",
                f"{C['nll']:.3f} ± {C['se']:.3f}",
                delta=(f"{C['nll'] - best:+.3f} vs ln 32" if best else None),
                delta_color="inverse",
            )
            if best is not None:
                checks.append(
                    ui.Check(
                        "checkerboard: held-out NLL never below the entropy ln 32 "
                        "(shortfall beyond 3 standard errors)",
                        max(0.0, best - C["nll"] - 3 * C["se"]),
                        0.0,
                    )
                )

    ui.prose(
        "**What to notice.** (1) With `exchange halves = none` one coordinate stays Gaussian "
        "whatever you train. (2) NICE's couplings are volume-preserving (log|det J| = 0): only "
        "its final scaling changes volume, so its log|det J| heatmap is flat. (3) On the "
        "checkerboard the held-out NLL approaches but never goes below ln 32 ≈ 3.466 nats: "
        "the cross-entropy is the entropy plus a KL divergence ≥ 0. (4) Pulling the data back "
        "(data → latent) should end in a round Gaussian blob; where it does not, the model "
        "puts too little or too much mass."
    )


# ------------------------------------------------------------------------------ §8.5 images
@st.cache_data(max_entries=32, show_spinner=False)
def _views(idx: int, parity: int):
    return partition_views(mnist_split().x_test[idx, 0], parity)


def images_section() -> None:
    st.subheader("§8.5 RealNVP on images: what conditions on what")
    ui.prose(
        "On images RealNVP first couples with a **checkerboard** mask, then **squeezes** each "
        "2×2 block into 4 channels (C×H×W → 4C×H/2×W/2) and couples with a **channel** mask: "
        "half of the channels condition the other half. " + MNIST_SPLIT_TEXT + "."
    )

    with ui.error_boundary("the image masks"):
        i1, i2 = st.columns(2)
        with i1:
            digit = ui.url_slider("test digit", "nf_digit", 0, 499, 0)
        with i2:
            parity = ui.url_radio(
                "mask parity",
                "nf_parity",
                [0, 1],
                horizontal=True,
                format_func=lambda p: (
                    "even squares / first channels" if p == 0 else "odd squares / last channels"
                ),
            )
        views = _views(int(digit), int(parity))
        ui.figure(F.fig_partitions(views), key="nf_masks_fig")
        x = torch.tensor(views["digit"])[None, None]  # (1, 1, 28, 28)
        checks.append(
            ui.Check(
                "images: max |unsqueeze(squeeze(x)) − x|",
                float((unsqueeze(squeeze(x)) - x).abs().max()),
                0.0,
            )
        )
        covered = np.where(np.isnan(views["checker_B"]), views["checker_A"], views["checker_B"])
        checks.append(
            ui.Check(
                "images: x_B and x_A of the checkerboard mask rebuild x exactly",
                float(np.abs(covered - views["digit"]).max()),
                0.0,
                f"{int(views['mask'].sum())} of 784 pixels condition",
            )
        )


{"2d": two_d_section, "1d": one_d_section, "images": images_section}[section]()
ui.show_checks(checks)
