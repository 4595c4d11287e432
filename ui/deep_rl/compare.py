"""Compare: return against environment steps for DQN, REINFORCE and actor-critic over seeds,
with CleanRL's published DQN figures as labelled reference points at their own step counts."""

from __future__ import annotations

import numpy as np
import streamlit as st

import ui
from core.rl import deep_figures as F
from ui.deep_rl.common import CURVES_CMD, curves, pretrained_dqn


@st.fragment
def view(ctx) -> None:
    data = curves()
    if data is None or not data.get("curves"):
        return
    with ui.error_boundary("the comparison"):
        show_notes = ui.url_checkbox("also the notes' actor-critic sign", "drl_cmp_notes", False)
        runs = {k: list(v.values()) for k, v in data["curves"].items()
                if show_notes or "notes" not in k}  # fmt: skip
        got = pretrained_dqn(quiet=True)
        steps = data["env_steps"]
        if got is not None and "train_curve" in got[1]:
            runs["DQN, the pretrained 500k run"] = [got[1]["train_curve"]]
            steps = got[1]["steps"]
        fig = F.learning_curves_figure(runs, steps, data["cleanrl"],
                                       "CartPole-v1: return (training episodes) vs env steps",
                                       bins=50)  # fmt: skip
        ui.figure(fig, height=480, key="drl_compare")
        rows = []
        for k, v in runs.items():
            last = [np.mean(c["return"][-20:]) for c in v]
            end = max(c["step"][-1] for c in v)
            rows.append({"method": k, "seeds": len(v), "env steps": f"{end:,}",
                         "last 20 episodes, mean over seeds": f"{np.mean(last):.1f}",
                         "± std over seeds": f"{np.std(last):.1f}"})  # fmt: skip
        for p in data["cleanrl"]:
            rows.append({"method": p["label"] + " (published)", "seeds": 3,
                         "env steps": f"{p['steps']:,}",
                         "last 20 episodes, mean over seeds": f"{p['mean']:g}",
                         "± std over seeds": f"{p['std']:g}"})  # fmt: skip
        st.table(rows)
        st.caption(
            f"Our runs: `{CURVES_CMD}` (seeds {data['seeds']}, one thread; DQN with CleanRL's "
            "settings on a 100k budget, ε over 50k steps as CleanRL's 100k run). Returns are "
            "those of the training episodes (ε-greedy / sampled actions), as CleanRL reports. "
            "Band: min–max over seeds."
        )
