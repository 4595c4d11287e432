"""Actor-critic: the TD error as the advantage, both signs trained and measured (§11.3)."""

from __future__ import annotations

import copy

import numpy as np
import streamlit as st
import torch

import ui
from core.rl import deep_figures as F
from core.rl import policy_gradient as PG
from core.rl.actor_critic import SIGNS, ACConfig, ActorCriticTrainer, actor_critic_losses
from ui.deep_rl.common import curves

MAX_STEPS = 200_000


@st.cache_data(show_spinner=False, max_entries=8)
def sign_demo(seed: int) -> list[dict]:
    """One transition with r = 1 and an untrained critic: δ, Â and Δ log π(a|s) after one
    gradient-ascent step of size 0.01 on log π · Â, for both signs."""
    torch.manual_seed(seed)
    pi, v = PG.CategoricalPolicy(), PG.mlp((4, 64, 1))
    b = {"s": torch.tensor([[0.0, 0.0, 0.05, 0.1]]), "a": torch.tensor([1]),
         "r": torch.tensor([1.0]), "s2": torch.tensor([[0.0, 0.2, 0.05, -0.2]]),
         "done": torch.tensor([0.0])}  # fmt: skip
    rows = []
    for sign in SIGNS:
        p = copy.deepcopy(pi)
        actor, _, delta = actor_critic_losses(p, v, b, 0.99, sign)
        before = float(p.log_prob(b["s"], b["a"]).detach())
        actor.backward()
        with torch.no_grad():
            for q in p.parameters():
                q -= 0.01 * q.grad
        after = float(p.log_prob(b["s"], b["a"]).detach())
        rows.append({"sign": sign, "delta": float(delta), "adv": float(delta) * (1 if sign ==
                     "td" else -1), "dlogp": after - before})  # fmt: skip
    return rows


@st.fragment
def view(ctx) -> None:
    st.latex(
        r"\nabla_\theta\log\pi_\theta(a_t|s_t)\,\hat A_t+\beta\nabla_\theta H,\quad"
        r"\hat A_t=\delta_t=r_t+\gamma V(s_{t+1})-V(s_t)"
    )
    ui.prose(
        "The notes write the factor as V(s_t) − (r + γV(s_{t+1})) = −δ_t. In gradient "
        "*ascent* that makes a better-than-expected action (δ > 0) less likely. The right "
        "sign is +δ, which is −(the notes' factor). Both are trained below."
    )
    with ui.error_boundary("the sign demo"):
        rows = sign_demo(ctx.seed)
        st.table([{"factor": SIGNS[r["sign"]], "δ": f"{r['delta']:+.3f}",
                   "Â": f"{r['adv']:+.3f}", "Δ log π(a|s) after one step": f"{r['dlogp']:+.2e}"}
                  for r in rows])  # fmt: skip
        good = next(r for r in rows if r["sign"] == "td")
        wrong = 0.0 if good["dlogp"] * good["delta"] > 0 else 1.0  # 1: the step went the wrong way
        ui.show_checks([ui.Check("+δ moves log π(a|s) the way δ says (1 = wrong way)", wrong,
                                 0.5)])  # fmt: skip
    data = curves()
    if data and data.get("curves"):
        with ui.error_boundary("the actor-critic curves"):
            runs = {k: list(v.values()) for k, v in data["curves"].items() if "actor" in k}
            ui.figure(F.learning_curves_figure(runs, data["env_steps"],
                      title="actor-critic on CartPole-v1, both signs (band: min–max)"),
                      height=380, key="drl_ac_curves")  # fmt: skip
            finals = {k: np.mean([np.mean(c["return"][-20:]) for c in v]) for k, v in
                      runs.items()}  # fmt: skip
            st.caption(" · ".join(f"{k}: mean of the last 20 returns {v:.0f}" for k, v in
                                  finals.items()) + f" ({len(data['seeds'])} seeds).")  # fmt: skip
    st.subheader("Live")
    row = st.container(horizontal=True)
    buttons = row.container(horizontal=True, width="content")
    with row.popover("Actor-critic settings", icon=":material/tune:"):
        sign = ui.url_radio("factor", "drl_ac_sign", list(SIGNS), "td",
                            format_func=lambda s: SIGNS[s])  # fmt: skip
        beta = float(ui.url_select_slider("entropy bonus β", "drl_ac_beta",
                                          [0.0, 0.001, 0.01, 0.05], 0.01))  # fmt: skip
    cfg = ACConfig(entropy=beta, sign=sign)

    def render(tr: ActorCriticTrainer, m: dict) -> None:
        if not m or not tr.returns:
            st.caption("Press Play.")
            return
        st.caption(f"step {tr.steps_done:,} · {m['episodes']:.0f} episodes · last-10 mean "
                   f"**{m['return_mean10']:.0f}** · mean |δ| {m.get('delta_abs', 0):.2f} · "
                   f"entropy {m.get('entropy', float('nan')):.2f} nats")  # fmt: skip

    def snapshot(tr: ActorCriticTrainer) -> dict:  # a frame: the returns so far (a small dict)
        fig = F.series_figure({"episode return": (tr.return_steps[-400:], tr.returns[-400:])},
                              f"returns with factor {SIGNS[sign]}", "return")  # fmt: skip
        fig["layout"]["yaxis"]["range"] = [0, 510]
        return fig

    ui.live_training("drl_ac_live", lambda: ActorCriticTrainer(cfg, seed=ctx.seed),
                     signature=(cfg, ctx.seed), render=render, steps_per_click=2_000,
                     chunk=100, max_steps=MAX_STEPS, snapshot=snapshot, frames_per_tick=8,
                     frame_ms=80, tick_budget_s=0.5, figure_height=300,
                     controls=buttons)  # fmt: skip
