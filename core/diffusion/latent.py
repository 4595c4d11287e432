"""Latent diffusion (notes §10.5): the same samplers, in the latent space of a frozen autoencoder.

    z_0 = (E(x) - mu_z) / sigma_z      a small MLP autoencoder's code, standardised per dimension
    train eps_theta(z_t, t, y) with Algorithm 2 on z_0 (label dropout for classifier-free guidance)
    sample z_0 with DDPM / DDIM (+ guidance), then x = D(sigma_z z_0 + mu_z)

The autoencoder is this page's own (trained first, then frozen, as in Rombach et al. 2022); the
diffusion model only sees ``latent_dim`` numbers per digit instead of 784 pixels, which is where
the measured speed-up comes from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.data.mnist import MNIST_SPLIT_TEXT, mnist_split
from core.diffusion.forward import q_sample
from core.diffusion.samplers import Trajectory, sample
from core.diffusion.schedules import make_schedule
from core.diffusion.unet import timestep_embedding
from core.pretrained import PretrainedSpec, TrainResult
from core.timing import best_of_s

NAME = "diffusion_latent_mnist"


@dataclass(frozen=True)
class LatentDiffusionConfig:
    latent_dim: int = 8  # numbers per digit in latent space (vs 784 pixels)
    ae_hidden: int = 512  # autoencoder MLP width
    ae_steps: int = 4000  # autoencoder training steps (BCE reconstruction)
    ae_batch: int = 128
    ae_lr: float = 2e-3  # Adam, cosine-decayed
    hidden: int = 256  # latent eps-model MLP width
    layers: int = 4  # latent eps-model hidden layers
    emb_dim: int = 64  # time / class embedding width
    schedule: str = "cosine"
    T: int = 100  # same T as the pixel U-Net, so the samplers compare like for like
    p_uncond: float = 0.15  # label dropout for classifier-free guidance
    steps: int = 8000  # latent diffusion training steps
    batch_size: int = 256
    lr: float = 2e-3  # AdamW, cosine-decayed
    guidance: float = 2.0  # default rho
    ddim_steps: int = 50
    eval_n: int = 500  # samples measured by the judge (50 per class)


class LatentDiffusion(nn.Module):
    """Autoencoder (encoder, decoder) + latent eps-model, plus the latent standardisation."""

    def __init__(self, cfg: LatentDiffusionConfig = LatentDiffusionConfig()):
        super().__init__()
        self.cfg = cfg
        h, d, e = cfg.ae_hidden, cfg.latent_dim, cfg.emb_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, h),
            nn.SiLU(),
            nn.Linear(h, h // 2),
            nn.SiLU(),
            nn.Linear(h // 2, d),
        )
        self.decoder = nn.Sequential(
            nn.Linear(d, h // 2), nn.SiLU(), nn.Linear(h // 2, h), nn.SiLU(), nn.Linear(h, 784)
        )  # logits of the 784 pixels
        self.time_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.class_emb = nn.Embedding(11, e)  # row 10: null class
        dims = [d + e] + [cfg.hidden] * cfg.layers
        mods: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:], strict=False):
            mods += [nn.Linear(a, b), nn.SiLU()]
        mods.append(nn.Linear(dims[-1], d))
        self.eps_net = nn.Sequential(*mods)
        self.register_buffer("z_mean", torch.zeros(d))
        self.register_buffer("z_std", torch.ones(d))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Pixels (B, 1, 28, 28) in [0, 1] -> standardised latents z_0 (B, d)."""
        return (self.encoder(x) - self.z_mean) / self.z_std

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Standardised latents (B, d) -> pixels (B, 1, 28, 28) in [0, 1]."""
        return torch.sigmoid(self.decoder(z * self.z_std + self.z_mean)).reshape(-1, 1, 28, 28)

    def eps_model(
        self, z: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None
    ) -> torch.Tensor:
        """eps_hat(z_t, t, y) (B, d); y None or -1 = the null class."""
        b = z.shape[0]
        if y is None:
            y = torch.full((b,), -1, dtype=torch.long, device=z.device)
        y = torch.where(y < 0, torch.full_like(y, 10), y.long())
        emb = self.time_mlp(timestep_embedding(t, self.cfg.emb_dim)) + self.class_emb(y)  # (B, E)
        return self.eps_net(torch.cat([z, emb], dim=1))

    def forward(self, z, t, y=None):
        return self.eps_model(z, t, y)


def build(cfg: LatentDiffusionConfig) -> LatentDiffusion:
    return LatentDiffusion(cfg)


def _cosine_lr(opt, total: int):
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(1.0, s / max(1, total))))
    )


class AutoencoderTrainer:
    """Stepper: one Adam step of binary cross-entropy reconstruction on a minibatch of digits."""

    def __init__(self, model: LatentDiffusion, seed: int = 0):
        self.model, self.cfg = model, model.cfg
        dev = next(model.parameters()).device
        self.x = torch.from_numpy(np.array(mnist_split().x_train)).to(dev)
        params = list(model.encoder.parameters()) + list(model.decoder.parameters())
        self.opt = torch.optim.Adam(params, lr=self.cfg.ae_lr)
        self.sched = _cosine_lr(self.opt, self.cfg.ae_steps)
        self.g = torch.Generator().manual_seed(seed)
        self.steps_done = 0

    def step(self, n: int = 1) -> dict[str, float]:
        loss = torch.tensor(float("nan"))
        for _ in range(n):
            idx = torch.randint(0, len(self.x), (self.cfg.ae_batch,), generator=self.g)
            xb = self.x[idx.to(self.x.device)]
            logits = self.model.decoder(self.model.encoder(xb)).reshape(xb.shape)
            loss = F.binary_cross_entropy_with_logits(logits, xb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            self.steps_done += 1
        return {"bce": loss.item()}


class LatentDiffusionTrainer:
    """Stepper: Algorithm 2 with label dropout on the frozen autoencoder's standardised latents."""

    def __init__(self, model: LatentDiffusion, seed: int = 0):
        self.model, self.cfg = model, model.cfg
        dev = next(model.parameters()).device
        split = mnist_split()
        with torch.no_grad():
            z = model.encoder(torch.from_numpy(np.array(split.x_train)).to(dev))  # (N, d)
            model.z_mean.copy_(z.mean(0))
            model.z_std.copy_(z.std(0))
            self.z = model.encode(torch.from_numpy(np.array(split.x_train)).to(dev))
        self.y = torch.from_numpy(np.array(split.y_train)).to(dev)
        self.sched = make_schedule(self.cfg.schedule, self.cfg.T)
        params = [
            p for m in (model.time_mlp, model.class_emb, model.eps_net) for p in m.parameters()
        ]
        self.opt = torch.optim.AdamW(params, lr=self.cfg.lr)
        self.lr_sched = _cosine_lr(self.opt, self.cfg.steps)
        self.g = torch.Generator().manual_seed(seed + 1)
        self.steps_done = 0
        self.losses: list[float] = []

    def step(self, n: int = 1) -> dict[str, float]:
        dev = self.z.device
        for _ in range(n):
            idx = torch.randint(0, len(self.z), (self.cfg.batch_size,), generator=self.g).to(dev)
            z0, y = self.z[idx], self.y[idx]
            b = len(idx)
            t = torch.randint(1, self.cfg.T + 1, (b,), generator=self.g).to(dev)
            eps = torch.randn(z0.shape, generator=self.g).to(dev)
            drop = torch.rand(b, generator=self.g).to(dev) < self.cfg.p_uncond
            y = torch.where(drop, torch.full_like(y, -1), y)
            loss = (
                (eps - self.model.eps_model(q_sample(self.sched, z0, t, eps), t, y)).pow(2).mean()
            )
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.lr_sched.step()
            self.steps_done += 1
            self.losses.append(loss.item())
        return {"loss": float(np.mean(self.losses[-n:]))}


