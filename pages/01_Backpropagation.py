"""§1 Neural networks: a TensorFlow-Playground-style MLP playground with backprop you can step
through and verify (hand backprop vs torch.autograd vs finite differences), the perceptron and
universal approximation. The math lives in ``core.backprop``; this page only wires widgets.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

import ui
from core.backprop import figures as F
from core.backprop.activations import ACTIVATIONS
from core.backprop.datasets import DATASETS, from_points, make_dataset
from core.backprop.features import FEATURE_NAMES, feature_label
from core.backprop.losses import LOSSES, REGULARIZERS
from core.backprop.optim import OPTIMIZERS
from core.backprop.perceptron import PerceptronReplay, novikoff_bound, rosenblatt, separable_set
from core.backprop.stepthrough import step_through
from core.backprop.trainer import BackpropTrainer, TrainConfig, resolve_loss
from core.backprop.universal import TARGETS, UA_ACTIVATIONS, fit_universal, max_error_curve
from core.backprop.verify import gradient_check
from core.data import make_toy
from core.data.points_csv import DataError

ctx = ui.page(
    "Backpropagation",
    "🧮",
    section="§1.1–1.5",
    intuition=(
        "A multi-layer perceptron stacks affine maps and non-linearities. **Backpropagation** "
        "computes the gradient of the loss with respect to every weight by the chain rule, from "
        "the loss back to the inputs, reusing each node's δ for every weight that feeds it. "
        "Train a network live, then step through one point's forward and backward pass and see "
        "the gradients checked against `torch.autograd` and finite differences."
    ),
    equation=(
        r"\delta_L=\frac{\partial L}{\partial \hat y}\,\sigma'(z_L),\qquad "
        r"\delta_{l-1}=(\delta_l W_l^{\top})\odot\sigma'(z_{l-1}),\qquad "
        r"\frac{\partial L}{\partial W_l}=a_{l-1}^{\top}\delta_l"
    ),
)

VIEWS = [
    "Playground",
    "Backprop step-through",
    "Perceptron (§1.1)",
    "Universal approximation (§1.5)",
]
LRS = [1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
LAMBDAS = [0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
UPLOAD = "upload CSV"
DATA_LABELS = {
    "xor": "XOR",
    "circles": "circles",
    "two_gaussians": "two Gaussians",
    "spiral": "spiral",
    "moons": "moons",
    "spiral3": "spiral, 3 classes",
    "blobs3": "blobs, 3 classes",
    "reg_plane": "regression: plane (2-D)",
    "reg_gaussian": "regression: Gaussian (2-D)",
    "reg_sin1d": "regression: sin (1-D)",
    "reg_step1d": "regression: step (1-D)",
    UPLOAD: "upload your CSV (x1, x2, label)",
}
HEATMAP_GRID, NEURON_GRID = 60, 24

view = ui.url_radio("View", "bp_view", VIEWS, horizontal=True, label_visibility="collapsed")


# ---------------------------------------------------------------------------- cached helpers
@st.cache_data(max_entries=64, show_spinner=False)
def cached_dataset(name: str, n: int, noise: float, seed: int, train_frac: float):
    return make_dataset(name, n, noise, seed, train_frac)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_perceptron(kind: str, n: int, margin: float, eta: float, seed: int):
    if kind == "separable":
        X, y = separable_set(n, margin, seed)
    else:
        d = make_toy("xor", n, noise=0.05, seed=seed)
        X, y = d.X.astype(np.float64), d.y
    return X, y, rosenblatt(X, y, eta=eta, max_epochs=60), novikoff_bound(X, y)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_ua_errors(target: str, activation: str):
    ns = np.array([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64])
    return ns, max_error_curve(target, ns, activation)


def clamp_state(key: str, lo: int, hi: int) -> None:
    """Keep a slider's remembered value inside its current range (ranges change with the net)."""
    if key in st.session_state and not lo <= st.session_state[key] <= hi:
        st.session_state[key] = min(max(st.session_state[key], lo), hi)


def regenerate():
    """The 🎲 button: the next data seed (wrapping inside the number box's range)."""
    st.session_state["bp_dseed"] = (int(st.session_state.get("bp_dseed", 0)) + 1) % 10_001


