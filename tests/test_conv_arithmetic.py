"""Output-size formulas == actual shapes; parameter counts; receptive field == gradient support."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.conv import arithmetic as ar
from core.conv import kernels, ops


@pytest.mark.parametrize("seed", range(30))
def test_output_size_formulas_match_actual_shapes(seed):
    rng = np.random.default_rng(seed)
    n, k, s, p, d = (
        int(rng.integers(12, 30)),
        int(rng.integers(1, 6)),
        int(rng.integers(1, 4)),
        int(rng.integers(0, 3)),
        int(rng.integers(1, 3)),
    )
    x = torch.zeros(1, 1, n, n + 1)
    w = torch.zeros(1, 1, k, k)
    assert (
        ops.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-2:]
        == F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-2:]
        == (ar.conv_output_size(n, k, s, p, d), ar.conv_output_size(n + 1, k, s, p, d))
    )
    a = int(rng.integers(0, s))
    y = torch.zeros(1, 1, n, n)
    assert F.conv_transpose2d(y, w, stride=s, padding=0, output_padding=a).shape[
        -1
    ] == ar.conv_transpose_output_size(n, k, s, 0, a)
    if 2 * p <= k:
        assert F.max_pool2d(x, k, s, p // 2).shape[-2] == ar.conv_output_size(n, k, s, p // 2)


@pytest.mark.parametrize("seed", range(40))
def test_transposed_output_size_with_dilation_and_padding_matches_functional(seed):
    """(n - 1)s - 2p + d(k - 1) + a + 1 against F.conv_transpose2d's actual shape, on both
    axes with different sizes, for dilation d in 1..3 and padding p > 0 (output_padding a <
    max(s, d), PyTorch's rule). Detects (k - 1) not multiplied by d, d(k - 1) + 1 counted twice
    or p instead of 2p."""
    rng = np.random.default_rng(100 + seed)
    n, k, s, d = (
        int(rng.integers(2, 12)),
        int(rng.integers(1, 6)),
        int(rng.integers(1, 4)),
        int(rng.integers(2, 4)) if seed % 4 else 1,
    )
    p = int(rng.integers(1, 4))
    a = int(rng.integers(0, max(s, d)))
    sizes = [ar.conv_transpose_output_size(m, k, s, p, a, d) for m in (n, n + 3)]
    if min(sizes) < 1:  # padding crops everything: PyTorch refuses, so does the formula's user
        return
    y = torch.zeros(1, 1, n, n + 3)
    w = torch.zeros(1, 1, k, k)
    out = F.conv_transpose2d(y, w, stride=s, padding=p, output_padding=a, dilation=d)
    assert tuple(out.shape[-2:]) == tuple(sizes)
    # and ops.conv_transpose2d agrees (the page's stamp implementation)
    assert ops.conv_transpose2d(y, w, stride=s, padding=p, output_padding=a, dilation=d).shape == (
        out.shape
    )


def test_transposed_output_size_dilation_cases_by_hand():
    # n = 4, k = 3, s = 2, p = 1, d = 2, a = 1: (4-1)2 - 2 + 2(3-1) + 1 + 1 = 10
    assert ar.conv_transpose_output_size(4, 3, 2, 1, 1, 2) == 10
    # dilation d acts like a kernel of size d(k-1)+1: k=3, d=3 is k_eff = 7
    assert ar.conv_transpose_output_size(5, 3, 1, 0, 0, 3) == ar.conv_transpose_output_size(
        5, 7, 1, 0, 0, 1
    )


def test_transpose_size_inverts_conv_size():
    for n in range(4, 20):
        m = ar.conv_output_size(n, 3, 2, 1)
        sizes = {ar.conv_transpose_output_size(m, 3, 2, 1, a) for a in (0, 1)}
        assert n in sizes  # output_padding picks which of the two inputs we go back to


def test_formula_text_contains_the_result():
    assert ar.conv_output_formula(512, 3, 2, 1, 1).endswith("= 256")
    assert ar.conv_transpose_formula(4, 3, 2, 1, 1).endswith("= 8")


@pytest.mark.parametrize(
    "c_in,c_out,k,groups,bias", [(3, 16, 3, 1, True), (8, 8, 5, 4, False), (6, 12, 1, 3, True)]
)
def test_param_count_matches_nn_conv2d(c_in, c_out, k, groups, bias):
    layer = torch.nn.Conv2d(c_in, c_out, k, groups=groups, bias=bias)
    assert ar.conv_params(c_in, c_out, k, bias, groups) == sum(
        p.numel() for p in layer.parameters()
    )


STACKS = [
    [ar.Layer("conv", 3, 1, 1), ar.Layer("conv", 3, 1, 1)],
    [
        ar.Layer("conv", 3, 1, 0),
        ar.Layer("pool", 2, 2),
        ar.Layer("conv", 3, 1, 1, 2),
        ar.Layer("pool", 2, 2),
        ar.Layer("conv", 3, 1, 0),
    ],
    [ar.Layer("conv", 5, 2, 2), ar.Layer("conv", 3, 1, 2, 2), ar.Layer("conv", 3, 2, 1)],
]


@pytest.mark.parametrize("stack", STACKS)
def test_receptive_field_equals_gradient_support(stack):
    n = 40
    x = torch.zeros(1, 1, 1, n, dtype=torch.float64, requires_grad=True)
    z = x + 1.0
    for L in stack:  # 1-D along the width; positive weights so nothing cancels
        if L.kind == "conv":
            z = F.conv2d(
                z,
                torch.ones(1, 1, 1, L.k, dtype=torch.float64),
                stride=(1, L.s),
                padding=(0, L.p),
                dilation=(1, L.d),
            )
        else:
            z = F.avg_pool2d(z, (1, L.k), (1, L.s), (0, L.p))
    rows = ar.receptive_field(stack, n)
    last = rows[-1]
    assert z.shape[-1] == last.n
    for i in (0, last.n // 2, last.n - 1):
        (g,) = torch.autograd.grad(z[0, 0, 0, i], x, retain_graph=True)
        support = torch.nonzero(g[0, 0, 0]).flatten()
        lo, hi = ar.unit_window(last, i)
        assert support.min().item() == max(0, int(np.ceil(lo)))
        assert support.max().item() + 1 == min(n, int(np.floor(hi)))
    interior = [
        i
        for i in range(last.n)
        if ar.unit_window(last, i)[0] >= 0 and ar.unit_window(last, i)[1] <= n
    ]
    if interior:
        (g,) = torch.autograd.grad(z[0, 0, 0, interior[0]], x)
        assert int((g != 0).sum()) == last.r


def test_layer_validation():
    with pytest.raises(ValueError, match="unknown layer kind"):
        ar.Layer("dense", 3)
    with pytest.raises(ValueError, match="positive"):
        ar.Layer("conv", 0)


def test_kernel_registry():
    for name in kernels.KERNELS:
        k = kernels.get_kernel(name, 5)
        assert k.ndim == 2 and k.shape[0] == k.shape[1] and np.isfinite(k).all()
    assert kernels.get_kernel("box blur", 5).sum() == pytest.approx(1.0)
    assert kernels.get_kernel("Gaussian", 7).sum() == pytest.approx(1.0, abs=1e-6)
    assert kernels.get_kernel("Laplacian").sum() == 0
    with pytest.raises(ValueError, match="unknown kernel: 'nope'; choose from identity"):
        kernels.get_kernel("nope")