@torch.inference_mode()
def sample_latent(
    model: LatentDiffusion,
    n: int,
    seed: int = 0,
    labels: torch.Tensor | None = None,
    sampler: str = "DDIM",
    S: int = 50,
    eta: float = 0.0,
    rho: float = 2.0,
    record: bool = False,
) -> tuple[torch.Tensor, Trajectory]:
    """n digits (n, 1, 28, 28) in [0, 1] decoded from latent samples, and the latent trajectory."""
    cfg = model.cfg
    dev = next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    z_T = torch.randn((n, cfg.latent_dim), generator=g).to(dev)
    y = None if labels is None else labels.to(dev)
    traj = sample(
        model.eps_model,
        make_schedule(cfg.schedule, cfg.T),
        z_T,
        sampler=sampler,
        S=S,
        eta=eta,
        generator=g,
        y=y,
        rho=rho,
        record=record,
    )
    return model.decode(traj.sample.to(dev)), traj


def time_sampling(
    model: LatentDiffusion,
    pixel_model: nn.Module,
    n: int = 16,
    S: int = 50,
    rho: float = 2.0,
    repeats: int = 3,
) -> dict[str, float]:
    """Best-of-``repeats`` wall time of DDIM-S for n guided samples.

    Latent (decoding included) vs pixel space.
    """
    from core.diffusion.mnist import MnistDiffusionConfig, sample_digits

    labels = torch.arange(n) % 10

    lat = best_of_s(lambda: sample_latent(model, n, 0, labels, S=S, rho=rho), repeats)
    pix = best_of_s(
        lambda: sample_digits(pixel_model, n, 0, labels, S=S, rho=rho, cfg=MnistDiffusionConfig())
    )
    return {"latent_seconds": lat, "pixel_seconds": pix, "speedup": pix / lat}


