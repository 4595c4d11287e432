"""k-NN precision/recall and memorisation distances vs brute-force loops on small random sets."""

import numpy as np
import pytest

from core.generative.metrics import knn_radii, memorisation, nearest, precision_recall


def _brute_radii(X, k):
    out = []
    for i in range(len(X)):
        d = sorted(np.linalg.norm(X[i] - X[j]) for j in range(len(X)) if j != i)
        out.append(d[k - 1])
    return np.array(out)


def _brute_pr(real, fake, k):
    rr, rf = _brute_radii(real, k), _brute_radii(fake, k)
    prec = np.mean([any(np.linalg.norm(g - r) <= rr[j] for j, r in enumerate(real)) for g in fake])
    rec = np.mean([any(np.linalg.norm(r - g) <= rf[j] for j, g in enumerate(fake)) for r in real])
    return prec, rec


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 3])
def test_precision_recall_matches_brute_force(seed, k):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(40, 5))
    fake = rng.normal(loc=0.7, scale=1.3, size=(33, 5))
    np.testing.assert_allclose(knn_radii(real, k), _brute_radii(real, k), rtol=1e-12)
    pr = precision_recall(real, fake, k)
    bp, br = _brute_pr(real, fake, k)
    assert pr.precision == pytest.approx(bp) and pr.recall == pytest.approx(br)
    assert 0 < pr.precision < 1 and 0 < pr.recall < 1  # a shifted, wider set: neither 0 nor 1


def test_identical_sets_are_perfect_and_disjoint_sets_zero():
    X = np.random.default_rng(3).normal(size=(30, 4))
    assert precision_recall(X, X).precision == 1.0 and precision_recall(X, X).recall == 1.0
    far = precision_recall(X, X + 100.0)
    assert far.precision == 0.0 and far.recall == 0.0


def test_nearest_and_memorisation_match_brute_force():
    rng = np.random.default_rng(4)
    train = rng.random((50, 1, 6, 6))
    held = rng.random((20, 1, 6, 6))
    samples = np.concatenate([train[:5] + 1e-3, rng.random((15, 1, 6, 6))])  # 5 near-copies
    d, j = nearest(samples, train)
    for i, s in enumerate(samples):
        bd = [np.linalg.norm((s - t).ravel()) for t in train]
        assert j[i] == int(np.argmin(bd)) and d[i] == pytest.approx(min(bd))
    m = memorisation(samples, train, held)
    assert list(m.sample_idx[:5]) == [0, 1, 2, 3, 4]
    hd = [min(np.linalg.norm((h - t).ravel()) for t in train) for h in held]
    np.testing.assert_allclose(m.heldout_dist, hd)
    assert m.frac_closer == pytest.approx(np.mean(d < np.percentile(hd, 1)))
    assert m.frac_closer >= 5 / 20  # the near-copies are closer than any held-out digit
    assert m.ratio == pytest.approx(np.median(d) / np.median(hd))


def test_too_few_points_raise():
    with pytest.raises(ValueError, match="more than k"):
        knn_radii(np.zeros((3, 2)), 3)
