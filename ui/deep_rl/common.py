"""Shared, cached parts of the Deep RL views: the pretrained DQN, the precomputed curves file,
recorded CartPole episodes as client-side player frames, Q over a (θ, θ̇) slice."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st

import ui
from core.pretrained import PretrainedError
from core.rl import cartpole as C
from core.rl import deep_figures as F
from core.rl.experiments import OUT as CURVES_PATH
from core.rl.pretrained import DQN_NAME
from ui.pretrained import _load

CURVES_CMD = "python -m core.rl.experiments"
POLICIES = ("pretrained DQN", "random", "lean rule: push toward the lean")


def pretrained_dqn(quiet: bool = False):
    """(QNetwork, manifest) or None (a message with the rebuild command is shown unless
    ``quiet``: a view calls it loudly once)."""
    if not quiet:
        return ui.pretrained(DQN_NAME)
    try:
        return _load(DQN_NAME, "cpu")
    except PretrainedError:
        return None


@st.cache_data(show_spinner=False, max_entries=4)
def _read_curves(mtime: float) -> dict:
    return json.loads(CURVES_PATH.read_text())


def curves() -> dict | None:
    """The precomputed learning curves (``core.rl.experiments``) or None after saying why."""
    try:
        return _read_curves(CURVES_PATH.stat().st_mtime)
    except (OSError, json.JSONDecodeError) as e:
        st.info(
            f"The precomputed learning curves are missing or unreadable ({type(e).__name__}); "
            f"rebuild them with `{CURVES_CMD}` (about an hour on one thread)."
        )
        return None


def policy_of(name: str, seed: int) -> C.Policy | None:
    if name == "pretrained DQN":
        got = pretrained_dqn(quiet=True)
        return None if got is None else C.greedy(C.mlp_numpy(got[0].net))
    if name == "random":
        return C.random_policy(seed)
    if name.startswith("lean rule"):
        return lambda s: (s[:, 2] + 0.5 * s[:, 3] > 0).astype(int)  # push under the fall
    raise ValueError(f"unknown policy: {name!r}; choose from {', '.join(POLICIES)}")


@st.cache_data(show_spinner="Playing the episode…", max_entries=32)
def episode(name: str, seed: int) -> tuple[list[dict], list[str], float, dict]:
    """Frames (every 2nd step: 25 per simulated second, played in real time), labels, the
    return and the recorded states/actions of one seeded episode."""
    policy = policy_of(name, seed)
    if policy is None:
        return [], [], float("nan"), {}
    ep = C.record_episode(policy, seed)
    figs, labels = F.episode_frames(ep, every=2)
    return figs, labels, ep["return"], {"states": ep["states"], "actions": ep["actions"]}


@st.cache_data(show_spinner=False, max_entries=2)
def pretrained_slice() -> dict | None:
    got = pretrained_dqn(quiet=True)
    if got is None:
        return None
    sl = C.q_slice(C.mlp_numpy(got[0].net), n=41)
    return F.q_slice_figure(sl, "pretrained DQN: V = max_a Q (left), greedy action (right)")


def finite_mean(xs) -> float:
    xs = np.asarray(xs, np.float64)
    return float(xs[np.isfinite(xs)].mean()) if np.isfinite(xs).any() else float("nan")