def train(cfg: LatentDiffusionConfig, seed: int) -> TrainResult:
    from core.device import get_device
    from core.diffusion.mnist import MnistDiffusionConfig
    from core.diffusion.mnist import build as build_unet
    from core.judge import judge_scores
    from core.training import run_stepper

    dev = get_device()
    torch.manual_seed(seed)
    model = LatentDiffusion(cfg).to(dev)
    ae = AutoencoderTrainer(model, seed)
    run_stepper(ae, cfg.ae_steps, chunk=100, desc="autoencoder")
    split = mnist_split()
    with torch.no_grad():
        xt = torch.from_numpy(np.array(split.x_test)).to(dev)
        rec = torch.sigmoid(model.decoder(model.encoder(xt))).reshape(xt.shape)
        recon_mse = float((rec - xt).pow(2).mean())
    for p in list(model.encoder.parameters()) + list(model.decoder.parameters()):
        p.requires_grad_(False)  # frozen during diffusion training (notes §10.5)
    dm = LatentDiffusionTrainer(model, seed)
    t0 = time.perf_counter()
    run_stepper(dm, cfg.steps, chunk=200, desc=NAME)
    latent_train_s = time.perf_counter() - t0
    for p in model.parameters():
        p.requires_grad_(False)
    model.eval()
    labels = torch.arange(cfg.eval_n) % 10
    metrics: dict[str, float] = {
        "heldout_recon_mse": recon_mse,
        "latent_train_seconds": latent_train_s,
    }
    for rho in (0.0, cfg.guidance):
        x, _ = sample_latent(model, cfg.eval_n, 1, labels, S=cfg.ddim_steps, rho=rho)
        s = judge_scores(x, labels.numpy())
        metrics[f"ddim{cfg.ddim_steps}_rho{rho:g}_accuracy"] = s.accuracy
        metrics[f"ddim{cfg.ddim_steps}_rho{rho:g}_frechet"] = s.frechet
    with torch.no_grad():  # reconstructions of real digits: the autoencoder's own ceiling
        s = judge_scores(rec.cpu(), split.y_test)
    metrics["heldout_recon_judged_accuracy"] = s.accuracy
    metrics["heldout_recon_frechet"] = s.frechet
    # speed-up vs pixel space: the pixel U-Net's cost does not depend on its weight values
    pixel = build_unet(MnistDiffusionConfig()).to(dev).eval()
    speed = time_sampling(model, pixel, n=16, S=cfg.ddim_steps, rho=cfg.guidance)
    metrics.update({f"ddim50_16samples_{k}": v for k, v in speed.items()})
    return TrainResult(
        model=model,
        steps=dm.steps_done,
        metrics=metrics,
        extra={
            "notes": f"autoencoder {cfg.ae_steps} steps then frozen; diffusion on "
            f"{cfg.latent_dim}-d standardised latents; judged on {cfg.eval_n} samples "
            f"(50 per class), DDIM S={cfg.ddim_steps}; speed: best of 3 for 16 guided samples, "
            "latent incl. decoding vs the pixel U-Net architecture of diffusion_unet_mnist"
        },
    )


def sample_for_cli(model: LatentDiffusion, n: int, seed: int) -> torch.Tensor:
    x, _ = sample_latent(model, n, seed, torch.arange(n) % 10)
    return x


SPEC = PretrainedSpec(
    name=NAME,
    description="Latent diffusion: class-conditional MLP eps-model on an 8-d autoencoder latent",
    config=LatentDiffusionConfig(),
    build=build,
    train=train,
    dataset=MNIST_SPLIT_TEXT,
    seed=0,
    sample=sample_for_cli,
)
