"""The forward-process posterior q(x_{t-1} | x_t, x_0), notes §10.3.

Bayes on the Gaussians q(x_t | x_{t-1}) and q(x_{t-1} | x_0) gives a Gaussian

    q(x_{t-1} | x_t, x_0) = N(mu_q, beta_tilde_t I)
    mu_q         = sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t) x_0
                   + sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) x_t
    beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) beta_t

Substituting x_0 = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t) gives the notes' form

    mu_q = 1/sqrt(alpha_t) (x_t - (1 - alpha_t) / sqrt(1 - alpha_bar_t) eps),

which is the mean of Algorithm 3 line 4 with eps replaced by eps_hat.
"""

from __future__ import annotations

import torch

from core.diffusion.schedules import Schedule


def _coef(sched: Schedule, t: int) -> tuple[float, float, float, float]:
    """(beta_t, alpha_t, alpha_bar_t, alpha_bar_{t-1}) as floats for 1 <= t <= T."""
    i = t - 1
    return (
        float(sched.betas[i]),
        float(sched.alphas[i]),
        float(sched.alpha_bar[i]),
        float(sched.alpha_bar_prev[i]),
    )


def posterior_mean_variance(
    sched: Schedule, x0: torch.Tensor, xt: torch.Tensor, t: int
) -> tuple[torch.Tensor, float]:
    """mu_q(x_t, x_0) and beta_tilde_t of q(x_{t-1} | x_t, x_0) (x0, xt: (B, ...))."""
    beta, alpha, ab, ab_prev = _coef(sched, t)
    c0 = ab_prev**0.5 * beta / (1 - ab)  # coefficient of x_0
    ct = alpha**0.5 * (1 - ab_prev) / (1 - ab)  # coefficient of x_t
    beta_tilde = (1 - ab_prev) / (1 - ab) * beta  # posterior variance
    return c0 * x0 + ct * xt, beta_tilde


def mean_from_eps(sched: Schedule, xt: torch.Tensor, eps: torch.Tensor, t: int) -> torch.Tensor:
    """mu = 1/sqrt(alpha_t) (x_t - (1 - alpha_t) / sqrt(1 - alpha_bar_t) eps)  (Algorithm 3)."""
    _, alpha, ab, _ = _coef(sched, t)
    return (xt - (1 - alpha) / (1 - ab) ** 0.5 * eps) / alpha**0.5


def predict_x0(sched: Schedule, xt: torch.Tensor, eps: torch.Tensor, t: int) -> torch.Tensor:
    """x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps_hat) / sqrt(alpha_bar_t)  (inverts q_sample)."""
    ab = float(sched.alpha_bar[t - 1])
    return (xt - (1 - ab) ** 0.5 * eps) / ab**0.5


def eps_from_x0(sched: Schedule, xt: torch.Tensor, x0: torch.Tensor, t: int) -> torch.Tensor:
    """eps = (x_t - sqrt(alpha_bar_t) x0) / sqrt(1 - alpha_bar_t)."""
    ab = float(sched.alpha_bar[t - 1])
    return (xt - ab**0.5 * x0) / (1 - ab) ** 0.5
