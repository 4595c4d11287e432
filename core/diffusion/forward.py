"""The forward (diffusion) process q, notes §10.1.

One Markov step      q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I)
Closed form          q(x_t | x_0)     = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I)
                     x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps,  eps ~ N(0, I)

`q_sample` is the closed form (what training uses, Algorithm 2 line 5); `q_chain` iterates the
Markov chain step by step, which must give the same distribution (the page and the tests check
the moments of both).
"""

from __future__ import annotations

import torch

from core.diffusion.schedules import Schedule


def _bcast(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Reshape a per-sample (B,) coefficient to broadcast against x (B, ...)."""
    return v.to(x.device, x.dtype).reshape(-1, *([1] * (x.ndim - 1)))


def q_sample(
    sched: Schedule,
    x0: torch.Tensor,
    t: torch.Tensor | int,
    eps: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps  (§10.1 closed form).

    x0: (B, ...); t: int or (B,) long in 1..T (t = 0 returns x0); eps: same shape as x0 or None
    (drawn from ``generator``).
    """
    if eps is None:
        eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype).to(x0.device)
    t = torch.as_tensor(t, dtype=torch.long).reshape(-1).expand(x0.shape[0])
    alpha_bar_prev0 = torch.cat([torch.ones(1, dtype=sched.alpha_bar.dtype), sched.alpha_bar])
    ab = _bcast(alpha_bar_prev0[t.cpu()].float(), x0)  # alpha_bar_t, with alpha_bar_0 = 1
    return ab.sqrt() * x0 + (1 - ab).sqrt() * eps


def q_step(
    sched: Schedule, x_prev: torch.Tensor, t: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One Markov step x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) eps  (1 <= t <= T)."""
    beta = float(sched.betas[t - 1])
    eps = torch.randn(x_prev.shape, generator=generator, dtype=x_prev.dtype).to(x_prev.device)
    return (1 - beta) ** 0.5 * x_prev + beta**0.5 * eps


def q_chain(
    sched: Schedule,
    x0: torch.Tensor,
    t: int,
    generator: torch.Generator | None = None,
    keep: bool = False,
) -> torch.Tensor | list[torch.Tensor]:
    """Iterate the Markov chain t times from x0; return x_t (or [x_0, x_1, ..., x_t] if keep)."""
    x = x0
    path = [x0] if keep else None
    for s in range(1, t + 1):
        x = q_step(sched, x, s, generator)
        if keep:
            path.append(x)
    return path if keep else x


def closed_form_moments(sched: Schedule, x0: torch.Tensor, t: int) -> tuple[torch.Tensor, float]:
    """Mean sqrt(alpha_bar_t) x0 and per-coordinate variance 1 - alpha_bar_t of q(x_t | x_0)."""
    ab = 1.0 if t == 0 else float(sched.alpha_bar[t - 1])
    return ab**0.5 * x0, 1 - ab
