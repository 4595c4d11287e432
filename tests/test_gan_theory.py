"""Theory of §9.1 against known densities (core/gan/theory.py)."""

import math

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from core.gan.theory import (
    LOG4,
    dstar_grid,
    js_estimate,
    kde_log_density,
    optimal_discriminator,
    optimal_discriminator_log,
    value_at_optimum,
)


def test_dstar_on_known_gaussians():
    # p = N(0, 1), q = N(1, 1): D*(x) = p / (p + q) = sigmoid(log p - log q) = sigmoid(0.5 - x)
    x = np.linspace(-4, 5, 101)
    p, q = norm.pdf(x, 0, 1), norm.pdf(x, 1, 1)
    expected = 1 / (1 + np.exp(x - 0.5))
    np.testing.assert_allclose(optimal_discriminator(p, q), expected, rtol=1e-10)
    np.testing.assert_allclose(
        optimal_discriminator_log(norm.logpdf(x, 0, 1), norm.logpdf(x, 1, 1)), expected, rtol=1e-10
    )
    assert optimal_discriminator(np.array([0.0]), np.array([0.0]))[0] == 0.5


def test_dstar_maximises_the_pointwise_value():
    # f(y) = a log y + b log(1 - y) is maximal at y = a / (a + b) (proof of Theorem 2)
    a, b = 0.3, 1.7
    y = np.linspace(1e-4, 1 - 1e-4, 100_001)
    f = a * np.log(y) + b * np.log(1 - y)
    assert y[f.argmax()] == pytest.approx(optimal_discriminator(a, b), abs=1e-4)


def test_value_at_optimum_is_minus_log4_when_equal_and_js_identity():
    # exact densities: p = q gives V = -log 4
    rng = np.random.default_rng(0)
    xp = rng.normal(size=4000)
    lp = norm.logpdf(xp)
    assert value_at_optimum(lp, lp, lp, lp) == pytest.approx(-LOG4, abs=1e-12)
    # disjoint supports: V -> 0, JS -> log 2
    far = 40.0
    xq = rng.normal(far, 1, 4000)
    v = value_at_optimum(
        norm.logpdf(xp), norm.logpdf(xp, far), norm.logpdf(xq), norm.logpdf(xq, far)
    )
    assert v == pytest.approx(0.0, abs=1e-9)


def test_kde_matches_scipy_and_js_estimates():
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(300, 2))
    q = rng.normal(size=(50, 2))
    h = 0.4
    ref = np.log(np.mean([multivariate_normal.pdf(q, mean=p, cov=h**2) for p in pts], axis=0))
    np.testing.assert_allclose(kde_log_density(pts, q, h), ref, rtol=1e-8)
    same_v, same_js = js_estimate(rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)), 0.3)
    far_v, far_js = js_estimate(rng.normal(size=(1000, 2)), rng.normal(20, 1, size=(1000, 2)), 0.3)
    assert abs(same_v + LOG4) < 0.05 and abs(same_js) < 0.03  # an estimate: may dip below 0
    assert far_js == pytest.approx(math.log(2), abs=1e-6)
    grid = np.array([[0.0, 0.0], [20.0, 20.0]])
    d = dstar_grid(rng.normal(size=(500, 2)), rng.normal(20, 1, size=(500, 2)), grid, 0.5)
    assert d[0] > 0.999 and d[1] < 0.001


def test_bandwidth_and_js_on_degenerate_data():
    # regression: all-equal uploaded points gave h = 0 and a math domain error in the KDE
    from core.gan.theory import MIN_BANDWIDTH, default_bandwidth, scott_bandwidth

    same = np.ones((60, 2))
    assert scott_bandwidth(same) == MIN_BANDWIDTH
    assert default_bandwidth("custom", same) > 0
    line = np.stack([np.arange(60.0), np.zeros(60)], 1)
    assert scott_bandwidth(line) > MIN_BANDWIDTH
    v, js = js_estimate(same, same + 0.0, scott_bandwidth(same))
    assert np.isfinite(v) and np.isfinite(js)
