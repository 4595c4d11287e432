"""core.conv.ops against torch.nn.functional on random shapes (notes §2.1, §2.2, §3.1)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.conv import ops

TOL = 1e-9  # float64 throughout: any real indexing error is far above this


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_matches_functional(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 2, 3]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    dilation = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    padding = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
    h, w = int(rng.integers(9, 20)), int(rng.integers(9, 20))
    x, wt, b = (
        _rand(2, c_in, h, w, seed=seed),
        _rand(c_out, c_in // groups, kh, kw, seed=seed + 100),
        _rand(c_out, seed=seed + 200),
    )
    ref = F.conv2d(x, wt, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    out = ops.conv2d(x, wt, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert out.shape == ref.shape
    assert (out - ref).abs().max() < TOL


@pytest.mark.parametrize("seed", range(4))
def test_reflect_padding_matches_functional(seed):
    x, wt = _rand(1, 2, 11, 13, seed=seed), _rand(3, 2, 3, 3, seed=seed + 1)
    p = 1 + seed % 3
    ref = F.conv2d(F.pad(x, (p, p, p, p), mode="reflect"), wt, stride=1 + seed % 2)
    out = ops.conv2d(x, wt, padding=p, padding_mode="reflect", stride=1 + seed % 2)
    assert (out - ref).abs().max() < TOL
    conv = torch.nn.Conv2d(2, 3, 3, padding=p, padding_mode="reflect", bias=False).double()
    conv.weight.data.copy_(wt)
    assert (conv(x) - ops.conv2d(x, wt, padding=p, padding_mode="reflect")).abs().max() < TOL


def test_convolution_is_correlation_with_rotated_kernel_and_commutes():
    img, k = _rand(9, 9, seed=1), _rand(3, 3, seed=2)
    conv = ops.convolve2d(img, k)
    assert (conv - ops.correlate2d(img, torch.flip(k, (0, 1)))).abs().max() < TOL
    from scipy.signal import convolve2d as sp_conv
    from scipy.signal import correlate2d as sp_corr

    assert np.abs(conv.numpy() - sp_conv(img.numpy(), k.numpy(), mode="valid")).max() < TOL
    assert (
        np.abs(
            ops.correlate2d(img, k).numpy() - sp_corr(img.numpy(), k.numpy(), mode="valid")
        ).max()
        < TOL
    )
    # full convolution commutes (notes footnote 4), correlation does not
    a, b = _rand(4, 4, seed=3), _rand(3, 3, seed=4)
    full_ab = ops.convolve2d(a, b, padding=2)
    full_ba = ops.convolve2d(b, a, padding=3)
    assert (full_ab - full_ba).abs().max() < TOL
    assert (ops.correlate2d(a, b, padding=2) - ops.correlate2d(b, a, padding=3)).abs().max() > 1e-3


@pytest.mark.parametrize("seed", range(10))
def test_conv_transpose2d_matches_functional(seed):
    rng = np.random.default_rng(100 + seed)
    groups = int(rng.choice([1, 2]))
    c_in, c_out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
    k = int(rng.integers(1, 5))
    s = int(rng.integers(1, 4))
    d = int(rng.integers(1, 3))
    p = int(rng.integers(0, k))
    op = int(rng.integers(0, max(s, d)))
    x = _rand(2, c_in, int(rng.integers(3, 8)), int(rng.integers(3, 8)), seed=seed)
    wt, b = _rand(c_in, c_out // groups, k, k, seed=seed + 1), _rand(c_out, seed=seed + 2)
    try:
        ref = F.conv_transpose2d(
            x, wt, b, stride=s, padding=p, output_padding=op, groups=groups, dilation=d
        )
    except RuntimeError:
        with pytest.raises(ValueError):
            ops.conv_transpose2d(
                x, wt, b, stride=s, padding=p, output_padding=op, groups=groups, dilation=d
            )
        return
    out = ops.conv_transpose2d(
        x, wt, b, stride=s, padding=p, output_padding=op, groups=groups, dilation=d
    )
    assert out.shape == ref.shape
    assert (out - ref).abs().max() < TOL


def test_transposed_conv_stamps_sum_to_output():
    x, k = _rand(3, 3, seed=5), _rand(3, 3, seed=6)
    stamps = ops.transposed_conv_stamps(x, k, stride=2, padding=1, output_padding=1)
    ref = F.conv_transpose2d(x[None, None], k[None, None], stride=2, padding=1, output_padding=1)[
        0, 0
    ]
    assert stamps.shape == (9, *ref.shape)
    assert (stamps.sum(0) - ref).abs().max() < TOL
    # stamp of pixel (0, 0) is x00 * K placed at the origin (before cropping p = 1)
    assert torch.allclose(stamps[0][:2, :2], x[0, 0] * k[1:, 1:])


@pytest.mark.parametrize("seed", range(8))
def test_max_and_avg_pool_match_functional(seed):
    rng = np.random.default_rng(200 + seed)
    k = int(rng.integers(1, 4))
    s = int(rng.integers(1, 4))
    p = int(rng.integers(0, k // 2 + 1))
    x = _rand(2, 3, int(rng.integers(6, 15)), int(rng.integers(6, 15)), seed=seed)
    ref_v, ref_i = F.max_pool2d(x, k, s, p, return_indices=True)
    v, i = ops.max_pool2d(x, k, s, p)
    assert torch.equal(i, ref_i) and (v - ref_v).abs().max() < TOL
    assert (ops.avg_pool2d(x, k, s, p) - F.avg_pool2d(x, k, s, p)).abs().max() < TOL


@pytest.mark.parametrize("seed", range(4))
def test_max_pool_backward_routes_gradient_to_argmax_like_autograd(seed):
    x = _rand(2, 2, 8, 10, seed=seed).requires_grad_()
    v, idx = ops.max_pool2d(x.detach(), 2 + seed % 2, 2)
    g = _rand(*v.shape, seed=seed + 9)
    F.max_pool2d(x, 2 + seed % 2, 2).backward(g)
    mine = ops.max_pool2d_backward(g, idx, tuple(x.shape))
    assert (mine - x.grad).abs().max() < TOL
    assert int((mine != 0).sum()) <= v.numel()  # only argmax pixels get gradient


@pytest.mark.parametrize("seed", range(4))
def test_max_unpool_matches_functional(seed):
    x = _rand(1, 2, 8 + seed, 9, seed=seed)
    v, idx = F.max_pool2d(x, 2, 2, return_indices=True)
    ref = F.max_unpool2d(v, idx, 2, 2, output_size=x.shape[-2:])
    assert torch.equal(ops.max_unpool2d(v, idx, tuple(x.shape[-2:])), ref)


@pytest.mark.parametrize("seed", range(6))
def test_upsampling_matches_interpolate(seed):
    rng = np.random.default_rng(300 + seed)
    x = _rand(1, 2, int(rng.integers(2, 9)), int(rng.integers(2, 9)), seed=seed)
    size = (int(rng.integers(2, 25)), int(rng.integers(2, 25)))
    assert torch.equal(ops.upsample_nearest(x, size), F.interpolate(x, size=size, mode="nearest"))
    for ac in (False, True):
        ref = F.interpolate(x, size=size, mode="bilinear", align_corners=ac)
        assert (ops.upsample_bilinear(x, size, align_corners=ac) - ref).abs().max() < 1e-6


def test_bed_of_nails_is_transposed_conv_with_a_delta_kernel():
    x = _rand(1, 1, 4, 5, seed=7)
    for s in (2, 3):
        delta = torch.zeros(1, 1, s, s, dtype=torch.float64)
        delta[0, 0, 0, 0] = 1
        assert torch.equal(ops.bed_of_nails(x, s), F.conv_transpose2d(x, delta, stride=s))
        ones = torch.ones(1, 1, s, s, dtype=torch.float64)  # nearest = transposed conv with ones
        assert torch.equal(
            ops.upsample_nearest(x, (4 * s, 5 * s)), F.conv_transpose2d(x, ones, stride=s)
        )


def test_bad_arguments_raise_value_errors():
    x = torch.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="larger than"):
        ops.conv2d(x, torch.zeros(1, 1, 5, 5))
    with pytest.raises(ValueError, match="padding mode"):
        ops.conv2d(x, torch.zeros(1, 1, 3, 3), padding=1, padding_mode="circular")
    with pytest.raises(ValueError, match="reflect"):
        ops.pad2d(x, 4, "reflect")
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv_transpose2d(x, torch.zeros(1, 1, 3, 3), stride=2, output_padding=2)
