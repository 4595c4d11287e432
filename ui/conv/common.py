"""Shared parts of the convolution views (§2–3): cached inputs, the "Input and kernel" sidebar
(every control mirrored in the URL) and the geometry it sets, and the per-view notes and checks."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch
import torch.nn.functional as F

import ui
from core.conv import figures as cf
from core.conv import kernels, ops
from core.data import PATTERNS, PHOTOS, mnist_split, photo, test_pattern, to_grayscale

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


class _RunList(threading.local):
    """A list per script thread: every session runs its script (and fragments) in its own
    thread, so two sessions never see each other's checks. Views append; the page shows."""

    def __init__(self):
        self.items: list = []

    def append(self, x) -> None:
        self.items.append(x)

    def extend(self, xs) -> None:
        self.items.extend(xs)

    def clear(self) -> None:
        self.items = []

    def __iter__(self):
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)


checks = _RunList()  # the current view's live checks (ui.Check, shown under it)
notice = _RunList()  # the current view's "what to notice" lines


@dataclass(frozen=True, eq=False)
class Geometry:
    """The input image I and kernel K with stride s, padding p (mode), dilation d and whether K
    is flipped (convolution) or not (correlation), as the sidebar sets them."""

    img: np.ndarray  # (H, W) float32 in [0, 1]
    K_np: np.ndarray  # (k, k) float32
    flip: bool = False
    stride: int = 1
    pad: int = 1
    padmode: str = "zeros"
    dil: int = 1
    ctx: object = None  # the page context (seed, device)

    @property
    def k(self) -> int:
        return self.K_np.shape[0]

    @property
    def symmetric(self) -> bool:
        return bool(np.allclose(self.K_np, self.K_np[::-1, ::-1]))

    def unpack(self):
        """(img, K, k, s, p, mode, d, flip, symmetric, ctx): the names the views use."""
        return (self.img, self.K_np, self.k, self.stride, self.pad, self.padmode, self.dil,
                self.flip, self.symmetric, self.ctx)  # fmt: skip


def default_geometry(ctx) -> Geometry:
    """The geometry of the parts without the sidebar: the china photo, Sobel x, s = p = d = 1."""
    return Geometry(builtin_image("photo: china", 0),
                    kernels.get_kernel("Sobel x", 3).astype(np.float32), ctx=ctx)  # fmt: skip


def sidebar_controls(ctx) -> Geometry:
    """The "Input and kernel" sidebar (URL-mirrored); only on the parts that use it."""
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
    return Geometry(img, K_np, flip, stride, pad, padmode, dil, ctx)


def geometry_problem(g: Geometry, h: int, w: int) -> str | None:
    """A readable reason why the sidebar geometry cannot be applied to an h x w input."""
    k, dil, pad, padmode = g.k, g.dil, g.pad, g.padmode
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
