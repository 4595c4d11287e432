"""Gradient clipping (§4.3): the notes' rule next to clip_grad_norm_, the cliff with and without
clipping, and the gradient norms seen during training."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.rnn import clipping as cl
from core.rnn import figures as rf

RULE = r"""\theta \leftarrow \begin{cases} \theta - \gamma g & \|g\| \le k \\
\theta - \gamma \frac{k}{\|g\|} g & \text{otherwise} \end{cases}"""

CODE = """# the notes' rule (core/rnn/clipping.py)           # PyTorch
norm = sqrt(sum((g ** 2).sum() for g in grads))     torch.nn.utils.clip_grad_norm_(
scale = k / norm if norm > k else 1.0                   model.parameters(), max_norm=k)
grads = [g * scale for g in grads]                  # scales by k / (norm + 1e-6) if < 1
theta = theta - lr * g                              opt.step()"""


@st.cache_data(show_spinner=False)
def surface() -> dict:
    return cl.cliff_surface()


@st.cache_data(max_entries=64, show_spinner=False)
def paths(w0: float, b0: float, lr: float, k: float, steps: int) -> dict:
    return {"plain": cl.descend((w0, b0), lr, steps, None),
            "clipped": cl.descend((w0, b0), lr, steps, k)}  # fmt: skip


@st.cache_data(max_entries=32, show_spinner=False)
def clip_check(k: float, seed: int) -> dict:
    """Our clip_by_norm vs torch.nn.utils.clip_grad_norm_ on a small RNN's real gradients."""
    torch.manual_seed(seed)
    rnn = torch.nn.RNN(3, 8).double()
    x = torch.randn(30, 2, 3, dtype=torch.float64) * 3
    out, _ = rnn(x)
    out.pow(2).sum().backward()
    grads = [p.grad.clone() for p in rnn.parameters()]
    ours, norm = cl.clip_by_norm(grads, k)
    total = torch.nn.utils.clip_grad_norm_(rnn.parameters(), k)
    gap = max(float((a - p.grad).abs().max()) for a, p in zip(ours, rnn.parameters(), strict=True))
    return {"gap": gap / max(float(g.abs().max()) for g in ours), "norm": norm,
            "norm_gap": abs(norm - float(total)) / norm}  # fmt: skip


@st.fragment
def view(ctx) -> None:
    st.subheader("Gradient clipping: a step never longer than γk")
    left, right = st.columns([2, 3])
    with left:
        st.latex(RULE)
    with right:
        st.code(CODE, language="python")
    c = st.columns(5)
    with c[0]:
        w0 = ui.url_slider("start w", "rnn_cl_w", -1.0, 8.0, 4.9, step=0.05)
    with c[1]:
        b0 = ui.url_slider("start b", "rnn_cl_b", -6.0, 2.0, -2.55, step=0.05)
    with c[2]:
        lr = ui.url_select_slider("learning rate γ", "rnn_cl_lr", [0.01, 0.02, 0.05, 0.1, 0.2],
                                  0.05)  # fmt: skip
    with c[3]:
        k = ui.url_select_slider("threshold k", "rnn_cl_k", [0.1, 0.3, 1.0, 3.0, 10.0], 1.0)
    with c[4]:
        steps = ui.url_slider("steps", "rnn_cl_steps", 5, 200, 60, step=5)
    s, p = surface(), paths(float(w0), float(b0), float(lr), float(k), int(steps))
    fig = rf.cliff_figure(
        s,
        {
            "plain gradient descent": (p["plain"]["path"], rf.RED),
            f"clipped at k = {k:g}": (p["clipped"]["path"], "#ffffff"),
        },
    )
    ui.figure(fig, key="rnn_cl_cliff")
    m = st.columns(4)
    m[0].metric("largest ‖g‖ met (plain)", f"{p['plain']['grad_norm'].max():.3g}")
    jumps = np.linalg.norm(np.diff(p["plain"]["path"], axis=0), axis=1)
    cj = np.linalg.norm(np.diff(p["clipped"]["path"], axis=0), axis=1)
    m[1].metric("longest plain step", f"{jumps.max() if len(jumps) else 0:.3g}")
    m[2].metric("longest clipped step (≤ γk)", f"{cj.max() if len(cj) else 0:.3g}")
    m[3].metric("final loss plain / clipped",
                f"{p['plain']['loss'][-1]:.3g} / {p['clipped']['loss'][-1]:.3g}")  # fmt: skip
    if len(p["plain"]["path"]) <= int(steps):
        st.warning("Plain gradient descent left the map (a NaN or |θ| > 10⁶) and was stopped.")
    ui.prose(
        "**What to notice.** Where h⁽ᵗ⁾ = wσ(h⁽ᵗ⁻¹⁾) + b bifurcates, the loss drops by a wall "
        "(Pascanu et al. 2013, Fig. 6). Started on the wall, the plain step uses a gradient "
        "hundreds of times larger than usual and is thrown far off the map; the clipped step "
        "keeps the direction and moves at most γk."
    )
    try:
        runs = cl.load_norms()
    except (FileNotFoundError, ValueError) as e:
        st.info(f"The training-norm histogram needs its runs: {e}")
        runs = None
    if runs:
        norms_block(runs, float(k))
    r = clip_check(float(k), int(ctx.seed % 10000))
    ui.show_checks([
        ui.Check("clip_by_norm (the notes' rule) vs clip_grad_norm_ (relative max |Δ|)",
                 r["gap"], 1e-5, f"‖g‖ = {r['norm']:.3g}, k = {k:g}; PyTorch adds 1e-6 to ‖g‖"),
        ui.Check("global norm: ours vs clip_grad_norm_'s return value (relative)",
                 r["norm_gap"], 1e-12, "√Σ‖gᵢ‖² over all parameters"),
    ])  # fmt: skip


def norms_block(runs: dict, k: float) -> None:
    """The shipped runs: ‖g‖ before clipping at every step, plain SGD vs clipped at k₀."""
    cfg = runs["config"]
    plain = np.concatenate([r["norms"] for r in runs["plain"]])
    clipped = np.concatenate([r["norms"] for r in runs["clipped"]])
    k0 = cfg["k"]
    norms = {"plain SGD": (plain, rf.RED), f"clipped at k = {k0:g}": (clipped, rf.BLUE)}
    ui.figure(rf.norm_histogram(norms, k), key="rnn_cl_hist")

    def tail(v: np.ndarray) -> str:
        q50, q99 = np.quantile(v, [0.5, 0.99])
        return (f"median {q50:.3g}, 99th percentile {q99:.3g}, max {v.max():.3g} "
                f"({v.max() / q50:.0f}× the median); {100 * np.mean(v > k):.0f} % of steps "
                f"above your k = {k:g}")  # fmt: skip

    def final(name: str) -> float:
        return float(np.mean([np.mean(r["loss"][-100:]) for r in runs[name]]))

    st.caption(
        f"An Elman RNN (d = 32, W_h × {cfg['w_h_scale']:g} at initialisation) on the recall "
        f"task with lag {cfg['lag']}, plain SGD (γ = {cfg['lr']:g}, momentum "
        f"{cfg['momentum']:g}), {cfg['steps']:,} steps × {cfg['seeds']} seeds, the same seeds "
        f"with and without clipping at k = {k0:g}. Plain: {tail(plain)}. Clipped: "
        f"{tail(clipped)}. Loss over the last 100 steps (chance ln 4 = 1.386): plain "
        f"{final('plain'):.3f}, clipped {final('clipped'):.3f}. Made by `{runs['command']}` "
        f"in {runs['seconds']:.0f} s."
    )
