"""Measurements behind the §7.7 claims: why √d, attention vs recurrence, the cost of sampling.

- **Why √d.** For q, k with independent N(0, 1) entries, q·k has variance d, so the logits of
  QKᵀ grow like √d and the softmax saturates (one weight → 1) as d grows; dividing by √d keeps
  their variance 1. `entropy_vs_d` measures the mean row entropy H(a_i) and the softmax's
  gradient ‖∂a/∂s‖_F, with ∂a/∂s = diag(a) − a aᵀ (→ 0 when saturated: a vanishing gradient).
- **Path length.** Self-attention connects the last output to every input in one step
  (maximum path length O(1)); an LSTM goes through n sequential steps. `gradient_vs_distance`
  measures ‖∂y_n / ∂x_k‖ against the distance n − k for both, at initialisation.
- **Cost.** `time_forward` times one forward pass against n: attention does O(n² d) work in
  parallel, the LSTM O(n d²) in n sequential steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from core.transformer.attention import row_entropy
from core.transformer.gpt import Block, GPTConfig


def softmax_jacobian(a: torch.Tensor) -> torch.Tensor:
    """∂a/∂s for a = softmax(s) along the last axis: diag(a) − a aᵀ, (..., n, n)."""
    return torch.diag_embed(a) - a[..., :, None] * a[..., None, :]


def entropy_vs_d(
    ds: Sequence[int], n: int = 32, trials: int = 64, seed: int = 0
) -> dict[str, np.ndarray]:
    """Rows of softmax(QKᵀ/√d) and softmax(QKᵀ), Q, K (n, d) with N(0, 1) entries, per d.

    Returns d, the mean row entropy H (nats), mean ‖diag(a) − aaᵀ‖_F ("grad"), the mean largest
    weight ("max") and the fraction of rows with a weight > 0.99 ("saturated"), each "scaled"
    and "unscaled", and ln n (a uniform row's entropy).
    """
    g = torch.Generator().manual_seed(seed)
    keys = [f"{m}_{s}" for m in ("H", "grad", "max", "saturated") for s in ("scaled", "unscaled")]
    out: dict[str, list] = {k: [] for k in keys}
    for d in ds:
        Q = torch.randn(trials, n, d, generator=g, dtype=torch.float64)
        K = torch.randn(trials, n, d, generator=g, dtype=torch.float64)
        S = Q @ K.transpose(-2, -1)  # (trials, n, n), entries of variance d
        for name, logits in (("scaled", S / math.sqrt(d)), ("unscaled", S)):
            A = torch.softmax(logits, dim=-1)
            out[f"H_{name}"].append(float(row_entropy(A).mean()))
            out[f"grad_{name}"].append(float(softmax_jacobian(A).flatten(-2).norm(dim=-1).mean()))
            out[f"max_{name}"].append(float(A.amax(-1).mean()))
            out[f"saturated_{name}"].append(float((A.amax(-1) > 0.99).double().mean()))
    res = {k: np.array(v) for k, v in out.items()}
    res["d"] = np.array(list(ds))
    res["ln_n"] = np.array(math.log(n))
    return res


class AttentionStack(nn.Module):
    """L GPT blocks on (B, n, d) inputs (no embeddings: the inputs are vectors)."""

    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            x = b(x)[0]
        return x


class LSTMStack(nn.Module):
    """torch.nn.LSTM on (B, n, d) inputs, its hidden states projected back to d."""

    def __init__(self, d: int, hidden: int, layers: int):
        super().__init__()
        self.lstm = nn.LSTM(d, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.lstm(x)[0])


def matched_pair(d: int = 64, n_layer: int = 4, seed: int = 0) -> tuple[nn.Module, nn.Module]:
    """The attention stack of the tiny GPT (L blocks, width d) and a 2-layer LSTM whose hidden
    size gives about the same parameter count; both at their default initialisation."""
    torch.manual_seed(seed)
    att = AttentionStack(GPTConfig(n_layer=n_layer, n_embd=d, block_size=1 << 16))
    target = sum(p.numel() for p in att.parameters())
    hidden = min(range(8, 1024), key=lambda h: abs(_lstm_params(d, h, 2) - target))
    return att.eval(), LSTMStack(d, hidden, 2).eval()


def _lstm_params(d: int, h: int, layers: int) -> int:
    first = 4 * (h * (d + h) + 2 * h)
    return first + (layers - 1) * 4 * (h * 2 * h + 2 * h) + h * d + d


def gradient_vs_distance(
    model: nn.Module, n: int = 128, d: int = 64, trials: int = 4, seed: int = 0
) -> np.ndarray:
    """Mean over ``trials`` random inputs of ‖∂(y_n · u)/∂x_k‖ for k = 1..n, u a random unit
    vector: (n,) where entry k − 1 belongs to input k (distance n − k)."""
    g = torch.Generator().manual_seed(seed)
    norms = torch.zeros(n, dtype=torch.float64)
    for _ in range(trials):
        x = torch.randn(1, n, d, generator=g).requires_grad_(True)
        u = torch.randn(d, generator=g)
        y = model(x)[0, -1]  # (d,) the last output
        (grad,) = torch.autograd.grad(y @ (u / u.norm()), x)
        norms += grad[0].norm(dim=-1).double()
    return (norms / trials).numpy()


def time_forward(
    model: nn.Module,
    ns: Sequence[int],
    d: int = 64,
    repeats: int = 3,
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Median seconds of one inference forward pass on (1, n, d) for each n: (len(ns),)."""
    out = []
    with torch.inference_mode():
        for i, n in enumerate(ns):
            x = torch.randn(1, n, d)
            model(x)  # warm-up
            ts = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                model(x)
                ts.append(time.perf_counter() - t0)
            out.append(float(np.median(ts)))
            if progress is not None:
                progress((i + 1) / len(ns))
    return np.array(out)


def time_sampling(model, prompt_ids, n_new: int, use_cache: bool, seed: int = 0) -> float:
    """Seconds to sample ``n_new`` characters with or without the key–value cache."""
    from core.transformer.sampling import generate

    t0 = time.perf_counter()
    generate(model, prompt_ids, n_new, temperature=1.0, seed=seed, use_cache=use_cache)
    return time.perf_counter() - t0
