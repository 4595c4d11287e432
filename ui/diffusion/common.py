"""Shared bits of the diffusion views: a player's URL-given start, the trajectory store, the
progress bar for sampling, and the live check of a recorded reverse trajectory (§10.3)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from statistics import NormalDist

import numpy as np
import streamlit as st

import ui
from core.diffusion.explore import reverse_step_check
from core.diffusion.samplers import Trajectory
from ui import memo

SAMPLE_GRID = 16  # digits per pretrained trajectory (4 x 4)


def url_start(key: str, default: int, lo: int, hi: int) -> int:
    """Where a client-side player opens: ``?key=`` from a bookmark (clamped to [lo, hi]), else
    ``default``. The browser owns the position afterwards (no round trip while scrubbing), so
    the value stays in the URL as given."""
    raw = st.query_params.get(key)
    try:
        v = int(float(raw)) if raw is not None else int(default)
    except (TypeError, ValueError, OverflowError):
        v = int(default)
    return min(max(v, lo), hi)


def trajectory_store() -> OrderedDict:
    """Sampled trajectories and their frames, shared by sessions, keyed by small settings."""
    return memo.store("diffusion")


def cached(key: tuple, compute: Callable[[Callable[[int, int], None]], dict], max_entries=24):
    """``compute(progress)`` once per key, with a progress bar while it runs (§10 sampling can
    take seconds); later calls index the stored result."""

    def run() -> dict:
        bar = st.progress(0.0, text="Sampling the trajectory…")
        t0 = time.perf_counter()
        result = compute(lambda i, n: bar.progress(min(i / n, 1.0), text=f"Denoising step {i}/{n}"))
        result["seconds"] = time.perf_counter() - t0
        bar.empty()
        return result

    return memo.remembered("diffusion", key, run, max_entries)


def step_checks(traj: Trajectory, alpha_bar: np.ndarray, sampler: str, eta: float) -> list:
    """Live checks of the displayed reverse trajectory: every step rebuilt from its own x_t and
    x0_hat with the update written out independently (core.diffusion.explore.reverse_step_check).
    Deterministic steps must match to float32 rounding; the stochastic steps' residuals must be
    the sampler's N(0, I) draws (tolerances: 5 standard errors of a mean and of a std)."""
    sc = reverse_step_check(traj, alpha_bar, sampler, eta)
    name = "Algorithm 3 / posterior q(x_{t−1} | x_t, x̂₀)" if sampler == "DDPM" else "DDIM update"
    checks = []
    if np.isfinite(sc.det_max_abs):
        checks.append(
            ui.Check(
                f"{name} rebuilt from each frame's x_t and x̂₀: max |Δ| on the deterministic steps",
                sc.det_max_abs,
                1e-4,
                "float32 trajectory, float64 rebuild",
            )
        )
    if sc.n_z > 1:
        se = 1 / np.sqrt(sc.n_z)
        checks.append(
            ui.Check(
                f"{name}: residuals z = (x_prev − mean)/σ_t ~ N(0, 1): |mean z| in standard errors",
                abs(sc.z_mean) / se,
                5.0,
                f"{sc.n_z:,} residuals",
            )
        )
        checks.append(
            ui.Check(
                f"{name}: |std z − 1| in standard errors (σ_t² = β̃_t; β_t would fail)",
                abs(sc.z_std - 1) / (se / np.sqrt(2)),
                5.0,
                f"std z = {sc.z_std:.4f}",
            )
        )
    return checks


def bonferroni_z(n_tests: int, family_alpha: float = 1e-3) -> float:
    """Two-sided |z| threshold with family-wise false-alarm rate ``family_alpha`` over n tests."""
    return NormalDist().inv_cdf(1 - family_alpha / (2 * max(1, n_tests)))
