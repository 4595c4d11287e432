"""The 2-D GAN training stepper (notes §9.2, Algorithm 1) with slow motion and a timeline.

One *iteration* (``step(1)``) is Algorithm 1's loop body: ``d_steps`` discriminator updates
(`d_step`) followed by one generator update (`g_step`). The page can also call `d_step` and
`g_step` on their own ("slow motion"). Every ``snapshot_every`` iterations the trainer stores a
`Snapshot` (copies of G's and D's weights plus the metrics of 2,500 samples from a fixed noise
batch), so a timeline slider can scrub back through the run.

Unrolled GAN (Metz et al. 2017): `g_step` copies D and its optimiser state, runs k more D updates,
takes the generator's gradient against the unrolled D_k (first-order: the gradient does not flow
back through the k updates, as in most re-implementations), then restores D and its optimiser, so
the unroll only ever changes G.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from core.data.toy2d import make_toy
from core.gan.metrics import N_EVAL, dataset_mode_metrics
from core.gan.models import MLPConfig, MLPDiscriminator, MLPGenerator
from core.gan.objectives import (
    Objective,
    clip_weights,
    d_loss,
    g_loss,
    get_objective,
    gradient_penalty,
    r1_penalty,
)
from core.gan.theory import default_bandwidth, js_estimate

OPTIMIZERS = ("adam", "sgd", "rmsprop")
CUSTOM = "custom"  # dataset name used for uploaded points


@dataclass(frozen=True)
class GANConfig:
    """One 2-D GAN experiment. ``None`` regulariser fields take the objective's default."""

    dataset: str = "ring8"  # a core.data.make_toy name, or "custom" for uploaded points
    objective: str = "r1"  # key of core.gan.objectives.OBJECTIVES (the recommended remedy)
    model: MLPConfig = MLPConfig()
    d_steps: int = 1  # k of Algorithm 1: D updates per G update
    opt_g: str = "adam"  # one of OPTIMIZERS, per network
    opt_d: str = "adam"
    lr_g: float = 1e-3  # Adam(0.5, 0.999) learning rates; 1e-3 trains 2-D MLPs quickly
    lr_d: float = 1e-3
    batch_size: int = 256  # samples per update (per pack slot for PacGAN)
    clip: float | None = None  # WGAN weight clip c
    gp_lambda: float | None = None  # WGAN-GP lambda
    r1_gamma: float | None = None  # R1 gamma
    unroll: int | None = None  # unrolled-GAN k
    pack: int | None = None  # PacGAN m
    lr_decay_steps: int = 0  # >0: both learning rates decay linearly to 10% by this step
    g_ema: float | None = None  # >0: evaluate an exponential moving average of G's weights
    n_data: int = 20_000  # size of the fixed pool of real points drawn from the dataset
    snapshot_every: int = 100  # iterations between stored snapshots (timeline + metrics)
    max_snapshots: int = 120  # older snapshots are thinned to stay under this many
    seed: int = 0

    def recipe(self) -> Objective:
        """The objective with this config's overrides applied."""
        o = get_objective(self.objective)
        over = {
            k: v
            for k, v in dict(
                clip=self.clip,
                gp_lambda=self.gp_lambda,
                r1_gamma=self.r1_gamma,
                unroll=self.unroll,
                pack=self.pack,
                g_ema=self.g_ema,
            ).items()
            if v is not None
        }
        return replace(o, **over)


@dataclass
class Snapshot:
    step: int
    G_state: dict
    D_state: dict
    metrics: dict[str, float]
    counts: np.ndarray | None  # (K,) HQ samples per mode, None without modes


def _make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer: {name!r}; choose from {', '.join(OPTIMIZERS)}")


