"""Conv backprop (notes §2.2) vs torch.autograd; Toeplitz matrices (notes §2.1) vs convolution."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.conv import backprop, ops, toeplitz


def _rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("seed", range(6))
def test_conv_backprop_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    b, c_in, c_out = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    k, p = int(rng.choice([1, 3, 5])), int(rng.integers(0, 3))
    z_prev = _rand(b, c_in, 9, 11, seed=seed)
    W, bias = _rand(c_out, c_in, k, k, seed=seed + 1), _rand(c_out, seed=seed + 2)
    z = backprop.conv_layer_forward(z_prev, W, bias, padding=p)
    ref = F.conv2d(z_prev, torch.flip(W, (-2, -1)), bias, padding=p)
    assert (z - ref).abs().max() < 1e-10
    delta = _rand(*z.shape, seed=seed + 3)
    chk = backprop.check_against_autograd(z_prev, W, bias, delta, padding=p)
    assert chk.delta_prev.shape == z_prev.shape and chk.weight_grad.shape == W.shape
    for name, d in chk.max_abs_diff.items():
        assert d < 1e-10, (name, d)


def test_weight_gradient_formula_elementwise():
    """dL/dw[m, n] = sum_ij delta[i, j] z[i - m, j - n] with centred indices (notes §2.2)."""
    z_prev, _W = _rand(1, 1, 7, 7, seed=1), _rand(1, 1, 3, 3, seed=2)
    delta = _rand(1, 1, 5, 5, seed=3)
    g = backprop.weight_grad(delta, z_prev)[0, 0]
    # valid conv output (i, j) sits over input centre (i + 1, j + 1); kernel index m in -1..1
    for m in (-1, 0, 1):
        for n in (-1, 0, 1):
            s = sum(
                delta[0, 0, i, j] * z_prev[0, 0, i + 1 - m, j + 1 - n]
                for i in range(5)
                for j in range(5)
            )
            assert abs(float(s - g[m + 1, n + 1])) < 1e-10


@pytest.mark.parametrize("mode", ["full", "valid"])
def test_toeplitz_1d_matches_numpy_convolve(mode):
    k, x = _rand(3, seed=4), _rand(8, seed=5)
    T = toeplitz.toeplitz_1d(k, 8, mode)
    assert np.abs((T @ x).numpy() - np.convolve(x.numpy(), k.numpy(), mode)).max() < 1e-12
    if mode == "full":
        assert torch.equal(T[:3, 0], k)  # first column is the kernel (notes' matrix)
        assert T.shape == (10, 8) and torch.all(torch.triu(T, 1) == 0)  # lower-triangular band


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode", ["full", "valid"])
def test_doubly_block_toeplitz_matches_conv(seed, mode):
    rng = np.random.default_rng(seed)
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    H, W = int(rng.integers(kh, 7)), int(rng.integers(kw, 7))
    K, img = _rand(kh, kw, seed=seed), _rand(H, W, seed=seed + 10)
    from scipy.signal import convolve2d, correlate2d

    T = toeplitz.doubly_block_toeplitz(K, H, W, mode)
    ref = convolve2d(img.numpy(), K.numpy(), mode=mode)
    assert np.abs((T @ img.reshape(-1)).numpy() - ref.reshape(-1)).max() < 1e-12
    Tc = toeplitz.doubly_block_toeplitz(K, H, W, mode, correlation=True)
    ref_c = correlate2d(img.numpy(), K.numpy(), mode=mode)
    assert np.abs((Tc @ img.reshape(-1)).numpy() - ref_c.reshape(-1)).max() < 1e-12
    if mode == "valid":  # the probed matrix of the core's own correlation is the same matrix
        M = toeplitz.linear_map_matrix(lambda e: ops.correlate2d(e, K), (H, W))
        assert torch.allclose(M, Tc, atol=1e-14)


def test_transposed_conv_is_the_transpose_of_the_conv_matrix():
    K, H, W, s = _rand(3, 3, seed=7), 7, 7, 2
    C = toeplitz.linear_map_matrix(
        lambda e: F.conv2d(e[None, None], K[None, None], stride=s)[0, 0], (H, W)
    )
    y = _rand(3, 3, seed=8)
    out = ops.conv_transpose2d(y[None, None], K[None, None], stride=s)[0, 0]
    assert out.shape == (H, W)
    assert (C.T @ y.reshape(-1) - out.reshape(-1)).abs().max() < 1e-12


def test_unknown_mode_raises():
    with pytest.raises(ValueError, match="unknown mode"):
        toeplitz.toeplitz_1d(torch.ones(3), 5, "same")
