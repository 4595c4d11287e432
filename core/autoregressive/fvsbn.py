"""The two bottom rungs of the ladder (§7 footnote 13 and §7.1).

Independent Bernoulli: p(x) = prod_i s_i^x_i (1 - s_i)^(1 - x_i), s_i = sigmoid(c_i): n parameters.

FVSBN (Frey 1998): each step is a logistic regression on the pixels before it,

    f_i(x_{1:i-1}) = sigmoid(alpha_0^(i) + alpha_1^(i) x_1 + ... + alpha_{i-1}^(i) x_{i-1}),

so sum_i |theta_i| = sum_i i = n(n + 1)/2 free parameters: a strictly lower-triangular n x n
matrix alpha (stored dense and masked) plus n biases alpha_0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.autoregressive.base import ARModel


@dataclass(frozen=True)
class ARConfig:
    """Shared by the fully connected models: ``n`` pixels of an image of ``shape``."""

    n: int = 784  # number of binary variables (28 x 28)
    shape: tuple[int, ...] = (1, 28, 28)  # how a sample is reshaped
    ordering: str = "raster"  # "raster" (order = 0..n-1) or "random" (a fixed permutation)
    order_seed: int = 0  # the permutation's seed when ordering == "random"


@dataclass(frozen=True)
class IndependentConfig(ARConfig):
    """The independent-Bernoulli floor: same fields, no conditioning at all."""


def make_order(n: int, ordering: str, seed: int = 0) -> torch.Tensor:
    """(n,) long: the pixel drawn at each step."""
    if ordering == "raster":
        return torch.arange(n)
    if ordering == "random":
        return torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    raise ValueError(f"unknown ordering: {ordering!r}; choose from raster, random")


class IndependentBernoulli(ARModel):
    """p(x_i | x_<i) = p(x_i) = sigmoid(c_i): the ladder's floor, n parameters."""

    def __init__(self, cfg: ARConfig = ARConfig()):
        super().__init__()
        self.cfg, self.n, self.shape = cfg, cfg.n, tuple(cfg.shape)
        self.c = nn.Parameter(torch.zeros(cfg.n))  # logits of the marginals
        self.register_buffer("order", make_order(cfg.n, cfg.ordering, cfg.order_seed))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.c.expand(len(x), -1)  # (B, n): nothing conditions

    def free_parameters(self) -> int:
        return self.n

    @torch.no_grad()
    def fit_closed_form(self, x: torch.Tensor, alpha: float = 1.0) -> None:
        """Maximum likelihood with add-alpha smoothing: s_i = (sum x_i + alpha) / (N + 2 alpha)."""
        s = (x.sum(0) + alpha) / (len(x) + 2 * alpha)
        self.c.copy_(torch.log(s) - torch.log1p(-s))


class FVSBN(ARModel):
    """logit p(x_{o(k)} = 1 | x_{o(<k)}) = alpha_0[o(k)] + sum_{l<k} alpha[o(k), o(l)] x_{o(l)}."""

    def __init__(self, cfg: ARConfig = ARConfig()):
        super().__init__()
        self.cfg, self.n, self.shape = cfg, cfg.n, tuple(cfg.shape)
        order = make_order(cfg.n, cfg.ordering, cfg.order_seed)
        self.register_buffer("order", order)
        rank = torch.empty(cfg.n, dtype=torch.long)
        rank[order] = torch.arange(cfg.n)  # rank[j] = step at which pixel j is drawn
        # mask[i, j] = 1 when pixel j comes before pixel i in the ordering (strictly)
        self.register_buffer("mask", (rank[None, :] < rank[:, None]).float())  # (n, n)
        self.alpha = nn.Parameter(torch.zeros(cfg.n, cfg.n))  # alpha[i, j], masked
        self.alpha0 = nn.Parameter(torch.zeros(cfg.n))  # the biases alpha_0^(i)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return x @ (self.alpha * self.mask).T + self.alpha0  # (B, n)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, trace: bool = False,
               prompt: torch.Tensor | None = None, start: int = 0):  # fmt: skip
        """Free running: logit_j = alpha_0[j] + alpha[j] . x, one row of alpha per step."""
        if trace:
            return super().sample(n, generator, True, prompt, start)
        A = self.alpha * self.mask  # (n_pix, n_pix), masked once
        x, u = self._start(n, generator, prompt, start)
        for j in self.order.tolist()[start:]:
            p = torch.sigmoid(x @ A[j] + self.alpha0[j])  # (n,)
            x[:, j] = (u[:, j] < p).to(x.dtype)
        return x.reshape(n, *self.shape)

    def free_parameters(self) -> int:
        """n(n + 1)/2: the unmasked alphas plus the biases (the notes' count)."""
        return int(self.mask.sum()) + self.n
