"""§2–3 Convolution and upsampling: every op computed by core.conv and checked against PyTorch.

Nine parts, one shown at a time (each bookmarkable): the convolution explorer on any image, a
numeric sliding-window step-through, convolution as a (doubly block) Toeplitz matrix, layers and
conv backprop, pooling and unpooling (the notes' toy example), transposed convolution and its
checkerboard artefacts, the receptive-field calculator, the pretrained judge CNN, and a U-Net
against the same net without skips.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch
import torch.nn.functional as F

import ui
from core.conv import arithmetic as ar
from core.conv import backprop, kernels, ops, toeplitz
from core.conv import figures as cf
from core.data import PATTERNS, PHOTOS, mnist_split, photo, test_pattern, to_grayscale
from ui.conv.window import window_player

ctx = ui.page(
    "Convolution and Upsampling",
    "🧮",
    section="§2–3 (2.1–2.2, 3.1–3.2)",
    intuition="A convolution slides one small kernel over the whole image and takes a weighted "
    "sum at every position: the same few weights everywhere (locality + weight sharing), "
    "so it is linear and shift-equivariant. Pooling shrinks the map; upsampling "
    "(nearest, bed of nails, max unpooling, transposed convolution, bilinear) grows it "
    "back, which is what a fully convolutional network and the U-Net need. Every "
    "number on this page is computed by the playground's own code and checked live "
    "against PyTorch.",
    equation=r"(\mathbf K \star \mathbf I)[i,j]=\sum_{m,n}\mathbf K[m,n]\,\mathbf I[si+dm,\;sj+dn]"
    r"\qquad (\mathbf K * \mathbf I) = \mathrm{Rot}_{180}(\mathbf K)\star\mathbf I",
)

PARTS = (
    "Explorer",
    "Sliding window",
    "As a matrix",
    "Layers & backprop",
    "Pooling & unpooling",
    "Transposed conv",
    "Receptive field",
    "Judge CNN",
    "U-Net",
)
SOURCES = (
    tuple(f"photo: {p}" for p in PHOTOS)
    + ("MNIST digit",)
    + tuple(f"pattern: {p}" for p in PATTERNS)
    + ("upload",)
)
MAX_SIDE = 512
KERNEL_LIMIT = 1e6  # |kernel weight| cap: keeps every float32 conv of a [0, 1] image finite
checks: list[ui.Check] = []
notice: list[str] = []


# ----------------------------------------------------------------------------- cached data
def _fit(g: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Downscale (antialiased) so the longer side is <= max_side; float32 (H, W) in [0, 1]."""
    h, w = g.shape
    if max(h, w) <= max_side:
        return np.ascontiguousarray(g, dtype=np.float32)
    s = max_side / max(h, w)
    t = F.interpolate(
        torch.from_numpy(np.ascontiguousarray(g))[None, None].float(),
        size=(max(1, round(h * s)), max(1, round(w * s))),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )
    return t[0, 0].clamp(0, 1).numpy()


@st.cache_data(show_spinner=False, max_entries=32)
def builtin_image(source: str, digit: int) -> np.ndarray:
    if source.startswith("photo: "):
        return _fit(to_grayscale(photo(source.split(": ")[1])))
    if source == "MNIST digit":
        return np.array(mnist_split().x_test[digit, 0])
    return test_pattern(source.split(": ")[1], 64)


@st.cache_data(show_spinner=False, max_entries=64)
def conv_image(
    img: np.ndarray, kernel: np.ndarray, stride: int, pad: int, mode: str, dil: int, flip: bool
) -> tuple[np.ndarray, float]:
    """The core's conv on the image and its max |Δ| to F.conv2d (reference padded by F.pad)."""
    x = torch.from_numpy(img)[None, None]
    k = torch.from_numpy(kernel)[None, None]
    out = ops.conv2d(x, k, stride=stride, padding=pad, dilation=dil, padding_mode=mode, flip=flip)
    xr = F.pad(x, (pad,) * 4, mode="constant" if mode == "zeros" else "reflect")
    ref = F.conv2d(xr, torch.flip(k, (-2, -1)) if flip else k, stride=stride, dilation=dil)
    return out[0, 0].numpy(), float((out - ref).abs().max())


@st.cache_data(show_spinner=False, max_entries=16)
def input_uri(img: np.ndarray) -> str:
    return cf.image_uri(img, False)


@st.cache_data(show_spinner=False, max_entries=8)
def small_grid(n: int, seed: int, lo: int = 0, hi: int = 10) -> np.ndarray:
    return np.random.default_rng(seed).integers(lo, hi, (n, n)).astype(np.float64)


