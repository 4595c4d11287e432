"""Convolution, pooling and upsampling written out in plain tensor code (notes §2.1, §2.2, §3.1).

Every op loops over the *kernel offsets* (m, n) -- never over pixels -- and adds one shifted,
strided slice of the input per offset, so it is readable and still fast on a 512-px photo:

    correlation   (K ⋆ I)[i, j] = sum_{m,n} K[m, n] I[s i + d m, s j + d n]   (what F.conv2d does)
    convolution   (K * I)[i, j] = sum_{m,n} K[m, n] I[i - m, j - n] = (Rot180(K) ⋆ I)[i, j]
    transposed    out[s i + d m - p, s j + d n - p] += x[i, j] K[m, n]   (each input pixel
                  "stamps" a scaled copy of the kernel into the output; notes §3.1)

Shapes follow PyTorch: x (B, C_in, H, W), conv weight (C_out, C_in/groups, kH, kW), transposed
weight (C_in, C_out/groups, kH, kW). The unit tests compare each op with torch.nn.functional.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

PADDING_MODES = ("zeros", "reflect")


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def pad2d(x: torch.Tensor, padding, mode: str = "zeros") -> torch.Tensor:
    """Pad the last two dims by (p_h, p_w) on each side with zeros or a mirror reflection.

    reflect: x[-1] -> x[1], x[-2] -> x[2] (the edge pixel is not repeated), as numpy's 'reflect'.
    """
    if mode not in PADDING_MODES:
        raise ValueError(f"unknown padding mode: {mode!r}; choose from {', '.join(PADDING_MODES)}")
    ph, pw = _pair(padding)
    if ph == pw == 0:
        return x
    if mode == "zeros":
        return F.pad(x, (pw, pw, ph, ph))
    h, w = x.shape[-2:]
    if ph >= h or pw >= w:
        raise ValueError(f"reflect padding {ph, pw} must be smaller than the input {h, w}")
    rows = torch.cat(
        [torch.arange(ph, 0, -1), torch.arange(h), torch.arange(h - 2, h - 2 - ph, -1)]
    )
    cols = torch.cat(
        [torch.arange(pw, 0, -1), torch.arange(w), torch.arange(w - 2, w - 2 - pw, -1)]
    )
    return x[..., rows.to(x.device)[:, None], cols.to(x.device)[None, :]]


def conv2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
    padding_mode: str = "zeros",
    flip: bool = False,
) -> torch.Tensor:
    """Cross-correlation (default, = F.conv2d) or true convolution (``flip=True``).

    out[b, o, i, j] = bias[o]
        + sum_{c in group(o)} sum_{m,n} W[o, c, m, n] x_pad[b, c, s i + d m, s j + d n]
    x: (B, C_in, H, W); weight: (C_out, C_in/groups, kH, kW) -> (B, C_out, H_out, W_out).
    """
    if flip:
        weight = torch.flip(weight, dims=(-2, -1))  # convolution = correlation with Rot180(K)
    sh, sw = _pair(stride)
    dh, dw = _pair(dilation)
    xp = pad2d(x, padding, padding_mode)  # (B, C_in, H + 2p, W + 2p)
    b, c_in, hp, wp = xp.shape
    c_out, c_g, kh, kw = weight.shape
    if c_in != c_g * groups or c_out % groups:
        raise ValueError(
            f"channels do not fit groups={groups}: input {c_in}, weight {tuple(weight.shape)}"
        )
    h_out = (hp - dh * (kh - 1) - 1) // sh + 1
    w_out = (wp - dw * (kw - 1) - 1) // sw + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(
            f"the (dilated) kernel {kh}x{kw} (dilation {dh, dw}) is larger than the "
            f"padded input {hp}x{wp}"
        )
    xg = xp.reshape(b, groups, c_g, hp, wp)  # (B, G, C_in/G, H', W')
    wg = weight.reshape(groups, c_out // groups, c_g, kh, kw)  # (G, C_out/G, C_in/G, kH, kW)
    out = xp.new_zeros(b, groups, c_out // groups, h_out, w_out)
    for m in range(kh):
        for n in range(kw):
            r0, c0 = m * dh, n * dw
            patch = xg[
                ..., r0 : r0 + sh * (h_out - 1) + 1 : sh, c0 : c0 + sw * (w_out - 1) + 1 : sw
            ]
            out += torch.einsum("bgchw,goc->bgohw", patch, wg[..., m, n])
    out = out.reshape(b, c_out, h_out, w_out)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def correlate2d(image: torch.Tensor, kernel: torch.Tensor, **kw) -> torch.Tensor:
    """(K ⋆ I) for one (H, W) image and one (k, k) kernel -> (H_out, W_out)."""
    return conv2d(image[None, None], kernel[None, None], **kw)[0, 0]


def convolve2d(image: torch.Tensor, kernel: torch.Tensor, **kw) -> torch.Tensor:
    """(K * I) = (Rot180(K) ⋆ I) for one (H, W) image -> (H_out, W_out)."""
    return conv2d(image[None, None], kernel[None, None], flip=True, **kw)[0, 0]


def conv_transpose2d(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> torch.Tensor:
    """Transposed convolution as stamps (= F.conv_transpose2d).

    out_full[b, o, s i + d m, s j + d n] += x[b, c, i, j] W[c, o, m, n]; then crop p on each side.
    H_out = (H - 1) s - 2 p + d (k - 1) + output_padding + 1 (output_padding < s or < d).
    x: (B, C_in, H, W); weight: (C_in, C_out/groups, kH, kW) -> (B, C_out, H_out, W_out).
    """
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    oph, opw = _pair(output_padding)
    dh, dw = _pair(dilation)
    if oph >= max(sh, dh) or opw >= max(sw, dw):
        raise ValueError(f"output_padding {oph, opw} must be smaller than stride or dilation")
    b, c_in, h, w = x.shape
    _, c_og, kh, kw = weight.shape
    c_ig = c_in // groups
    hf = (h - 1) * sh + dh * (kh - 1) + 1 + oph  # before cropping p
    wf = (w - 1) * sw + dw * (kw - 1) + 1 + opw
    h_out, w_out = hf - 2 * ph, wf - 2 * pw
    if h_out < 1 or w_out < 1:
        raise ValueError(f"padding {ph, pw} crops the whole {hf}x{wf} output away")
    xg = x.reshape(b, groups, c_ig, h, w)  # (B, G, C_in/G, H, W)
    wg = weight.reshape(groups, c_ig, c_og, kh, kw)  # (G, C_in/G, C_out/G, kH, kW)
    full = x.new_zeros(b, groups, c_og, hf, wf)
    for m in range(kh):
        for n in range(kw):
            r0, c0 = m * dh, n * dw
            full[..., r0 : r0 + sh * (h - 1) + 1 : sh, c0 : c0 + sw * (w - 1) + 1 : sw] += (
                torch.einsum("bgchw,gco->bgohw", xg, wg[..., m, n])
            )
    out = full[..., ph : ph + h_out, pw : pw + w_out].reshape(b, groups * c_og, h_out, w_out)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def transposed_conv_stamps(
    x: torch.Tensor,
    kernel: torch.Tensor,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
) -> torch.Tensor:
    """The notes' §3.1 view: one output-sized term per input pixel, x[i, j] K placed at (s i, s j).

    x: (H, W), kernel: (k, k) -> (H*W, H_out, W_out); the terms sum to the transposed conv.
    """
    h, w = x.shape
    terms = []
    for i in range(h):
        for j in range(w):
            e = torch.zeros_like(x)
            e[i, j] = x[i, j]
            terms.append(
                conv_transpose2d(
                    e[None, None],
                    kernel[None, None],
                    stride=stride,
                    padding=padding,
                    output_padding=output_padding,
                )[0, 0]
            )
    return torch.stack(terms)


# ----------------------------------------------------------------------------- pooling (§2.2)
def _pool_windows(x: torch.Tensor, kernel_size, stride, padding, fill: float):
    """Stack the k*k window candidates: values (kk, B, C, Ho, Wo) and flat input indices."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    ph, pw = _pair(padding)
    b, c, h, w = x.shape
    xp = F.pad(x, (pw, pw, ph, ph), value=fill)
    h_out, w_out = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(f"pool window {kh}x{kw} is larger than the padded input")
    rows = torch.arange(h_out, device=x.device) * sh - ph  # window top rows in x coords
    cols = torch.arange(w_out, device=x.device) * sw - pw
    vals, idx = [], []
    for m in range(kh):
        for n in range(kw):
            vals.append(
                xp[..., m : m + sh * (h_out - 1) + 1 : sh, n : n + sw * (w_out - 1) + 1 : sw]
            )
            idx.append(((rows + m)[:, None] * w + (cols + n)[None, :]).expand(b, c, -1, -1))
    return torch.stack(vals), torch.stack(idx), (h_out, w_out)