# ---------------------------------------------------------------------------- data + network
def sidebar_controls():
    """Data, features and network controls (sidebar); returns (data or None, cfg, extras)."""
    with st.sidebar:
        st.subheader("Data")
        name = ui.url_selectbox(
            "Dataset",
            "bp_data",
            list(DATASETS) + [UPLOAD],
            value="xor",
            format_func=lambda k: DATA_LABELS.get(k, k),
        )
        noise = ui.url_slider("Noise", "bp_noise", 0.0, 0.5, 0.1, step=0.05)
        train_pct = ui.url_slider("Training data (%)", "bp_train", 10, 90, 50, step=10)
        n = ui.url_slider("Points", "bp_n", 50, 1000, 300, step=50)
        c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
        with c1:
            dseed = ui.url_number("Data seed", "bp_dseed", 0, 10_000, 0, step=1)
        c2.button("🎲", key="bp_regen", on_click=regenerate, help="Regenerate the points")
        data = None
        if name == UPLOAD:
            up = ui.points_upload(
                "CSV with x1, x2, label", "bp_upload", require_label=True, max_rows=5000
            )
            if up is not None:
                try:
                    data = from_points(up[0], up[1], train_pct / 100, int(dseed))
                except DataError as e:
                    st.error(f"Cannot use the uploaded CSV: {e}")
        else:
            data = cached_dataset(name, int(n), float(noise), int(dseed), train_pct / 100)
        st.subheader("Features")
        feats = ui.url_multiselect(
            "Input features",
            "bp_features",
            list(FEATURE_NAMES),
            ["x1", "x2"],
            format_func=feature_label,
        )
        st.subheader("Network")
        layers = ui.url_slider("Hidden layers", "bp_layers", 0, 6, 2)
        widths = []
        if layers:
            cols = st.columns(min(layers, 3))
            for i in range(layers):
                with cols[i % len(cols)]:
                    widths.append(
                        ui.url_number(
                            f"Layer {i + 1}", f"bp_w{i + 1}", 1, 16, 4 if i == 0 else 2, step=1
                        )
                    )
        act = ui.url_selectbox(
            "Activation",
            "bp_act",
            list(ACTIVATIONS),
            value="tanh",
            format_func=lambda k: ACTIVATIONS[k].label,
        )
        loss = ui.url_selectbox(
            "Loss", "bp_loss", list(LOSSES), value="bce", format_func=lambda k: LOSSES[k]
        )
        reg = ui.url_selectbox(
            "Regularisation",
            "bp_reg",
            list(REGULARIZERS),
            value="none",
            format_func=lambda k: REGULARIZERS[k],
        )
        lam = ui.url_select_slider("Regularisation rate λ", "bp_lam", LAMBDAS, 0.0)
        st.subheader("Optimiser")
        opt = ui.url_selectbox("Optimiser", "bp_opt", list(OPTIMIZERS), value="sgd")
        lr = ui.url_select_slider("Learning rate η", "bp_lr", LRS, 0.03)
        batch = ui.url_slider("Batch size", "bp_batch", 1, 30, 10)
        target = ui.url_select_slider(
            "Stop at train loss",
            "bp_target",
            [0.0, 0.001, 0.01, 0.05, 0.1, 0.2],
            0.0,
            help="0 = never stop; otherwise training pauses once the "
            "training loss is at or below this value.",
        )
        speed = ui.url_select_slider("Steps per Step press", "bp_speed", [1, 10, 100, 1000], 10)
    cfg = TrainConfig(
        features=tuple(feats),
        hidden=tuple(int(w) for w in widths),
        activation=act,
        loss=loss,
        regularizer=reg,
        reg_rate=float(lam),
        optimizer=opt,
        lr=float(lr),
        batch_size=int(batch),
        seed=ctx.seed,
    )
    return data, cfg, dict(target=float(target), speed=int(speed), name=name)


