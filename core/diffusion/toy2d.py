"""Diffusion on 2-D point clouds: an MLP eps-model with a sinusoidal time embedding, trained live
with Algorithm 2 (notes §10.3), sampled with Algorithm 3 (in the style of tiny-diffusion).

    eps_hat = MLP([x, emb(t)])          x: (B, 2), t: (B,) long in 1..T, emb: sinusoidal (B, E)

Targets (registry `TOY_TARGETS`) are seeded generators from `core.data.make_toy`, standardised to
zero mean and unit overall standard deviation so that x_T ~ N(0, I) has the data's scale; an
uploaded CSV goes through the same standardisation (`standardize`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.data.toy2d import make_toy
from core.diffusion.forward import q_sample
from core.diffusion.samplers import Trajectory, ddim_sample, ddpm_sample
from core.diffusion.schedules import Schedule, make_schedule
from core.diffusion.unet import timestep_embedding

# page name -> core.data.make_toy name
TOY_TARGETS: dict[str, str] = {
    "swissroll": "swissroll",
    "moons": "moons_density",
    "8gaussians": "8gaussians",
    "checkerboard": "checkerboard",
}


def toy_target_names() -> list[str]:
    return list(TOY_TARGETS)


def standardize(X: np.ndarray) -> np.ndarray:
    """(X - mean) / std with one overall std: (n, 2) float32, mean 0, unit overall variance."""
    X = np.asarray(X, dtype=np.float64)
    X = X - X.mean(0)
    s = X.std()
    return (X / (s if s > 0 else 1.0)).astype(np.float32)


def toy_points(name: str, n: int = 2000, seed: int = 0) -> np.ndarray:
    """Standardised points (n, 2) of a registered target."""
    if name not in TOY_TARGETS:
        raise ValueError(f"unknown target: {name!r}; choose from {', '.join(TOY_TARGETS)}")
    return standardize(make_toy(TOY_TARGETS[name], n, seed=seed).X)


@dataclass(frozen=True)
class ToyDiffusionConfig:
    schedule: str = "linear"  # linear is the classic DDPM choice; cosine / quadratic selectable
    T: int = 100  # diffusion steps (tiny-diffusion uses 50; 100 gives smoother paths)
    hidden: int = 128  # MLP width
    layers: int = 3  # hidden layers
    emb_dim: int = 32  # sinusoidal time-embedding width
    batch_size: int = 256  # points per step
    lr: float = 3e-3  # Adam
    seed: int = 0  # init, minibatches, noise


class ToyEpsMLP(nn.Module):
    """eps_model(x, t, y=None) for 2-D points: MLP on [x, emb(t)] -> (B, 2)."""

    def __init__(self, cfg: ToyDiffusionConfig = ToyDiffusionConfig()):
        super().__init__()
        self.cfg = cfg
        dims = [2 + cfg.emb_dim] + [cfg.hidden] * cfg.layers
        mods: list[nn.Module] = []
        for a, b in zip(dims[:-1], dims[1:], strict=False):
            mods += [nn.Linear(a, b), nn.SiLU()]
        mods.append(nn.Linear(dims[-1], 2))
        self.net = nn.Sequential(*mods)

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor | None = None
    ) -> torch.Tensor:
        # scale t to [0, 1000] so the embedding frequencies suit every T
        emb = timestep_embedding(t.float() * (1000.0 / self.cfg.T), self.cfg.emb_dim)  # (B, E)
        return self.net(torch.cat([x, emb], dim=1))  # (B, 2)


class ToyDiffusionTrainer:
    """Stepper: one step = one Adam step on Algorithm 2's loss over a minibatch of points."""

    def __init__(
        self, cfg: ToyDiffusionConfig, points: np.ndarray, device: str | torch.device = "cpu"
    ):
        self.cfg, self.device = cfg, torch.device(device)
        self.sched: Schedule = make_schedule(cfg.schedule, cfg.T)
        self.x = torch.as_tensor(np.asarray(points, dtype=np.float32)).to(self.device)  # (N, 2)
        torch.manual_seed(cfg.seed)
        self.model = ToyEpsMLP(cfg).to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.g = torch.Generator().manual_seed(cfg.seed)
        self.steps_done = 0
        self.losses: list[float] = []

    def loss(self, x0: torch.Tensor) -> torch.Tensor:
        """The loss of Algorithm 2 for a batch x0:

        L = ||eps - eps_hat(sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) eps, t)||^2
        """
        b = x0.shape[0]
        t = torch.randint(1, self.cfg.T + 1, (b,), generator=self.g).to(self.device)  # t ~ U{1..T}
        eps = torch.randn(x0.shape, generator=self.g).to(self.device)  # eps ~ N(0,I)
        xt = q_sample(self.sched, x0, t, eps)
        return (eps - self.model(xt, t)).pow(2).sum(1).mean()

    def step(self, n: int = 1) -> dict[str, float]:
        self.model.train()
        for _ in range(n):
            idx = torch.randint(0, len(self.x), (self.cfg.batch_size,), generator=self.g)
            loss = self.loss(self.x[idx.to(self.device)])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.steps_done += 1
            self.losses.append(loss.item())
        return {"loss": float(np.mean(self.losses[-n:]))}

    @torch.no_grad()
    def sample(
        self, n: int = 1000, seed: int = 0, S: int | None = None, progress=None
    ) -> Trajectory:
        """Algorithm 3 (DDPM) for n particles: the whole trajectory (T+1, n, 2); with S, a
        deterministic DDIM run of S steps instead (a cheap preview while training).
        ``progress(i, n)`` is called after each step."""
        self.model.eval()
        g = torch.Generator().manual_seed(seed)
        x_T = torch.randn((n, 2), generator=g).to(self.device)
        if S is not None:
            return ddim_sample(
                self.model, self.sched, x_T, S=S, generator=g, record=False, progress=progress
            )
        return ddpm_sample(self.model, self.sched, x_T, generator=g, progress=progress)

    @torch.no_grad()
    def eps_field(
        self, t: int, lim: float = 3.0, n_grid: int = 15
    ) -> tuple[np.ndarray, np.ndarray]:
        """eps_hat(x, t) on an n_grid^2 grid over [-lim, lim]^2: points (G, 2), eps (G, 2)."""
        self.model.eval()
        u = torch.linspace(-lim, lim, n_grid)
        gx, gy = torch.meshgrid(u, u, indexing="xy")
        pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1).to(self.device)  # (G, 2)
        tt = torch.full((len(pts),), max(1, int(t)), dtype=torch.long, device=self.device)
        return pts.cpu().numpy(), self.model(pts, tt).cpu().numpy()
