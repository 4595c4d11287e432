"""Receptive field, the judge CNN and the U-Net (§2.2, §3.2)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st
import torch
import torch.nn.functional as F

import ui
from core.conv import arithmetic as ar
from core.conv import figures as cf
from core.conv import ops
from core.data import mnist_split
from ui.conv.common import (
    Geometry,
    _fit,
    checks,
    notice,
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


def part_receptive(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
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
        st.table(  # read-only: a plain HTML table, no canvas grid
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
def _plotly_dict(fig) -> dict:
    """A figure in plotly's JSON form, cached as it is (a rerun neither validates nor encodes
    it again: ~15-25 ms per figure)."""
    return json.loads(fig.to_json())


@st.cache_data(show_spinner=False, max_entries=256)
def judge_digit(idx: int, device: str, _judge) -> tuple[dict, dict, float]:
    """Held-out digit ``idx`` through the pretrained judge: the probability bars and the
    feature maps (plotly dicts), and max |core conv2d/max_pool2d stack - PyTorch's| on it."""
    split = mnist_split()
    x = torch.from_numpy(np.array(split.x_test[idx : idx + 1])).to(device)
    maps, z = {}, x
    names = iter(["conv1+ReLU", "conv2+ReLU", "maxpool", "conv3+ReLU", "conv4+ReLU", "maxpool"])
    with torch.inference_mode():
        for layer in _judge.conv:
            z = layer(z)
            if isinstance(layer, (torch.nn.ReLU, torch.nn.MaxPool2d)):  # shape keeps keys unique
                maps[f"{next(names)} {tuple(z.shape[1:])}"] = z[0].cpu().numpy()
        probs = F.softmax(_judge(x), 1)[0].cpu().numpy()
        # the same network with this page's own ops
        zc = x.cpu().double()
        for layer in _judge.conv:
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
        ref = _judge.conv(x).cpu().double()
    bars = cf.probabilities(
        probs,
        title=f"label {split.y_test[idx]} → prediction {int(np.argmax(probs))} "
        f"(p = {probs.max():.3f})",
    )
    fmaps = cf.feature_maps({"input (1, 28, 28)": split.x_test[idx], **maps}, n=12)
    return _plotly_dict(bars), _plotly_dict(fmaps), float((zc - ref).abs().max())


@st.cache_data(show_spinner=False, max_entries=4)
def judge_filters(device: str, _judge) -> dict:
    """The judge's first-layer filters (they do not change with the digit)."""
    w1 = _judge.conv[0].weight[:, 0].detach().cpu().numpy()
    return _plotly_dict(
        cf.filters(w1, title=f"first-layer filters ({w1.shape[0]} of 3×3; red +, blue −)")
    )


def part_judge(g: Geometry) -> None:
    ctx = g.ctx
    res = ui.pretrained("judge", ctx.device)
    if res is None:
        return
    judge, manifest = res
    idx = ui.url_slider("Held-out digit #", "conv_judge_idx", 0, 499, 0)
    bars, fmaps, diff = judge_digit(int(idx), str(ctx.device), judge)
    c1, c2 = st.columns([1, 1])
    with c1:
        ui.figure(bars, key="conv_judge_p", height=bars["layout"].get("height"))
    with c2:
        filt = judge_filters(str(ctx.device), judge)
        ui.figure(filt, key="conv_judge_filters", height=filt["layout"].get("height"))
    ui.figure(fmaps, key="conv_judge_maps", height=fmaps["layout"].get("height"))
    st.caption(
        f"Judge: {manifest['metrics'].get('heldout_accuracy', float('nan')):.1%} held-out "
        "accuracy on the 500 test digits (from its manifest). Rows: the first channels after "
        "each layer (12 of them), each scaled to its own range."
    )
    checks.append(
        ui.Check(
            "judge conv stack recomputed with core conv2d/max_pool2d vs PyTorch",
            diff,
            1e-4,
        )
    )
    notice.extend(
        [
            "First-layer filters are small edge and blob detectors, like Sobel and Laplacian.",
            "After each pooling the maps halve and become more abstract: fewer pixels, more "
            "channels.",
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


@st.cache_data(show_spinner=False, max_entries=256)
def unet_example(idx: int, device: str, _xs, _ys, _ps, _pn) -> tuple[dict, float, float]:
    """Held-out example ``idx`` (of ``unet_scores``' arrays for ``device``): input, target and
    both nets' error maps (a plotly dict), and each net's IoU on it by core ``iou``."""
    from core.conv.unet import iou

    y = _ys[idx, 0]
    ia = iou(torch.from_numpy(_ps[idx, 0]), torch.from_numpy(y))
    ib = iou(torch.from_numpy(_pn[idx, 0]), torch.from_numpy(y))
    fig = cf.images_row(
        [_xs[idx, 0], y, cf.error_map(_ps[idx, 0], y), cf.error_map(_pn[idx, 0], y)],
        ["cluttered input", "target: digit pixels", f"U-Net (IoU {ia:.2f})",
         f"no skips (IoU {ib:.2f})"],
        height=300,
    )  # fmt: skip
    return _plotly_dict(fig), float(ia), float(ib)


@st.cache_data(show_spinner=False, max_entries=256)
def unet_maps(idx: int, which: str, device: str, _model, _xs) -> dict:
    """The feature maps of ``which`` net (its ``levels``) on held-out example ``idx``."""
    with torch.inference_mode():
        lv = _model.levels(torch.from_numpy(_xs[idx : idx + 1]).to(device))
    return _plotly_dict(cf.feature_maps({k: v[0].cpu().numpy() for k, v in lv.items()}, n=12))


def part_unet(g: Geometry) -> None:
    img, K_np, k, stride, pad, padmode, dil, flip, symmetric, ctx = g.unpack()
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
    fig, ia, ib = unet_example(int(idx), str(ctx.device), xs, ys, ps, pn)
    c = st.columns(3)
    c[0].metric("U-Net held-out IoU (500 digits)", f"{sa['heldout_iou']:.3f}")
    c[1].metric(
        "no-skip held-out IoU",
        f"{sb['heldout_iou']:.3f}",
        f"{sb['heldout_iou'] - sa['heldout_iou']:+.3f} vs U-Net",
    )
    c[2].metric("threshold the input at 0.5", f"{a[1]['metrics']['threshold_input_iou']:.3f}")
    ui.figure(fig, key="conv_unet_fig", height=fig["layout"].get("height"))
    st.caption("Predicted masks: white = hit, blue = missed digit pixel, orange = false alarm.")
    which = ui.url_radio(
        "Feature maps of", "conv_unet_maps", ["U-Net (skips)", "no skips"], horizontal=True
    )
    maps = unet_maps(
        int(idx), which, str(ctx.device), (a if which == "U-Net (skips)" else b)[0], xs
    )
    ui.figure(maps, key="conv_unet_maps_fig", height=maps["layout"].get("height"))
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
