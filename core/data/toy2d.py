"""Seeded 2-D toy datasets, one registry for every page.

Two families:

* **classification sets** in the style of TensorFlow Playground (labels are classes):
  ``xor``, ``circles``, ``moons``, ``two_gaussians``, ``spiral`` (2 arms), ``spiral3`` (3 arms),
  ``blobs3``;
* **densities** for generative models (labels are the mixture component / arm, or 0):
  ``ring8`` and ``grid25`` exactly as in the GAN mode-collapse literature (VEEGAN, PacGAN):
  ring of 8 Gaussians of radius 1 and sigma 0.01 at angles 2*pi*k/8 (``endpoint=False``: the
  widely copied ``linspace(0, 2*pi, 8)`` repeats the first mode and makes only 7), grid of 25
  Gaussians at {-4,-2,0,2,4}^2 with sigma 0.05; and the FFJORD toy set ``8gaussians``,
  ``checkerboard`` (uniform on 8 squares of side 2, entropy exactly ln 32), ``pinwheel``,
  ``2spirals``, ``rings``, ``swissroll``, ``moons_density``, ``circles_density``.

Every generator is a pure function of ``(n, noise, rng)``; `make_toy` seeds the rng, so the same
``(name, n, noise, seed)`` always gives the same points. Unknown names raise a ValueError that
lists the choices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

RING8_RADIUS, RING8_SIGMA = 1.0, 0.01
GRID25_SIGMA = 0.05
CHECKERBOARD_ENTROPY = float(np.log(32.0))  # nats: uniform density 1/32 on area 32


def _sklearn():
    """sklearn.datasets, imported on first use: importing sklearn costs ~1.5 CPU-s, and every
    process that imports the package (each page, test worker and CLI call) paid it."""
    import sklearn.datasets

    return sklearn.datasets


@dataclass(frozen=True)
class ToyData:
    """Points ``X`` (n, 2) float32 and integer labels ``y`` (n,) (class or mixture component)."""

    X: np.ndarray
    y: np.ndarray
    n_classes: int


def _sk_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


# ---------------------------------------------------------------- classification sets
def _xor(n, noise, rng):
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # same-sign quadrants are class 1
    return X + rng.normal(scale=noise, size=X.shape), y


def _circles(n, noise, rng):
    return _sklearn().make_circles(n, factor=0.5, noise=noise, random_state=_sk_seed(rng))


def _moons(n, noise, rng):
    return _sklearn().make_moons(n, noise=noise, random_state=_sk_seed(rng))


def _two_gaussians(n, noise, rng):
    y = rng.integers(0, 2, size=n)
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]])
    return centres[y] + rng.normal(scale=0.35 + noise, size=(n, 2)), y


def _spiral_arms(n, noise, rng, arms):
    """``arms`` interleaved Archimedean spirals r = t, angle = t*1.75*pi + 2*pi*k/arms."""
    y = np.arange(n) % arms
    t = rng.uniform(0.05, 1.0, size=n)
    angle = t * 1.75 * np.pi + 2 * np.pi * y / arms
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
    return X + rng.normal(scale=noise, size=X.shape), y


def _blobs3(n, noise, rng):
    centres = np.array([[0.0, 1.0], [-0.87, -0.5], [0.87, -0.5]])
    return _sklearn().make_blobs(
        n, centers=centres, cluster_std=0.25 + noise, random_state=_sk_seed(rng)
    )


# ---------------------------------------------------------------- densities
def _ring8(n, noise, rng):
    """Mixture of 8 Gaussians, means r(cos 2pi k/8, sin 2pi k/8), sigma 0.01 (PacGAN/VEEGAN)."""
    k = rng.integers(0, 8, size=n)
    angles = np.linspace(0.0, 2 * np.pi, 8, endpoint=False)
    means = RING8_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)  # (8, 2)
    return means[k] + rng.normal(scale=noise, size=(n, 2)), k


def ring8_modes() -> np.ndarray:
    """(8, 2) means of ``ring8``."""
    angles = np.linspace(0.0, 2 * np.pi, 8, endpoint=False)
    return RING8_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def grid25_modes() -> np.ndarray:
    """(25, 2) means of ``grid25``: {-4,-2,0,2,4}^2."""
    g = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1).reshape(-1, 2)


def _grid25(n, noise, rng):
    k = rng.integers(0, 25, size=n)
    return grid25_modes()[k] + rng.normal(scale=noise, size=(n, 2)), k


def _8gaussians(n, noise, rng):
    """FFJORD's 8 Gaussians: unit-circle means scaled by 4, std 0.5, then divided by 1.414."""
    k = rng.integers(0, 8, size=n)
    angles = np.linspace(0.0, 2 * np.pi, 8, endpoint=False)
    means = 4.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return (means[k] + 4.0 * noise * rng.normal(size=(n, 2))) / 1.414, k


