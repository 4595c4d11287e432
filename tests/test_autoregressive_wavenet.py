"""WaveNet (§7.5): receptive field formula vs gradient support, causal padding, μ-law."""

import numpy as np
import pytest
import torch

from core.autoregressive.wavenet import (
    DilatedStack,
    WaveNet,
    WaveNetConfig,
    gradient_support,
    mu_law_decode,
    mu_law_encode,
    receptive_field,
)
from ui.autoregressive.wavenet_view import parse_dilations

torch.set_num_threads(1)


@pytest.mark.parametrize(
    "k, ds", [(2, (1, 2, 4, 8)), (3, (1, 2, 4)), (2, (1, 1, 1)), (4, (1, 3, 9)), (2, (5,))]
)
def test_receptive_field_formula_matches_gradient_support(k, ds):
    R = receptive_field(k, ds)
    T, t = R + 20, R + 8
    g = gradient_support(DilatedStack(k, ds), T, t)
    support = np.flatnonzero(g > 0)
    assert support.max() == t and support.min() == t - R + 1  # the span is exactly R, up to t
    if ds == (5,):  # one dilated layer: only two taps, with a hole of 4 between them
        assert len(support) == 2
    else:  # these schedules cover their span without holes
        assert len(support) == R


def test_same_padding_is_not_causal():
    g = gradient_support(DilatedStack(2, (1, 2, 4), causal=False), 30, 15)
    assert (g[16:] > 0).any()


def test_wavenet_is_causal_by_perturbation():
    model = WaveNet(WaveNetConfig(channels=8, dilations=(1, 2, 4))).eval()
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 64, (2, 40), generator=g)
    with torch.no_grad():
        base = model(x)
        for t in (0, 10, 30):
            y = x.clone()
            y[:, t + 1 :] = torch.randint(0, 64, y[:, t + 1 :].shape, generator=g)
            assert (model(y)[:, :, : t + 1] - base[:, :, : t + 1]).abs().max() == 0
            y[:, t] = (y[:, t] + 1) % 64
            assert (model(y)[:, :, t] - base[:, :, t]).abs().max() > 0


def test_mu_law_round_trip_and_companding():
    x = torch.linspace(-1, 1, 2001)
    q = mu_law_encode(x, 256)
    assert q.min() == 0 and q.max() == 255
    assert (q[1:] >= q[:-1]).all()  # monotone
    err = (mu_law_decode(q, 256) - x).abs()
    # μ-law spends its levels near 0: small signals are reproduced much more finely
    # (a uniform 256-level grid has a worst-case error of 1/255 = 0.0039 everywhere)
    assert err[x.abs() < 0.01].max() < 5e-4 and err.max() < 0.025


def test_parse_dilations_rejects_bad_input():
    assert parse_dilations("1, 2,4 8") == (1, 2, 4, 8)
    for bad in ("", "a, b", "0, 1", "1," * 20, "999"):
        with pytest.raises(ValueError):
            parse_dilations(bad)
