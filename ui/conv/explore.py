"""Explorer and Sliding window (§2.1): any image through the sidebar's conv, and the
window sliding over it (client-side, ui.conv.window), then one position number by number."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

import ui
from core.conv import arithmetic as ar
from core.conv import figures as cf
from core.conv import ops
from core.theme import PALETTE
from ui.checks import FAIL, PASS
from ui.conv.common import (
    Geometry,
    _fit,
    checks,
    conv_image,
    geometry_problem,
    input_uri,
    notice,
    small_grid,
)
from ui.conv.grids import grid_figure
from ui.conv.window import window_player


# ----------------------------------------------------------------------------- 1 explorer
def part_explorer(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    h, w = img.shape
    problem = geometry_problem(g, h, w)
    if problem:
        st.warning(problem)
        return
    out, diff = conv_image(img, K_np, stride, pad, padmode, dil, flip)
    checks.append(ui.Check(f"core conv2d vs F.conv2d on the {h}×{w} input", diff, 1e-4))
    ho, wo = (
        ar.conv_output_size(h, k, stride, pad, dil),
        ar.conv_output_size(w, k, stride, pad, dil),
    )
    checks.append(
        ui.Check(
            "output-size formula vs actual shape",
            float((ho, wo) != out.shape),
            0,
            f"formula {ho}×{wo}, actual {out.shape[0]}×{out.shape[1]}",
        )
    )
    images, titles = (
        [input_uri(img), out],
        [f"input {h}×{w}", f"{'K * I' if flip else 'K ⋆ I'}: {ho}×{wo}"],
    )
    if not symmetric:
        other, _ = conv_image(img, K_np, stride, pad, padmode, dil, not flip)
        images.append(np.abs(out - other))
        titles.append(f"|correlation − convolution| (max {np.abs(out - other).max():.3g})")
    shapes = [(h, w)] + [out.shape] * (len(images) - 1)
    ui.figure(
        cf.images_row(images, titles, signed=[False, None, False][: len(images)],
                      aspect=max(h, out.shape[0]) / max(w, out.shape[1]), shapes=shapes),
        key="conv_explorer_fig",
    )  # fmt: skip
    st.caption(
        "Input and output at the same pixel scale: stride and dilation shrink the output, "
        "padding grows it. The *Sliding window* part shows which input patch makes each pixel."
    )
    st.markdown(
        f"**Output size** (rows, then columns) — actual output shape: "
        f"**{out.shape[0]} × {out.shape[1]}** "
        f"{PASS + ' matches the formula' if (ho, wo) == out.shape else FAIL + ' differs'}"
    )
    st.latex(ar.conv_output_formula(h, k, stride, pad, dil))
    st.latex(ar.conv_output_formula(w, k, stride, pad, dil))
    st.latex(
        r"\mathbf K = "
        + cf.latex_matrix(K_np)
        + r"\qquad \mathrm{Rot}_{180}(\mathbf K) = "
        + cf.latex_matrix(K_np[::-1, ::-1])
    )
    st.caption(
        "Correlation slides K; convolution slides Rot180(K). "
        + (
            "This kernel is 180°-symmetric, so both are identical."
            if symmetric
            else "This kernel is not symmetric: the right panel above "
            "shows where the two results differ."
        )
    )
    notice.extend(
        [
            "Sobel x lights up vertical edges, Sobel y horizontal ones; the sign tells dark→bright "
            "from bright→dark, and flipping to convolution flips that sign.",
            "Stride s divides the output size by about s; dilation widens the kernel's footprint "
            "to "
            "d(k−1)+1 without adding weights; padding p = (k−1)/2 with stride 1 keeps the size.",
            "Reflect padding avoids the dark frame that zero padding leaves around blurred images.",
            "Pick the *impulse* pattern: the output draws the kernel itself — rotated by 180° for "
            "correlation, upright for convolution.",
        ]
    )


# ----------------------------------------------------------------------------- 2 sliding window
@st.cache_data(show_spinner=False, max_entries=32)
def window_frames(
    small: np.ndarray, kernel: np.ndarray, stride: int, pad: int, mode: str, dil: int, flip: bool
):
    """Padded input PNG, output PNG and values (true relative scale), and max |core - F.conv2d|."""
    x = torch.from_numpy(small)[None, None]
    kt = torch.from_numpy(kernel)[None, None]
    xp = ops.pad2d(x, pad, mode)[0, 0].numpy()
    out = ops.conv2d(x, kt, stride=stride, padding=pad, dilation=dil, padding_mode=mode, flip=flip)
    xr = F.pad(x, (pad,) * 4, mode="constant" if mode == "zeros" else "reflect")
    ref = F.conv2d(xr, torch.flip(kt, (-2, -1)) if flip else kt, stride=stride, dilation=dil)
    o = out[0, 0].numpy()
    return (
        ui.png_data_url(cf.to_rgb(np.clip(xp, 0, 1), False)),
        ui.png_data_url(cf.to_rgb(o)),
        o,
        xp.shape,
        float((out - ref).abs().max()),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def step_frames(
    x: np.ndarray, kernel: np.ndarray, stride: int, pad: int, mode: str, dil: int, flip: bool
):
    """Every output position (i, j) of the conv of a small grid, number by number: padded input,
    kernel as applied, output, one frame per position (its products K[m,n] I[si+dm, sj+dn], its
    window and output cell, the written-out sum), max |sum of products - conv2d output| over all
    positions, and max |core conv2d - F.conv2d|."""
    xt, kt = torch.from_numpy(x), torch.from_numpy(kernel)
    applied = torch.flip(kt, (0, 1)) if flip else kt
    xp = ops.pad2d(xt[None, None], pad, mode)[0, 0]
    out = ops.conv2d(xt[None, None], kt[None, None], stride=stride, padding=pad, dilation=dil,
                     padding_mode=mode, flip=flip)[0, 0]  # fmt: skip
    ref = F.conv2d(
        F.pad(xt[None, None], (pad,) * 4, mode="constant" if mode == "zeros" else "reflect"),
        applied[None, None],
        stride=stride,
        dilation=dil,
    )[0, 0]
    k, (ho, wo) = kt.shape[0], out.shape
    frames, labels, sum_err = [], [], 0.0
    for i in range(ho):
        for j in range(wo):
            products = (ops.window(xp, i, j, k, stride, dil) * applied).numpy()
            sum_err = max(sum_err, abs(float(products.sum() - out[i, j])))
            frames.append({"grids": {2: products}, "boxes": {3: [(i, j, i, j, cf.SECOND)]},
                           "taps": (0, stride * i, stride * j, k, dil, cf.HIGHLIGHT)})  # fmt: skip
            terms = [
                f"{_num(a)}·{_num(b)}"
                for a, b in zip(applied.flatten().tolist(), ops.window(xp, i, j, k, stride, dil)
                                .flatten().tolist(), strict=True)
            ]  # fmt: skip
            shown = " + ".join(terms[:9]) + (" + …" if len(terms) > 9 else "")
            labels.append(f"z[{i},{j}] = {shown} = {products.sum():.4g}   ·   position "
                          f"{i * wo + j + 1} / {ho * wo}")  # fmt: skip
    frames_json = json.dumps({"frames": cf.grid_frames(frames), "labels": labels},
                             separators=(",", ":"))  # fmt: skip
    return (xp.numpy(), applied.numpy(), out.numpy(), frames_json, len(frames), sum_err,
            float((out - ref).abs().max()))  # fmt: skip


def _num(v: float) -> str:
    return f"({v:.4g})" if v < 0 else f"{v + 0.0:.4g}"


def part_sliding(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    side = ui.url_slider("Image side (px, the input downscaled)", "conv_sw_side", 8, 64, 24)
    small = np.ascontiguousarray(_fit(img, side), np.float32)
    h, w = small.shape
    problem = geometry_problem(g, h, w)
    if problem:
        st.warning(problem)
    else:
        pin, pout, vals, shape, diff = window_frames(small, K_np, stride, pad, padmode, dil, flip)
        ho, wo = vals.shape
        window_player(
            pin,
            pout,
            vals,
            pad=pad,
            k=k,
            stride=stride,
            dilation=dil,
            key="conv_window",
            geometry_key=f"{h}x{w}|{k}|{stride}|{pad}|{padmode}|{dil}|{flip}|{K_np.tobytes().hex()}",
            padded_shape=shape,
            in_caption=f"input {h}×{w}, padded by p = {pad} ({padmode}): the window's k² taps",
            out_caption=f"{'K * I' if flip else 'K ⋆ I'}: {ho}×{wo} (same pixel scale)",
        )
        st.caption(
            "Drag the slider or press ▶ to slide the window; hover an output pixel to see the "
            "input patch it comes from. All in the browser: nothing is recomputed."
        )
        checks.append(ui.Check(f"core conv2d vs F.conv2d on the {h}×{w} image", diff, 1e-4))
    st.subheader("One position, number by number")
    n = ui.url_slider("Input size n × n", "conv_sw_n", 4, 9, 6)
    x = small_grid(n, ctx.seed)
    mode = padmode if not (padmode == "reflect" and pad >= n) else "zeros"
    if mode != padmode:
        st.info(f"Reflect padding p={pad} does not fit a {n}×{n} input; using zero padding here.")
    if dil * (k - 1) + 1 > n + 2 * pad:
        st.warning(
            f"The dilated kernel (span {dil * (k - 1) + 1}) does not fit the padded "
            f"{n + 2 * pad}×{n + 2 * pad} input: lower dilation or kernel size, or pad more."
        )
        return
    xp, applied, out, frames_json, n_pos, sum_err, ref_err = step_frames(
        x, K_np.astype(np.float64), stride, pad, mode, dil, flip
    )
    h, w = xp.shape
    grid_figure(
        [xp, applied, np.zeros_like(applied), out],  # every frame brings its products
        [
            "input (padded)" if pad else "input",
            "kernel as applied",
            "element-wise products",
            "output",
        ],
        boxes={0: [(pad, pad, h - 1 - pad, w - 1 - pad, PALETTE[8])]} if pad else None,
        frames_json=frames_json,
        key="conv_step_fig",
        frame_key=f"{n}|{K_np.tobytes().hex()}|{stride}|{pad}|{mode}|{dil}|{flip}|{ctx.seed}",
        height=360,
    )
    st.latex(
        rf"z[i,j] = \sum_{{m,n}} \mathbf K[m,n]\,\mathbf I[{stride}i+{dil}m,\;{stride}j+{dil}n]"
    )
    st.caption(
        f"The slider and ▶ step through all {n_pos} output positions in the browser; the "
        "sum at the current one is written out under the grids."
    )
    checks.append(
        ui.Check(
            f"Σ products vs the core's conv2d output, at all {n_pos} positions",
            sum_err,
            1e-9,
        )
    )
    checks.append(ui.Check("core conv2d vs F.conv2d on this grid", ref_err, 1e-9))
    notice.extend(
        [
            "The highlighted patch jumps by s cells per output step and its cells are d apart: "
            "stride and dilation in one picture.",
            "Grey frame = padding: cells outside it are zeros (or mirrored pixels for reflect).",
            "The kernel panel shows the weights as they are *applied*: with the convolution toggle "
            "on it is the 180° rotation of what you entered.",
        ]
    )
