"""Convolution arithmetic: output sizes, parameter counts and receptive fields (notes §2.2, §3).

Output size of a convolution or pooling along one axis (input n, kernel k, stride s, padding p,
dilation d; the effective kernel is k_eff = d (k - 1) + 1):

    n_out = floor((n + 2p - d (k - 1) - 1) / s) + 1

and of a transposed convolution (output_padding a picks one of the s sizes that map back to n):

    n_out = (n - 1) s - 2p + d (k - 1) + a + 1

Parameters of a conv layer (notes Fig. 7): K x K x C_in x C_out weights (divided by the number of
groups) plus C_out biases.

Receptive field of a stack (jump j = distance in input pixels between neighbouring units):

    r_l = r_{l-1} + (k_eff,l - 1) j_{l-1},   j_l = j_{l-1} s_l,
    start_l = start_{l-1} + ((k_eff,l - 1) / 2 - p_l) j_{l-1}     (centre of the first unit)
"""

from __future__ import annotations

from dataclasses import dataclass

LAYER_KINDS = ("conv", "pool")


def conv_output_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """floor((n + 2p - d(k-1) - 1) / s) + 1 (can be < 1: the kernel does not fit)."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def conv_transpose_output_size(
    n: int, k: int, s: int = 1, p: int = 0, a: int = 0, d: int = 1
) -> int:
    """(n - 1) s - 2p + d (k - 1) + a + 1."""
    return (n - 1) * s - 2 * p + d * (k - 1) + a + 1


def conv_output_formula(n: int, k: int, s: int, p: int, d: int) -> str:
    """The output-size formula as LaTeX with the current numbers substituted."""
    out = conv_output_size(n, k, s, p, d)
    return (
        rf"n_\text{{out}} = \left\lfloor \frac{{n + 2p - d(k-1) - 1}}{{s}} \right\rfloor + 1"
        rf" = \left\lfloor \frac{{{n} + 2\cdot{p} - {d}\cdot({k}-1) - 1}}{{{s}}} \right\rfloor + 1"
        rf" = {out}"
    )


def conv_transpose_formula(n: int, k: int, s: int, p: int, a: int) -> str:
    out = conv_transpose_output_size(n, k, s, p, a)
    return (
        rf"n_\text{{out}} = (n-1)s - 2p + (k-1) + a + 1 = ({n}-1)\cdot{s} - 2\cdot{p}"
        rf" + ({k}-1) + {a} + 1 = {out}"
    )


def conv_params(c_in: int, c_out: int, k: int, bias: bool = True, groups: int = 1) -> int:
    """K * K * (C_in / groups) * C_out weights + C_out biases."""
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide C_in={c_in} and C_out={c_out}")
    return k * k * (c_in // groups) * c_out + (c_out if bias else 0)


@dataclass(frozen=True)
class Layer:
    """One layer of a receptive-field stack."""

    kind: str = "conv"  # "conv" or "pool" (pooling has the same geometry, no weights)
    k: int = 3  # kernel size
    s: int = 1  # stride
    p: int = 0  # padding
    d: int = 1  # dilation

    def __post_init__(self):
        if self.kind not in LAYER_KINDS:
            raise ValueError(
                f"unknown layer kind: {self.kind!r}; choose from {', '.join(LAYER_KINDS)}"
            )
        if min(self.k, self.s, self.d) < 1 or self.p < 0:
            raise ValueError(f"layer sizes must be positive: {self}")

    @property
    def k_eff(self) -> int:
        return self.d * (self.k - 1) + 1


@dataclass(frozen=True)
class RFRow:
    """After layer l: feature-map size n, receptive field r, jump j, centre of unit 0 (start)."""

    name: str
    n: int
    r: int
    j: int
    start: float


def receptive_field(layers: list[Layer], n_in: int) -> list[RFRow]:
    """Apply the recurrence above layer by layer, starting from the input (r=1, j=1, start=0.5)."""
    rows = [RFRow("input", n_in, 1, 1, 0.5)]
    for i, L in enumerate(layers, 1):
        prev = rows[-1]
        n = conv_output_size(prev.n, L.k, L.s, L.p, L.d)
        rows.append(
            RFRow(
                f"{i}: {L.kind} k={L.k} s={L.s} p={L.p} d={L.d}",
                n,
                prev.r + (L.k_eff - 1) * prev.j,
                prev.j * L.s,
                prev.start + ((L.k_eff - 1) / 2 - L.p) * prev.j,
            )
        )
    return rows


def unit_window(row: RFRow, i: int) -> tuple[float, float]:
    """Input-pixel interval [lo, hi) seen by unit i of a layer (may extend into the padding)."""
    centre = row.start + i * row.j
    return centre - row.r / 2, centre + row.r / 2
