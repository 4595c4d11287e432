"""§1.1 perceptron (Novikoff bound, XOR) and §1.5 universal approximation."""

import numpy as np
import pytest

from core.backprop.perceptron import augment, novikoff_bound, rosenblatt, separable_set
from core.backprop.universal import TARGETS, fit_universal, max_error_curve
from core.data import make_toy


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("margin", [0.02, 0.1])
def test_perceptron_converges_within_novikoff_bound(seed, margin):
    X, y = separable_set(80, margin, seed)
    nb = novikoff_bound(X, y)
    assert nb.separable and nb.gamma > 0
    # the max-margin separator really separates with that margin
    s = 2 * y - 1
    assert np.min(s * (augment(X) @ nb.u)) >= nb.gamma * (1 - 1e-6)
    for eta in (0.1, 1.0):
        run = rosenblatt(X, y, eta=eta, max_epochs=1000)
        assert run.converged
        assert run.n_updates <= nb.bound
        pred = (augment(X) @ run.thetas[-1] > 0).astype(int)
        np.testing.assert_array_equal(pred, y)


def test_learning_rate_does_not_change_the_updates_from_zero():
    X, y = separable_set(60, 0.05, 1)
    a, b = rosenblatt(X, y, eta=1.0), rosenblatt(X, y, eta=0.01)
    assert a.n_updates == b.n_updates
    np.testing.assert_allclose(a.thetas * 0.01, b.thetas, atol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_perceptron_never_converges_on_xor(seed):
    d = make_toy("xor", 40, noise=0.05, seed=seed)
    nb = novikoff_bound(d.X, d.y)
    assert not nb.separable and not np.isfinite(nb.bound)
    run = rosenblatt(d.X, d.y, max_epochs=60)
    assert not run.converged and min(run.mistakes_per_epoch) > 0


@pytest.mark.parametrize("target", ["sin", "gaussian_bump", "x_squared", "abs"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_universal_error_decreases_with_n_on_continuous_targets(target, act):
    ns = [8, 16, 32, 64]
    errs = max_error_curve(target, ns, act)
    assert np.all(np.diff(errs) <= 1e-9), errs
    assert errs[-1] < 0.05 and errs[-1] < 0.5 * errs[0] + 1e-9


def test_universal_units_sum_to_the_fit_and_jumps_stay():
    fit = fit_universal("sin", 12, "sigmoid")
    assert fit.units.shape == (12, len(fit.x))
    np.testing.assert_allclose(fit.v0 + fit.units.sum(0), fit.fit)
    # a discontinuous target keeps an error near half the jump (the theorem needs continuity)
    assert fit_universal("step", 64, "sigmoid").max_error > 0.4
    with pytest.raises(ValueError, match="choose from"):
        fit_universal("exp(x); import os", 4)
    assert len(TARGETS) >= 5