def _state_copy(module: torch.nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class GANTrainer:
    """Stepper for a 2-D GAN: ``step(n)``, ``d_step()``, ``g_step()``, ``snapshots``."""

    def __init__(
        self,
        cfg: GANConfig = GANConfig(),
        device: str | torch.device = "cpu",
        points: np.ndarray | None = None,
    ):
        self.cfg, self.device = cfg, torch.device(device)
        self.obj = cfg.recipe()
        if cfg.d_steps < 1 or cfg.batch_size < 2:
            raise ValueError("d_steps must be >= 1 and batch_size >= 2")
        if cfg.dataset == CUSTOM:
            if points is None:
                raise ValueError("dataset 'custom' needs points")
            data = np.asarray(points, dtype=np.float32)
        else:
            data = make_toy(cfg.dataset, cfg.n_data, seed=cfg.seed).X
        self.data_np = data  # (N, 2)
        self.data = torch.from_numpy(data).to(self.device)
        torch.manual_seed(cfg.seed)
        mcfg = replace(cfg.model, pack=self.obj.pack, data_dim=data.shape[1])
        self.G = MLPGenerator(mcfg).to(self.device)
        self.D = MLPDiscriminator(mcfg).to(self.device)
        self.opt_g = _make_optimizer(cfg.opt_g, self.G.parameters(), cfg.lr_g)
        self.opt_d = _make_optimizer(cfg.opt_d, self.D.parameters(), cfg.lr_d)
        self.gen = torch.Generator().manual_seed(cfg.seed + 1)
        # G_ema <- g_ema * G_ema + (1 - g_ema) * G after every G update (Yazici et al. 2019)
        self.G_ema = copy.deepcopy(self.G).eval() if self.obj.g_ema > 0 else None
        # fixed noise for the metrics, so curves over time are comparable
        self.z_eval = torch.randn(
            N_EVAL, mcfg.noise_dim, generator=torch.Generator().manual_seed(10_000 + cfg.seed)
        )
        self.bandwidth = default_bandwidth(cfg.dataset, data)
        self.steps_done = 0  # generator updates (iterations of Algorithm 1)
        self.d_updates = 0
        self.last: dict[str, float] = {}
        self.snapshots: list[Snapshot] = []
        self._snapshot()

    # ------------------------------------------------------------------ sampling
    def _z(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.G.cfg.noise_dim, generator=self.gen).to(self.device)  # (n, d)

    def _real(self, n: int) -> torch.Tensor:
        idx = torch.randint(0, len(self.data), (n,), generator=self.gen).to(self.device)
        return self.data[idx]  # (n, 2)

    def _d_in(self, x: torch.Tensor) -> torch.Tensor:
        return self.D.packed(x) if self.obj.pack > 1 else x  # (B, m*2)

    # ------------------------------------------------------------------ updates
    def _d_update(self) -> dict[str, float]:
        o, m, b = self.obj, self.obj.pack, self.cfg.batch_size
        x_real = self._d_in(self._real(b * m))
        with torch.no_grad():
            x_fake = self._d_in(self.G(self._z(b * m)))
        l_real, l_fake = self.D(x_real), self.D(x_fake)
        loss = d_loss(o.loss, l_real, l_fake)
        if o.gp_lambda > 0:
            eps = torch.rand(x_real.shape[0], 1, generator=self.gen).to(self.device)
            loss = loss + o.gp_lambda * gradient_penalty(self.D, x_real, x_fake, eps)
        if o.r1_gamma > 0:
            loss = loss + 0.5 * o.r1_gamma * r1_penalty(self.D, x_real)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if o.clip > 0:
            clip_weights(self.D, o.clip)
        self.d_updates += 1
        out = {"loss_d": loss.item()}
        if o.loss == "wasserstein":
            out["critic_gap"] = (l_real.mean() - l_fake.mean()).item()  # estimate of W1
        else:
            out["D_real"] = torch.sigmoid(l_real).mean().item()
            out["D_fake"] = torch.sigmoid(l_fake).mean().item()
        return out

    def d_step(self) -> dict[str, float]:
        """One discriminator update (slow motion)."""
        self.last.update(self._d_update())
        return dict(self.last)

    def g_step(self) -> dict[str, float]:
        """One generator update (against D unrolled k steps when the objective says so)."""
        o, m, b = self.obj, self.obj.pack, self.cfg.batch_size
        backup = None
        if o.unroll > 0:
            backup = (_state_copy(self.D), copy.deepcopy(self.opt_d.state_dict()), self.d_updates)
            for _ in range(o.unroll):
                self._d_update()
        loss = g_loss(o.loss, self.D(self._d_in(self.G(self._z(b * m)))))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.D.zero_grad(set_to_none=True)
        if backup is not None:
            self.D.load_state_dict(backup[0])
            self.opt_d.load_state_dict(backup[1])
            self.d_updates = backup[2]
        self.steps_done += 1
        if self.G_ema is not None:
            with torch.no_grad():
                for pe, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=False):
                    pe.lerp_(p, 1.0 - self.obj.g_ema)
        if self.cfg.lr_decay_steps > 0:
            f = 1.0 - 0.9 * min(self.steps_done / self.cfg.lr_decay_steps, 1.0)
            for opt, lr in ((self.opt_g, self.cfg.lr_g), (self.opt_d, self.cfg.lr_d)):
                for group in opt.param_groups:
                    group["lr"] = lr * f
        self.last["loss_g"] = loss.item()
        if self.steps_done % self.cfg.snapshot_every == 0:
            self._snapshot()
        return dict(self.last)

    def step(self, n: int = 1) -> dict[str, float]:
        """n iterations of Algorithm 1: d_steps D updates then one G update each."""
        for _ in range(n):
            for _ in range(self.cfg.d_steps):
                self.last.update(self._d_update())
            self.g_step()
            if not all(math.isfinite(v) for v in self.last.values()):
                break
        return self.metrics()

    # ------------------------------------------------------------------ evaluation
    @torch.no_grad()
    def sample(self, n: int | None = None) -> np.ndarray:
        """G(z) for the fixed evaluation noise (first n of 2,500) as float32 (n, 2)."""
        z = self.z_eval if n is None else self.z_eval[:n]
        G = self.generator()
        return G(z.to(self.device)).cpu().numpy().astype(np.float32)

    def generator(self) -> MLPGenerator:
        """The generator that is evaluated and drawn: G_ema when enabled, else G."""
        return self.G_ema if self.G_ema is not None else self.G.eval()

    def evaluate(self) -> tuple[dict[str, float], np.ndarray | None]:
        x = self.sample()
        out: dict[str, float] = {}
        mm = dataset_mode_metrics(x, self.cfg.dataset)
        if mm is not None:
            out.update(mm.as_dict())
        if np.isfinite(x).all():
            _, js = js_estimate(self.data_np[:1000], x[:1000], self.bandwidth)
            out["js"] = js
        else:
            out["js"] = float("nan")
        return out, (None if mm is None else mm.counts)

    def _snapshot(self) -> None:
        ev, counts = self.evaluate()
        self.snapshots.append(
            Snapshot(
                self.steps_done, _state_copy(self.generator()), _state_copy(self.D), ev, counts
            )
        )
        if len(self.snapshots) > self.cfg.max_snapshots:  # thin: keep the first and every other
            self.snapshots = self.snapshots[:1] + self.snapshots[2::2]

    def metrics(self) -> dict[str, float]:
        """Last losses plus the latest snapshot's evaluation (modes, hq_pct, reverse_kl, js)."""
        out = dict(self.last)
        out.update(self.snapshots[-1].metrics)
        return out

    def models_at(self, i: int) -> tuple[MLPGenerator, MLPDiscriminator]:
        """Fresh G and D loaded with snapshot i's weights (the live ones stay untouched)."""
        s = self.snapshots[i]
        G, D = copy.deepcopy(self.G), copy.deepcopy(self.D)
        G.load_state_dict(s.G_state)
        D.load_state_dict(s.D_state)
        return G.eval(), D.eval()


def run_seed(cfg: GANConfig, iterations: int, device: str | torch.device = "cpu"):
    """Train one config for ``iterations`` and return the final evaluation (2,500 samples)."""
    t = GANTrainer(replace(cfg, snapshot_every=max(iterations, 1)), device)
    t.step(iterations)
    ev, counts = t.evaluate()
    return ev, counts, t
