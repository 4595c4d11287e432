"""Shared parts of the backprop views: the sidebar (data, features, network, optimiser; every
control mirrored in the URL), cached data, and the live trainer of the current configuration."""

from __future__ import annotations

import itertools

import numpy as np
import streamlit as st

import ui
from core.backprop.activations import ACTIVATIONS
from core.backprop.datasets import DATASETS, from_points, make_dataset
from core.backprop.features import FEATURE_NAMES, feature_label
from core.backprop.losses import LOSSES, REGULARIZERS
from core.backprop.optim import OPTIMIZERS
from core.backprop.perceptron import novikoff_bound, rosenblatt, separable_set
from core.backprop.trainer import BackpropTrainer, TrainConfig
from core.backprop.universal import max_error_curve
from core.data import make_toy
from core.data.points_csv import DataError
from ui.live import LiveState

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
_TOKENS = itertools.count(1)  # trainer tokens, unique in this server process


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
    """The dice button: the next data seed (wrapping inside the number box's range)."""
    st.session_state["bp_dseed"] = (int(st.session_state.get("bp_dseed", 0)) + 1) % 10_001


# ---------------------------------------------------------------------------- data + network
def sidebar_controls(ctx):
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
        c2.button(
            ":material/casino:", key="bp_regen", on_click=regenerate, help="Regenerate the points"
        )
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
                    widths.append(ui.url_number(f"Layer {i + 1}", f"bp_w{i + 1}", 1, 16, 4, step=1))
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


def make_trainer(cfg, data, device=None):
    """A fresh trainer; ``initial_losses`` (train, test at step 0) start the loss curve;
    ``token`` names it in the views' memos (an ``id()`` can be reused once it is freed)."""
    tr = BackpropTrainer(cfg, data, device)
    m = tr.evaluate()
    tr.initial_losses = (float(m["loss"]), float(m["test_loss"]))
    tr.token = next(_TOKENS)
    return tr


def current_trainer(cfg, data, device=None) -> BackpropTrainer:
    """The live stepper for this configuration. When the Playground has none for it yet, a
    fresh one is stored where the Playground looks (``bp_live``, paused), so every rerun of
    the step-through sees the same network (and hits its memos) and the Playground, opened
    later, trains exactly the network the step-through showed."""
    s = st.session_state.get("bp_live")
    if s is not None and s.signature == (cfg, data.key):
        return s.stepper
    tr = make_trainer(cfg, data, device)
    st.session_state["bp_live"] = LiveState(stepper=tr, signature=(cfg, data.key))
    return tr


def memo(name: str, key, compute, size: int = 16):
    """``compute()`` remembered in this session under ``key`` (the last ``size`` keys): for
    results tied to one live trainer (its ``token`` and step count), which ``st.cache_data``
    would hash and copy on every hit and share with other sessions."""
    store = st.session_state.setdefault(f"_bp_memo_{name}", {})
    if key not in store:
        while len(store) >= size:
            store.pop(next(iter(store)))
        store[key] = compute()
    return store[key]


def show_figure(fig: dict, key: str) -> None:
    """A figure in plotly's JSON form (see ``core.backprop.figures``), drawn like ``ui.figure``
    draws a ``go.Figure``: one mounted chart, updated in place."""
    height = int(fig.get("layout", {}).get("height") or 450)
    ui.plot_player([fig], [""], key=key, controls=False, height=height)
