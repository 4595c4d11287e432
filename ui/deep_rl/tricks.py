"""Why the tricks: the replay buffer decorrelates a batch, the target network steadies Q.

Measured here: the lag-1 correlation of 128 consecutive transitions against a uniform minibatch
of the same buffer (live, from random-policy play); and, precomputed (``core.rl.experiments``),
Q_θ(s, a) and the returns of DQN without a target network and without replay next to full DQN.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.rl import cartpole as C
from core.rl import deep_figures as F
from core.rl.replay import ReplayBuffer, lag1_correlation
from ui.deep_rl.common import CURVES_CMD, curves

B = 128


@st.cache_data(show_spinner="Filling a replay buffer with 5,000 random steps…", max_entries=8)
def correlation(seed: int, draws: int = 50) -> dict:
    buf = ReplayBuffer(5_000, 4, seed)
    env = C.make_env()
    env.action_space.seed(seed)
    s, _ = env.reset(seed=seed)
    for _ in range(5_000):
        a = int(env.action_space.sample())
        s2, r, term, trunc, _ = env.step(a)
        buf.add(s, a, r, s2, term)
        s = s2 if not (term or trunc) else env.reset()[0]
    consecutive = [lag1_correlation(buf._batch((i + np.arange(B)) % buf.size)["s"].numpy())
                   for i in range(0, 5_000 - B, (5_000 - B) // draws)][:draws]  # fmt: skip
    sampled = [lag1_correlation(buf.sample(B)["s"].numpy()) for _ in range(draws)]
    th_c = buf.latest(B)["s"][:, 2].numpy()
    th_s = buf.sample(B)["s"][:, 2].numpy()
    return {"consecutive": consecutive, "sampled": sampled, "theta_c": th_c, "theta_s": th_s}


def _corr_figure(d: dict) -> dict:
    k = np.arange(B).tolist()
    return {
        "data": [
            {
                "type": "scatter",
                "x": k,
                "y": np.degrees(d["theta_c"]).round(2).tolist(),
                "mode": "lines+markers",
                "name": "128 consecutive transitions (no replay)",
            },
            {
                "type": "scatter",
                "x": k,
                "y": np.degrees(d["theta_s"]).round(2).tolist(),
                "mode": "lines+markers",
                "name": "a uniform minibatch of the buffer",
            },
        ],  # fmt: skip
        "layout": {
            "title": {"text": "θ of each state, in batch order"},
            "xaxis": {"title": {"text": "position in the batch"}},
            "yaxis": {"title": {"text": "θ (degrees)"}},
            "legend": {"orientation": "h", "y": -0.25},
        },
    }


@st.fragment
def view(ctx) -> None:
    st.subheader("Replay: a batch of consecutive steps is one smooth curve")
    with ui.error_boundary("the correlation measurement"):
        d = correlation(ctx.seed)
        c1, c2 = st.columns(2)
        c1.metric("lag-1 correlation, consecutive", f"{np.mean(d['consecutive']):+.3f}")
        c2.metric("lag-1 correlation, uniform minibatch", f"{np.mean(d['sampled']):+.3f}")
        st.caption(
            f"corr(s_i, s_{{i+1}}) along a batch of {B}, averaged over the 4 state numbers and "
            f"{len(d['sampled'])} batches from a buffer of 5,000 random-policy transitions "
            f"(seed {ctx.seed}). SGD assumes independent samples; consecutive transitions are "
            "nearly copies of each other, so their gradients all point the same way."
        )
        ui.figure(_corr_figure(d), height=320, key="drl_corr")
    st.subheader("Target network: Q chases its own moving target without it")
    data = curves()
    if data is None or not data.get("tricks"):
        if data is not None:
            st.info(f"The tricks' runs are not in the curves file yet; run `{CURVES_CMD}`.")
        return
    with ui.error_boundary("the tricks' curves"):
        runs = {name: next(iter(r.values())) for name, r in data["tricks"].items()}
        q = F.series_figure(
            {n: (r["q_step"], r["q_mean"]) for n, r in runs.items()},
            "mean Q(s, a) of the training batches",
            "Q",
            log=False,
        )
        q["data"].append({"type": "scatter", "x": [0, data["tricks_steps"]
                          if "tricks_steps" in data else max(max(r["q_step"]) for r in
                          runs.values())], "y": [100, 100], "mode": "lines",
                          "line": {"dash": "dot", "color": "#444"},
                          "name": "1/(1 − γ) = 100: the largest true Q"})  # fmt: skip
        ret = F.series_figure(
            {n: (r["step"], r["return"]) for n, r in runs.items()}, "episode returns", "return"
        )
        c = st.columns(2)
        with c[0]:
            ui.figure(q, height=360, key="drl_tricks_q")
        with c[1]:
            ui.figure(ret, height=360, key="drl_tricks_ret")
        rows = []
        for n, r in runs.items():
            qm = np.asarray(r["q_mean"], np.float64)
            half = qm[len(qm) // 2 :]
            rows.append({
                "run": n,
                "max mean Q": f"{np.max(qm):.1f}",
                "Q wobble (std, 2nd half)": f"{np.std(half):.2f}",
                "last 20 returns": f"{np.mean(r['return'][-20:]):.0f}",
            })  # fmt: skip
        st.table(rows)
        st.caption(
            "One seed each, CleanRL's settings on a 60k-step budget (`"
            f"{CURVES_CMD}`). True Q values of CartPole are at most 1/(1 − γ) = 100. Without "
            "θ̄ each update moves its own target: in this run Q climbed higher and wobbled "
            "more than with θ̄, and the returns lagged; without replay the batches are "
            "consecutive steps and learning is slower too. One seed: a tendency, not a law."
        )
