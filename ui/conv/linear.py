"""As a matrix and Layers & backprop (§2.1–2.2): convolution as a (doubly block) Toeplitz
matrix, the parameter count of a conv layer and its backward pass vs autograd."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch
import torch.nn.functional as F

import ui
from core.conv import arithmetic as ar
from core.conv import backprop, ops, toeplitz
from core.conv import figures as cf
from ui.conv.common import (
    Geometry,
    checks,
    notice,
    small_grid,
)
from ui.conv.grids import grid_figure


# ----------------------------------------------------------------------------- 3 as a matrix
def part_matrix(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
    c0, c1 = st.columns([1, 2])
    with c0:
        mode = ui.url_radio("Output", "conv_tmode", list(toeplitz.MODES), "full", horizontal=True)
    with c1:
        n = ui.url_slider("2-D image size n × n", "conv_tsize", 3, 5, 4)
    st.markdown("**1-D**: the notes' matrix (convolution, kernel k = middle row of K)")
    k1 = torch.from_numpy(K_np[k // 2].astype(np.float64))
    x1 = torch.from_numpy(small_grid(6, ctx.seed)[0])
    if mode == "valid" and len(k1) > len(x1):
        st.warning("The kernel is longer than the 6-sample signal: use 'full'.")
    else:
        T1 = toeplitz.toeplitz_1d(k1, len(x1), mode)
        y1, ref1 = (T1 @ x1).numpy(), np.convolve(x1.numpy(), k1.numpy(), mode)
        c1, c2 = st.columns([1, 1])
        with c1:
            ui.figure(
                cf.matrix(T1.numpy(), title=f"T (shape {T1.shape[0]}×{T1.shape[1]})"),
                key="conv_t1_fig",
            )
        with c2:
            st.latex(
                r"\mathbf k = "
                + cf.latex_matrix(k1.numpy()[None])
                + r",\quad \mathbf x = "
                + cf.latex_matrix(x1.numpy()[None])
                + r"^\top"
            )
            st.latex(r"T\mathbf x = " + cf.latex_matrix(y1[None]) + r"^\top")
            st.latex(r"\texttt{np.convolve}(\mathbf x, \mathbf k) = " + cf.latex_matrix(ref1[None]))
        checks.append(
            ui.Check("1-D Toeplitz T x vs np.convolve", float(np.abs(y1 - ref1).max()), 1e-9)
        )
    Kc = K_np if k <= 3 else K_np[k // 2 - 1 : k // 2 + 2, k // 2 - 1 : k // 2 + 2]
    Kt = torch.from_numpy(Kc.astype(np.float64))
    kc = Kt.shape[0]
    wo = n + kc - 1 if mode == "full" else n - kc + 1
    st.markdown(
        f"**2-D**: doubly block Toeplitz matrix of {'K * I' if flip else 'K ⋆ I'} "
        f"({mode}) for an {n}×{n} image: blocks of {wo}×{n}"
        + (f" (central 3×3 of the {k}×{k} kernel)" if k > 3 else "")
    )
    if mode == "valid" and kc > n:
        st.warning("The kernel is larger than the image: use 'full'.")
        return
    I = torch.from_numpy(small_grid(n, ctx.seed + 1))
    T2 = toeplitz.doubly_block_toeplitz(Kt, n, n, mode, correlation=not flip)
    p = kc - 1 if mode == "full" else 0
    conv = ops.conv2d(I[None, None], Kt[None, None], padding=p, flip=flip)[0, 0]
    ref = F.conv2d(I[None, None], (torch.flip(Kt, (0, 1)) if flip else Kt)[None, None], padding=p)[
        0, 0
    ]
    mv = (T2 @ I.reshape(-1)).reshape(conv.shape)
    c1, c2 = st.columns([3, 2])
    with c1:
        ui.figure(
            cf.matrix(T2.numpy(), block=(wo, n), title=f"T (shape {T2.shape[0]}×{T2.shape[1]})"),
            key="conv_t2_fig",
        )
    with c2:
        grid_figure(
            [I.numpy(), mv.numpy(), conv.numpy()],
            ["I", "T vec(I)", "conv2d(I)"],
            height=260,
            key="conv_t2v_fig",
        )
    checks.append(
        ui.Check(
            "2-D doubly block Toeplitz T vec(I) vs core conv2d",
            float((mv - conv).abs().max()),
            1e-9,
        )
    )
    checks.append(ui.Check("2-D Toeplitz vs F.conv2d", float((mv - ref).abs().max()), 1e-9))
    y = torch.from_numpy(small_grid(conv.shape[0], ctx.seed + 2, -2, 3))
    applied = torch.flip(Kt, (0, 1)) if flip else Kt
    tr = ops.conv_transpose2d(y[None, None], applied[None, None], padding=p)[0, 0]
    checks.append(
        ui.Check(
            "Tᵀ y vs the transposed convolution of y",
            float(((T2.T @ y.reshape(-1)).reshape(tr.shape) - tr).abs().max()),
            1e-9,
            "why it is called *transposed* convolution",
        )
    )
    notice.extend(
        [
            "Each row of T holds the (flipped) kernel, shifted one step further: constant along "
            "diagonals (Toeplitz). In 2-D, blocks repeat along block-diagonals too.",
            "T is mostly zeros: a matrix product would waste H·W·H'·W' multiplications, a "
            "convolution "
            "needs only k² per output pixel.",
            "Tᵀ maps the small output back to the input's shape: that is exactly the transposed "
            "convolution of §3.1 (third check).",
        ]
    )


# ----------------------------------------------------------------------------- 4 layers & backprop
@st.fragment
@ui.guarded("the layer's parameter count")
def layer_params(seed: int) -> None:
    """C_in, C_out, K, bias -> the parameter count, in its own fragment: these controls change
    nothing below, so they rerun only this (with its own live checks)."""
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        c_in = ui.url_slider("C_in", "conv_cin", 1, 64, 3)
    with c2:
        c_out = ui.url_slider("C_out", "conv_cout", 1, 128, 16)
    with c3:
        kk = ui.url_slider("K", "conv_lk", 1, 7, 3)
    with c4:
        bias = ui.url_checkbox("bias", "conv_bias", True)
    n_par = ar.conv_params(c_in, c_out, kk, bias)
    meta = torch.nn.Conv2d(c_in, c_out, kk, bias=bias, device="meta")
    bias_sym, bias_num = (r" + C_\text{out}", f" + {c_out}") if bias else ("", "")
    st.latex(
        rf"K\times K\times C_\text{{in}}\times C_\text{{out}}{bias_sym}"
        rf" = {kk}\cdot{kk}\cdot{c_in}\cdot{c_out}{bias_num} = {n_par:,}"
    )
    dense = (28 * 28 * c_in) * (28 * 28 * c_out) + (28 * 28 * c_out if bias else 0)
    st.caption(
        f"A dense layer between 28×28×{c_in} and 28×28×{c_out} maps would need "
        f"{dense:,} parameters ({dense / n_par:,.0f}× more)."
    )
    ci, co = min(c_in, 4), min(c_out, 4)
    ui.show_checks(
        [
            ui.Check(
                "parameter formula vs nn.Conv2d",
                abs(n_par - sum(p.numel() for p in meta.parameters())),
                0,
            ),
            ui.Check(
                f"multi-channel backprop ({ci}→{co} channels) vs autograd",
                multichannel_check(ci, co, seed),
                1e-9,
            ),
        ],
        title="Math checks of this layer (computed live)",
    )


@st.cache_data(show_spinner=False, max_entries=64)
def multichannel_check(ci: int, co: int, seed: int) -> float:
    """Max |our conv backprop - autograd| for a random ci -> co channel layer (batch 2, 7x7)."""
    g = torch.Generator().manual_seed(seed)
    zm = torch.randn(2, ci, 7, 7, generator=g, dtype=torch.float64)
    Wm = torch.randn(co, ci, 3, 3, generator=g, dtype=torch.float64)
    dm = torch.randn(2, co, 5, 5, generator=g, dtype=torch.float64)
    mchk = backprop.check_against_autograd(zm, Wm, torch.zeros(co, dtype=torch.float64), dm)
    return max(mchk.max_abs_diff.values())


@st.cache_data(show_spinner=False, max_entries=64)
def layer_backprop(W_np: np.ndarray, bp_pad: int, seed: int):
    """One conv layer on a 6x6 grid: forward z = W * z_prev + b, a random upstream delta, our
    backward pass and autograd's -> (forward grids, backward grids, max |ours - autograd| by
    name), or None when the kernel does not fit."""
    W = torch.from_numpy(W_np)[None, None]
    z_prev = torch.from_numpy(small_grid(6, seed + 3))[None, None]
    b = torch.tensor([0.5], dtype=torch.float64)
    z = backprop.conv_layer_forward(z_prev, W, b, padding=bp_pad)
    if z.shape[-1] < 1:
        return None
    delta = torch.from_numpy(small_grid(z.shape[-1], seed + 4, -2, 3))[None, None]
    chk = backprop.check_against_autograd(z_prev, W, b, delta, padding=bp_pad)
    zp = z_prev.detach().clone().requires_grad_()
    Wt = W.clone().requires_grad_()
    (F.conv2d(zp, backprop.rot180(Wt), b, padding=bp_pad) * delta).sum().backward()
    fwd = [t[0, 0].detach().numpy() for t in (z_prev, W, z, delta)]
    bwd = [t[0, 0].detach().numpy() for t in (chk.delta_prev, zp.grad, chk.weight_grad, Wt.grad)]
    return fwd, bwd, dict(chk.max_abs_diff)


def part_layers(g: Geometry) -> None:
    K_np, k, ctx = g.K_np, g.k, g.ctx
    layer_params(int(ctx.seed))
    st.subheader("Backprop through a conv layer (§2.2)")
    bp_pad = ui.url_slider("Layer padding", "conv_bp_pad", 0, 2, 0)
    res = layer_backprop((K_np if k <= 5 else K_np[1:-1, 1:-1]).astype(np.float64), bp_pad,
                         int(ctx.seed))  # fmt: skip
    if res is None:
        st.warning("The kernel does not fit the 6×6 input.")
        return
    fwd, bwd, diffs = res
    grid_figure(
        fwd,
        ["z^(ℓ−1)", "W", "z^(ℓ) = W * z^(ℓ−1) + b", "δ^(ℓ) = ∂L/∂z^(ℓ)"],
        height=260,
        key="conv_bp_fwd",
    )
    grid_figure(
        bwd,
        ["δ^(ℓ−1) = δ^(ℓ) ⋆ W (ours)", "δ^(ℓ−1) autograd", "∂L/∂W (ours)", "∂L/∂W autograd"],
        height=260,
        signed=True,
        key="conv_bp_bwd",
    )
    st.latex(
        r"\delta^{(\ell-1)}=\delta^{(\ell)}\star\mathbf W^{(\ell)}\ \text{(full correlation)},"
        r"\qquad \frac{\partial\mathcal L}{\partial w[m,n]}=\sum_{i,j}\delta^{(\ell)}[i,j]\,"
        r"z^{(\ell-1)}[i-m,j-n]"
    )
    cols = st.columns(3)
    for col, (name, v) in zip(cols, diffs.items(), strict=False):
        col.metric(f"max |Δ| {name} vs autograd", f"{v:.1e}")
        checks.append(ui.Check(f"conv backprop {name} vs autograd", v, 1e-9))
    notice.extend(
        [
            "The error flows back through the *same* kernel (correlated instead of convolved): a "
            "convolution's backward pass is again a convolution.",
            "∂L/∂W sums input × error over every position the kernel visited: weight sharing means "
            "gradient sharing.",
            "Parameters grow with K²·C_in·C_out, never with the image size.",
        ]
    )
