"""Pooling & unpooling and Transposed conv (§2.2, §3.1): max/avg pooling and its routed
gradient, the upsampling family, transposed convolution stamps and checkerboard artefacts."""

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
from ui.conv.common import (
    Geometry,
    _fit,
    checks,
    notice,
    small_grid,
)
from ui.conv.grids import grid_figure

# ------------------------------------------------------------------------- 5 pooling & unpooling
TOY = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], np.float64)


def part_pooling(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    c1, c2, c3 = st.columns([2, 1, 1])
    with c1:
        which = ui.url_radio(
            "Input",
            "conv_pool_input",
            ["notes' toy 4×4", "random 6×6", "random 8×8"],
            horizontal=True,
        )
    with c2:
        pk = ui.url_slider("Pool size k", "conv_pool_k", 1, 4, 2)
    with c3:
        ps = ui.url_slider("Pool stride s", "conv_pool_s", 1, 4, 2)
    X = TOY if which.startswith("notes") else small_grid(int(which[7]), ctx.seed + 5)
    if pk > X.shape[0]:
        st.warning(f"A {pk}×{pk} window does not fit the {X.shape[0]}×{X.shape[0]} input.")
        return
    x = torch.from_numpy(X)[None, None]
    v, idx = ops.max_pool2d(x, pk, ps)
    avg = ops.avg_pool2d(x, pk, ps)
    ref_v, ref_i = F.max_pool2d(x, pk, ps, return_indices=True)
    h, w = X.shape
    arg = [(int(t) // w, int(t) % w) for t in idx.flatten()]
    boxes = {0: [(r, c, r, c, cf.HIGHLIGHT) for r, c in arg]}
    grid_figure(
        [X, v[0, 0].numpy(), avg[0, 0].numpy()],
        ["input (argmax cells outlined)", f"max pool {pk}×{pk}, s={ps}", "average pool"],
        boxes=boxes,
        height=280,
        key="conv_pool_fig",
    )
    G = torch.arange(1, v.numel() + 1, dtype=torch.float64).reshape(v.shape)
    routed = ops.max_pool2d_backward(G, idx, tuple(x.shape))
    xg = x.clone().requires_grad_()
    F.max_pool2d(xg, pk, ps).backward(G)
    st.markdown(
        "**Backward**: ∂z[i,j]/∂x[i′,j′] = 𝟙{[i′,j′] = [i*,j*]} — the gradient goes to "
        "the argmax only (summed where windows overlap and share an argmax)."
    )
    grid_figure(
        [G[0, 0].numpy(), routed[0, 0].numpy()],
        ["upstream ∂L/∂z", "routed ∂L/∂x"],
        boxes={1: boxes[0]},
        height=260,
        key="conv_pool_grad_fig",
    )
    st.markdown("**Upsampling the pooled map** back to the input size (§3.1):")
    size = (h, w)
    near = ops.upsample_nearest(v, size)
    nails = ops.bed_of_nails(v, ps)[..., :h, :w]
    nails = F.pad(nails, (0, w - nails.shape[-1], 0, h - nails.shape[-2]))
    unpool = ops.max_unpool2d(v, idx, size)
    bil = ops.upsample_bilinear(v, size)
    grid_figure(
        [near[0, 0].numpy(), nails[0, 0].numpy(), unpool[0, 0].numpy(), bil[0, 0].numpy()],
        ["nearest neighbour", "bed of nails", "max unpooling", "bilinear"],
        boxes={2: boxes[0]},
        height=280,
        key="conv_unpool_fig",
    )
    checks.extend(
        [
            ui.Check("max pool values vs F.max_pool2d", float((v - ref_v).abs().max()), 1e-12),
            ui.Check("max pool argmax indices vs F.max_pool2d", float((idx != ref_i).sum()), 0),
            ui.Check(
                "avg pool vs F.avg_pool2d",
                float((avg - F.avg_pool2d(x, pk, ps)).abs().max()),
                1e-12,
            ),
            ui.Check("routed gradient vs autograd", float((routed - xg.grad).abs().max()), 1e-12),
            ui.Check(
                "max unpooling vs F.max_unpool2d",
                float((unpool - F.max_unpool2d(v, idx, pk, ps, output_size=size)).abs().max()),
                1e-12,
            ),
            ui.Check(
                "nearest vs F.interpolate",
                float((near - F.interpolate(v, size=size, mode="nearest")).abs().max()),
                1e-12,
            ),
            ui.Check(
                "bilinear vs F.interpolate",
                float(
                    (bil - F.interpolate(v, size=size, mode="bilinear", align_corners=False))
                    .abs()
                    .max()
                ),
                1e-9,
            ),
        ]
    )
    notice.extend(
        [
            "The toy example is the notes' Figures 8–11: max pooling keeps 6, 8, 3, 4; nearest "
            "copies them into 2×2 blocks; bed of nails puts them top-left; max unpooling puts them "
            "back exactly where the maxima were.",
            "Only the outlined argmax cells get any gradient: max pooling has no weights, its "
            "backward pass only routes the error.",
            "With k > s windows overlap and one pixel can be the max of several windows: its "
            "gradient is the sum.",
        ]
    )


# ----------------------------------------------------------------------------- 6 transposed conv
TC_KERNELS = {
    "ones 3×3": np.ones((3, 3)),
    "tent 1-2-1 (3×3)": np.outer([1, 2, 1], [1, 2, 1]),
    "ones 2×2": np.ones((2, 2)),
}


def part_transposed(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    transposed_stamps(g)
    checkerboard(g)
    notice.extend(
        [
            "Each input pixel stamps a scaled copy of the kernel into the output; overlapping "
            "stamps "
            "add up (notes §3.1). Output padding adds rows/columns that no stamp reaches.",
            "k = 3, s = 2 gives the classic 1:2:4 checkerboard; k = 4, s = 2 is even. Resizing "
            "first "
            "and then convolving never has this problem (Odena et al., 2016).",
            "Check the stamps against the matrix view: a transposed convolution is Tᵀ of the "
            "forward convolution's matrix (part *As a matrix*).",
        ]
    )


def transposed_stamps(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        kname = ui.url_selectbox("Kernel", "conv_tc_kernel", list(TC_KERNELS))
    with c2:
        s = ui.url_slider("Stride", "conv_tc_s", 1, 3, 2)
    with c3:
        p = ui.url_slider("Padding", "conv_tc_p", 0, 2, 0)
    with c4:
        op = ui.url_slider("Output padding", "conv_tc_op", 0, 2, 0)
    Kt = torch.from_numpy(TC_KERNELS[kname].astype(np.float64))
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    kt = Kt.shape[0]
    if op >= s:
        st.warning(
            f"Output padding must be smaller than the stride ({op} ≥ {s}): it only "
            "chooses between the s output sizes that a stride-s conv maps to the same size."
        )
        return
    n_out = ar.conv_transpose_output_size(2, kt, s, p, op)
    if n_out < 1:
        st.warning(
            f"Padding {p} crops the whole output away ((2−1)·{s} + {kt} = "
            f"{s + kt} rows before cropping)."
        )
        return
    st.latex(ar.conv_transpose_formula(2, kt, s, p, op))
    terms = ops.transposed_conv_stamps(x, Kt, s, p, op)
    total = terms.sum(0)
    ref = F.conv_transpose2d(x[None, None], Kt[None, None], stride=s, padding=p, output_padding=op)[
        0, 0
    ]
    shown = min(len(terms), 9)
    grid_figure(
        [*terms.numpy()[:shown], total.numpy()],
        [f"x[{t // 2},{t % 2}]={float(x[t // 2, t % 2]):g} · K" for t in range(shown)] + ["sum"],
        height=300,
        key="conv_stamp_fig",
    )
    checks.append(
        ui.Check("sum of stamps vs F.conv_transpose2d", float((total - ref).abs().max()), 1e-12)
    )
    checks.append(
        ui.Check(
            "transposed output-size formula vs actual shape",
            float(total.shape != (n_out, n_out)),
            0,
        )
    )


@st.cache_data(show_spinner=False, max_entries=64)
def upsampling_compared(small: np.ndarray, cb_k: int, cb_s: int) -> tuple[dict, float, float]:
    """Transposed conv vs nearest-then-conv (box kernel k, factor s) on a constant 8x8 input and
    on ``small``: the four results (a plotly dict: cached, not rebuilt per rerun of the view) and
    the interior ripple (max - min) / mean of each method on the constant input."""
    box = torch.ones(cb_k, cb_k, dtype=torch.float64)
    const = torch.ones(8, 8, dtype=torch.float64)
    a, b = ops.upsample_pair(const, box, cb_s)
    a_img, b_img = ops.upsample_pair(torch.from_numpy(small), box, cb_s)
    m = max(cb_k, cb_s)

    def ripple(t: torch.Tensor) -> float:
        return float((t.max() - t.min()) / t.mean()) if t.numel() else 0.0

    fig = cf.images_row(
        [a.numpy(), b.numpy(), a_img.numpy(), b_img.numpy()],
        [f"transposed (k={cb_k}, s={cb_s})", f"nearest ×{cb_s} + conv", "transposed (image)",
         "nearest + conv (image)"],
        height=280,
    )  # fmt: skip
    return json.loads(fig.to_json()), ripple(a[m:-m, m:-m]), ripple(b[m:-m, m:-m])


def checkerboard(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    st.subheader("Checkerboard artefacts vs resize-then-convolve")
    c1, c2, c3 = st.columns([1, 1, 2])
    with c1:
        cb_k = ui.url_slider("Kernel size k", "conv_cb_k", 1, 6, 3)
    with c2:
        cb_s = ui.url_slider("Upsampling factor s", "conv_cb_s", 1, 4, 2)
    fig, ra, rb = upsampling_compared(_fit(img, 40).astype(np.float64), cb_k, cb_s)
    with c3:
        m1, m2 = st.columns(2)
        m1.metric("ripple (max−min)/mean: transposed conv", f"{ra:.2f}")
        m2.metric("ripple: resize, then conv", f"{rb:.2f}")
    ui.figure(fig, key="conv_cb_fig", height=fig["layout"].get("height"))
    st.caption(
        "Left pair: a constant input (all ones); right pair: the current input image, "
        "downscaled to ≤ 40 px first. Same box kernel in both methods."
    )
    uneven = cb_k % cb_s != 0
    st.info(
        f"k mod s = {cb_k % cb_s}: "
        + (
            "each output pixel receives an uneven number of stamps (ceil(k/s) or floor(k/s) per "
            "axis) "
            "→ a periodic checkerboard, even on a constant input."
            if uneven
            else "every output pixel receives the same number (k/s)² of stamps → no checkerboard "
            "from the "
            "overlap (learned kernels can still create one)."
        )
    )
    checks.append(
        ui.Check(
            "checkerboard iff s does not divide k (transposed conv, constant input)",
            float((ra > 1e-9) != uneven),
            0,
        )
    )
    checks.append(
        ui.Check("resize-then-conv is flat on a constant input (interior ripple)", rb, 1e-9)
    )