# ----------------------------------------------------------------------------- sidebar controls
part = ui.url_radio(
    "Part", "conv_part", PARTS, "Explorer", horizontal=True, label_visibility="collapsed"
)
SIDEBAR_PARTS = (
    "Explorer",
    "Sliding window",
    "As a matrix",
    "Layers & backprop",
    "Receptive field",
)


def sidebar_controls():
    """The "Input and kernel" sidebar (URL-mirrored); only on the parts that use it."""
    global img, K_np, flip, stride, pad, padmode, dil
    with st.sidebar:
        st.subheader("Input and kernel")
        source = ui.url_selectbox("Input image", "conv_input", SOURCES, "photo: china")
        digit = 0
        img = None
        if source == "MNIST digit":
            digit = ui.url_slider("Held-out MNIST digit #", "conv_digit", 0, 499, 0)
        if source == "upload":
            up = ui.image_upload("Your image (PNG or JPEG)", key="conv_upload")
            if up is not None:
                img = _fit(to_grayscale(up.astype(np.float32) / 255.0))
            else:
                st.info("No usable upload yet: showing the 'china' photo.")
                img = builtin_image("photo: china", 0)
        if img is None:
            img = builtin_image(source, digit)
        preset = ui.url_selectbox("Kernel preset", "conv_kernel", list(kernels.KERNELS), "Sobel x")
        if preset in kernels.SIZED:
            ksize = ui.url_slider("Kernel size k", "conv_ksize", 1, 7, 3)
        else:
            ksize = 3
        st.caption("Edit any weight (the grid resets when the preset changes):")
        grid = st.data_editor(
            pd.DataFrame(
                kernels.get_kernel(preset, ksize).astype(np.float64),
                columns=[str(c) for c in range(ksize)],
            ),
            key=f"conv_kgrid_{preset}_{ksize}",
            hide_index=True,
        )
        K_np = grid.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.isfinite(K_np).all():
            st.warning("Empty or non-numeric kernel cells count as 0.")
            K_np = np.nan_to_num(K_np, nan=0.0, posinf=0.0, neginf=0.0)
        if np.abs(K_np).max() > KERNEL_LIMIT:  # e.g. 1e300 would be inf in float32: NaN outputs
            st.warning(
                f"Kernel weights are limited to ±{KERNEL_LIMIT:g}; larger entries were clipped."
            )
            K_np = np.clip(K_np, -KERNEL_LIMIT, KERNEL_LIMIT)
        K_np = K_np.astype(np.float32)
        flip = ui.url_checkbox(
            "Convolution (flip the kernel 180°)",
            "conv_flip",
            False,
            toggle=True,
            help="Off: correlation K ⋆ I (what F.conv2d and every CNN library "
            "compute). On: convolution K * I = Rot180(K) ⋆ I.",
        )
        stride = ui.url_slider("Stride s", "conv_stride", 1, 8, 1)
        pad = ui.url_slider("Padding p", "conv_pad", 0, 8, 1)
        padmode = ui.url_radio(
            "Padding mode", "conv_padmode", list(ops.PADDING_MODES), "zeros", horizontal=True
        )
        dil = ui.url_slider("Dilation d", "conv_dil", 1, 6, 1)


img = None
K_np = kernels.get_kernel("Sobel x", 3).astype(np.float32)
flip, stride, pad, padmode, dil = False, 1, 1, "zeros", 1
if part in SIDEBAR_PARTS:
    sidebar_controls()
else:  # the parts that take no sidebar input (their own controls sit above their figures)
    img = builtin_image("photo: china", 0)
k = K_np.shape[0]
symmetric = bool(np.allclose(K_np, K_np[::-1, ::-1]))


def geometry_problem(h: int, w: int) -> str | None:
    """A readable reason why the sidebar geometry cannot be applied to an h x w input."""
    keff = dil * (k - 1) + 1
    if padmode == "reflect" and pad >= min(h, w):
        return (
            f"Reflect padding p={pad} needs an input larger than p (it mirrors existing "
            f"pixels); this input is {h}×{w}. Lower the padding or use zero padding."
        )
    if keff > min(h, w) + 2 * pad:
        return (
            f"The dilated kernel spans d(k−1)+1 = {keff} pixels, more than the padded input "
            f"({h + 2 * pad}×{w + 2 * pad}): there is no valid position. Lower the dilation "
            f"or kernel size, or pad more."
        )
    return None


