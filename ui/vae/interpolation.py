"""Interpolation view: a path between two held-out codes decoded by the plain AE and the VAE
(both 16-D), next to a pixel cross-fade (notes §6 "continuity and interpolation").

The path is computed once per (pair, N, path kind) and cached; the player scrubs and plays its
frames in the browser (``ui.image_player``), with no server round trip.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.imaging import make_grid
from core.vae.interpolation import PATHS, path, pixel_blend
from ui.vae.common import class_index, decode, heldout, load, show_rows, show_view_checks, strips

ROWS = (("AE (16-D)", "ae_mlp16"), ("VAE (16-D)", "vae_16d"))


@st.cache_resource(max_entries=64)
def interpolation_rows(i: int, j: int, n: int, kind: str, device: str) -> dict[str, np.ndarray]:
    """(N, 28, 28) decodings g(z(t)) per model along the path, and the pixel blend."""
    x, _ = heldout()
    rows = {}
    for label, name in ROWS:
        model = load(name, device)
        with torch.inference_mode():
            z = model.embed(x[[i, j]].to(device)).cpu()
        rows[f"{label}, {kind} path"] = decode(model, path(z[0], z[1], n, kind).numpy())
    rows["pixel blend (1−t)·x₀ + t·x₁"] = pixel_blend(x[i, 0].numpy(), x[j, 0].numpy(), n)
    return rows


@st.cache_resource(max_entries=64)
def interpolation_pngs(i: int, j: int, n: int, kind: str, device: str) -> dict[str, bytes]:
    return strips(interpolation_rows(i, j, n, kind, device))


@st.cache_resource(max_entries=64)
def player_frames(i: int, j: int, n: int, kind: str, device: str) -> list[str]:
    """One PNG data URL per t: AE | VAE | pixel blend side by side, large."""
    rows = list(interpolation_rows(i, j, n, kind, device).values())
    out = []
    for t in range(n):
        tile = make_grid(np.stack([r[t] for r in rows]), nrow=len(rows), pad=2, pad_value=0.15)
        a = (np.clip(1.0 - tile, 0, 1) * 255).round().astype(np.uint8)
        out.append(ui.png_data_url(np.kron(a, np.ones((6, 6), np.uint8))))
    return out


@st.cache_resource(max_entries=64)
def path_check(i: int, j: int, n: int, kind: str, device: str) -> float:
    """max |z(0) − z_a| + max |z(1) − z_b| of the path between two codes, in float64: the
    path must start and end at the encoded digits (lerp at t = 0, 1; slerp's sin weights)."""
    x, _ = heldout()
    worst = 0.0
    for _, name in ROWS:
        model = load(name, device)
        with torch.inference_mode():
            z = model.embed(x[[i, j]].to(device)).cpu().double()
        p = path(z[0], z[1], n, kind)
        worst = max(worst, float((p[0] - z[0]).abs().max() + (p[-1] - z[1]).abs().max()))
    return worst


@st.cache_resource(max_entries=64)
def interpolation_confidence(i, j, n, kind, device) -> dict[str, float]:
    got = ui.pretrained("judge", "cpu")
    if got is None:
        return {}
    from core.judge import predict

    rows = interpolation_rows(i, j, n, kind, device)
    out = {}
    for name, imgs in rows.items():
        inner = torch.from_numpy(np.ascontiguousarray(imgs[1:-1]))[:, None]
        probs, _ = predict(got[0], inner)
        out[name.split(",")[0]] = float(probs.max(1).values.mean())
    return out


@st.cache_resource
def interpolation_study(device: str, n_pairs: int = 40) -> dict[str, float]:
    """Mean judge confidence on inner frames over ``n_pairs`` seeded random held-out pairs."""
    got = ui.pretrained("judge", "cpu")
    if got is None:
        return {}
    from core.judge import predict

    x, _ = heldout()
    pairs = np.random.default_rng(0).choice(len(x), size=(n_pairs, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    frames: dict[str, list[np.ndarray]] = {"AE": [], "VAE": [], "pixel blend": []}
    for label, name in (("AE", "ae_mlp16"), ("VAE", "vae_16d")):
        model = load(name, device)
        with torch.inference_mode():
            z = model.embed(x.to(device)).cpu()
        for i, j in pairs:
            frames[label].append(decode(model, path(z[i], z[j], 10, "linear").numpy())[1:-1])
    for i, j in pairs:
        frames["pixel blend"].append(pixel_blend(x[i, 0].numpy(), x[j, 0].numpy(), 10)[1:-1])
    out = {}
    for label, f in frames.items():
        probs, _ = predict(got[0], torch.from_numpy(np.concatenate(f))[:, None])
        out[label] = float(probs.max(1).values.mean())
    return out


@st.fragment
def view(ctx) -> None:
    dev = str(ctx.device)
    st.subheader("Interpolation: AE holes vs VAE continuity")
    ui.prose(
        "Two held-out digits are encoded; the path between their codes is decoded by the "
        "plain AE and by the VAE (both 16-D, same architecture), next to a pixel cross-fade. "
        "Drag the player's slider or press ▶ to walk the path."
    )
    c = st.columns([1, 1, 1, 1, 2, 2])
    with c[0]:
        ca = ui.url_selectbox("From class", "vae_int_a", list(range(10)), 1)
    with c[1]:
        ia = ui.url_number("example #", "vae_int_ia", 0, 49, 0, step=1)
    with c[2]:
        cb = ui.url_selectbox("To class", "vae_int_b", list(range(10)), 7)
    with c[3]:
        ib = ui.url_number("example # ", "vae_int_ib", 0, 49, 0, step=1)
    with c[4]:
        n_steps = ui.url_slider("Steps N", "vae_int_n", 3, 16, 10)
    with c[5]:
        kind = ui.url_radio("Path", "vae_int_path", PATHS, horizontal=True)
    if load("ae_mlp16", dev) is None or load("vae_16d", dev) is None:
        return
    i, j, n = (
        int(class_index()[int(ca)][int(ia)]),
        int(class_index()[int(cb)][int(ib)]),
        int(n_steps),
    )
    left, right = st.columns([1, 1])
    with left:
        st.caption("**AE · VAE · pixel blend** at t (scrubs in the browser)")
        ui.image_player(player_frames(i, j, n, kind, dev),
                        [f"t = {t / (n - 1):.2f}" for t in range(n)], key="vae_int_player",
                        active=n // 2, frame_ms=180, max_width=560)  # fmt: skip
    with right:
        show_rows(interpolation_pngs(i, j, n, kind, dev))
        conf = interpolation_confidence(i, j, n, kind, dev)
        if conf:
            st.caption(
                "Judge's mean confidence on the inner frames (how digit-like they look): "
                + ", ".join(f"{k} {v:.2f}" for k, v in conf.items())
            )
    study = interpolation_study(dev)
    ui.prose(
        "**What to notice.** Both models decode the in-between codes into digit-like "
        "strokes that morph from one digit to the other, unlike the pixel blend, which "
        "is two ghosts on top of each other. The textbook 'holes' of a plain AE are "
        "subtle along paths between real codes here (16-D codes, 4,500 digits)"
        + (
            ": over 40 random held-out pairs (linear paths, 10 steps) the judge's mean "
            "confidence on the inner frames is "
            + ", ".join(f"{k} {v:.3f}" for k, v in study.items())
            + ", so confidence alone barely separates them"
            if study
            else ""
        )
        + ". The AE's real weakness shows in **Sampling**: it has no prior to draw z "
        "from. Spherical paths keep |z| typical of N(0, I)."
    )
    checks = [
        ui.Check(
            f"{kind} path ends at the two codes: max |z(0) − z_a| + max |z(1) − z_b|",
            path_check(i, j, n, kind, dev),
            1e-6,
            "float64, AE and VAE codes",
        )
    ]
    show_view_checks(checks, ctx.seed, ctx.device)
