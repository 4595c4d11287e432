"""Reverse-process samplers: DDPM (Algorithm 3, notes §10.3), DDIM, classifier-free guidance
(§10.4).

An eps-model is any callable ``eps_model(x, t, y) -> eps_hat`` with x (B, ...), t (B,) long in
1..T and y (B,) long class labels or None (unconditional; the U-Net maps None to its null class).

DDPM, Algorithm 3:
    x_T ~ N(0, I);  for t = T..1:  z ~ N(0, I) if t > 1 else 0
    x_{t-1} = 1/sqrt(alpha_t) (x_t - (1 - alpha_t)/sqrt(1 - alpha_bar_t) eps_hat(x_t, t))
              + sigma_t z
with sigma_t^2 = beta_tilde_t (posterior variance, the default) or beta_t.

DDIM (Song et al. 2021) on a sub-sequence tau_S > ... > tau_1 of S timesteps, with eta in [0, 1]:
    x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps_hat) / sqrt(alpha_bar_t)
    sigma  = eta sqrt((1 - alpha_bar_prev)/(1 - alpha_bar_t)) sqrt(1 - alpha_bar_t/alpha_bar_prev)
    x_prev = sqrt(alpha_bar_prev) x0_hat + sqrt(1 - alpha_bar_prev - sigma^2) eps_hat + sigma z
eta = 0 is deterministic; eta = 1 with S = T is exactly DDPM with sigma_t^2 = beta_tilde_t.

Classifier-free guidance (§10.4):  eps*(x, y; t) = (1 + rho) eps(x, y; t) - rho eps(x; t).

Both samplers return a `Trajectory`: x_t and the predicted x0_hat at every visited step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.diffusion.posterior import mean_from_eps, posterior_mean_variance, predict_x0
from core.diffusion.schedules import Schedule

EpsModel = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]
Progress = Callable[[int, int], None]


@dataclass
class Trajectory:
    """A reverse trajectory with K visited steps (K = T for DDPM, S for DDIM).

    ts:  (K+1,) timesteps t_K = T, ..., t_0 = 0 (frame k holds x at timestep ts[k])
    xs:  (K+1, B, ...) float32, xs[0] = x_T ~ N(0, I), xs[-1] = the sample x_0
    x0s: (K+1, B, ...) float32, x0_hat predicted at each frame (x0s[-1] = xs[-1])
    """

    ts: np.ndarray
    xs: torch.Tensor
    x0s: torch.Tensor

    @property
    def sample(self) -> torch.Tensor:
        return self.xs[-1]

    def __len__(self) -> int:
        return len(self.ts)


def guided_eps(
    eps_model: EpsModel, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None, rho: float = 0.0
) -> torch.Tensor:
    """eps* = (1 + rho) eps(x, y; t) - rho eps(x; t)  (§10.4); rho = 0 -> the conditional model.

    y = None is unconditional sampling (guidance does not apply). The conditional and
    unconditional passes run as one batch of 2B.
    """
    if y is None:
        return eps_model(x, t, None)
    if rho == 0:
        return eps_model(x, t, y)
    b = x.shape[0]
    both = eps_model(
        torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, torch.full_like(y, -1)])
    )  # -1 = the null label
    eps_cond, eps_uncond = both[:b], both[b:]
    return (1 + rho) * eps_cond - rho * eps_uncond


def ddim_timesteps(T: int, S: int) -> list[int]:
    """S timesteps tau_S > ... > tau_1, evenly spaced in 1..T, always starting at T."""
    S = max(1, min(S, T))
    taus = np.unique(np.round(np.linspace(T, 1, S)).astype(int))  # ascending, T included
    return [int(t) for t in taus[::-1]]


def _noise(shape, generator, device) -> torch.Tensor:
    return torch.randn(shape, generator=generator).to(device)


def _clip(x0: torch.Tensor, clip: float | None) -> torch.Tensor:
    return x0 if clip is None else x0.clamp(-clip, clip)


@torch.no_grad()
def ddpm_sample(
    eps_model: EpsModel,
    sched: Schedule,
    x_T: torch.Tensor,
    generator: torch.Generator | None = None,
    y: torch.Tensor | None = None,
    rho: float = 0.0,
    variance: str = "beta_tilde",
    clip_x0: float | None = None,
    record: bool = True,
    progress: Progress | None = None,
) -> Trajectory:
    """Algorithm 3 from x_T (B, ...); returns the trajectory over all T steps.

    With ``clip_x0`` the mean is the posterior mean mu_q(x_t, clip(x0_hat)) (identical to
    Algorithm 3's line 4 when nothing is clipped).
    """
    if variance not in ("beta_tilde", "beta"):
        raise ValueError(f"unknown variance: {variance!r}; choose from beta_tilde, beta")
    T, dev, b = sched.T, x_T.device, x_T.shape[0]
    x = x_T
    xs, x0s, ts = [x.float().cpu()], [], [T]
    for i, t in enumerate(range(T, 0, -1)):
        tt = torch.full((b,), t, dtype=torch.long, device=dev)
        eps = guided_eps(eps_model, x, tt, y, rho)  # eps_hat(x_t, t)
        x0_hat = _clip(predict_x0(sched, x, eps, t), clip_x0)
        if clip_x0 is None:
            mean = mean_from_eps(sched, x, eps, t)  # Algorithm 3, line 4
        else:
            mean, _ = posterior_mean_variance(sched, x0_hat, x, t)
        beta = float(sched.betas[t - 1])
        var = (
            beta
            if variance == "beta"
            else (1 - float(sched.alpha_bar_prev[t - 1]))
            / (1 - float(sched.alpha_bar[t - 1]))
            * beta
        )
        z = _noise(x.shape, generator, dev) if t > 1 else torch.zeros_like(x)
        x = mean + var**0.5 * z  # x_{t-1}
        if record or t == 1:
            x0s.append(x0_hat.float().cpu())
            xs.append(x.float().cpu())
            ts.append(t - 1)
        if progress is not None:
            progress(i + 1, T)
    x0s.append(xs[-1])
    return Trajectory(ts=np.array(ts), xs=torch.stack(xs), x0s=torch.stack(x0s))


@torch.no_grad()
def ddim_sample(
    eps_model: EpsModel,
    sched: Schedule,
    x_T: torch.Tensor,
    S: int = 50,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    y: torch.Tensor | None = None,
    rho: float = 0.0,
    clip_x0: float | None = None,
    record: bool = True,
    progress: Progress | None = None,
) -> Trajectory:
    """DDIM with S steps and stochasticity eta from x_T (B, ...); returns the trajectory."""
    if not 0.0 <= eta <= 1.0:
        raise ValueError(f"eta must be in [0, 1], got {eta}")
    taus = ddim_timesteps(sched.T, S)
    dev, b = x_T.device, x_T.shape[0]
    x = x_T
    xs, x0s, ts = [x.float().cpu()], [], [taus[0]]
    for i, t in enumerate(taus):
        t_prev = taus[i + 1] if i + 1 < len(taus) else 0
        ab = float(sched.alpha_bar[t - 1])  # alpha_bar_t
        ab_prev = float(sched.alpha_bar[t_prev - 1]) if t_prev > 0 else 1.0  # alpha_bar_prev
        tt = torch.full((b,), t, dtype=torch.long, device=dev)
        eps = guided_eps(eps_model, x, tt, y, rho)
        x0_hat = _clip(predict_x0(sched, x, eps, t), clip_x0)
        if clip_x0 is not None:  # keep eps consistent with the clipped x0_hat
            eps = (x - ab**0.5 * x0_hat) / (1 - ab) ** 0.5
        sigma = eta * ((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev)) ** 0.5
        dir_xt = max(1 - ab_prev - sigma**2, 0.0) ** 0.5 * eps  # direction to x_t
        z = _noise(x.shape, generator, dev) if sigma > 0 else torch.zeros_like(x)
        x = ab_prev**0.5 * x0_hat + dir_xt + sigma * z  # x_{tau_{i-1}}
        if record or t_prev == 0:
            x0s.append(x0_hat.float().cpu())
            xs.append(x.float().cpu())
            ts.append(t_prev)
        if progress is not None:
            progress(i + 1, len(taus))
    x0s.append(xs[-1])
    return Trajectory(ts=np.array(ts), xs=torch.stack(xs), x0s=torch.stack(x0s))


SAMPLERS = ("DDPM", "DDIM")


def sample(
    eps_model: EpsModel,
    sched: Schedule,
    x_T: torch.Tensor,
    sampler: str = "DDIM",
    S: int = 50,
    eta: float = 0.0,
    **kw,
) -> Trajectory:
    """Dispatch by name ("DDPM" runs all T steps; "DDIM" runs S steps with eta)."""
    if sampler == "DDPM":
        return ddpm_sample(eps_model, sched, x_T, **kw)
    if sampler == "DDIM":
        return ddim_sample(eps_model, sched, x_T, S=S, eta=eta, **kw)
    raise ValueError(f"unknown sampler: {sampler!r}; choose from {', '.join(SAMPLERS)}")
