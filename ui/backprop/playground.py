"""The Playground view (§1.2–1.4): train an MLP live, TF-Playground style.

While playing, ``ui.live_training(snapshot=...)`` takes 10 real snapshots per tick (decision
heatmap + points + loss curve in ONE figure) and the browser plays them while the next tick
trains; the metrics row redraws once per tick. The network graph, the detail panel and the
math checks redraw when a control changes or training pauses.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

import ui
from core.backprop import figures as F
from core.backprop.features import feature_label
from core.backprop.trainer import BackpropTrainer, resolve_loss
from core.backprop.verify import KINKED, gradient_check
from ui.backprop.common import (
    HEATMAP_GRID,
    NEURON_GRID,
    explain_config,
    make_trainer,
    show_figure,
)

DETAILS = ["hidden neurons", "gradient norms", "confusion matrix"]
FRAMES_PER_TICK, FRAME_MS, TICK_BUDGET_S = 10, 80, 0.64  # 12.5 frames/s; FIT bounds the budget


def snapshot_figure(tr: BackpropTrainer, show_test: bool, discretize: bool) -> dict:
    """One frame of the live view: the network's output over the plane and the loss so far.

    The figure is built once per trainer and toggles (`F.live_figure`); each frame only fills
    in the new heatmap (or curve) and loss arrays (`F.live_frame`, plotly's JSON form)."""
    data = tr.data
    initial = getattr(tr, "initial_losses", None)
    one_d = data.task == "regression" and data.dim == 1
    if one_d:
        x_line = np.linspace(data.X_all[:, 0].min(), data.X_all[:, 0].max(), 200)
        y_line = tr.output(np.stack([x_line, np.zeros_like(x_line)], axis=1))
        heat = None
    else:
        xs, ys, P = F.grid(F.data_bounds(data.X_all), HEATMAP_GRID)
        heat = F.heat_values(tr.output(P), HEATMAP_GRID, data.task, discretize)
    key = (id(tr), show_test, discretize)
    cached = st.session_state.get("_bp_skeleton")
    if cached is None or cached[0] != key:
        name = f"loss ({tr.loss})"
        fig = (
            F.live_figure(None, None, None, data, tr.history, initial=initial,
                          line=(x_line, y_line), show_test=show_test, loss_name=name)
            if one_d
            else F.live_figure(xs, ys, tr.output(P), data, tr.history, initial=initial,
                               show_test=show_test, discretize=discretize, loss_name=name)
        )  # fmt: skip
        cached = (key, F.live_skeleton(fig))
        st.session_state["_bp_skeleton"] = cached
    return F.live_frame(cached[1], tr.history, initial=initial, heat=heat,
                        line_y=y_line if one_d else None)  # fmt: skip


def dead_layers(tr: BackpropTrainer) -> list[int]:
    """Hidden layers (1-based) whose every unit outputs 0 on every training point (dead ReLUs)."""
    if tr.cfg.activation not in KINKED or not tr.cfg.hidden:
        return []
    a = tr.net.forward(tr.phi_train).a[1:-1]
    return [i + 1 for i, h in enumerate(a) if np.all(h <= 0)]


def render_metrics(tr: BackpropTrainer, metrics: dict) -> None:
    """Once per tick: the true step's metrics (the figure itself plays as snapshots)."""
    t0 = time.perf_counter()
    m = metrics or tr.evaluate()
    c = st.columns(4)
    c[0].metric("Epoch", f"{tr.epoch:.1f}")
    c[1].metric("Train loss", f"{m['loss']:.4f}")
    c[2].metric("Test loss", f"{m['test_loss']:.4f}")
    if "test_accuracy" in m:
        c[3].metric(
            "Test accuracy",
            f"{100 * m['test_accuracy']:.1f}%",
            help=f"train accuracy {100 * m['accuracy']:.1f}%",
        )
    if tr.diverged:
        st.error(f"Diverged: {tr.diverged}. Lower the learning rate and press Reset.")
    st.session_state["_bp_render_s"] = time.perf_counter() - t0  # read by the benchmark


def gradient_checks(tr: BackpropTrainer, seed: int) -> list:
    """Hand backprop vs autograd vs central differences on the current net and a minibatch."""
    key = ("bp_check", id(tr), tr.steps_done)
    cache = st.session_state.setdefault("_bp_check_cache", {})
    if key not in cache:
        x, t = tr.minibatch(8, seed=seed)
        cache.clear()
        cache[key] = gradient_check(
            tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate, n_fd=48, seed=seed
        )
    c = cache[key]
    return [
        ui.Check(
            f"hand backprop vs torch.autograd (float64), max |Δ| over all {c.n_params} parameters",
            c.max_abs_autograd,
            1e-10,
            f"minibatch of 8 training points at step {tr.steps_done}; largest |gradient| "
            f"{c.max_abs_grad:.3g}",
        ),
        fd_check(c, "minibatch"),
    ]


def fd_check(c, what: str) -> ui.Check:
    """The finite-difference check; perturbations that straddle a kink are said, not compared."""
    n_smooth = c.n_fd - c.n_kink
    detail = ""
    if c.n_kink:
        detail = (
            f"{c.n_kink} of {c.n_fd} perturbations θ ± h cross a kink (a ReLU/step unit at "
            f"z ≈ 0, or |·| at 0): there L has no derivative, the central difference averages "
            f"two one-sided slopes (off by up to {c.max_abs_fd_kink:.3g}), so they are not "
            "compared. Autograd uses the same σ'(0) = 0 as the hand code (check above)."
        )
    return ui.Check(
        f"{what}: hand backprop vs central differences (h = 1e-5), max |Δ| over {n_smooth} "
        "parameters",
        c.max_abs_fd,
        1e-6,
        detail,
    )


@st.fragment
@ui.guarded("the network view")  # inside: a fragment rerun skips the caller's boundary
def network_panel(tr: BackpropTrainer) -> None:
    """The network graph plus one detail view (its radio reruns only this panel)."""
    data = tr.data
    labels = [feature_label(f) for f in tr.cfg.features]
    col1, col2 = st.columns([1, 1])
    with col1:
        st.markdown(
            "**Network** — edge colour = sign of the weight (blue +, orange −), width = "
            "|w|; node colour = its output for training point 0"
        )
        a0 = tr.net.forward(tr.phi_train[:1]).a
        show_figure(
            F.network_figure(
                tr.net.cfg.sizes,
                tr.net.W,
                node_values=[a[0] for a in a0],
                node_text=[[""] * len(a[0]) for a in a0],
                input_labels=labels,
            ),
            "bp_fig_net",
        )
    with col2:
        detail = ui.url_radio(
            "Detail", "bp_detail", DETAILS, horizontal=True, label_visibility="collapsed"
        )
        if detail == DETAILS[0]:
            if tr.net.cfg.hidden:
                st.caption(
                    "Every hidden neuron's output over the plane (one row per layer, "
                    "each tile scaled to its own max |a|)"
                )
                xs, ys, P = F.grid(F.data_bounds(data.X_all), NEURON_GRID)
                hs = tr.hidden_outputs(P)[:-1]
                maps = [h.reshape(NEURON_GRID, NEURON_GRID, -1) for h in hs]
                show_figure(F.neuron_mosaic(maps), "bp_fig_neurons")
            else:
                st.caption("No hidden layers: no hidden neurons to show.")
        elif detail == DETAILS[1]:
            st.caption(
                "‖∂L/∂W_l‖ per layer over training (minibatch gradient, log scale): "
                "a fan of lines = vanishing gradients in the early layers"
            )
            ui.figure(F.grad_norm_figure(tr.history), key="bp_fig_gradnorm")
        elif data.task == "classification":
            st.caption("Confusion matrix on the test set")
            ui.figure(F.confusion_figure(tr.confusion(test=True)), key="bp_fig_confusion")
        else:
            st.caption("A confusion matrix needs class labels; this is a regression set.")


NOTICE = (
    "- **XOR with only x₁, x₂ and no hidden layer never gets below chance**: no line "
    "separates it (§1.1). One hidden layer of 3–4 tanh units solves it; so does the single "
    "feature x₁·x₂.\n"
    "- **Deep sigmoid nets learn slowly**: with 6 sigmoid layers the gradient-norm plot fans "
    "out — each layer down multiplies δ by σ'(z) ≤ ¼, so the first layers barely move. "
    "Switch to ReLU or tanh and the fan closes.\n"
    "- **L2 regularisation (a Gaussian prior, §1.2)** shrinks every weight — thinner edges "
    "and a smoother boundary; L1 (Laplace prior) pushes most weights to about zero (with "
    "λ = 0.01 on the spiral, 80–90% end below 0.01 in magnitude after 3,000 steps).\n"
    "- **Momentum and Adam** train the spiral far faster than plain SGD at the same "
    "learning rate (loss ≈ 0.05 vs 0.31 after 3,000 steps of an 8-8 tanh net)."
)


@st.fragment
@ui.guarded("the playground")  # inside: a fragment rerun skips the page's boundary
def playground(data, cfg, extras, ctx) -> None:
    if data is None:
        st.info(
            "Upload a CSV with columns x1, x2, label (one point per row) in the sidebar, or "
            "pick a built-in dataset."
        )
        return
    if not cfg.features:
        st.warning(
            "Every input feature is off: the network has no input. Turn on at least one "
            "feature (x₁ and x₂ are a good start) in the sidebar."
        )
        return
    explain_config(data, cfg)
    note = resolve_loss(cfg.loss, data)[1]
    if note:
        st.info(note)
    o1, o2, _ = st.columns([1, 1, 2])
    with o1:
        show_test = ui.url_checkbox("Show test data", "bp_show_test", True, toggle=True)
    with o2:
        discretize = ui.url_checkbox("Discretise output", "bp_discrete", False, toggle=True)
    target = extras["target"]

    def stop_when(m):
        if target > 0 and m.get("loss", np.inf) <= target:
            return f"Reached the target training loss {target:g} (loss {m['loss']:.4f})."
        return None

    tr = ui.live_training(
        "bp_live",
        lambda: make_trainer(cfg, data, ctx.device),
        signature=(cfg, data.key),
        render=render_metrics,
        snapshot=lambda t: snapshot_figure(t, show_test, discretize),
        frames_per_tick=FRAMES_PER_TICK,
        frame_ms=FRAME_MS,
        figure_height=460,
        steps_per_click=extras["speed"],
        chunk=25,
        tick_budget_s=TICK_BUDGET_S,
        stop_when=stop_when,
        max_steps=2_000_000,
    )
    dead = dead_layers(tr)
    if dead:
        st.warning(
            f"Hidden layer{'s' if len(dead) > 1 else ''} {', '.join(map(str, dead))} "
            "output 0 for every training point (dead ReLUs: z ≤ 0 everywhere), so no "
            "gradient flows below them and the output is constant. Widen the layers, use "
            "fewer layers, or change the seed or activation."
        )
    with ui.error_boundary("the network view"):
        network_panel(tr)
    st.subheader("What to notice")
    ui.prose(NOTICE)
    with ui.error_boundary("the math checks"):
        ui.show_checks(gradient_checks(tr, ctx.seed), expanded=True)