# ----------------------------------------------------------------------------- 1 explorer
def part_explorer() -> None:
    h, w = img.shape
    problem = geometry_problem(h, w)
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
        f"{'✅ matches the formula' if (ho, wo) == out.shape else '❌ differs'}"
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
            "Stride s divides the output size by about s; dilation widens the kernel's footprint to "
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


def part_sliding() -> None:
    side = ui.url_slider("Image side (px, the input downscaled)", "conv_sw_side", 8, 64, 24)
    small = np.ascontiguousarray(_fit(img, side), np.float32)
    h, w = small.shape
    problem = geometry_problem(h, w)
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
    xt, kt = torch.from_numpy(x), torch.from_numpy(K_np.astype(np.float64))
    applied = torch.flip(kt, (0, 1)) if flip else kt
    xp = ops.pad2d(xt[None, None], pad, mode)[0, 0]
    out = ops.conv2d(
        xt[None, None],
        kt[None, None],
        stride=stride,
        padding=pad,
        dilation=dil,
        padding_mode=mode,
        flip=flip,
    )[0, 0]
    ho, wo = out.shape
    n_pos = ho * wo
    if n_pos > 1:
        # the number of positions changes with n, k, s, p, d: url_slider clamps to the new range
        pos = ui.url_slider("Output position (row-major)", "conv_pos", 0, n_pos - 1, 0)
    else:
        pos = 0
    i, j = divmod(int(pos), wo)
    patch = ops.window(xp, i, j, k, stride, dil)
    products = (patch * applied).numpy()
    ui.figure(
        cf.stepthrough(xp.numpy(), applied.numpy(), products, out.numpy(), i, j, stride, dil, pad),
        key="conv_step_fig",
    )

    def num(v: float) -> str:
        return f"({v:.4g})" if v < 0 else f"{v + 0.0:.4g}"

    terms = [
        f"{num(a)}\\cdot{num(b)}"
        for a, b in zip(patch.flatten().tolist(), applied.flatten().tolist(), strict=False)
    ]
    shown = " + ".join(terms[:9]) + (r" + \dots" if len(terms) > 9 else "")
    st.latex(
        rf"z[{i},{j}] = \sum_{{m,n}} \mathbf K[m,n]\,\mathbf I[{stride}\cdot{i}+{dil}m,\;"
        rf"{stride}\cdot{j}+{dil}n] = {shown} = {products.sum():.4g}"
    )
    ref = F.conv2d(
        F.pad(xt[None, None], (pad,) * 4, mode="constant" if mode == "zeros" else "reflect"),
        applied[None, None],
        stride=stride,
        dilation=dil,
    )[0, 0]
    checks.append(
        ui.Check(
            f"Σ products at ({i},{j}) vs the core's conv2d output",
            abs(float(products.sum() - out[i, j])),
            1e-9,
        )
    )
    checks.append(
        ui.Check("core conv2d vs F.conv2d on this grid", float((out - ref).abs().max()), 1e-9)
    )
    notice.extend(
        [
            "The highlighted patch jumps by s cells per output step and its cells are d apart: "
            "stride and dilation in one picture.",
            "Grey frame = padding: cells outside it are zeros (or mirrored pixels for reflect).",
            "The kernel panel shows the weights as they are *applied*: with the convolution toggle "
            "on it is the 180° rotation of what you entered.",
        ]
    )


# ----------------------------------------------------------------------------- 3 as a matrix
def part_matrix() -> None:
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
        ui.figure(
            cf.grids_row(
                [I.numpy(), mv.numpy(), conv.numpy()], ["I", "T vec(I)", "conv2d(I)"], height=260
            ),
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
            "T is mostly zeros: a matrix product would waste H·W·H'·W' multiplications, a convolution "
            "needs only k² per output pixel.",
            "Tᵀ maps the small output back to the input's shape: that is exactly the transposed "
            "convolution of §3.1 (third check).",
        ]
    )


