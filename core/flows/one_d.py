"""Change of variables in one dimension (notes §8.1).

z ~ p_Z = N(0, 1) and x = f(z) for a monotone, differentiable f. Then

    p_X(x) = p_Z(f⁻¹(x)) · |d f⁻¹(x) / dx| = p_Z(z) / |f'(z)|,   z = f⁻¹(x).

`MONOTONE_MAPS` is a fixed list of such maps, each with f, f⁻¹ and f' in closed form (or, for
one, f⁻¹ by bisection). `one_d_density` evaluates p_X on a grid and `one_d_checks` verifies it:
∫ p_X dx ≈ P(x in window), d f⁻¹/dx against finite differences, and a histogram of f(z) samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SQRT_2PI = float(np.sqrt(2 * np.pi))


def p_z(z: np.ndarray) -> np.ndarray:
    """Standard normal density φ(z)."""
    return np.exp(-0.5 * z**2) / SQRT_2PI


def _bisect_inverse(
    f: Callable, x: np.ndarray, lo: float = -40.0, hi: float = 40.0, iters: int = 80
) -> np.ndarray:
    """f⁻¹(x) for increasing f by vectorised bisection (|error| < 80 halvings of [lo, hi])."""
    a, b = np.full_like(x, lo, dtype=np.float64), np.full_like(x, hi, dtype=np.float64)
    for _ in range(iters):
        m = 0.5 * (a + b)
        below = f(m) < x
        a, b = np.where(below, m, a), np.where(below, b, m)
    return 0.5 * (a + b)


def _cubic_inv(x):
    """Real root of z³/3 + z = x (Cardano; the map is strictly increasing)."""
    q = 1.5 * x
    r = np.sqrt(q**2 + 1.0)
    return np.cbrt(q + r) + np.cbrt(q - r)


def _bimodal(z):
    return z + 2.0 * np.tanh(3.0 * z)


@dataclass(frozen=True)
class MonotoneMap:
    """x = f(z) with its inverse, derivative, LaTeX and the x-window to plot."""

    label: str
    latex: str
    f: Callable[[np.ndarray], np.ndarray]
    f_inv: Callable[[np.ndarray], np.ndarray]
    f_prime: Callable[[np.ndarray], np.ndarray]
    x_range: tuple[float, float]


MONOTONE_MAPS: dict[str, MonotoneMap] = {
    "affine": MonotoneMap(
        "affine: x = 2z + 1",
        r"x = 2z + 1",
        lambda z: 2 * z + 1,
        lambda x: (x - 1) / 2,
        lambda z: np.full_like(z, 2.0),
        (-7.0, 9.0),
    ),
    "exp": MonotoneMap(
        "exponential (log-normal): x = e^z",
        r"x = e^{z}",
        np.exp,
        lambda x: np.log(np.maximum(x, 1e-300)),
        np.exp,
        (1e-3, 10.0),
    ),
    "sinh": MonotoneMap(
        "sinh (heavy tails): x = sinh(z)", r"x = \sinh z", np.sinh, np.arcsinh, np.cosh, (-6.0, 6.0)
    ),
    "cubic": MonotoneMap(
        "cubic: x = z + z³/3",
        r"x = z + z^3/3",
        lambda z: z + z**3 / 3,
        _cubic_inv,
        lambda z: 1 + z**2,
        (-8.0, 8.0),
    ),
    "tanh": MonotoneMap(
        "squash: x = tanh(z)",
        r"x = \tanh z",
        np.tanh,
        lambda x: np.arctanh(np.clip(x, -1 + 1e-12, 1 - 1e-12)),
        lambda z: 1 - np.tanh(z) ** 2,
        (-0.999, 0.999),
    ),
    "bimodal": MonotoneMap(
        "split in two: x = z + 2 tanh(3z)",
        r"x = z + 2\tanh(3z)",
        _bimodal,
        lambda x: _bisect_inverse(_bimodal, x),
        lambda z: 1 + 6.0 / np.cosh(3.0 * z) ** 2,
        (-5.0, 5.0),
    ),
}


def get_map(name: str) -> MonotoneMap:
    if name not in MONOTONE_MAPS:
        raise ValueError(f"unknown map: {name!r}; choose from {', '.join(MONOTONE_MAPS)}")
    return MONOTONE_MAPS[name]


@dataclass(frozen=True)
class OneDDensity:
    """Everything the §8.1 figure shows, on a grid of ``n`` x values."""

    z: np.ndarray  # (n,) z grid for p_Z and the map
    x_of_z: np.ndarray  # (n,) f(z)
    x: np.ndarray  # (n,) x grid
    p_x: np.ndarray  # (n,) p_X(x) = p_Z(f⁻¹(x)) |d f⁻¹/dx|
    jacobian: np.ndarray  # (n,) |d f⁻¹(x)/dx| = 1/|f'(f⁻¹(x))|
    samples: np.ndarray  # (m,) x = f(z) for z ~ N(0, 1)


def one_d_density(name: str, n: int = 600, n_samples: int = 20_000, seed: int = 0) -> OneDDensity:
    m = get_map(name)
    z = np.linspace(-3.5, 3.5, n)
    x = np.linspace(*m.x_range, n)
    z_of_x = m.f_inv(x)
    jac = 1.0 / np.abs(m.f_prime(z_of_x))  # |d f⁻¹/dx| = 1 / |f'(z)|
    samples = m.f(np.random.default_rng(seed).standard_normal(n_samples))
    return OneDDensity(
        z=z, x_of_z=m.f(z), x=x, p_x=p_z(z_of_x) * jac, jacobian=jac, samples=samples
    )


def one_d_checks(name: str, d: OneDDensity) -> dict[str, float]:
    """Live checks of §8.1 for map ``name``:

    * ``integral_error``: |∫ p_X dx over the window − P(f⁻¹(a) < z < f⁻¹(b))| (trapezoid);
    * ``jacobian_error``: max relative |d f⁻¹/dx − central finite difference|;
    * ``inverse_error``: max |f⁻¹(f(z)) − z| on the z grid.
    """
    from scipy.stats import norm

    m = get_map(name)
    a, b = d.x[0], d.x[-1]
    mass = float(norm.cdf(m.f_inv(np.array([b])))[0] - norm.cdf(m.f_inv(np.array([a])))[0])
    integral = float(np.trapezoid(d.p_x, d.x))
    h = 1e-5 * (b - a)
    xi = d.x[1:-1]
    fd = (m.f_inv(xi + h) - m.f_inv(xi - h)) / (2 * h)
    rel = np.abs(fd - d.jacobian[1:-1]) / np.maximum(np.abs(d.jacobian[1:-1]), 1e-12)
    return {
        "integral_error": abs(integral - mass),
        "window_mass": mass,
        "jacobian_error": float(rel.max()),
        "inverse_error": float(np.abs(m.f_inv(m.f(d.z)) - d.z).max()),
    }
