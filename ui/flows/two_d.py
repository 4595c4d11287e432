"""§8.2–8.5 view: flows in two dimensions — a pretrained RealNVP per target, or one trained live
(NICE / RealNVP / Glow), then the warping view and the live checks (§8.3 log-dets vs autograd).
"""

from __future__ import annotations

import hashlib

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

import ui
from core.flows import density as D
from core.flows import figures as F
from core.flows.models import FLOW_BUILDERS, FLOW_LABELS, PERMUTATIONS, FlowConfig
from core.flows.pretrained import TARGETS, pretrained_name, standardise_points, target_data
from core.flows.trainer import BEST_NLL, FlowTrainer, TrainConfig
from ui.flows import checks as C
from ui.flows import warping
from ui.live import applied_settings, apply_settings, deferred_settings, setting_changes

UPLOAD = "upload"
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0, 10.0]
DIVERGED_NLL = 50.0  # nats per point: far worse than the untrained base Gaussian on any target
LIVE_POINTS = 500  # points per live frame
# steps per step() call. A tick trains in 8 slices and a slice ends after the call that passes
# its budget, so it overshoots by up to one call: with 2-step calls (~33 ms) the tick took
# ~0.7 s of CPU against its 0.64 s timer, the next timer fire cut it short and its frames were
# never shown (5.9 changed frames/s in Chromium). One step (~16 ms) keeps the tick inside.
LIVE_CHUNK = 1
SETTINGS = "nf_settings"  # session_state: chosen / applied (FlowConfig, TrainConfig); Apply
LIVE_EVAL_EVERY = 50  # held-out NLL (10,000 points, ~7 training steps' work) every 50 steps


def live_train_config(lr: float = 3e-3) -> TrainConfig:
    """The live run's optimiser: Adam at ``lr``; the held-out NLL every 50 steps, not every
    call (it would cost more than the training)."""
    return TrainConfig(lr=float(lr), eval_every=LIVE_EVAL_EVERY)


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
def _flow_checks(key: tuple, _flow, x_test: np.ndarray):
    return D.flow_checks(_flow, x_test)


@st.cache_data(max_entries=16, show_spinner=False)
def _show_subset(x: np.ndarray, n: int = 1500):
    idx = np.random.default_rng(0).permutation(len(x))[:n]
    return x[idx]


@st.cache_resource(max_entries=16, show_spinner=False)
def _curve_figure(name: str, sha: str, best: float | None, _curve: dict):
    return F.fig_training_curve(_curve["steps"], _curve["train_nll"], _curve["test_nll"], best,
                                "ln 32 = 3.466 (entropy)" if best else "")  # fmt: skip


def live_snapshot(x_show: np.ndarray, box, best: float | None, seed: int):
    """The live frame maker: the current flow's samples and grid over the data, and the NLLs."""
    z = np.random.default_rng(seed).standard_normal((LIVE_POINTS, 2)).astype(np.float32)
    lines = D.grid_lines((-3.5, 3.5, -3.5, 3.5), 13, 50)
    data = x_show[:LIVE_POINTS]

    both = np.concatenate([z, lines.reshape(-1, 2)])  # one pass through the flow, not two

    def snapshot(stepper: FlowTrainer) -> dict:
        flow = stepper.flow
        flow.eval()
        try:
            out = D.warp_points(flow, both, flow.n_steps, "generate")  # x = f(z), f(grid)
            samples, warped = out[:LIVE_POINTS], out[LIVE_POINTS:].reshape(lines.shape)
        finally:
            flow.train()
        h = stepper.history
        keep = np.unique(np.linspace(0, len(h.steps) - 1, min(len(h.steps), 200)).astype(int))
        pick = (lambda v: [v[i] for i in keep]) if h.steps else (lambda v: [])
        return F.live_snapshot_frame(data, samples, warped, box, pick(h.steps),
                                     pick(h.train_nll), pick(h.test_nll), best)  # fmt: skip

    return snapshot


