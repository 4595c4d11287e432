"""WaveNet (van den Oord et al. 2016; notes §7.5): dilated causal 1-D convolutions + μ-law.

Causal convolution: output t sees inputs <= t only, by padding (k - 1) d zeros on the LEFT
(symmetric 'same' padding would let it see t + 1 ...). Stacking kernels of size k with dilations
d_1, ..., d_L gives the receptive field

    R = 1 + (k - 1) * sum_l d_l                 (1, 2, 4, ..., 2^{L-1}, k = 2: R = 2^L)

μ-law companding (μ = Q - 1 = 255) before quantising to Q levels, as in the paper:

    f(x) = sign(x) ln(1 + μ|x|) / ln(1 + μ),   x in [-1, 1]

The model predicts p(q_{t+1} | q_<=t) as a softmax over the Q levels; gated residual layers
z = tanh(W_f * h) ⊙ sigmoid(W_g * h).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def mu_law_encode(x: torch.Tensor, q: int = 256) -> torch.Tensor:
    """x in [-1, 1] -> integer levels 0..q-1 (μ = q - 1)."""
    mu = q - 1
    f = torch.sign(x) * torch.log1p(mu * x.abs().clamp(max=1)) / math.log1p(mu)
    return ((f + 1) / 2 * mu + 0.5).floor().long().clamp(0, mu)


def mu_law_decode(levels: torch.Tensor, q: int = 256) -> torch.Tensor:
    """levels 0..q-1 -> x in [-1, 1]: the inverse of f at the level's centre."""
    mu = q - 1
    f = 2 * levels.float() / mu - 1
    return torch.sign(f) * ((1 + mu) ** f.abs() - 1) / mu


def receptive_field(k: int, dilations: tuple[int, ...]) -> int:
    """R = 1 + (k - 1) * sum(d)."""
    return 1 + (k - 1) * int(sum(dilations))


