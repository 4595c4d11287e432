"""The chain rule every §7 model shares:

    log p(x) = sum_i log p(x_{o(i)} | x_{o(1)}, ..., x_{o(i-1)})        (§7, ordering o)

A model returns ``logits(x)``: (B, n), entry j the logit of p(x_j = 1 | the pixels before j in
its ordering). With those, ``log_prob`` is one pass (teacher forcing: the true x conditions) and
``sample`` is n passes (free running: each drawn pixel conditions the next).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def bernoulli_log_prob(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """sum_j [x_j log s_j + (1 - x_j) log(1 - s_j)], s = sigmoid(logits): (B, n) -> (B,)."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def flat(x: torch.Tensor) -> torch.Tensor:
    """(B, 1, H, W) or (B, n) -> (B, n) float bits (grey levels are thresholded at 1/2)."""
    x = x.reshape(len(x), -1).float()
    return (x >= 0.5).float()


class ARModel(nn.Module):
    """Base class: subclasses set ``self.n``, ``self.shape`` and implement ``logits``.

    ``order`` (a buffer, (n,) long) lists the pixels in generation order: order[k] is the pixel
    drawn k-th; raster order is arange(n).
    """

    n: int
    shape: tuple[int, ...]

    def logits(self, x: torch.Tensor) -> torch.Tensor:  # (B, n) -> (B, n)
        raise NotImplementedError

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) in nats per image, (B,): x is (B, 1, H, W) or (B, n), binarised at 1/2."""
        x = self.bits(x)
        return bernoulli_log_prob(self.logits(x), x)

    def bits(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) or (B, n) -> (B, n) {0, 1} on the model's device, in its dtype."""
        p = next(self.parameters())
        return flat(x).to(device=p.device, dtype=p.dtype)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype

    def generation_order(self) -> torch.Tensor:
        return self.order

    def _start(self, n: int, generator, prompt, start: int):
        """x (n, n_pix) holding the prompt (or zeros) and u (n, n_pix), one uniform per pixel."""
        u = torch.rand(n, self.n, generator=generator).to(self.device, self.dtype)
        x = torch.zeros(n, self.n, device=self.device, dtype=self.dtype)
        if prompt is not None and start > 0:
            kept = self.generation_order()[:start]  # the pixels of steps < start
            x[:, kept] = self.bits(prompt.expand(n, *prompt.shape[1:]))[:, kept]
        return x, u

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, trace: bool = False,
               prompt: torch.Tensor | None = None, start: int = 0):  # fmt: skip
        """n samples (n, *shape) in {0, 1}, drawn pixel by pixel in the model's ordering.

        ``prompt`` (1 or n images) with ``start`` = k keeps the pixels of the first k steps
        (inpainting: the raster order's first rows) and draws the rest (free running).
        With ``trace=True`` also returns p (n, steps, n_pix): p[:, k] = the conditionals
        p(x_j = 1 | pixels fixed before step start + k) for every pixel j (the chain rule
        animated; only pixel order[start + k]'s entry is used at that step).
        """
        x, u = self._start(n, generator, prompt, start)
        probs = []
        for j in self.generation_order().tolist()[start:]:
            p = torch.sigmoid(self.logits(x))  # (n, n_pix), one full pass per pixel
            if trace:
                probs.append(p.cpu())
            x[:, j] = (u[:, j] < p[:, j]).to(x.dtype)
        out = x.reshape(n, *self.shape)
        return (out, torch.stack(probs, 1)) if trace else out


def nats_to_bits_per_dim(nats: float, n: int) -> float:
    """bits/dim = NLL / (n ln 2)."""
    return nats / (n * math.log(2))


@torch.no_grad()
def mean_nll(model: ARModel, x: torch.Tensor, batch: int = 50) -> float:
    """Mean -log p(x) over the rows of x (nats per image)."""
    return float(torch.cat([-model.log_prob(xb) for xb in x.split(batch)]).mean())