def explain_config(data, cfg: TrainConfig) -> None:
    """Clear messages for the extreme or unusual settings (never an exception)."""
    if not cfg.hidden:
        st.info(
            "0 hidden layers: the network is ŷ = head(w·φ(x) + b), a linear model of the "
            "chosen features (logistic regression with BCE). Add x₁·x₂ for XOR or x₁², x₂² "
            "for circles to make it separable in feature space."
        )
    if cfg.hidden and min(cfg.hidden) == 1:
        st.info(
            "A layer with 1 neuron is a bottleneck: everything after it sees one number, "
            "so the boundary is a level set of a single hidden unit."
        )
    if cfg.activation == "step":
        st.info(
            "Step activation: σ'(z) = 0 wherever it is defined, so backprop delivers zero "
            "gradient to every layer below the output — only the last layer learns. That is "
            "why Rosenblatt's perceptron uses its own rule (see the Perceptron view)."
        )
    if cfg.activation == "linear" and len(cfg.hidden) > 0:
        st.info(
            "Linear hidden units: a product of affine maps is affine (§1.4), so the deep "
            "network is still a linear model of its features."
        )
    if cfg.lr >= 1.0:
        st.warning(
            f"Learning rate {cfg.lr:g} is very large: gradient steps overshoot; expect "
            "saturated units, an oscillating loss or divergence (training then pauses)."
        )
    if cfg.regularizer != "none" and cfg.reg_rate == 0.0:
        st.caption("Regularisation is selected but λ = 0, so it has no effect.")


def make_trainer(cfg, data):
    return BackpropTrainer(cfg, data, ctx.device)


def current_trainer(cfg, data) -> BackpropTrainer:
    """The live stepper for this configuration (a fresh one when the config changed)."""
    s = st.session_state.get("bp_live")
    if s is not None and s.signature == (cfg, data.key):
        return s.stepper
    return make_trainer(cfg, data)


def grid_outputs(tr: BackpropTrainer, data):
    bounds = F.data_bounds(data.X_all)
    xs, ys, P = F.grid(bounds, HEATMAP_GRID)
    return xs, ys, tr.output(P)


def training_view(show_test: bool, discretize: bool):
    def render(tr: BackpropTrainer, metrics: dict) -> None:
        t0 = time.perf_counter()
        data = tr.data
        m = tr.evaluate() if not metrics else metrics
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
        left, right = st.columns([3, 2])
        with left:
            if data.task == "regression" and data.dim == 1:
                x_line = np.linspace(data.X_all[:, 0].min(), data.X_all[:, 0].max(), 200)
                y_line = tr.output(np.stack([x_line, np.zeros_like(x_line)], axis=1))
                ui.figure(
                    F.regression_1d_figure(x_line, y_line, data, show_test=show_test),
                    key="bp_fig_decision",
                )
            else:
                xs, ys, out = grid_outputs(tr, data)
                ui.figure(
                    F.decision_figure(
                        xs, ys, out, data, show_test=show_test, discretize=discretize
                    ),
                    key="bp_fig_decision",
                )
        with right:
            ui.figure(F.loss_figure(tr.history, title=f"loss ({tr.loss})"), key="bp_fig_loss")
        st.session_state["_bp_render_s"] = time.perf_counter() - t0  # read by the benchmark

    return render


def gradient_checks(tr: BackpropTrainer) -> list:
    """Hand backprop vs autograd vs central differences on the current net and a minibatch."""
    key = ("bp_check", id(tr), tr.steps_done)
    cache = st.session_state.setdefault("_bp_check_cache", {})
    if key not in cache:
        x, t = tr.minibatch(8, seed=ctx.seed)
        cache.clear()
        cache[key] = gradient_check(
            tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate, n_fd=48, seed=ctx.seed
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
        ui.Check(
            f"hand backprop vs central differences (h = 1e-5), max |Δ| over {c.n_fd} parameters",
            c.max_abs_fd,
            1e-6,
            "can exceed the tolerance only when a ReLU/step/|·| kink lies within h",
        ),
    ]


DETAILS = ["hidden neurons", "gradient norms", "confusion matrix"]