@st.fragment
def view(ctx) -> None:
    c_t, c_s = st.columns([2, 2])
    with c_t:
        target = ui.url_selectbox(
            "target density",
            "nf_target",
            list(TARGETS) + [UPLOAD],
            format_func=lambda k: TARGETS.get(k, "your own points (CSV)"),
        )
    with c_s:
        source = ui.url_radio("flow shown", "nf_source", ["pretrained", "live"], horizontal=True,
                              format_func={"pretrained": "pretrained (fitted)",
                                           "live": "train live"}.get)  # fmt: skip

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
                digest = hashlib.blake2b(np.ascontiguousarray(X_up).tobytes(), digest_size=16)
                data_tag = (target, digest.hexdigest())
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
    flow, flow_key, flow_label, playing = None, (), "", False

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
                    with st.expander("Training curve of this flow", icon=":material/show_chart:"):
                        fig = _curve_figure(pretrained_name(target), manifest["sha256"], best, cur)
                        ui.figure(go.Figure(fig), key="nf_pre_curve", height=260)

    x_show = _show_subset(x_test) if x_test is not None else None
    if x_train is not None and source == "live":
        flow, flow_key, flow_label, playing = _live(ctx, x_train, x_test, box, data_tag, best,
                                                    x_show)  # fmt: skip

    broken = None  # a diverged live flow: nothing finite to warp, integrate or check
    if flow is not None and not all(bool(torch.isfinite(p).all()) for p in flow.parameters()):
        broken = "parameters are"
    elif flow is not None and source == "live":
        nlls = st.session_state["nf_live"].stepper.history.test_nll
        broken = "held-out NLL is" if nlls and not np.isfinite(nlls[-1]) else None
    if broken:
        st.info(
            f"The flow's {broken} NaN or infinite after the divergence, so there is no "
            "warping, density or check to show: lower the learning rate and press Reset."
        )
        flow = None

    if flow is not None:
        with ui.error_boundary("the warping view"):
            warping.view(flow_key, flow, tuple(box), x_show, ctx.seed, flow_label, playing)
        if not playing:
            _checks(flow_key, flow, x_test, tuple(box), x_show, ctx.seed, best, source)

    ui.prose(
        "Coupling layers (§8.2) copy one coordinate x_B and transform the other with an "
        "invertible h(x_A, β(x_B)); stacking m of them (§8.3) with the halves exchanged between "
        "steps lets every coordinate be transformed. Training maximises the exact likelihood "
        "(§8.4).\n\n"
        "**What to notice.** (1) With `exchange halves = none` one coordinate stays Gaussian "
        "whatever you train. (2) NICE's couplings are volume-preserving (log|det J| = 0): only "
        "its final scaling changes volume, so its log|det J| heatmap is flat. (3) On the "
        "checkerboard the held-out NLL approaches but never goes below ln 32 ≈ 3.466 nats: "
        "the cross-entropy is the entropy plus a KL divergence ≥ 0. (4) Pulling the data back "
        "(data → latent) should end in a round Gaussian blob; where it does not, the model "
        "puts too little or too much mass."
    )


@st.fragment
def _settings_panel(seed: int) -> None:
    """The flow and optimiser settings in their own fragment: a change reruns only this panel,
    which offers Apply (``ui.live.deferred_settings``; rebuilding the trainer, the warping
    frames and the checks on every slider step cost ~0.8 s input→paint in Chromium)."""
    with st.expander("Flow and training settings", icon=":material/tune:", expanded=False):
        c1_, c2_, c3_ = st.columns(3)
        with c1_:
            kind = ui.url_selectbox("architecture", "nf_kind", list(FLOW_BUILDERS),
                                    value="realnvp", format_func=FLOW_LABELS.get)  # fmt: skip
            n_steps = ui.url_slider("coupling steps m", "nf_steps", 1, 16, 6)
        with c2_:
            hidden = ui.url_select_slider("hidden width", "nf_hidden", [8, 16, 32, 64, 128], 64)
            perm = ui.url_selectbox("exchange halves", "nf_perm", list(PERMUTATIONS),
                                    format_func={"reverse": "alternate (reverse)",
                                                 "random": "random per step",
                                                 "none": "none (same half)"}.get)  # fmt: skip
        with c3_:
            lr = ui.url_select_slider("learning rate", "nf_lr", LRS, 3e-3)
    if perm == "none" and kind != "glow":
        st.warning(
            "Without exchanging the halves, x_B is copied through every step: the flow "
            "can only learn p(x_A | x_B) and keeps x_B Gaussian."
        )
    cfg = FlowConfig(kind=kind, n_steps=int(n_steps), hidden=int(hidden), permutation=perm,
                     seed=seed)  # fmt: skip
    chosen = (cfg, live_train_config(float(lr)))
    deferred_settings(SETTINGS, chosen, chosen, lambda a, b: [
        *setting_changes(a[0], b[0]), *setting_changes(a[1], b[1])])  # fmt: skip