def _checkerboard(n, noise, rng):
    """FFJORD checkerboard: uniform on the 8 dark squares of a 4x4 board of side 2 on [-4, 4]^2."""
    x1 = rng.uniform(0.0, 1.0, size=n) * 4 - 2
    x2_ = rng.uniform(0.0, 1.0, size=n) - rng.integers(0, 2, size=n) * 2
    x2 = x2_ + np.floor(x1) % 2
    X = 2.0 * np.stack([x1, x2], axis=1)
    return X, np.zeros(n, dtype=np.int64)


def _pinwheel(n, noise, rng, arms=5, rate=0.25):
    """FFJORD pinwheel: 5 arms, radial std 0.3, tangential std 0.1, twisted by rate*exp(r)."""
    y = np.arange(n) % arms
    rads = np.linspace(0, 2 * np.pi, arms, endpoint=False)
    f = rng.normal(size=(n, 2)) * np.array([0.3, 0.1]) * (noise / 0.1)
    f[:, 0] += 1.0
    angles = rads[y] + rate * np.exp(f[:, 0])
    c, s = np.cos(angles), np.sin(angles)
    X = np.stack([f[:, 0] * c + f[:, 1] * s, -f[:, 0] * s + f[:, 1] * c], axis=1)
    return 2.0 * X, y


def _2spirals(n, noise, rng):
    """FFJORD 2spirals: r = sqrt(u)*540 degrees; the second spiral reflects the first through 0."""
    m = n // 2
    t = np.sqrt(rng.uniform(size=(n - m, 1))) * 540 * (2 * np.pi) / 360
    d = np.hstack([-np.cos(t) * t, np.sin(t) * t]) + rng.uniform(size=(n - m, 2)) * 0.5
    X = np.vstack([d, -d[:m]]) / 3
    y = np.concatenate([np.zeros(n - m, np.int64), np.ones(m, np.int64)])
    return X + rng.normal(scale=noise, size=X.shape), y


def _rings(n, noise, rng):
    """FFJORD rings: 4 concentric circles of radii 0.75, 1.5, 2.25, 3."""
    y = np.arange(n) % 4
    theta = rng.uniform(0, 2 * np.pi, size=n)
    r = 3.0 * (y + 1) / 4
    X = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return X + rng.normal(scale=noise, size=X.shape), y


def _swissroll(n, noise, rng):
    """2-D Swiss roll: sklearn's roll seen from above ((x, z) columns), divided by 5 (FFJORD)."""
    X3, _ = _sklearn().make_swiss_roll(n, noise=noise, random_state=_sk_seed(rng))
    return X3[:, [0, 2]] / 5.0, np.zeros(n, dtype=np.int64)


def _moons_density(n, noise, rng):
    X, y = _sklearn().make_moons(n, noise=noise, random_state=_sk_seed(rng))
    return 2.0 * X + np.array([-1.0, -0.2]), y


def _circles_density(n, noise, rng):
    X, y = _sklearn().make_circles(n, factor=0.5, noise=noise, random_state=_sk_seed(rng))
    return 3.0 * X, y


