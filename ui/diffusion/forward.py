"""Forward process view (notes §10.1): x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps.

Every t's frame (x_t and its histogram) is computed once per (data, schedule, T, seed) and
cached; the t slider is a client-side player, so dragging t never reruns the server."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st
import torch

import ui
from core.data import PHOTOS, mnist_split, photo
from core.diffusion import figures as dfig
from core.diffusion import frames as F
from core.diffusion.explore import chain_check, image_to_x0
from core.diffusion.schedules import make_schedule, schedule_names
from core.diffusion.toy2d import toy_points, toy_target_names
from ui.diffusion.common import bonferroni_z, url_start

T_OPTIONS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


@st.cache_data(max_entries=8, show_spinner=False)
def mnist_digit(index: int) -> np.ndarray:
    split = mnist_split()
    return np.array(split.x_test[index, 0]) * 2 - 1  # (28, 28) in [-1, 1]


@st.cache_data(max_entries=8, show_spinner=False)
def photo_x0(name: str) -> np.ndarray:
    return image_to_x0(photo(name), size=96)


@st.cache_data(max_entries=16, show_spinner=False)
def fixed_noise(shape: tuple, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@st.cache_resource(max_entries=12, show_spinner="Noising x₀ at every t…")
def forward_frames(schedule: str, T: int, x0_key: str, seed: int, start: int, _x0: np.ndarray):
    """The player's frames, once per (schedule, T, data, seed, start t)."""
    ab = make_schedule(schedule, T).alpha_bar.numpy()
    ts = F.forward_ts(T, start)
    eps = fixed_noise(_x0.shape, seed)
    if x0_key.startswith("toy:"):  # plotly frames: the point cloud needs axes
        return ts, F.forward_points_frames(_x0, eps, ab, ts), None
    urls, labels = F.forward_image_strip(_x0, eps, ab, ts)  # pictures: the cheapest to swap
    return ts, urls, labels


@st.cache_resource(max_entries=16, show_spinner="Iterating the Markov chain once for every t…")
def cached_chain_check(schedule: str, T: int, x0_key: str, _x0: np.ndarray):
    return chain_check(make_schedule(schedule, T), _x0)


@st.cache_data(max_entries=32, show_spinner=False)
def schedule_fig(schedule: str, T: int) -> dict:
    """The schedules panel (the chosen one first, thick), once per (schedule, T): it does not
    depend on the data or t, and building it cost more than the rest of a rerun."""
    names = [schedule] + [n for n in schedule_names() if n != schedule]
    return dfig.schedule_figure([make_schedule(n, T) for n in names])


def _data(source: str, seed: int) -> tuple[np.ndarray, str]:
    if source == "photo":
        name = ui.url_selectbox("Photo", "dif_photo", list(PHOTOS))
        return photo_x0(name), f"photo:{name}"
    if source == "MNIST digit":
        idx = ui.url_slider("Held-out digit #", "dif_digit", 0, 499, 7)
        return mnist_digit(idx), f"mnist:{idx}"
    if source == "upload":
        img = ui.image_upload("Your image (PNG/JPEG)", "dif_upload")
        if img is None:
            st.info("Upload a PNG or JPEG; until then the bundled photo is used.")
            return photo_x0(list(PHOTOS)[0]), f"photo:{list(PHOTOS)[0]}"
        x0 = image_to_x0(img, size=96)
        return x0, "upload:" + hashlib.sha1(x0.tobytes()).hexdigest()[:12]
    target = ui.url_selectbox("2-D target", "dif_fwd_target", toy_target_names())
    return toy_points(target, 1500), f"toy:{target}"


@st.fragment
def forward_view(ctx) -> None:
    with ui.error_boundary("the Forward process view"):
        _forward(ctx)


def _forward(ctx) -> None:
    c1, c2, c3, c4 = st.columns([1.1, 1, 1.3, 1.2])
    with c1:
        source = ui.url_selectbox(
            "Data x₀", "dif_source", ["photo", "MNIST digit", "upload", "2-D points"]
        )
    with c2:
        schedule = ui.url_selectbox(
            "Schedule β_t", "dif_schedule", schedule_names(), value="cosine"
        )
    with c3:
        T = ui.url_select_slider("T (steps)", "dif_T", T_OPTIONS, 1000)
    with c4:
        x0, key = _data(source, ctx.seed)
    sched = make_schedule(schedule, T)
    ab_T = float(sched.alpha_bar[-1])
    if ab_T > 0.05:
        st.warning(
            f"With T = {T} the {schedule} schedule ends at ᾱ_T = {ab_T:.2f}: x_T still holds "
            f"{np.sqrt(ab_T):.0%} of the signal and is not pure noise. Raise T."
        )
    t0 = url_start("dif_t", T // 4, 0, T)
    ts, frames, labels = forward_frames(schedule, T, key, ctx.seed, t0, x0)
    active = int(np.searchsorted(ts, t0))
    if labels is None:
        ui.plot_player(frames, [f"t = {t} / {T}" for t in ts], key="dif_fwd_pts_player",
                       active=active, frame_ms=60, height=440)  # fmt: skip
    else:
        left, right = st.columns([1, 4])
        with left:  # x_0 and eps stay fixed; x_t mixes them
            st.image(F.to_u8(x0, min_side=112), caption="x₀ (data)", width="stretch")
            eps = fixed_noise(x0.shape, ctx.seed)
            st.image(F.to_u8(eps / 3, min_side=112), caption="ε (the noise, ÷3)", width="stretch")
        with right:
            ui.image_player(frames, labels, key="dif_fwd_player", active=active, frame_ms=60)
            st.caption(
                "Left: x_t, shown as (x + 1)/2 clipped to [0, 1]. Right: histogram of x_t's "
                "values on [−4, 4] (grey lines at the integers, 0 darker) against N(0, 1) "
                f"(orange). {len(ts)} frames, computed once; the slider runs in your browser."
            )
    ui.figure(schedule_fig(schedule, T), key="dif_sched", height=300)
    ui.prose(
        "**What to notice.** ᾱ_t falls from 1 to ≈ 0; the linear schedule destroys the "
        "signal early (its SNR collapses fast), the cosine one keeps it longer (notes "
        "footnote 20). The histogram's mean shrinks as √ᾱ_t and its spread grows as "
        "√(1 − ᾱ_t): at t = T it is N(0, 1) whatever the image was."
    )
    cc = cached_chain_check(schedule, T, key, x0)
    z_tol = bonferroni_z(T * cc.coords)
    ab = sched.alpha_bar
    checks = [
        ui.Check(
            f"closed form q(x_t | x₀) vs {cc.replicates}× iterated chain q(x_t | x_(t−1)), "
            f"every t = 1..{T}: mean, max |Δ| in standard errors",
            float(cc.mean_max_z[1:].max()),
            round(z_tol, 2),
            f"{cc.coords} coordinates of x₀; tolerance: 0.1 % family-wise over {T * cc.coords:,} "
            "tests",
        ),
        ui.Check(
            f"closed form vs iterated chain, every t = 1..{T}: variance, max relative error of "
            "1 − ᾱ_t",
            float(cc.var_rel_err[1:].max()),
            0.075,
            f"5 standard errors of a {cc.replicates}-sample variance averaged over {cc.coords} "
            "coordinates",
        ),
        ui.Check(
            "ᾱ_t strictly decreasing and in (0, 1)",
            float(not (bool(torch.all(ab[1:] < ab[:-1])) and bool(torch.all((ab > 0) & (ab < 1))))),
            0.0,
        ),
    ]
    ui.show_checks(checks)
