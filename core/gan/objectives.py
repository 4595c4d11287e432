"""GAN objectives and regularisers (notes §9, §9.2), all on the discriminator's raw output.

``l = D_logit(x)`` is the discriminator's logit, ``D(x) = sigmoid(l)``. Each objective gives the
loss the discriminator *minimises* (``d_loss``) and the loss the generator minimises
(``g_loss``); using ``softplus`` keeps the logs finite:

* minimax (saturating), Goodfellow et al. 2014, notes §9:
      L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = E softplus(-l_real) + E softplus(l_fake)
      L_G =  E[log(1 - D(G(z)))]               = -E softplus(l_fake)
* non-saturating (notes §9.2, Figure 22): L_G = -E[log D(G(z))] = E softplus(-l_fake)
* least squares (LSGAN, Mao et al. 2017), D outputs a score s = l:
      L_D = 1/2 E[(s_real - 1)^2] + 1/2 E[s_fake^2],   L_G = 1/2 E[(s_fake - 1)^2]
* Wasserstein (Arjovsky et al. 2017), critic f = l:
      L_D = E f(G(z)) - E f(x),   L_G = -E f(G(z))
  kept 1-Lipschitz either by weight clipping to [-c, c] (WGAN) or by the gradient penalty
      GP = E_xhat (||grad_x f(xhat)||_2 - 1)^2,  xhat = eps x + (1 - eps) G(z)  (WGAN-GP)
* R1 (Mescheder et al. 2018, notes §9.2 "Gradient penalty"): R1 = E_x ||grad_x D_logit(x)||^2 on
  real data, added to L_D as gamma/2 * R1.
* unrolled GAN (Metz et al. 2017, notes §9.2): G is updated against D after k more D steps;
  see `core.gan.trainer.GANTrainer.g_step` which snapshots D, unrolls and restores it.
* PacGAN (Lin et al. 2018): D judges m samples packed together (`core.gan.models`).
* generator averaging (Yazici et al. 2019): G_ema <- beta G_ema + (1 - beta) G after each G
  update; samples and metrics then come from G_ema (training itself is unchanged).

`OBJECTIVES` maps the page's names to a `Objective` recipe; unknown names raise ValueError.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

LOSSES = ("minimax", "non_saturating", "least_squares", "wasserstein")


def d_loss(loss: str, l_real: torch.Tensor, l_fake: torch.Tensor) -> torch.Tensor:
    """Discriminator loss L_D (to minimise) from logits/scores (B,) of real and fake samples."""
    if loss in ("minimax", "non_saturating"):
        return F.softplus(-l_real).mean() + F.softplus(l_fake).mean()  # -log D(x) - log(1-D(G(z)))
    if loss == "least_squares":
        return 0.5 * ((l_real - 1) ** 2).mean() + 0.5 * (l_fake**2).mean()
    if loss == "wasserstein":
        return l_fake.mean() - l_real.mean()  # -(E f(x) - E f(G(z)))
    raise ValueError(f"unknown loss: {loss!r}; choose from {', '.join(LOSSES)}")


def g_loss(loss: str, l_fake: torch.Tensor) -> torch.Tensor:
    """Generator loss L_G (to minimise) from the logits/scores (B,) of fake samples."""
    if loss == "minimax":
        return -F.softplus(l_fake).mean()  # E log(1 - D(G(z))): saturates when D(G(z)) -> 0
    if loss == "non_saturating":
        return F.softplus(-l_fake).mean()  # -E log D(G(z))
    if loss == "least_squares":
        return 0.5 * ((l_fake - 1) ** 2).mean()
    if loss == "wasserstein":
        return -l_fake.mean()
    raise ValueError(f"unknown loss: {loss!r}; choose from {', '.join(LOSSES)}")


def gradient_penalty(
    critic, x_real: torch.Tensor, x_fake: torch.Tensor, eps: torch.Tensor | None = None
) -> torch.Tensor:
    """WGAN-GP penalty E (||grad f(xhat)||_2 - 1)^2 with xhat = eps x + (1-eps) x_fake.

    x_real, x_fake: (B, n); eps: (B, 1) uniform in [0, 1] (drawn here when None). The graph is
    kept (create_graph=True) so the penalty trains the critic.
    """
    if eps is None:
        eps = torch.rand(x_real.shape[0], 1, device=x_real.device)
    x_hat = (eps * x_real + (1 - eps) * x_fake).detach().requires_grad_(True)  # (B, n)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


def r1_penalty(disc, x_real: torch.Tensor) -> torch.Tensor:
    """R1 = E_x ||grad_x D_logit(x)||^2 on real samples x (B, n) (Mescheder et al. 2018)."""
    x = x_real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(disc(x).sum(), x, create_graph=True)
    return grad.pow(2).sum(dim=1).mean()


def clip_weights(module: torch.nn.Module, c: float) -> None:
    """WGAN weight clipping: every parameter into [-c, c] (in place)."""
    with torch.no_grad():
        for p in module.parameters():
            p.clamp_(-c, c)


@dataclass(frozen=True)
class Objective:
    """A recipe: base loss plus the regularisers / tricks that make the named objective."""

    loss: str  # one of LOSSES
    clip: float = 0.0  # WGAN weight clipping c (0 = off)
    gp_lambda: float = 0.0  # WGAN-GP lambda (0 = off)
    r1_gamma: float = 0.0  # R1 gamma (0 = off)
    unroll: int = 0  # unrolled-GAN k (0 = off)
    pack: int = 1  # PacGAN m (1 = off)
    g_ema: float = 0.0  # evaluate an exponential moving average of G's weights (0 = off)
    description: str = ""


OBJECTIVES: dict[str, Objective] = {
    "minimax": Objective("minimax", description="original saturating minimax game (notes §9)"),
    "non-saturating": Objective(
        "non_saturating", description="G maximises log D(G(z)) (notes §9.2)"
    ),
    "least-squares": Objective(
        "least_squares", description="LSGAN: squared error to targets 1 / 0"
    ),
    "wgan": Objective("wasserstein", clip=0.01, description="Wasserstein critic, weights clipped"),
    "wgan-gp": Objective(
        "wasserstein", gp_lambda=0.1, description="Wasserstein critic, gradient penalty"
    ),
    # the page's recommended remedy: gamma = 0.01 suits sigma = 0.01 modes; averaging G's weights
    # (Yazici et al. 2019) removes the last jitter of the samples around the modes
    "r1": Objective(
        "non_saturating",
        r1_gamma=0.01,
        g_ema=0.99,
        description="non-saturating + R1 penalty on real data + averaged G",
    ),
    "unrolled": Objective(
        "non_saturating", unroll=5, description="G trained against D unrolled k steps ahead"
    ),
    "pacgan": Objective("non_saturating", pack=2, description="D sees m packed samples"),
}


def get_objective(name: str) -> Objective:
    if name not in OBJECTIVES:
        raise ValueError(f"unknown objective: {name!r}; choose from {', '.join(OBJECTIVES)}")
    return OBJECTIVES[name]
