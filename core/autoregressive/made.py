"""MADE (Germain et al. 2015; notes §7.3): an autoencoder whose masks make it autoregressive.

Degrees: the inputs get m^0(j) = the step at which pixel j is drawn (1..n); each hidden unit k of
layer l gets m^l(k) in {min m^{l-1}, ..., n - 1} (random, or deterministic: cycled evenly). Masks

    M^{W(l)}_{kj} = 1{m^{l-1}(j) <= m^l(k)}       (hidden layers)
    M^V_{ij}      = 1{m^L(j)   <  m^0(i)}         (output layer: strictly)

so the connectivity product M^V M^{W(L)} ... M^{W(1)} counts the paths from input j to output i and
is zero unless m^0(j) < m^0(i): x̂_i depends on the pixels before i only.

Connectivity-agnostic training (§7.3, Germain et al. §3.3): K mask sets (each with its own random
ordering and degrees) are cycled during training; at test time the ensemble's likelihood is the
mixture p(x) = (1/K) sum_k p_k(x), i.e. log p(x) = logsumexp_k log p_k(x) - log K. Averaging the
K *logits* first (karpathy/pytorch-made, its issue #1) is not a likelihood when the orderings
differ: `log_prob_average_logits` returns that number for the page to show next to the right one.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from core.autoregressive.base import ARModel, bernoulli_log_prob

# Scoring an ensemble switches the shared model's masks: one scorer at a time per process (a
# pretrained model is shared by every session of a server).
MASK_LOCK = threading.RLock()


@dataclass(frozen=True)
class MADEConfig:
    n: int = 784  # binary inputs
    hidden: tuple[int, ...] = (512, 512)  # hidden widths (Germain et al. use 500-unit layers)
    shape: tuple[int, ...] = (1, 28, 28)
    num_masks: int = 1  # K mask sets cycled during training (1 = a single MADE)
    ordering: str = "raster"  # mask 0's ordering: "raster" or "random"; masks 1.. are random
    degrees: str = "random"  # hidden degrees: "random" (uniform) or "deterministic" (cycled)
    mask_seed: int = 0


def input_degrees(order: torch.Tensor) -> torch.Tensor:
    """m^0(j) = 1 + the step at which pixel j is drawn: (n,) long in 1..n."""
    m0 = torch.empty_like(order)
    m0[order] = torch.arange(1, len(order) + 1)
    return m0


def hidden_degrees(
    sizes: tuple[int, ...], n: int, kind: str, g: torch.Generator
) -> list[torch.Tensor]:
    """m^l for each hidden layer; each is >= the previous layer's minimum (no dead units)."""
    out, low = [], 1
    for size in sizes:
        if kind == "random":
            m = torch.randint(low, max(n - 1, low) + 1, (size,), generator=g)
        elif kind == "deterministic":
            m = low + torch.arange(size) % max(n - 1 - low + 1, 1)
        else:
            raise ValueError(
                f"unknown degree assignment: {kind!r}; choose from random, deterministic"
            )
        out.append(m)
        low = int(m.min())
    return out


def masks_from_degrees(m0: torch.Tensor, hidden: list[torch.Tensor]) -> list[torch.Tensor]:
    """[M^{W(1)}, ..., M^{W(L)}, M^V] as (out, in) float matrices."""
    ms, prev = [], m0
    for m in hidden:
        ms.append((prev[None, :] <= m[:, None]).float())  # M^W_kj = 1{m^{l-1}(j) <= m^l(k)}
        prev = m
    ms.append((prev[None, :] < m0[:, None]).float())  # M^V_ij = 1{m^L(j) < m^0(i)}
    return ms


def connectivity(masks: list[torch.Tensor]) -> torch.Tensor:
    """M^V M^{W(L)} ... M^{W(1)}: (n, n) path counts from input j to output i."""
    c = masks[0]
    for m in masks[1:]:
        c = m @ c
    return c


