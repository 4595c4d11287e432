"""Composite 2-D flows (notes §8.3, §8.5): NICE, RealNVP and Glow-style steps, by name.

A `Flow` is a stack of *steps* f_1 … f_m (each a short sequence of `core.flows.layers` layers).
As in the layers, ``forward`` is the normalizing direction (data -> latent, the notes' f⁻¹) and
``inverse`` the generative one (latent -> data, the notes' f):

    x = f(z) = (f_m ∘ … ∘ f_1)(z),   log p_X(x) = log p_Z(f⁻¹(x)) + Σ_k log|det J_{f_k⁻¹}|.

Architectures (registry `FLOW_BUILDERS`, keys feed the page's selectbox):

* ``nice``: m additive couplings (alternating halves) and a final diagonal `Scaling` step;
* ``realnvp``: m affine couplings with a soft-clamped log-scale;
* ``glow``: m steps of actnorm -> invertible 1×1 "conv" (LU 2×2) -> affine coupling.

Between couplings the halves are exchanged (``permutation="reverse"``, notes §8.2), drawn at
random per step (``"random"``), or not at all (``"none"``: then the first coordinate is never
transformed, a failure worth seeing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from core.flows.layers import (
    ActNorm,
    AdditiveCoupling,
    AffineCoupling,
    FlowLayer,
    InvertibleLinear,
    Scaling,
    standard_normal_log_prob,
)

PERMUTATIONS = ("reverse", "random", "none")


@dataclass(frozen=True)
class FlowConfig:
    """Architecture of a 2-D flow (also names the pretrained file and keys the caches)."""

    kind: str = "realnvp"  # "nice" | "realnvp" | "glow" (see `FLOW_BUILDERS`)
    n_steps: int = 8  # m coupling steps: 8 fit every toy target in a minute of CPU
    hidden: int = 64  # width of each conditioner MLP beta (2 hidden layers)
    n_hidden: int = 2  # hidden layers per conditioner; 2 is RealNVP's 2-D default
    permutation: str = "reverse"  # how halves are exchanged between steps (`PERMUTATIONS`)
    scale_bound: float = 3.0  # |s| < 3 in affine couplings: exp(s) in (0.05, 20) per step
    dim: int = 2  # dimensionality D of x and z (2 for the toy densities)
    seed: int = 0  # seeds the random permutations / 1×1 initialisations


class FlowStep(nn.Module):
    """One step f_k: a sequence of layers applied in order (normalizing direction)."""

    def __init__(self, layers: list[FlowLayer]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        x, ldj = self.layers[0](x)
        for layer in self.layers[1:]:
            x, l = layer(x)
            ldj = ldj + l
        return x, ldj

    def inverse(self, z):
        z, ldj = self.layers[-1].inverse(z)
        for layer in reversed(self.layers[:-1]):
            z, l = layer.inverse(z)
            ldj = ldj + l
        return z, ldj


class Flow(nn.Module):
    """A normalizing flow with base p_Z = N(0, I) and generative steps f_1 … f_m.

    ``self.steps[k]`` is f_{k+1}; its ``inverse`` maps h_k -> h_{k+1} with h_0 = z, h_m = x.
    """

    def __init__(self, steps: list[FlowStep], config: FlowConfig):
        super().__init__()
        self.steps = nn.ModuleList(steps)
        self.config = config

    @property
    def n_steps(self) -> int:
        return len(self.steps)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z = f⁻¹(x) and log|det ∂z/∂x| (data -> latent: steps m … 1)."""  # (B, D), (B,)
        steps = list(self.steps)[::-1]
        x, ldj = steps[0](x)
        for step in steps[1:]:
            x, l = step(x)
            ldj = ldj + l
        return x, ldj

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x = f(z) and log|det ∂x/∂z| (latent -> data: steps 1 … m)."""
        z, ldj = self.steps[0].inverse(z)
        for step in self.steps[1:]:
            z, l = step.inverse(z)
            ldj = ldj + l
        return z, ldj

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p_X(x) = log p_Z(f⁻¹(x)) + log|det J_{f⁻¹}(x)| (notes §8.3)   # (B,)"""
        z, ldj = self(x)
        return standard_normal_log_prob(z) + ldj

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """x = f(z), z ~ N(0, I) (notes §8.4)   # (n, D)"""
        p = next(self.parameters())
        z = torch.randn(n, self.config.dim, generator=generator).to(p.device, p.dtype)
        return self.inverse(z)[0]

    def generative_path(self, z: torch.Tensor) -> list[torch.Tensor]:
        """[h_0 = z, h_1, …, h_m = x]: z pushed through f_1, …, f_m (the warping view)."""
        hs = [z]
        for step in self.steps:
            hs.append(step.inverse(hs[-1])[0])
        return hs

    def normalizing_path(self, x: torch.Tensor) -> list[torch.Tensor]:
        """[x, f_m⁻¹(x), …, z]: data pushed back to the latent space step by step."""
        hs = [x]
        for step in reversed(self.steps):
            hs.append(step(hs[-1])[0])
        return hs