def max_pool2d(
    x: torch.Tensor, kernel_size, stride=None, padding=0
) -> tuple[torch.Tensor, torch.Tensor]:
    """z[i, j] = max{ x[i', j'] : i' in [s i, s i + k), j' in [s j, s j + k) } and the argmax.

    Returns (values (B, C, Ho, Wo), indices (B, C, Ho, Wo)) where an index is the flat position
    i* W + j* in the (unpadded) input plane, as F.max_pool2d(return_indices=True); ties keep the
    first maximum in scan order.
    """
    vals, idx, _ = _pool_windows(x, kernel_size, stride, padding, float("-inf"))
    best = vals.argmax(0, keepdim=True)  # first max wins
    return vals.gather(0, best)[0], idx.gather(0, best)[0]


def avg_pool2d(x: torch.Tensor, kernel_size, stride=None, padding=0) -> torch.Tensor:
    """z[i, j] = mean of the k x k window (zero padding counted, as F.avg_pool2d's default)."""
    vals, _, _ = _pool_windows(x, kernel_size, stride, padding, 0.0)
    return vals.mean(0)


def max_pool2d_backward(
    grad_out: torch.Tensor, indices: torch.Tensor, input_shape: tuple[int, ...]
) -> torch.Tensor:
    """dL/dx[i', j'] = sum over windows with argmax [i*, j*] = [i', j'] of dL/dz[i, j] (notes §2.2).

    The gradient is routed to the argmax only: every other input pixel gets 0.
    """
    b, c, h, w = input_shape
    g = grad_out.new_zeros(b, c, h * w)
    g.scatter_add_(2, indices.flatten(2), grad_out.flatten(2))
    return g.view(b, c, h, w)