# ----------------------------------------------------------------------------- 4 layers & backprop
def part_layers() -> None:
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
    checks.append(
        ui.Check(
            "parameter formula vs nn.Conv2d",
            abs(n_par - sum(p.numel() for p in meta.parameters())),
            0,
        )
    )

    st.subheader("Backprop through a conv layer (§2.2)")
    bp_pad = ui.url_slider("Layer padding", "conv_bp_pad", 0, 2, 0)
    W = torch.from_numpy((K_np if k <= 5 else K_np[1:-1, 1:-1]).astype(np.float64))[None, None]
    z_prev = torch.from_numpy(small_grid(6, ctx.seed + 3))[None, None]
    b = torch.tensor([0.5], dtype=torch.float64)
    z = backprop.conv_layer_forward(z_prev, W, b, padding=bp_pad)
    if z.shape[-1] < 1:
        st.warning("The kernel does not fit the 6×6 input.")
        return
    delta = torch.from_numpy(small_grid(z.shape[-1], ctx.seed + 4, -2, 3))[None, None]
    chk = backprop.check_against_autograd(z_prev, W, b, delta, padding=bp_pad)
    zp = z_prev.detach().clone().requires_grad_()
    Wt = W.clone().requires_grad_()
    (F.conv2d(zp, backprop.rot180(Wt), b, padding=bp_pad) * delta).sum().backward()
    ui.figure(
        cf.grids_row(
            [z_prev[0, 0].numpy(), W[0, 0].numpy(), z[0, 0].numpy(), delta[0, 0].numpy()],
            ["z^(ℓ−1)", "W", "z^(ℓ) = W * z^(ℓ−1) + b", "δ^(ℓ) = ∂L/∂z^(ℓ)"],
            height=260,
        ),
        key="conv_bp_fwd",
    )
    ui.figure(
        cf.grids_row(
            [
                chk.delta_prev[0, 0].numpy(),
                zp.grad[0, 0].numpy(),
                chk.weight_grad[0, 0].numpy(),
                Wt.grad[0, 0].numpy(),
            ],
            ["δ^(ℓ−1) = δ^(ℓ) ⋆ W (ours)", "δ^(ℓ−1) autograd", "∂L/∂W (ours)", "∂L/∂W autograd"],
            height=260,
            signed=True,
        ),
        key="conv_bp_bwd",
    )
    st.latex(
        r"\delta^{(\ell-1)}=\delta^{(\ell)}\star\mathbf W^{(\ell)}\ \text{(full correlation)},"
        r"\qquad \frac{\partial\mathcal L}{\partial w[m,n]}=\sum_{i,j}\delta^{(\ell)}[i,j]\,"
        r"z^{(\ell-1)}[i-m,j-n]"
    )
    cols = st.columns(3)
    for col, (name, v) in zip(cols, chk.max_abs_diff.items(), strict=False):
        col.metric(f"max |Δ| {name} vs autograd", f"{v:.1e}")
        checks.append(ui.Check(f"conv backprop {name} vs autograd", v, 1e-9))
    g = torch.Generator().manual_seed(ctx.seed)
    ci, co = min(c_in, 4), min(c_out, 4)
    zm = torch.randn(2, ci, 7, 7, generator=g, dtype=torch.float64)
    Wm = torch.randn(co, ci, 3, 3, generator=g, dtype=torch.float64)
    dm = torch.randn(2, co, 5, 5, generator=g, dtype=torch.float64)
    mchk = backprop.check_against_autograd(zm, Wm, torch.zeros(co, dtype=torch.float64), dm)
    checks.append(
        ui.Check(
            f"multi-channel backprop ({ci}→{co} channels) vs autograd",
            max(mchk.max_abs_diff.values()),
            1e-9,
        )
    )
    notice.extend(
        [
            "The error flows back through the *same* kernel (correlated instead of convolved): a "
            "convolution's backward pass is again a convolution.",
            "∂L/∂W sums input × error over every position the kernel visited: weight sharing means "
            "gradient sharing.",
            "Parameters grow with K²·C_in·C_out, never with the image size.",
        ]
    )


# ----------------------------------------------------------------------------- 5 pooling & unpooling
TOY = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], np.float64)