def network_panel(tr: BackpropTrainer, data) -> None:
    """The network graph plus one detail view (one figure each keeps reruns fast)."""
    labels = [feature_label(f) for f in tr.cfg.features]
    col1, col2 = st.columns([1, 1])
    with col1:
        st.markdown(
            "**Network** — edge colour = sign of the weight (blue +, orange −), width = "
            "|w|; node colour = its output for training point 0"
        )
        a0 = tr.net.forward(tr.phi_train[:1]).a
        ui.figure(
            F.network_figure(
                tr.net.cfg.sizes,
                tr.net.W,
                node_values=[a[0] for a in a0],
                node_text=[[""] * len(a[0]) for a in a0],
                input_labels=labels,
            ),
            key="bp_fig_net",
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
                ui.figure(F.neuron_mosaic(maps), key="bp_fig_neurons")
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


def playground(data, cfg, extras):
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
        lambda: make_trainer(cfg, data),
        signature=(cfg, data.key),
        render=training_view(show_test, discretize),
        steps_per_click=extras["speed"],
        chunk=25,
        tick_budget_s=0.16,
        run_every_s=0.2,
        stop_when=stop_when,
        max_steps=2_000_000,
    )
    with ui.error_boundary("the network view"):
        network_panel(tr, data)
    st.subheader("What to notice")
    ui.prose(
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
    with ui.error_boundary("the math checks"):
        ui.show_checks(gradient_checks(tr), expanded=True)


# ---------------------------------------------------------------------------- step-through
def stepthrough_view(data, cfg):
    if data is None or not cfg.features:
        st.info("Choose a dataset and at least one input feature in the sidebar first.")
        return
    tr = current_trainer(cfg, data)
    if tr.loss_note:
        st.info(tr.loss_note)
    ui.prose(
        f"The network as it is now (training step {tr.steps_done:,}; train it in the "
        "Playground view). Pick a training point and walk through its forward pass and "
        "then the backward pass, layer by layer, with every chain-rule factor. With the MSE "
        "loss on a binary set the output is ŷ = σ(wᵀh) and ℓ = ½(y − ŷ)²: exactly the "
        "example of §1.3."
    )
    n_train = len(tr.phi_train)
    L = tr.net.n_layers
    if tr.diverged:
        st.warning(
            f"This network diverged in training ({tr.diverged}): its huge weights make "
            "every number below overflow-prone. Lower the learning rate and press Reset "
            "in the Playground view."
        )
    clamp_state("bp_point", 0, max(n_train - 1, 1))
    clamp_state("bp_stage", 0, 2 * L + 1)
    c1, c2 = st.columns(2)
    with c1:
        if n_train > 1:
            i = ui.url_slider("Training point", "bp_point", 0, n_train - 1, 0)
        else:  # a slider needs min < max: a tiny upload can leave one training point
            i = 0
            st.caption("Training point 0 (the only one in the training split)")
    with c2:
        stage_i = ui.url_slider("Stage (forward → loss → backward)", "bp_stage", 0, 2 * L + 1, 0)
    x, t = tr.phi_train[i : i + 1], tr.t_train[i : i + 1]
    st.caption(
        f"point {i}: (x₁, x₂) = ({data.X_train[i, 0]:.3f}, {data.X_train[i, 1]:.3f}), "
        f"label y = {data.y_train[i]:.3g}"
    )
    stages = step_through(tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate)
    s = stages[stage_i]
    st.markdown(f"**{stage_i + 1}/{len(stages)} · {s.title}**")
    labels = [feature_label(f) for f in tr.cfg.features]
    ui.figure(
        F.network_figure(
            tr.net.cfg.sizes,
            s.edge_values,
            node_values=s.node_values,
            node_text=s.node_text,
            input_labels=labels,
            active_layers=s.active_layers,
            node_name=s.node_name,
            edge_name=s.edge_name,
        ),
        key="bp_fig_step",
    )
    if s.edge_rows and "σ'(z)" in s.rows[0] and np.isfinite(s.rows[0]["σ'(z)"]):
        r0 = s.rows[0]
        grad_a, dsig, delta = r0["∂L/∂a"], r0["σ'(z)"], r0["δ = ∂L/∂z"]
        st.markdown(
            f"Chain rule at **{r0['node']}**: ∂L/∂a = {grad_a:.4g} × σ'(z) = "
            f"{dsig:.4g} → δ = {delta:.4g}; each incoming edge then gets "
            "∂L/∂w = a(source) · δ."
        )
    st.dataframe(pd.DataFrame(s.rows), hide_index=True, width="stretch")
    if s.edge_rows:
        st.caption(
            f"Edges into layer {s.active_layers[0] + 1}: ∂L/∂w = a(source) · δ(target)"
            + (
                " + the penalty's gradient"
                if tr.cfg.regularizer != "none" and tr.cfg.reg_rate > 0
                else ""
            )
        )
        st.dataframe(pd.DataFrame(s.edge_rows), hide_index=True, width="stretch", height=240)
    with ui.error_boundary("the math checks"):
        c = gradient_check(
            tr.net, x, t, tr.loss, tr.cfg.regularizer, tr.cfg.reg_rate, n_fd=48, seed=ctx.seed
        )
        ui.show_checks(
            [
                ui.Check(
                    "this point's ∂L/∂θ: hand backprop vs torch.autograd", c.max_abs_autograd, 1e-10
                ),
                ui.Check(
                    f"this point's ∂L/∂θ: hand backprop vs central differences ({c.n_fd} "
                    "parameters)",
                    c.max_abs_fd,
                    1e-6,
                ),
            ],
            expanded=True,
        )


# ---------------------------------------------------------------------------- perceptron
def perceptron_view():
    ui.prose(
        "Rosenblatt's rule (§1.1): for each misclassified point, "
        "θ ← θ + η (yᵢ − ŷᵢ) x̃ᵢ with ŷ = 1{wᵀx + b > 0} and x̃ = (x, 1). On a linearly "
        "separable set it stops after at most (R/γ)² updates (Novikoff), whatever η; on XOR "
        "no line separates the classes and it never stops."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        kind = ui.url_radio(
            "Data",
            "bp_pc_data",
            ["separable", "xor"],
            horizontal=True,
            format_func=lambda k: {"separable": "linearly separable", "xor": "XOR"}[k],
        )
    with c2:
        n = ui.url_slider("Points", "bp_pc_n", 10, 200, 60, step=10)
    with c3:
        margin = ui.url_slider(
            "Margin of the separable set",
            "bp_pc_margin",
            0.02,
            0.5,
            0.05,
            step=0.01,
            disabled=kind != "separable",
        )
    eta = ui.url_select_slider(
        "η (does not change the number of updates from θ = 0)",
        "bp_pc_eta",
        [0.01, 0.1, 1.0, 10.0],
        1.0,
    )
    X, y, run, nb = cached_perceptron(kind, int(n), float(margin), float(eta), ctx.seed)
    U = run.n_updates

    def render(rep: PerceptronReplay, metrics: dict) -> None:
        u = rep.steps_done
        left, right = st.columns([3, 2])
        with left:
            ui.figure(F.perceptron_figure(X, y, run.thetas, run.who, u), key="bp_fig_pc")
        with right:
            m1, m2 = st.columns(2)
            m1.metric("Updates shown", f"{u:,} / {U:,}")
            m2.metric(
                "Epochs run",
                f"{run.epochs}" + (" ✓" if run.converged else " ✗"),
                help="✓ = the last epoch had no mistake (converged); ✗ = stopped at the "
                "epoch limit",
            )
            if nb.separable:
                m1.metric(
                    "Novikoff bound (R/γ)²",
                    f"{nb.bound:.1f}",
                    help=f"R = {nb.R:.3f}, γ = {nb.gamma:.4f} (max-margin separator)",
                )
            ui.figure(
                F.perceptron_progress_figure(run, u, nb.bound if nb.separable else None),
                key="bp_fig_pc_progress",
            )

    def stop_when(m):
        if not m["done"]:
            return None
        if run.converged:
            return (
                f"Converged: an epoch without mistakes after {U} updates, within Novikoff's "
                f"bound of {nb.bound:.1f}."
            )
        return (
            f"Still misclassifying after {run.epochs} epochs ({U:,} updates): no line "
            "separates XOR, so the rule never converges."
        )

    if not nb.separable:
        st.warning(
            "Not linearly separable: no line has every point on its side, so the rule "
            f"kept updating for all {run.epochs} epochs ({U:,} updates) and never "
            "converges."
        )
    st.caption(
        "▶ Play animates the rule update by update; ⏭ Step shows the next update. "
        "Circled: the misclassified point that caused the update."
    )
    ui.live_training(
        "bp_pc_live",
        lambda: PerceptronReplay(run),
        signature=(kind, int(n), float(margin), float(eta), ctx.seed),
        render=render,
        steps_per_click=1,
        chunk=1,
        tick_budget_s=0.02,
        run_every_s=0.25,
        max_steps_per_tick=max(1, -(-U // 60)),
        stop_when=stop_when,
    )
    checks = []
    if nb.separable:
        checks.append(
            ui.Check(
                "updates / Novikoff bound (R/γ)² (must be ≤ 1)",
                U / nb.bound,
                1.0,
                f"{U} updates, bound {nb.bound:.1f}",
            )
        )
        checks.append(
            ui.Check(
                "training errors of the final perceptron",
                float(np.sum((np.hstack([X, np.ones((len(X), 1))]) @ run.thetas[-1] > 0) != y)),
                0.0,
            )
        )
    else:
        checks.append(
            ui.Check(
                "converged on a non-separable set (must be 0)",
                float(run.converged),
                0.0,
                "an LP confirms no separating line exists",
            )
        )
    ui.show_checks(checks, expanded=True)


# ---------------------------------------------------------------------------- universal
def universal_view():
    ui.prose(
        "Universal approximation (§1.5): one hidden layer, f(x) = v₀ + Σᵢ vᵢ σ(wᵢx + bᵢ). "
        "Each unit is a soft step (or a hinge for ReLU) centred at i/n; the read-out v is "
        "the least-squares fit. More units → finer steps → smaller error — for continuous "
        "targets. At a jump the error stays near half the jump: the theorem needs g "
        "continuous."
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        target = ui.url_selectbox(
            "Target g(x)",
            "bp_ua_target",
            list(TARGETS),
            value="sin",
            format_func=lambda k: TARGETS[k][0],
        )
    with c2:
        act = ui.url_selectbox("Activation σ", "bp_ua_act", list(UA_ACTIVATIONS), value="sigmoid")
    with c3:
        n = ui.url_slider("Hidden units n", "bp_ua_n", 1, 64, 8)
    show_units = ui.url_checkbox("Show the n scaled units", "bp_ua_units", True, toggle=True)
    fit = fit_universal(target, int(n), act)
    ns, errs = cached_ua_errors(target, act)
    left, right = st.columns([3, 2])
    with left:
        ui.figure(F.universal_figure(fit, show_units), key="bp_fig_ua")
    with right:
        st.metric("max |f(x) − g(x)| on [0, 1]", f"{fit.max_error:.4f}")
        ui.figure(F.error_vs_n_figure(ns, errs, int(n)), key="bp_fig_ua_err")
    A = np.hstack([np.ones((len(fit.x), 1)), fit.units.T / np.where(fit.v == 0, 1, fit.v)])
    resid = fit.fit - fit.g
    ui.show_checks(
        [
            ui.Check(
                "least-squares normal equations max |Aᵀ(f − g)| / G",
                float(np.max(np.abs(A.T @ resid))) / len(fit.x),
                1e-8,
                "the residual is orthogonal to every unit: v is optimal",
            )
        ],
        expanded=False,
    )


# ---------------------------------------------------------------------------- dispatch
if view in VIEWS[:2]:
    data, cfg, extras = sidebar_controls()
    if view == VIEWS[0]:
        with ui.error_boundary("the playground"):
            playground(data, cfg, extras)
    else:
        with ui.error_boundary("the step-through"):
            stepthrough_view(data, cfg)
elif view == VIEWS[2]:
    with ui.error_boundary("the perceptron view"):
        perceptron_view()
else:
    with ui.error_boundary("the universal-approximation view"):
        universal_view()
