"""The standard mode-coverage metric on constructed sample sets (core/gan/metrics.py)."""

import math

import numpy as np
import pytest

from core.data.toy2d import GRID25_SIGMA, RING8_SIGMA, grid25_modes, make_toy, ring8_modes
from core.gan.metrics import PERFECT_HQ_FRACTION, dataset_mode_metrics, mode_metrics


def test_perfect_fraction_is_chi2_2_at_9():
    from scipy.stats import chi2

    assert PERFECT_HQ_FRACTION == pytest.approx(chi2.cdf(9.0, df=2), abs=1e-12)
    assert round(100 * PERFECT_HQ_FRACTION, 1) == 98.9


@pytest.mark.parametrize(
    "name,modes,sigma,k",
    [("ring8", ring8_modes(), RING8_SIGMA, 8), ("grid25", grid25_modes(), GRID25_SIGMA, 25)],
)
def test_perfect_samples_capture_every_mode(name, modes, sigma, k):
    x = make_toy(name, 2500, seed=3).X
    m = mode_metrics(x, modes, sigma)
    assert m.modes_captured == k
    assert abs(m.hq_fraction - PERFECT_HQ_FRACTION) < 0.01  # ~98.9 %, binomial sd 0.2 %
    assert m.reverse_kl < 0.05  # near-uniform histogram


def test_all_samples_at_one_mode():
    rng = np.random.default_rng(0)
    x = ring8_modes()[3] + RING8_SIGMA * rng.normal(size=(2500, 2))
    m = mode_metrics(x, ring8_modes(), RING8_SIGMA)
    assert m.modes_captured == 1
    assert m.counts.argmax() == 3
    assert m.reverse_kl == pytest.approx(math.log(8), rel=1e-9)


def test_far_samples_are_not_high_quality_and_half_coverage():
    rng = np.random.default_rng(1)
    modes = ring8_modes()
    x = np.concatenate(
        [
            modes[:4][rng.integers(0, 4, 1000)] + 0.001 * rng.normal(size=(1000, 2)),
            rng.normal(scale=0.05, size=(1500, 2)),
        ]
    )  # near the centre: off-ring
    m = mode_metrics(x, modes, RING8_SIGMA)
    assert m.modes_captured == 4
    assert m.hq_fraction == pytest.approx(1000 / 2500, abs=1e-9)
    assert m.reverse_kl == pytest.approx(math.log(2), abs=0.01)  # uniform on 4 of 8 modes


def test_no_hq_and_nonfinite_samples():
    x = np.full((10, 2), np.nan)
    m = mode_metrics(x, ring8_modes(), RING8_SIGMA)
    assert (
        m.modes_captured == 0 and m.hq_fraction == 0 and m.reverse_kl == pytest.approx(math.log(8))
    )
    assert dataset_mode_metrics(np.zeros((5, 2)), "moons") is None