def _live(ctx, x_train, x_test, box, data_tag, best, x_show):
    """Settings (collapsed), the live-training fragment, and the flow it trains."""
    if st.session_state.get("nf_live_reset"):  # Reset starts over from the settings shown
        apply_settings(SETTINGS)
    _settings_panel(ctx.seed)
    chosen = st.session_state[SETTINGS + "_chosen"][1]
    applied = st.session_state.get(SETTINGS + "_applied", (None, None))[1]
    new_seed = applied is not None and applied[0].seed != chosen[0].seed  # applies at once
    cfg, tcfg = applied_settings(SETTINGS, apply_now=new_seed)
    kind = cfg.kind

    def make():
        return FlowTrainer(cfg, x_train, x_test, tcfg, device=ctx.device, seed=ctx.seed)

    def diverged(metrics):
        if metrics.get("test_nll", 0.0) > DIVERGED_NLL:
            return (
                f"Training diverged: held-out NLL {metrics['test_nll']:.3g} nats per point "
                f"(> {DIVERGED_NLL:g}). Paused: lower the learning rate and press Reset."
            )
        return None

    def render(stepper, metrics):
        if metrics:
            st.caption(
                f"train NLL {metrics['nll']:.3f} · held-out NLL {metrics['test_nll']:.3f} "
                "nats per point" + (f" · best achievable ln 32 = {best:.3f}" if best else "")
            )
        elif not stepper.history.steps:
            st.caption("Press Play or Step to fit the flow by maximum likelihood.")

    with ui.error_boundary("live training"):
        trainer = ui.live_training(
            "nf_live",
            make,
            signature=(cfg, tcfg, data_tag, ctx.seed),
            render=render,
            steps_per_click=50,
            chunk=LIVE_CHUNK,
            stop_when=diverged,
            snapshot=live_snapshot(x_show, tuple(box), best, ctx.seed),
            frames_per_tick=8,
            frame_ms=80,
            tick_budget_s=0.5,
            figure_height=420,
        )
        s = st.session_state.get("nf_live")
        playing = bool(getattr(s, "playing", False))
        key = ("live", id(trainer), trainer.steps_done, cfg, tcfg, data_tag, ctx.seed)
        return trainer.flow, key, f"live {FLOW_LABELS[kind]}, step {trainer.steps_done:,}", playing
    return None, (), "", False


def _checks(flow_key, flow, x_test, box, x_show, seed, best, source) -> None:
    with ui.error_boundary("the flow checks"):
        c = _flow_checks(flow_key, flow, x_test)
        P = warping.warp_paths(flow_key, flow, box, x_show, seed)
        integral = P["integral"]
        checks = [
            ui.Check("2-D: max |f⁻¹(f(z)) − z| (float32)", c["inv32"], 1e-4),
            ui.Check("2-D: max |f⁻¹(f(z)) − z| (float64 copy)", c["inv64"], 1e-10),
            ui.Check(
                "2-D: log|det J| from the layers vs autograd Jacobian determinant",
                c["ld_err"],
                1e-8,
                f"float64, 16 points, mean |log det| {c['ld_scale']:.2f}",
            ),
        ]
        pending: list[C.Pending] = []
        name = "2-D: 1 − ∫ p_X over the plotted box (200×200 midpoint rule)"
        detail = f"integral = {integral:.4f}; ≈ 1 once the box holds the flow's mass"
        chk = ui.Check(name, abs(1 - integral), 0.03, detail)
        if source == "live" and not chk.passed:
            pending.append(C.Pending(name, f"∫ p_X = {integral:.3f} so far: an untrained flow "
                                           "spills its mass outside the data's box"))  # fmt: skip
        else:
            checks.append(chk)
        st.metric(
            "held-out NLL (nats per point)",
            f"{c['nll']:.3f} ± {c['se']:.3f}",
            delta=(f"{c['nll'] - best:+.3f} vs ln 32" if best else None),
            delta_color="inverse",
        )
        if best is not None:
            checks.append(
                ui.Check(
                    "checkerboard: held-out NLL never below the entropy ln 32 "
                    "(shortfall beyond 3 standard errors)",
                    max(0.0, best - c["nll"] - 3 * c["se"]),
                    0.0,
                )
            )
        C.show(checks, pending)