def _masks(config: FlowConfig) -> list[torch.Tensor]:
    """Conditioning masks per step: alternate halves (the "reverse" exchange)."""
    d = config.dim
    first = (torch.arange(d) >= d // 2).float()  # x_B = second half; x_A = first half
    return [
        first if (k % 2 == 0 or config.permutation == "none") else 1 - first
        for k in range(config.n_steps)
    ]


def _random_masks(config: FlowConfig) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(config.seed)
    d = config.dim
    out = []
    for _ in range(config.n_steps):
        perm = torch.randperm(d, generator=g)
        m = torch.zeros(d)
        m[perm[: d - d // 2]] = 1.0  # a random half conditions the other half
        out.append(m)
    return out


def _check(config: FlowConfig) -> None:
    if config.permutation not in PERMUTATIONS:
        raise ValueError(
            f"unknown permutation: {config.permutation!r}; choose from {', '.join(PERMUTATIONS)}"
        )
    if config.n_steps < 1 or config.hidden < 1 or config.dim < 2:
        raise ValueError(f"need n_steps >= 1, hidden >= 1, dim >= 2; got {config}")


def build_nice(config: FlowConfig) -> Flow:
    """NICE: additive couplings on alternating halves, then a diagonal scaling (Dinh 2014)."""
    _check(config)
    masks = _random_masks(config) if config.permutation == "random" else _masks(config)
    steps = [FlowStep([AdditiveCoupling(m, config.hidden, config.n_hidden)]) for m in masks]
    steps.append(FlowStep([Scaling(config.dim)]))  # the last generative step rescales z
    steps = [steps[-1]] + steps[:-1]  # normalizing order: couplings first, scaling last
    return Flow(steps, config)


def build_realnvp(config: FlowConfig) -> Flow:
    """RealNVP: affine couplings exp(s) ⊙ x_A + t with alternating masks (Dinh 2016)."""
    _check(config)
    masks = _random_masks(config) if config.permutation == "random" else _masks(config)
    return Flow(
        [
            FlowStep([AffineCoupling(m, config.hidden, config.n_hidden, config.scale_bound)])
            for m in masks
        ],
        config,
    )


def build_glow(config: FlowConfig) -> Flow:
    """Glow steps: actnorm -> invertible 1×1 (LU) -> affine coupling (Kingma & Dhariwal 2018).

    In the normalizing direction a step applies actnorm first, as in Glow.
    """
    _check(config)
    masks = _random_masks(config) if config.permutation == "random" else _masks(config)
    steps = []
    for k, m in enumerate(masks):
        steps.append(
            FlowStep(
                [
                    ActNorm(config.dim),
                    InvertibleLinear(config.dim, seed=config.seed * 1000 + k),
                    AffineCoupling(m, config.hidden, config.n_hidden, config.scale_bound),
                ]
            )
        )
    return Flow(steps[::-1], config)  # steps[k] is generative f_{k+1}; data meets steps[-1] first


FLOW_BUILDERS: dict[str, Callable[[FlowConfig], Flow]] = {
    "nice": build_nice,
    "realnvp": build_realnvp,
    "glow": build_glow,
}

FLOW_LABELS = {
    "nice": "NICE (additive coupling + scaling)",
    "realnvp": "RealNVP (affine coupling)",
    "glow": "Glow (actnorm → 1×1 LU → affine coupling)",
}


def build_flow(config: FlowConfig, device: torch.device | str = "cpu") -> Flow:
    """The flow named by ``config.kind`` on ``device`` (unknown names raise a ValueError)."""
    if config.kind not in FLOW_BUILDERS:
        raise ValueError(f"unknown flow: {config.kind!r}; choose from {', '.join(FLOW_BUILDERS)}")
    torch.manual_seed(config.seed)
    return FLOW_BUILDERS[config.kind](config).to(device)
