"""§8.1 1-D change of variables against closed forms and sampling; §8.5 masks and squeeze."""

import numpy as np
import pytest
import torch
from scipy.stats import norm

from core.flows.image_masks import (
    channel_mask,
    checkerboard_mask,
    partition_views,
    squeeze,
    unsqueeze,
)
from core.flows.one_d import MONOTONE_MAPS, get_map, one_d_checks, one_d_density


@pytest.mark.parametrize("name", list(MONOTONE_MAPS))
def test_one_d_density_is_the_change_of_variables(name):
    d = one_d_density(name, n=800, n_samples=50_000, seed=0)
    c = one_d_checks(name, d)
    assert c["integral_error"] < 1e-3
    assert c["jacobian_error"] < 1e-4
    assert c["inverse_error"] < 1e-8
    assert c["window_mass"] > 0.95
    # empirical CDF of x = f(z) samples vs P(X <= x) = Phi(f^-1(x)) (Kolmogorov-Smirnov scale)
    m = get_map(name)
    xs = np.quantile(d.samples, [0.1, 0.3, 0.5, 0.7, 0.9])
    assert np.abs(norm.cdf(m.f_inv(xs)) - np.array([0.1, 0.3, 0.5, 0.7, 0.9])).max() < 0.01


def test_unknown_map_fails_loudly():
    with pytest.raises(ValueError, match="unknown map: 'cosine'; choose from"):
        get_map("cosine")


def test_squeeze_round_trip_and_layout():
    x = torch.randn(3, 2, 6, 8)
    assert torch.equal(unsqueeze(squeeze(x)), x)
    s = squeeze(torch.arange(16.0).reshape(1, 1, 4, 4))
    assert s.shape == (1, 4, 2, 2)
    assert s[0, 0].tolist() == [[0.0, 2.0], [8.0, 10.0]]  # offsets (0, 0)
    assert s[0, 3].tolist() == [[5.0, 7.0], [13.0, 15.0]]  # offsets (1, 1)
    with pytest.raises(ValueError):
        squeeze(torch.zeros(1, 1, 3, 4))


def test_masks_partition_the_input():
    b0, b1 = checkerboard_mask(28, 28, 0), checkerboard_mask(28, 28, 1)
    assert torch.equal(b0 + b1, torch.ones_like(b0)) and b0.sum() == 392
    assert b0[0, 0, 0] == 1 and b0[0, 0, 1] == 0 and b0[0, 1, 0] == 0
    c = channel_mask(4, 14, 14, 0)
    assert c[:2].eq(1).all() and c[2:].eq(0).all()
    digit = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    v = partition_views(digit, parity=1)
    both = np.where(np.isnan(v["checker_B"]), v["checker_A"], v["checker_B"])
    assert np.array_equal(both, digit)
    assert np.isnan(v["checker_B"]).sum() == 392
    assert v["squeezed"].shape == (4, 14, 14)
    assert np.isnan(v["channel_B"][:2]).all() and not np.isnan(v["channel_B"][2:]).any()