def part_pooling() -> None:
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
    ui.figure(
        cf.grids_row(
            [X, v[0, 0].numpy(), avg[0, 0].numpy()],
            ["input (argmax cells outlined)", f"max pool {pk}×{pk}, s={ps}", "average pool"],
            boxes=boxes,
            height=280,
        ),
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
    ui.figure(
        cf.grids_row(
            [G[0, 0].numpy(), routed[0, 0].numpy()],
            ["upstream ∂L/∂z", "routed ∂L/∂x"],
            boxes=boxes and {1: boxes[0]},
            height=260,
        ),
        key="conv_pool_grad_fig",
    )
    st.markdown("**Upsampling the pooled map** back to the input size (§3.1):")
    size = (h, w)
    near = ops.upsample_nearest(v, size)
    nails = ops.bed_of_nails(v, ps)[..., :h, :w]
    nails = F.pad(nails, (0, w - nails.shape[-1], 0, h - nails.shape[-2]))
    unpool = ops.max_unpool2d(v, idx, size)
    bil = ops.upsample_bilinear(v, size)
    ui.figure(
        cf.grids_row(
            [near[0, 0].numpy(), nails[0, 0].numpy(), unpool[0, 0].numpy(), bil[0, 0].numpy()],
            ["nearest neighbour", "bed of nails", "max unpooling", "bilinear"],
            boxes={2: boxes[0]},
            height=280,
        ),
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


def part_transposed() -> None:
    transposed_stamps()
    checkerboard()
    notice.extend(
        [
            "Each input pixel stamps a scaled copy of the kernel into the output; overlapping stamps "
            "add up (notes §3.1). Output padding adds rows/columns that no stamp reaches.",
            "k = 3, s = 2 gives the classic 1:2:4 checkerboard; k = 4, s = 2 is even. Resizing first "
            "and then convolving never has this problem (Odena et al., 2016).",
            "Check the stamps against the matrix view: a transposed convolution is Tᵀ of the "
            "forward convolution's matrix (part *As a matrix*).",
        ]
    )


def transposed_stamps() -> None:
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
    ui.figure(cf.stamps(terms.numpy(), total.numpy(), x.numpy()), key="conv_stamp_fig")
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


def checkerboard() -> None:
    st.subheader("Checkerboard artefacts vs resize-then-convolve")
    c1, c2, c3 = st.columns([1, 1, 2])
    with c1:
        cb_k = ui.url_slider("Kernel size k", "conv_cb_k", 1, 6, 3)
    with c2:
        cb_s = ui.url_slider("Upsampling factor s", "conv_cb_s", 1, 4, 2)
    box = torch.ones(cb_k, cb_k, dtype=torch.float64)
    const = torch.ones(8, 8, dtype=torch.float64)
    a, b = ops.upsample_pair(const, box, cb_s)
    small = torch.from_numpy(_fit(img, 40).astype(np.float64))
    a_img, b_img = ops.upsample_pair(small, box, cb_s)
    m = max(cb_k, cb_s)
    inner_a, inner_b = a[m:-m, m:-m], b[m:-m, m:-m]

    def ripple(t: torch.Tensor) -> float:
        return float((t.max() - t.min()) / t.mean()) if t.numel() else 0.0

    ra, rb = ripple(inner_a), ripple(inner_b)
    with c3:
        m1, m2 = st.columns(2)
        m1.metric("ripple (max−min)/mean: transposed conv", f"{ra:.2f}")
        m2.metric("ripple: resize, then conv", f"{rb:.2f}")
    ui.figure(
        cf.images_row(
            [a.numpy(), b.numpy(), a_img.numpy(), b_img.numpy()],
            [
                f"transposed (k={cb_k}, s={cb_s})",
                f"nearest ×{cb_s} + conv",
                "transposed (image)",
                "nearest + conv (image)",
            ],
            height=280,
        ),
        key="conv_cb_fig",
    )
    st.caption(
        "Left pair: a constant input (all ones); right pair: the current input image, "
        "downscaled to ≤ 40 px first. Same box kernel in both methods."
    )
    uneven = cb_k % cb_s != 0
    st.info(
        f"k mod s = {cb_k % cb_s}: "
        + (
            "each output pixel receives an uneven number of stamps (ceil(k/s) or floor(k/s) per axis) "
            "→ a periodic checkerboard, even on a constant input."
            if uneven
            else "every output pixel receives the same number (k/s)² of stamps → no checkerboard from the "
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


# ----------------------------------------------------------------------------- 7 receptive field
RF_PRESETS = {
    "three 3×3 convs": [("conv", 3, 1, 1, 1)] * 3,
    "VGG-style (conv, conv, pool) × 2": [
        ("conv", 3, 1, 1, 1),
        ("conv", 3, 1, 1, 1),
        ("pool", 2, 2, 0, 1),
    ]
    * 2,
    "dilated 3×3, d = 1, 2, 4, 8": [("conv", 3, 1, d, d) for d in (1, 2, 4, 8)],
    "judge CNN": [
        ("conv", 3, 1, 1, 1),
        ("conv", 3, 1, 1, 1),
        ("pool", 2, 2, 0, 1),
        ("conv", 3, 1, 1, 1),
        ("conv", 3, 1, 1, 1),
        ("pool", 2, 2, 0, 1),
    ],
    "strided 5×5 convs": [("conv", 5, 2, 2, 1)] * 3,
}


RF_MAX_SIZE = 1024  # k, s, p, d of an edited row above this are ignored (keeps the page fast)


def part_receptive() -> None:
    c1, c2, c3 = st.columns([2, 1, 1])
    with c1:
        preset_rf = ui.url_selectbox("Layer stack", "conv_rf_preset", list(RF_PRESETS), "judge CNN")
    with c2:
        fy = ui.url_slider("unit row (% of last map)", "conv_rf_y", 0, 100, 50)
    with c3:
        fx = ui.url_slider("unit column (%)", "conv_rf_x", 0, 100, 50)
    table = st.data_editor(
        pd.DataFrame(RF_PRESETS[preset_rf], columns=["kind", "k", "s", "p", "d"]),
        num_rows="dynamic",
        key=f"conv_rf_table_{preset_rf}",
        hide_index=True,
        column_config={
            "kind": st.column_config.SelectboxColumn(options=list(ar.LAYER_KINDS), required=True)
        },
    )
    layers, bad = [], 0
    for row in table.itertuples(index=False):
        try:
            layer = ar.Layer(str(row.kind), int(row.k), int(row.s), int(row.p), int(row.d))
            if max(layer.k, layer.s, layer.p, layer.d) > RF_MAX_SIZE:
                raise ValueError(layer)
            layers.append(layer)
        except (ValueError, TypeError, OverflowError):
            bad += 1
    if bad:
        st.warning(
            f"Ignored {bad} row(s) with a missing, non-positive or too large (over "
            f"{RF_MAX_SIZE}) size."
        )
    base = img if max(img.shape) <= 96 else _fit(img, 96)
    h, w = base.shape
    rows_h, rows_w = ar.receptive_field(layers, h), ar.receptive_field(layers, w)
    if min(rows_h[-1].n, rows_w[-1].n) < 1 or any(r.n < 1 for r in rows_h + rows_w):
        st.warning("The stack shrinks the input to nothing: remove a layer or add padding.")
        return
    last_h, last_w = rows_h[-1], rows_w[-1]
    ui_, uj = round(fy / 100 * (last_h.n - 1)), round(fx / 100 * (last_w.n - 1))
    cy, cx = last_h.start + ui_ * last_h.j, last_w.start + uj * last_w.j
    windows = []
    for rh, rw in list(zip(rows_h, rows_w, strict=False))[1:]:
        i = int(np.clip(round((cy - rh.start) / rh.j), 0, rh.n - 1))
        j = int(np.clip(round((cx - rw.start) / rw.j), 0, rw.n - 1))
        (r0, r1), (c0, c1_) = ar.unit_window(rh, i), ar.unit_window(rw, j)
        windows.append((f"{rh.name.split(':')[0]}: r={rh.r}", r0, r1, c0, c1_))
    c1, c2 = st.columns([3, 2])
    with c1:
        ui.figure(cf.receptive_field(base, windows), key="conv_rf_fig")
    with c2:
        st.dataframe(
            pd.DataFrame(
                [
                    dict(layer=r.name, size=f"{r.n}×{rw.n}", r=r.r, jump=r.j, start=r.start)
                    for r, rw in zip(rows_h, rows_w, strict=False)
                ]
            ),
            hide_index=True,
        )
        st.latex(
            r"r_\ell = r_{\ell-1} + (d_\ell(k_\ell-1))\,j_{\ell-1},\quad j_\ell=j_{\ell-1}s_\ell"
        )
    # live check: the gradient support of a unit = r (1-D, positive weights, avg pools)
    # (a pool's gradient support is that of an all-ones conv of the same k, s, p, d; avg_pool2d
    # itself has no dilation and refuses p > k/2)
    n = 4 * last_h.r + 8
    rows_n = ar.receptive_field(layers, n) if n <= 4096 else []
    interior = (
        [
            i
            for i in range(rows_n[-1].n)
            if ar.unit_window(rows_n[-1], i)[0] >= 0 and ar.unit_window(rows_n[-1], i)[1] <= n
        ]
        if rows_n
        else []
    )
    if interior:
        xx = torch.zeros(1, 1, 1, n, dtype=torch.float64, requires_grad=True)
        z = xx + 1
        for L in layers:
            z = F.conv2d(
                z,
                torch.ones(1, 1, 1, L.k, dtype=torch.float64),
                stride=(1, L.s),
                padding=(0, L.p),
                dilation=(1, L.d),
            )
        (gr,) = torch.autograd.grad(z[0, 0, 0, interior[len(interior) // 2]], xx)
        checks.append(
            ui.Check(
                "receptive field r vs autograd gradient support",
                abs(int((gr != 0).sum()) - rows_n[-1].r),
                0,
                f"r = {rows_n[-1].r}",
            )
        )
    notice.extend(
        [
            "Stride multiplies the jump j: every later layer's kernel steps over j input pixels, "
            "so the receptive field grows geometrically after pooling (notes §2.2).",
            "Dilation grows it without pooling and without losing resolution (d = 1, 2, 4, 8 gives "
            "r = 31 with four 3×3 kernels).",
            "Edit the table: add rows, change k, s, p, d; the rectangles are drawn on the current "
            "input image.",
        ]
    )


# ----------------------------------------------------------------------------- 8 judge CNN
def part_judge() -> None:
    res = ui.pretrained("judge", ctx.device)
    if res is None:
        return
    judge, manifest = res
    idx = ui.url_slider("Held-out digit #", "conv_judge_idx", 0, 499, 0)
    split = mnist_split()
    x = torch.from_numpy(np.array(split.x_test[idx : idx + 1])).to(ctx.device)
    maps, z = {}, x
    names = iter(["conv1+ReLU", "conv2+ReLU", "maxpool", "conv3+ReLU", "conv4+ReLU", "maxpool"])
    with torch.inference_mode():
        for layer in judge.conv:
            z = layer(z)
            if isinstance(layer, (torch.nn.ReLU, torch.nn.MaxPool2d)):  # shape keeps keys unique
                maps[f"{next(names)} {tuple(z.shape[1:])}"] = z[0].cpu().numpy()
        probs = F.softmax(judge(x), 1)[0].cpu().numpy()
        # the same network with this page's own ops
        zc = x.cpu().double()
        for layer in judge.conv:
            if isinstance(layer, torch.nn.Conv2d):
                zc = ops.conv2d(
                    zc,
                    layer.weight.cpu().double(),
                    layer.bias.cpu().double(),
                    padding=layer.padding,
                )
            elif isinstance(layer, torch.nn.MaxPool2d):
                zc = ops.max_pool2d(zc, 2)[0]
            else:
                zc = zc.clamp_min(0)
        ref = judge.conv(x).cpu().double()
    c1, c2 = st.columns([1, 1])
    with c1:
        ui.figure(
            cf.probabilities(
                probs,
                title=f"label {split.y_test[idx]} → prediction "
                f"{int(np.argmax(probs))} (p = {probs.max():.3f})",
            ),
            key="conv_judge_p",
        )
    with c2:
        w1 = judge.conv[0].weight[:, 0].cpu().numpy()
        ui.figure(
            cf.filters(w1, title=f"first-layer filters ({w1.shape[0]} of 3×3; red +, blue −)"),
            key="conv_judge_filters",
        )
    ui.figure(
        cf.feature_maps({"input (1, 28, 28)": split.x_test[idx], **maps}, n=12),
        key="conv_judge_maps",
    )
    st.caption(
        f"Judge: {manifest['metrics'].get('heldout_accuracy', float('nan')):.1%} held-out "
        "accuracy on the 500 test digits (from its manifest). Rows: the first channels after "
        "each layer (12 of them), each scaled to its own range."
    )
    checks.append(
        ui.Check(
            "judge conv stack recomputed with core conv2d/max_pool2d vs PyTorch",
            float((zc - ref).abs().max()),
            1e-4,
        )
    )
    notice.extend(
        [
            "First-layer filters are small edge and blob detectors, like Sobel and Laplacian.",
            "After each pooling the maps halve and become more abstract: fewer pixels, more channels.",
            "The check recomputes the whole conv stack with this page's own ops: same numbers.",
        ]
    )


# ----------------------------------------------------------------------------- 9 U-Net
@st.cache_resource(show_spinner="Scoring the U-Nets on the 500 held-out digits…")
def unet_scores(name: str, device: str, _model) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """Cluttered held-out inputs, targets, predictions and IoUs of one pretrained U-Net."""
    from core.conv.unet import heldout_iou, heldout_set, predict_mask

    x, y = heldout_set()
    return x.numpy(), y.numpy(), predict_mask(_model, x).numpy(), heldout_iou(_model)


def per_digit_iou(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """IoU = |p ∩ t| / |p ∪ t| of each digit's binary mask (N, 1, H, W) -> (N,); 1 if both empty."""
    p, t = pred.astype(bool).reshape(len(pred), -1), target.astype(bool).reshape(len(pred), -1)
    inter, union = (p & t).sum(1), (p | t).sum(1)
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def part_unet() -> None:
    a, b = ui.pretrained("conv_unet", ctx.device), ui.pretrained("conv_unet_noskip", ctx.device)
    if a is None or b is None:
        return
    xs, ys, ps, sa = unet_scores("conv_unet", str(ctx.device), a[0])
    _, _, pn, sb = unet_scores("conv_unet_noskip", str(ctx.device), b[0])
    gain = per_digit_iou(ps, ys) - per_digit_iou(pn, ys)  # (500,) IoU(U-Net) - IoU(no skips)
    top = [int(i) for i in np.argsort(-gain, kind="stable")[:12]]
    c1, c2 = st.columns([1, 2])
    with c1:
        pick = ui.url_radio(
            "Examples", "conv_unet_pick", ["where skips matter most", "any digit"], horizontal=True
        )
    with c2:
        if pick == "any digit":
            idx = ui.url_slider("Held-out example #", "conv_unet_idx", 0, 499, top[0])
        else:
            idx = ui.url_select_slider(
                "Held-out example (the 12 largest IoU gains from the skips)",
                "conv_unet_top",
                top,
                top[0],
                format_func=lambda i: f"#{i} ({gain[i]:+.2f})",
            )
    st.caption(
        f"Measured on the 500 held-out digits: the skips raise the per-digit IoU on "
        f"{(gain > 0).mean():.0%} of them (median {np.median(gain):+.3f}, largest "
        f"{gain.max():+.2f}); this digit {gain[idx]:+.3f} (rank "
        f"{int((gain > gain[idx]).sum()) + 1} of 500)."
    )
    from core.conv.unet import iou

    y = ys[idx, 0]
    ia, ib = (
        iou(torch.from_numpy(ps[idx, 0]), torch.from_numpy(y)),
        iou(torch.from_numpy(pn[idx, 0]), torch.from_numpy(y)),
    )
    c = st.columns(3)
    c[0].metric("U-Net held-out IoU (500 digits)", f"{sa['heldout_iou']:.3f}")
    c[1].metric(
        "no-skip held-out IoU",
        f"{sb['heldout_iou']:.3f}",
        f"{sb['heldout_iou'] - sa['heldout_iou']:+.3f} vs U-Net",
    )
    c[2].metric("threshold the input at 0.5", f"{a[1]['metrics']['threshold_input_iou']:.3f}")
    ui.figure(
        cf.images_row(
            [xs[idx, 0], y, cf.error_map(ps[idx, 0], y), cf.error_map(pn[idx, 0], y)],
            [
                "cluttered input",
                "target: digit pixels",
                f"U-Net (IoU {ia:.2f})",
                f"no skips (IoU {ib:.2f})",
            ],
            height=300,
        ),
        key="conv_unet_fig",
    )
    st.caption("Predicted masks: white = hit, blue = missed digit pixel, orange = false alarm.")
    which = ui.url_radio(
        "Feature maps of", "conv_unet_maps", ["U-Net (skips)", "no skips"], horizontal=True
    )
    model = (a if which == "U-Net (skips)" else b)[0]
    with torch.inference_mode():
        lv = model.levels(torch.from_numpy(xs[idx : idx + 1]).to(ctx.device))
    ui.figure(
        cf.feature_maps({k_: v[0].cpu().numpy() for k_, v in lv.items()}, n=12),
        key="conv_unet_maps_fig",
    )
    checks.append(
        ui.Check(
            "this digit's IoU gain: per-digit IoU vs core iou()",
            abs(gain[idx] - (ia - ib)),
            1e-9,
        )
    )
    for name, model_scores, res in (("conv_unet", sa, a), ("conv_unet_noskip", sb, b)):
        checks.append(
            ui.Check(
                f"{name}: recomputed held-out IoU vs its manifest",
                abs(model_scores["heldout_iou"] - res[1]["metrics"]["heldout_iou"]),
                5e-3,
            )
        )
    notice.extend(
        [
            "Both nets see the same context through the 7×7 bottleneck; only the U-Net gets the "
            "full-resolution encoder maps copied across, so its masks keep thin strokes and sharp "
            "outlines, while the no-skip masks are blobby (notes §3.2).",
            "Upsampling inside both is a learned transposed convolution (k = 2, s = 2: k divisible "
            "by s, so no checkerboard from overlap).",
            "The clutter is made of pieces of other digits: the nets must use context (a digit is "
            "large and centred) to ignore them.",
        ]
    )


PART_FNS = dict(
    zip(
        PARTS,
        (
            part_explorer,
            part_sliding,
            part_matrix,
            part_layers,
            part_pooling,
            part_transposed,
            part_receptive,
            part_judge,
            part_unet,
        ),
        strict=False,
    )
)


@st.fragment
def show_part(name: str) -> None:
    """One part, its "what to notice" and its live checks: a control inside reruns only this."""
    checks.clear()
    notice.clear()
    with ui.error_boundary(f"the {name} view"):
        PART_FNS[name]()
    if notice:
        ui.prose("#### What to notice\n" + "\n".join(f"- {t}" for t in notice))
    if checks:
        ui.show_checks(checks)


show_part(part)