class MaskedLinear(nn.Linear):
    """y = x (W ⊙ M)^T + b, with the mask M set from outside (``set_mask``)."""

    def __init__(self, d_in: int, d_out: int):
        super().__init__(d_in, d_out)
        self.register_buffer("mask", torch.ones(d_out, d_in), persistent=False)

    def set_mask(self, mask: torch.Tensor) -> None:
        self.mask.copy_(mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


class MADE(ARModel):
    def __init__(self, cfg: MADEConfig = MADEConfig()):
        super().__init__()
        self.cfg, self.n, self.shape = cfg, cfg.n, tuple(cfg.shape)
        sizes = (cfg.n, *cfg.hidden, cfg.n)
        self.layers = nn.ModuleList(
            MaskedLinear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        g = torch.Generator().manual_seed(cfg.mask_seed)
        orders, degrees = [], [[] for _ in cfg.hidden]
        for k in range(cfg.num_masks):
            if k == 0 and cfg.ordering == "raster":
                order = torch.arange(cfg.n)
            elif k == 0 and cfg.ordering not in ("raster", "random"):
                raise ValueError(f"unknown ordering: {cfg.ordering!r}; choose from raster, random")
            else:
                order = torch.randperm(cfg.n, generator=g)
            orders.append(order)
            for l, m in enumerate(hidden_degrees(cfg.hidden, cfg.n, cfg.degrees, g)):
                degrees[l].append(m)
        # the K mask sets are kept as their orderings and degrees (small) and rebuilt on demand
        self.register_buffer("orders", torch.stack(orders))  # (K, n)
        for l, ms in enumerate(degrees):
            self.register_buffer(f"degrees_{l}", torch.stack(ms))  # (K, hidden[l])
        self.register_buffer("order", orders[0].clone())
        self.mask_index = -1
        self.use_mask(0)

    def mask_set(self, k: int) -> list[torch.Tensor]:
        m0 = input_degrees(self.orders[k].cpu())
        hidden = [getattr(self, f"degrees_{l}")[k].cpu() for l in range(len(self.cfg.hidden))]
        return masks_from_degrees(m0, hidden)

    def use_mask(self, k: int) -> None:
        """Switch to mask set k (its ordering becomes the sampling order)."""
        k = int(k) % self.cfg.num_masks
        if k == self.mask_index:
            return
        for layer, mask in zip(self.layers, self.mask_set(k), strict=True):
            layer.set_mask(mask.to(layer.weight.device))
        self.order.copy_(self.orders[k])
        self.mask_index = k

    def free_parameters(self) -> int:
        """Unmasked weights of mask set 0 plus all biases."""
        masks = self.mask_set(0)
        return int(sum(m.sum() for m in masks)) + sum(int(l.bias.numel()) for l in self.layers)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for layer in self.layers[:-1]:
            h = F.relu(layer(h))  # (B, hidden_l)
        return self.layers[-1](h)  # (B, n): x̂ logits

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, trace: bool = False,
               prompt: torch.Tensor | None = None, start: int = 0):  # fmt: skip
        """n passes in the current mask's ordering; the masked weights are formed once and
        only output j's row of the last layer is evaluated at step j."""
        if trace:
            return super().sample(n, generator, True, prompt, start)
        Ws = [(l.weight * l.mask, l.bias) for l in self.layers]
        x, u = self._start(n, generator, prompt, start)
        for j in self.order.tolist()[start:]:
            h = x
            for W, b in Ws[:-1]:
                h = F.relu(F.linear(h, W, b))
            W, b = Ws[-1]
            p = torch.sigmoid(h @ W[j] + b[j])  # (n,)
            x[:, j] = (u[:, j] < p).to(x.dtype)
        return x.reshape(n, *self.shape)

    @torch.no_grad()
    def log_prob_ensemble(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        """The mixture over the first k mask sets: logsumexp_k log p_k(x) - log k. (B,)"""
        k = self.cfg.num_masks if k is None else k
        x = self.bits(x)
        per_mask = []
        with MASK_LOCK:
            for i in range(k):
                self.use_mask(i)
                per_mask.append(bernoulli_log_prob(self.logits(x), x))
            self.use_mask(0)
        return torch.logsumexp(torch.stack(per_mask), 0) - math.log(k)

    @torch.no_grad()
    def log_prob_average_logits(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        """The WRONG ensemble (pytorch-made issue #1): average the k masks' logits, then score.

        With different orderings the averaged conditionals are not the factors of any one
        chain rule, so exp of this does not sum to 1 over x: it is not a likelihood."""
        k = self.cfg.num_masks if k is None else k
        x = self.bits(x)
        logits = []
        with MASK_LOCK:
            for i in range(k):
                self.use_mask(i)
                logits.append(self.logits(x))
            self.use_mask(0)
        return bernoulli_log_prob(torch.stack(logits).mean(0), x)
