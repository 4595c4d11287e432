"""Policy gradient: the variance of the REINFORCE estimate under each baseline (§11.3).

For one policy (untrained, seeded) N episodes are sampled; every baseline × reward-to-go option
reweights the *same* per-step scores ∇ log π(a_t|s_t), so the table compares estimators, not
luck. The mean gradient stays put (a baseline keeps the estimate unbiased); its variance drops.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.rl import deep_figures as F
from core.rl import policy_gradient as PG
from core.rl.gaussian import rollout_pendulum

NS = [50, 100, 200, 400]


@st.cache_resource(show_spinner=False, max_entries=4)
def _episodes(seed: int) -> tuple[PG.CategoricalPolicy, list, list]:
    """The untrained policy of ``seed``, max(NS) episodes and 100 more to fit V (read-only).

    The first n of the max(NS) episodes are exactly an n-episode sample (episode i is reset
    with seed + i and the action draws run in order), so every N shares one rollout."""
    torch.manual_seed(seed)
    policy = PG.CategoricalPolicy()
    bar = st.progress(0.0, text=f"Sampling {max(NS)} episodes of the untrained policy…")
    trajs = PG.rollout_cartpole(policy, max(NS), seed=seed * 100_003)
    bar.progress(0.7, text="Sampling 100 more episodes to fit the learned V…")
    value_trajs = PG.rollout_cartpole(policy, 100, seed=seed * 100_003 + 50_000)
    bar.empty()
    return policy, trajs, value_trajs


@st.cache_resource(show_spinner=False, max_entries=16)
def _value_fn(seed: int, gamma: float):
    """The learned V for γ, fitted once per (seed, γ) whatever N is (read-only)."""
    return PG.fit_value(_episodes(seed)[2], gamma, seed)


@st.cache_data(show_spinner=False, max_entries=32)
def table(seed: int, n: int, gamma: float) -> tuple[list[dict], float, float]:
    """The variance table, the exactness of b_t ≡ reward-to-go, and the mean episode length."""
    policy, all_trajs, value_trajs = _episodes(seed)
    trajs = all_trajs[:n]
    rows = PG.variance_table(policy, trajs, value_trajs, gamma, seed, _value_fn(seed, gamma))
    a = PG.weights(trajs, gamma, "notes", False)
    b = PG.weights(trajs, gamma, "none", True)
    gap = max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True))
    return rows, gap, float(np.mean([len(t["r"]) for t in trajs]))


@st.cache_data(show_spinner="Sampling Pendulum episodes from N(μ_θ(s), σ²)…", max_entries=8)
def gaussian_table(seed: int, gamma: float) -> tuple[list[dict], float, float]:
    torch.manual_seed(seed)
    policy = PG.GaussianPolicy(obs_dim=3, hidden=32, log_sigma=0.0)
    trajs = rollout_pendulum(policy, 40, seed=seed * 100_003)
    value_trajs = rollout_pendulum(policy, 20, seed=seed * 100_003 + 50_000)
    rows = PG.variance_table(policy, trajs, value_trajs, gamma, seed)
    a = PG.weights(trajs, gamma, "notes", False)
    b = PG.weights(trajs, gamma, "none", True)
    gap = max(float(np.abs(x - y).max()) for x, y in zip(a, b, strict=True))
    return rows, gap, float(np.mean([len(t["r"]) for t in trajs]))


@st.fragment
def view(ctx) -> None:
    st.latex(
        r"\hat g=\frac1N\sum_{i=1}^{N}\sum_{t}\nabla_\theta\log\pi_\theta(a_t|s_t)\,"
        r"(R_t-b_t),\quad R_t=r(\tau)\ \text{or}\ \sum_{t'\ge t}\gamma^{t'}r_{t'}"
    )
    c = st.columns(2)
    with c[0]:
        n = int(ui.url_select_slider("episodes N", "drl_pg_n", NS, 200))
    with c[1]:
        gamma = float(ui.url_select_slider("γ", "drl_pg_gamma", [0.9, 0.95, 0.99, 1.0], 0.99))
    with ui.error_boundary("the variance table"):
        rows, gap, length = table(ctx.seed, n, gamma)
        show_table(
            rows,
            gap,
            f"{n} episodes of the untrained policy (seed {ctx.seed}, mean "
            f"length {length:.0f} steps)",
            "drl_pg_var",
        )
    ui.prose(
        "**What to notice.** Every bar on the left has the same length within its error bar: "
        "subtracting a baseline that does not depend on a_t never moves the mean, because "
        "E[∇ log π(a|s)] = 0. The bars on the right drop by up to two orders of magnitude. "
        "Reward-to-go alone is the notes' b_t (the two rows are identical); "
        "a learned V(s_t) on top of it is the lowest. The notes' b_t *with* reward-to-go "
        "subtracts the past twice: still unbiased, but noisier."
    )
    st.subheader("Continuous actions: the Gaussian policy on Pendulum-v1")
    st.latex(
        r"\pi_\theta(a|s)=\mathcal N(a;\mu_\theta(s),\sigma_\theta^2),\quad"
        r"\nabla_\mu\log\pi=\frac{a-\mu}{\sigma^2},\quad"
        r"\frac{\partial\log\pi}{\partial\log\sigma}=\frac{(a-\mu)^2}{\sigma^2}-1"
    )
    if ui.url_checkbox("measure it (40 Pendulum episodes of 200 steps, a few seconds)",
                       "drl_pg_gauss", False):  # fmt: skip
        with ui.error_boundary("the Gaussian policy's table"):
            rows, gap, length = gaussian_table(ctx.seed, gamma)
            what = (f"40 Pendulum-v1 episodes of an untrained Gaussian policy (σ = 1, seed "
                    f"{ctx.seed}, {length:.0f} steps each)")  # fmt: skip
            show_table(rows, gap, what, "drl_pg_gauss_var")
        ui.prose(
            "The same estimator, the same lesson with a continuous torque: the score of the "
            "Gaussian replaces the softmax's, and the baselines keep the mean while cutting the "
            "variance."
        )


def show_table(rows: list[dict], gap: float, what: str, key: str) -> None:
    """The variance figure and table, the lowest-variance estimator and the live checks."""
    names = {**PG.BASELINE_NAMES, "mean": "mean return (l.o.o.)"}
    shown = [
        {
            "baseline": PG.BASELINE_NAMES[r["baseline"]],
            "reward-to-go": "on" if r["reward_to_go"] else "off",
            "mean ĝ · u ± s.e.": f"{r['projection']:.2f} ± {r['projection_se']:.2f}",
            "shift vs none (s.e.)": f"{r['shift_z']:+.1f}",
            "tr Cov(ĝ)": f"{r['total_variance']:.3g}",
            "variance ÷ none": f"{r['variance_ratio']:.3f}",
        }
        for r in rows
    ]
    ui.figure(F.variance_figure(rows, names), height=360, key=key)
    st.table(shown)
    best = min(rows, key=lambda r: r["variance_ratio"])
    st.caption(
        f"{what}; u is the unit vector along the pooled mean gradient; 'shift' is the mean "
        "difference from no baseline along u in its own standard errors (per-trajectory "
        f"differences). Lowest variance: {PG.BASELINE_NAMES[best['baseline']]}"
        f"{' with reward-to-go' if best['reward_to_go'] else ''}, "
        f"{1 / best['variance_ratio']:.0f}× below no baseline."
    )
    worst_shift = max(abs(r["shift_z"]) for r in rows)
    ui.show_checks([
        ui.Check("notes' b_t with the whole return vs reward-to-go: max |Δ weight|", gap,
                 1e-9, "identical estimators"),
        ui.Check("largest shift of a baseline's mean from no baseline, in s.e. (≤ 4)",
                 worst_shift, 4.0, "unbiased: the mean stays"),
    ])  # fmt: skip