def max_unpool2d(
    x: torch.Tensor, indices: torch.Tensor, output_size: tuple[int, int]
) -> torch.Tensor:
    """Put each value back where its max came from; zeros elsewhere (notes §3.1, Fig. 11)."""
    b, c = x.shape[:2]
    h, w = output_size
    out = x.new_zeros(b, c, h * w)
    out.scatter_(2, indices.flatten(2), x.flatten(2))
    return out.view(b, c, h, w)


# ----------------------------------------------------------------------------- upsampling (§3.1)
def upsample_nearest(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Copy each value into the block it covers.

    out[i, j] = x[floor(i H / H_out), floor(j W / W_out)]
    """
    h, w = x.shape[-2:]
    ho, wo = size
    rows = torch.floor(torch.arange(ho, dtype=torch.float32) * (h / ho)).long().clamp_max(h - 1)
    cols = torch.floor(torch.arange(wo, dtype=torch.float32) * (w / wo)).long().clamp_max(w - 1)
    return x[..., rows.to(x.device)[:, None], cols.to(x.device)[None, :]]


def bed_of_nails(x: torch.Tensor, scale: int) -> torch.Tensor:
    """Each value goes to the top-left of its s x s block; the rest is zero (notes Fig. 10)."""
    out = x.new_zeros(*x.shape[:-2], x.shape[-2] * scale, x.shape[-1] * scale)
    out[..., ::scale, ::scale] = x
    return out


def _linear_coords(n_in: int, n_out: int, align_corners: bool, device, dtype):
    """Source coordinate of every output pixel and its two neighbours + weights (as PyTorch)."""
    dst = torch.arange(n_out, dtype=dtype, device=device)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:  # pixel centres line up: src = (dst + 0.5) * n_in / n_out - 0.5, clamped at 0
        src = ((dst + 0.5) * (n_in / n_out) - 0.5).clamp_min(0)
    i0 = src.floor().long().clamp_max(n_in - 1)
    i1 = (i0 + 1).clamp_max(n_in - 1)
    return i0, i1, src - i0


def upsample_bilinear(
    x: torch.Tensor, size: tuple[int, int], align_corners: bool = False
) -> torch.Tensor:
    """out = (1-a)(1-b) x00 + (1-a) b x01 + a (1-b) x10 + a b x11 at each output pixel's source."""
    h, w = x.shape[-2:]
    dt = torch.float64 if x.dtype == torch.float64 else torch.float32  # PyTorch's accumulate type
    r0, r1, a = _linear_coords(h, size[0], align_corners, x.device, dt)
    c0, c1, bw = _linear_coords(w, size[1], align_corners, x.device, dt)
    a, bw = a[:, None], bw[None, :]
    top = x[..., r0, :][..., c0] * (1 - bw) + x[..., r0, :][..., c1] * bw
    bot = x[..., r1, :][..., c0] * (1 - bw) + x[..., r1, :][..., c1] * bw
    return top * (1 - a) + bot * a


# ----------------------------------------------------------------------------- explanations
def window(
    x_pad: torch.Tensor, i: int, j: int, k: int, stride: int = 1, dilation: int = 1
) -> torch.Tensor:
    """The (k, k) patch of a padded (H, W) input that output cell (i, j) sees:
    x_pad[s i + d m, s j + d n] for m, n in 0..k-1."""
    r0, c0 = i * stride, j * stride
    return x_pad[
        r0 : r0 + dilation * (k - 1) + 1 : dilation, c0 : c0 + dilation * (k - 1) + 1 : dilation
    ]


def upsample_pair(
    x: torch.Tensor, kernel: torch.Tensor, stride: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Checkerboard demo (Odena et al. 2016): the same kernel used two ways on (H, W) ``x``.

    (a) transposed conv with stride s: output pixels receive ceil(k/s) or floor(k/s) stamps per
        axis when s does not divide k -> a periodic (checkerboard) pattern;
    (b) nearest resize by s, then an ordinary "same" correlation: every pixel sees k x k inputs.
    Both are cropped to (s H, s W) so they line up.
    """
    k = kernel.shape[-1]
    h, w = x.shape
    a = conv_transpose2d(x[None, None], kernel[None, None], stride=stride)[0, 0]
    off = (k - stride) // 2 if k >= stride else 0
    a = a[off : off + stride * h, off : off + stride * w]
    up = upsample_nearest(x[None, None], (stride * h, stride * w))
    b = conv2d(up, kernel[None, None], padding=(k - 1) // 2)[0, 0]
    if b.shape != a.shape:  # even k: 'same' padding leaves one extra row/col
        b = b[: a.shape[0], : a.shape[1]]
    return a, b
