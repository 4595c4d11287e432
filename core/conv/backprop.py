"""Backpropagation through a convolutional layer, written with convolutions (notes §2.2).

The notes' layer is a (true) convolution, stride 1, "valid" on an input padded by p:

    z_j^(ℓ) = sum_k w_kj^(ℓ) * z_k^(ℓ-1) + b_j                  (forward)

Backward, for an upstream error delta^(ℓ) = dL/dz^(ℓ):

    delta^(ℓ-1) = delta^(ℓ) ⋆ W^(ℓ)            full correlation: W slides over delta padded by k-1
                                               (= delta^(ℓ) * Rot180(W^(ℓ)))
    dL/dW^(ℓ)[m, n] = sum_{i,j} delta^(ℓ)[i, j] z^(ℓ-1)[i - m, j - n]   (the notes' "delta * Z")
                    = Rot180( Z^(ℓ-1) ⋆ delta^(ℓ) ) in array indices    (valid correlation)
    dL/db_j = sum_{i,j} delta_j^(ℓ)[i, j]

Everything below is computed with this package's own `conv2d` (no autograd); the tests and the
page compare it with torch.autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from core.conv.ops import conv2d, pad2d


def rot180(w: torch.Tensor) -> torch.Tensor:
    """Rot_180(W): flip both spatial axes."""
    return torch.flip(w, dims=(-2, -1))


def conv_layer_forward(
    z_prev: torch.Tensor, W: torch.Tensor, b: torch.Tensor | None = None, padding: int = 0
) -> torch.Tensor:
    """z^(ℓ) = W * z^(ℓ-1) + b (true convolution). z_prev (B, C_in, H, W); W (C_out, C_in, k, k)."""
    return conv2d(z_prev, W, b, padding=padding, flip=True)


def delta_prev(delta: torch.Tensor, W: torch.Tensor, padding: int = 0) -> torch.Tensor:
    """delta^(ℓ-1) = delta^(ℓ) ⋆ W: full correlation, then the p border rows/cols are dropped.

    delta (B, C_out, H_out, W_out), W (C_out, C_in, k, k) -> (B, C_in, H, W). Channel k collects
    sum_j delta_j ⋆ w_kj, i.e. a correlation with W's in/out axes swapped.
    """
    k = W.shape[-1]
    full = conv2d(pad2d(delta, k - 1), W.transpose(0, 1))  # (B, C_in, H + 2p, W + 2p)
    if padding:
        full = full[..., padding:-padding, padding:-padding]
    return full


def weight_grad(delta: torch.Tensor, z_prev: torch.Tensor, padding: int = 0) -> torch.Tensor:
    """dL/dW = Rot180(Z^(ℓ-1) ⋆ delta^(ℓ)), summed over the batch. -> (C_out, C_in, k, k).

    Batch and channel axes swap roles: the input's channels become a "batch" and the batch
    becomes the contracted channel axis, so one `conv2d` gives every (j, k) pair at once.
    """
    zp = pad2d(z_prev, padding).transpose(0, 1)  # (C_in, B, H', W')
    g = conv2d(zp, delta.transpose(0, 1))  # (C_in, C_out, k, k)
    return rot180(g.transpose(0, 1))


def bias_grad(delta: torch.Tensor) -> torch.Tensor:
    """dL/db_j = sum over batch and positions of delta_j."""
    return delta.sum(dim=(0, 2, 3))


@dataclass(frozen=True)
class ConvBackpropCheck:
    """The three gradients computed by hand and by autograd, and their max |Δ|."""

    delta_prev: torch.Tensor  # (B, C_in, H, W) by hand
    weight_grad: torch.Tensor  # (C_out, C_in, k, k) by hand
    bias_grad: torch.Tensor  # (C_out,) by hand
    max_abs_diff: dict[str, float]  # name -> max |hand - autograd|


def check_against_autograd(
    z_prev: torch.Tensor, W: torch.Tensor, b: torch.Tensor, delta: torch.Tensor, padding: int = 0
) -> ConvBackpropCheck:
    """Backprop ``delta`` (dL/dz^(ℓ)) by hand and with torch.autograd; report max |Δ| per gradient.

    Autograd runs through ``torch.nn.functional.conv2d`` on Rot180(W) (the same convolution), with
    the loss L = sum(z^(ℓ) ⊙ delta) so that dL/dz^(ℓ) = delta exactly.
    """
    zp = z_prev.detach().clone().requires_grad_()
    Wt = W.detach().clone().requires_grad_()
    bt = b.detach().clone().requires_grad_()
    z = torch.nn.functional.conv2d(zp, rot180(Wt), bt, padding=padding)
    (z * delta).sum().backward()
    d_prev, gW, gb = (
        delta_prev(delta, W, padding),
        weight_grad(delta, z_prev, padding),
        bias_grad(delta),
    )
    return ConvBackpropCheck(
        delta_prev=d_prev,
        weight_grad=gW,
        bias_grad=gb,
        max_abs_diff={
            "delta_prev": float((d_prev - zp.grad).abs().max()),
            "weight_grad": float((gW - Wt.grad).abs().max()),
            "bias_grad": float((gb - bt.grad).abs().max()),
        },
    )
