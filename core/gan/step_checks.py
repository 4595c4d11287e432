"""Checks of the 2-D GAN trainer's update maths against the equations (notes §9, §9.2).

Each check runs one update on a *deep copy* of a `GANTrainer` (the live one is untouched),
records the batch that update drew, and recomputes the update from the equations written out
here, without `core.gan.objectives`:

* `d_step_check`: the discriminator's total loss
      L = L_D(objective) + lambda_GP E (||grad f(xhat)||_2 - 1)^2 + gamma/2 E ||grad D_logit(x)||^2
  and its gradient with respect to D's parameters (what the optimiser was given);
* `g_step_check`: the generator's loss L_G on the same z (against D unrolled k steps for the
  unrolled GAN) and its gradient with respect to G's parameters;
* `ema_check`: the averaged generator G_ema <- beta G_ema + (1 - beta) G after one G update.

Each returns ``(discrepancy, detail)``: the largest relative difference between what the trainer
did and the hand computation (float32 rounding: ~1e-6), so a page can show it as a live check.
The log-loss equations use log D = log sigmoid(l) and log(1 - D) = log sigmoid(-l).
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

TOLERANCE = 1e-4  # relative; float32 sums over a batch of 256 differ by ~1e-6


def _d_objective(loss: str, l_real: torch.Tensor, l_fake: torch.Tensor) -> torch.Tensor:
    """L_D written out from the notes' equations (logits l, D = sigmoid(l))."""
    if loss in ("minimax", "non_saturating"):  # -E log D(x) - E log(1 - D(G(z)))
        return -F.logsigmoid(l_real).mean() - F.logsigmoid(-l_fake).mean()
    if loss == "least_squares":  # 1/2 E (D(x) - 1)^2 + 1/2 E D(G(z))^2
        return 0.5 * (l_real - 1).square().mean() + 0.5 * l_fake.square().mean()
    if loss == "wasserstein":  # -(E f(x) - E f(G(z)))
        return -(l_real.mean() - l_fake.mean())
    raise ValueError(f"unknown loss: {loss!r}")


def _g_objective(loss: str, l_fake: torch.Tensor) -> torch.Tensor:
    """L_G written out: minimax E log(1 - D), non-saturating -E log D, LSGAN, WGAN."""
    if loss == "minimax":
        return F.logsigmoid(-l_fake).mean()
    if loss == "non_saturating":
        return -F.logsigmoid(l_fake).mean()
    if loss == "least_squares":  # 1/2 E (D(G(z)) - 1)^2
        return 0.5 * (l_fake - 1).square().mean()
    if loss == "wasserstein":  # -E f(G(z))
        return -l_fake.mean()
    raise ValueError(f"unknown loss: {loss!r}")


def _grad_at(D, x: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return g  # (B, n): row b is grad_x D(x_b) (the rows do not interact)


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


def _grads_rel(params, ref_loss: torch.Tensor, ref_params) -> float:
    """max |grad - grad_ref| over all parameters, relative to the largest |grad_ref|."""
    ref = torch.autograd.grad(ref_loss, list(ref_params), allow_unused=True)
    pairs = [
        (torch.zeros_like(r) if p.grad is None else p.grad, r)
        for p, r in zip(params, ref, strict=True)
        if r is not None
    ]
    scale = max(float(r.abs().max()) for _, r in pairs)
    return max(float((g - r).abs().max()) for g, r in pairs) / max(scale, 1e-12)


def d_step_check(trainer) -> tuple[float, str]:
    """One D update of a copy of ``trainer`` vs L_D + lambda GP + gamma/2 R1 by hand."""
    t = copy.deepcopy(trainer)
    o = t.obj
    D0 = copy.deepcopy(t.D)  # D before the update
    seen: dict[str, torch.Tensor] = {}
    real, z = t._real, t._z

    def _real(n):
        seen["x_real"] = real(n)
        return seen["x_real"]

    def _z(n):
        seen["z"] = z(n)
        seen["gen_after_z"] = t.gen.get_state()  # the next draw is GP's eps
        return seen["z"]

    t._real, t._z = _real, _z
    out = t._d_update()
    with torch.no_grad():
        x_fake = t.G(seen["z"])
    x_real = t._d_in(seen["x_real"])
    x_fake = t._d_in(x_fake)
    total = _d_objective(o.loss, D0(x_real), D0(x_fake))
    if o.gp_lambda > 0:
        g = torch.Generator().set_state(seen["gen_after_z"])
        eps = torch.rand(x_real.shape[0], 1, generator=g).to(x_real.device)
        x_hat = eps * x_real + (1 - eps) * x_fake  # xhat = eps x + (1 - eps) G(z)
        gp = (_grad_at(D0, x_hat).pow(2).sum(1).sqrt() - 1).square().mean()
        total = total + o.gp_lambda * gp
    if o.r1_gamma > 0:
        r1 = _grad_at(D0, x_real).pow(2).sum(1).mean()  # E ||grad_x D_logit(x)||^2
        total = total + o.r1_gamma / 2 * r1
    loss_err = abs(out["loss_d"] - total.item()) / max(abs(total.item()), 1e-6)
    grad_err = _grads_rel(t.D.parameters(), total, D0.parameters())
    return max(loss_err, grad_err), (
        f"L_D {out['loss_d']:.6g} vs {total.item():.6g} by hand; ∇θ_D rel. diff {grad_err:.1e}"
    )


def g_step_check(trainer) -> tuple[float, str]:
    """One G update of a copy of ``trainer`` vs L_G by hand on the same z (and the same D_k)."""
    t = copy.deepcopy(trainer)
    G0 = copy.deepcopy(t.G)
    seen: dict = {}
    z, d_in = t._z, t._d_in

    def _z(n):
        seen["z"] = z(n)  # the last draw is the generator's batch
        return seen["z"]

    def _d_in(x):
        seen["D"] = copy.deepcopy(t.D)  # the last call feeds G(z) to D (unrolled: D_k)
        return d_in(x)

    t._z, t._d_in = _z, _d_in
    out = t.g_step()
    D = seen["D"]
    for p in D.parameters():
        p.requires_grad_(False)
    ref = _g_objective(t.obj.loss, D(d_in(G0(seen["z"]))))
    loss_err = abs(out["loss_g"] - ref.item()) / max(abs(ref.item()), 1e-6)
    grad_err = _grads_rel(t.G.parameters(), ref, G0.parameters())
    return max(loss_err, grad_err), (
        f"L_G {out['loss_g']:.6g} vs {ref.item():.6g} by hand; ∇θ_G rel. diff {grad_err:.1e}"
    )


def ema_check(trainer) -> tuple[float, str]:
    """One G update of a copy: G_ema must become beta G_ema + (1 - beta) G (Yazici et al. 2019).

    Returns (nan, reason) when the objective averages nothing.
    """
    if trainer.G_ema is None:
        return float("nan"), "no generator averaging in this objective"
    t = copy.deepcopy(trainer)
    beta = t.obj.g_ema
    before = [p.detach().clone() for p in t.G_ema.parameters()]
    t.g_step()
    err = max(
        _rel(pe.detach(), beta * b + (1 - beta) * p.detach())
        for pe, b, p in zip(t.G_ema.parameters(), before, t.G.parameters(), strict=True)
    )
    return err, f"beta = {beta}: max rel. |G_ema − (beta G_ema + (1 − beta) G)| = {err:.1e}"