@dataclass(frozen=True)
class ToySpec:
    """A registered generator: ``fn(n, noise, rng) -> (X, y)``, default noise, label count."""

    fn: Callable
    noise: float
    n_classes: int
    kind: str  # "classification" or "density"
    description: str


TOY_DATASETS: dict[str, ToySpec] = {
    "xor": ToySpec(_xor, 0.05, 2, "classification", "XOR: class = sign(x1*x2)"),
    "circles": ToySpec(_circles, 0.05, 2, "classification", "circle inside a ring"),
    "moons": ToySpec(_moons, 0.1, 2, "classification", "two interleaved half-moons"),
    "two_gaussians": ToySpec(_two_gaussians, 0.0, 2, "classification", "two Gaussian blobs"),
    "spiral": ToySpec(
        lambda n, s, r: _spiral_arms(n, s, r, 2),
        0.05,
        2,
        "classification",
        "two interleaved spirals",
    ),
    "spiral3": ToySpec(
        lambda n, s, r: _spiral_arms(n, s, r, 3),
        0.05,
        3,
        "classification",
        "three interleaved spirals (multiclass)",
    ),
    "blobs3": ToySpec(_blobs3, 0.0, 3, "classification", "three Gaussian blobs (multiclass)"),
    "ring8": ToySpec(
        _ring8,
        RING8_SIGMA,
        8,
        "density",
        "ring of 8 Gaussians, radius 1, sigma 0.01 (PacGAN/VEEGAN)",
    ),
    "grid25": ToySpec(
        _grid25,
        GRID25_SIGMA,
        25,
        "density",
        "grid of 25 Gaussians at {-4,-2,0,2,4}^2, sigma 0.05 (PacGAN/VEEGAN)",
    ),
    "8gaussians": ToySpec(_8gaussians, 0.5 / 4.0, 8, "density", "FFJORD's 8 Gaussians"),
    "checkerboard": ToySpec(
        _checkerboard, 0.0, 1, "density", "FFJORD checkerboard; entropy exactly ln 32"
    ),
    "pinwheel": ToySpec(_pinwheel, 0.1, 5, "density", "FFJORD pinwheel, 5 arms"),
    "2spirals": ToySpec(_2spirals, 0.1, 2, "density", "FFJORD two spirals"),
    "rings": ToySpec(_rings, 0.08, 4, "density", "four concentric rings"),
    "swissroll": ToySpec(_swissroll, 1.0, 1, "density", "2-D Swiss roll (FFJORD)"),
    "moons_density": ToySpec(_moons_density, 0.1, 2, "density", "two moons, FFJORD scaling"),
    "circles_density": ToySpec(_circles_density, 0.08, 2, "density", "two circles, FFJORD scaling"),
}


def toy_names(kind: str | None = None) -> list[str]:
    """Registered names, optionally only ``kind`` in {"classification", "density"}."""
    if kind not in (None, "classification", "density"):
        raise ValueError(f"unknown kind: {kind!r}; choose from 'classification', 'density'")
    return [k for k, s in TOY_DATASETS.items() if kind is None or s.kind == kind]


def make_toy(name: str, n: int, *, noise: float | None = None, seed: int = 0) -> ToyData:
    """Draw ``n`` points of dataset ``name`` with ``np.random.default_rng(seed)``.

    ``noise`` overrides the dataset's default noise scale (its meaning is per dataset: the
    Gaussian sigma for mixtures, sklearn's ``noise`` for moons/circles/swiss roll).
    """
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown dataset: {name!r}; choose from {', '.join(TOY_DATASETS)}")
    if n < 1:
        raise ValueError(f"n must be a positive number of points, got {n}")
    spec = TOY_DATASETS[name]
    s = spec.noise if noise is None else float(noise)
    if s < 0 or not np.isfinite(s):
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    X, y = spec.fn(int(n), s, np.random.default_rng(seed))
    return ToyData(X.astype(np.float32), np.asarray(y, dtype=np.int64), spec.n_classes)