class CausalConv1d(nn.Conv1d):
    """Conv1d with (k - 1) d zeros on the left (``causal``) or split on both sides (not causal)."""

    def __init__(self, c_in: int, c_out: int, k: int, dilation: int = 1, causal: bool = True):
        super().__init__(c_in, c_out, k, dilation=dilation)
        total = (k - 1) * dilation
        self.pad = (total, 0) if causal else (total // 2, total - total // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) -> (B, C', T)
        return super().forward(F.pad(x, self.pad))


class DilatedStack(nn.Module):
    """The editor's stack: tanh(causal dilated convs), (B, 1, T) -> (B, 1, T)."""

    def __init__(self, k: int, dilations: tuple[int, ...], channels: int = 4,
                 causal: bool = True, seed: int = 0):  # fmt: skip
        super().__init__()
        torch.manual_seed(seed)
        chans = [1] + [channels] * (len(dilations) - 1) + [1]
        self.convs = nn.ModuleList(
            CausalConv1d(a, b, k, d, causal)
            for a, b, d in zip(chans[:-1], chans[1:], dilations, strict=True)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = torch.tanh(x)
        return x


def gradient_support(stack: nn.Module, T: int, t: int) -> np.ndarray:
    """|d y_t / d x_s| for every input s, summed over 3 random inputs (float64): (T,)."""
    m = stack.double()
    x = torch.randn(3, 1, T, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x.requires_grad_(True)
    m(x)[:, 0, t].sum().backward()
    stack.float()
    return x.grad.abs().sum((0, 1)).numpy()


@dataclass(frozen=True)
class WaveNetConfig:
    q: int = 64  # μ-law levels (the paper: 256; 64 is enough for these smooth signals)
    channels: int = 16  # residual channels (small: trains in a minute on one CPU thread)
    k: int = 2  # kernel size
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32)  # one block: R = 64 samples
    length: int = 128  # training sequence length (samples)
    steps: int = 1500  # Adam steps, batch 16
    lr: float = 3e-3
    n_train: int = 1024  # generated training signals (seed 1); 128 held-out ones (seed 2)

    @property
    def receptive_field(self) -> int:
        return receptive_field(self.k, self.dilations)


class WaveNet(nn.Module):
    """levels (B, T) -> logits (B, Q, T); logits[:, :, t] = p(q_{t+1} | q_<=t)."""

    def __init__(self, cfg: WaveNetConfig = WaveNetConfig()):
        super().__init__()
        self.cfg, c = cfg, cfg.channels
        self.embed = nn.Embedding(cfg.q, c)
        self.filters = nn.ModuleList(CausalConv1d(c, 2 * c, cfg.k, d) for d in cfg.dilations)
        self.residual = nn.ModuleList(nn.Conv1d(c, c, 1) for _ in cfg.dilations)
        self.skip = nn.ModuleList(nn.Conv1d(c, c, 1) for _ in cfg.dilations)
        self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(c, c, 1), nn.ReLU(), nn.Conv1d(c, cfg.q, 1))

    def forward(self, levels: torch.Tensor) -> torch.Tensor:
        h = self.embed(levels).transpose(1, 2)  # (B, C, T)
        skips = 0
        for f, r, s in zip(self.filters, self.residual, self.skip, strict=True):
            a, b = f(h).chunk(2, 1)
            z = torch.tanh(a) * torch.sigmoid(b)  # gated activation
            h = h + r(z)
            skips = skips + s(z)
        return self.out(skips)  # (B, Q, T)

    def nll(self, levels: torch.Tensor) -> torch.Tensor:
        """Mean -log p(q_{t+1} | q_<=t) in nats per sample."""
        return F.cross_entropy(self(levels[:, :-1]), levels[:, 1:])

    @torch.no_grad()
    def continue_(self, prompt: torch.Tensor, steps: int, g: torch.Generator,
                  temperature: float = 1.0) -> torch.Tensor:  # fmt: skip
        """Sample ``steps`` levels after ``prompt`` (B, T0); each step sees the last R levels."""
        R = self.cfg.receptive_field
        x = prompt.clone()
        for _ in range(steps):
            logits = self(x[:, -R:])[:, :, -1] / max(temperature, 1e-3)  # (B, Q)
            p = torch.softmax(logits, -1)
            nxt = torch.multinomial(p.cpu(), 1, generator=g).to(x.device)  # (B, 1)
            x = torch.cat([x, nxt], 1)
        return x


def signals(n: int, length: int, seed: int) -> torch.Tensor:
    """n seeded 1-D signals in [-1, 1], (n, length): two sines with random frequencies, phases
    and amplitudes plus a linear chirp, times a slow envelope; a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)[None, :] / length
    f1, f2 = rng.uniform(2, 12, (n, 1)), rng.uniform(12, 30, (n, 1))
    p1, p2 = rng.uniform(0, 2 * np.pi, (n, 1)), rng.uniform(0, 2 * np.pi, (n, 1))
    a1, a2 = rng.uniform(0.2, 0.5, (n, 1)), rng.uniform(0.0, 0.3, (n, 1))
    c0, c1 = rng.uniform(2, 6, (n, 1)), rng.uniform(5, 25, (n, 1))
    chirp = 0.2 * np.sin(2 * np.pi * (c0 * t + 0.5 * c1 * t**2))
    env = 0.75 + 0.25 * np.sin(2 * np.pi * rng.uniform(0.3, 1.5, (n, 1)) * t)
    x = env * (a1 * np.sin(2 * np.pi * f1 * t + p1) + a2 * np.sin(2 * np.pi * f2 * t + p2) + chirp)
    x = x + rng.normal(0, 0.01, x.shape)
    return torch.from_numpy(np.clip(x, -1, 1).astype(np.float32))


N_TEST = 128


def _train(cfg: WaveNetConfig, seed: int):
    """Adam on -log p(q_{t+1} | q_<=t); measures the held-out NLL (nats and bits per sample)."""
    import time

    from core.pretrained import TrainResult

    torch.manual_seed(seed)
    model = WaveNet(cfg)
    x_tr = mu_law_encode(signals(cfg.n_train, cfg.length, 1), cfg.q)  # (N, T) levels
    x_te = mu_law_encode(signals(N_TEST, cfg.length, 2), cfg.q)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    g = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    for _ in range(cfg.steps):
        loss = model.nll(x_tr[torch.randint(0, len(x_tr), (16,), generator=g)])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        nll = float(model.nll(x_te))
    return TrainResult(
        model=model,
        steps=cfg.steps,
        metrics={
            "test_nll_nats_per_sample": nll,
            "test_bits_per_sample": nll / math.log(2),
            "uniform_bits_per_sample": math.log2(cfg.q),
            "receptive_field": float(cfg.receptive_field),
            "train_s": time.perf_counter() - t0,
        },
        extra={
            "notes": f"{cfg.n_train} generated signals (seed 1) for training, {N_TEST} "
            "held-out (seed 2): two sines + a chirp under a slow envelope, μ-law levels"
        },
    )
