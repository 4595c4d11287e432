"""NADE (Uria et al. 2016; notes §7.2): one hidden layer shared by all n conditionals.

    h_i   = sigmoid(W_{:,<i} x_{<i} + b)                    W: (d, n), b: (d,)
    x̂_i  = sigmoid(V_i . h_i + c_i)  = p(x_i = 1 | x_<i)     V: (n, d), c: (n,)

Parameters: 2nd + n + d = O(nd) (FVSBN needs O(n²)). The pre-activations obey the recursion

    a_1 = 0,  a_{i+1} = a_i + W_{:,i} x_i,  h_i = sigmoid(a_i + b)

so all n hidden vectors cost O(nd), not the naive O(n² d) of recomputing W_{:,<i} x_{<i} per i.
`logits` computes the recursion for the whole batch at once (an exclusive cumulative sum),
`logits_recursive` as the explicit loop, and `logits_naive` per step from scratch: the page checks
the three against each other and times them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.autoregressive.base import ARModel
from core.autoregressive.fvsbn import make_order


@dataclass(frozen=True)
class NADEConfig:
    n: int = 784  # number of binary pixels
    d: int = 256  # hidden units (the paper uses 500; 256 trains in minutes on one CPU thread)
    shape: tuple[int, ...] = (1, 28, 28)
    ordering: str = "raster"  # "raster" or "random" (one fixed permutation, seed order_seed)
    order_seed: int = 0


class NADE(ARModel):
    def __init__(self, cfg: NADEConfig = NADEConfig()):
        super().__init__()
        self.cfg, self.n, self.shape = cfg, cfg.n, tuple(cfg.shape)
        self.register_buffer("order", make_order(cfg.n, cfg.ordering, cfg.order_seed))
        g = torch.Generator().manual_seed(0)
        self.W = nn.Parameter(torch.randn(cfg.d, cfg.n, generator=g) * 0.01)  # (d, n)
        self.b = nn.Parameter(torch.zeros(cfg.d))
        self.V = nn.Parameter(torch.randn(cfg.n, cfg.d, generator=g) * 0.01)  # (n, d)
        self.c = nn.Parameter(torch.zeros(cfg.n))

    def free_parameters(self) -> int:
        return 2 * self.cfg.n * self.cfg.d + self.cfg.n + self.cfg.d

    def _permuted(self):
        """W, V, c with columns/rows in generation order (step k <-> pixel order[k])."""
        o = self.order
        return self.W[:, o], self.V[o], self.c[o]

    def _unpermute(self, logits_k: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(logits_k)
        out[:, self.order] = logits_k  # step k's logit belongs to pixel order[k]
        return out

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """All n conditionals in O(B n d): a_k = sum_{l<k} W_{:,l} x_l (exclusive cumsum)."""
        W, V, c = self._permuted()
        xo = x[:, self.order]  # (B, n) in generation order
        contrib = xo[:, :, None] * W.T[None]  # (B, n, d): W_{:,l} x_l
        a = torch.cumsum(contrib, 1) - contrib  # (B, n, d): a_k, exclusive of step k
        h = torch.sigmoid(a + self.b)  # (B, n, d): h_k
        return self._unpermute((h * V).sum(-1) + c)  # (B, n)

    def logits_recursive(self, x: torch.Tensor) -> torch.Tensor:
        """The same numbers by the notes' loop: a_1 = 0, a_{k+1} = a_k + W_{:,k} x_k. O(nd)."""
        W, V, c = self._permuted()
        xo = x[:, self.order]
        a = torch.zeros(len(x), self.cfg.d, dtype=x.dtype, device=x.device)  # a_1 = 0
        out = []
        for k in range(self.n):
            h = torch.sigmoid(a + self.b)  # h_k = sigmoid(a_k + b)
            out.append(h @ V[k] + c[k])  # logit of x̂_k
            a = a + W[:, k] * xo[:, k : k + 1]  # a_{k+1} = a_k + W_{:,k} x_k
        return self._unpermute(torch.stack(out, 1))

    def logits_naive(self, x: torch.Tensor) -> torch.Tensor:
        """Each h_k recomputed from scratch, sigmoid(W_{:,<k} x_{<k} + b): O(n² d)."""
        W, V, c = self._permuted()
        xo = x[:, self.order]
        out = []
        for k in range(self.n):
            h = torch.sigmoid(xo[:, :k] @ W[:, :k].T + self.b)  # (B, d)
            out.append(h @ V[k] + c[k])
        return self._unpermute(torch.stack(out, 1))

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, trace: bool = False,
               prompt: torch.Tensor | None = None, start: int = 0):  # fmt: skip
        """Free running in O(nd) per sample: draw x_k, then a_{k+1} = a_k + W_{:,k} x_k.

        ``trace=True`` also returns (n, steps, pixels): at each step k >= start, the outputs
        sigmoid(V_j h_k + c_j) for every pixel j; for the pixels not drawn yet that is what the
        generic sampler records (undrawn pixels are 0, so a_j = a_k for every later j), at
        O(nd) per step instead of a full O(nd) pass per pixel.
        """
        W, V, c = self._permuted()
        x, u = self._start(n, generator, prompt, start)
        a = torch.zeros(n, self.cfg.d, device=self.device, dtype=self.dtype)
        probs = []
        for k, j in enumerate(self.order.tolist()):
            if k >= start:  # before start the prompt's pixel stays
                h = torch.sigmoid(a + self.b)  # h_k
                if trace:
                    probs.append(self._unpermute(torch.sigmoid(h @ V.T + c)).cpu())  # (n, n_pix)
                p = torch.sigmoid(h @ V[k] + c[k])  # (n,)
                x[:, j] = (u[:, j] < p).to(x.dtype)
            a = a + W[:, k] * x[:, j : j + 1]  # a_{k+1} = a_k + W_{:,k} x_k
        out = x.reshape(n, *self.shape)
        return (out, torch.stack(probs, 1)) if trace else out
