"""A recorded 2-D GAN run (notes §9.2, Algorithm 1): the page's default settings trained for
2,000 generator steps, shipped so the timeline can be scrubbed before anyone trains (issue 12).

The run is `GANTrainer` itself (ring of 8, non-saturating loss + R1 penalty γ = 0.01 on real
data, G averaged with β = 0.99, 3×128 MLPs, Adam 1e-3, batch 256, seed 0), with a timeline
snapshot every 25 generator steps. The weights of (G_ema, D) are kept at `FRAME_STEPS`, the
metrics of every snapshot (modes captured, % high-quality, reverse KL, JS on the 2,500 fixed
evaluation samples) go into the manifest; a test replays the first frames from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn

from core.gan.models import MLPConfig, MLPDiscriminator, MLPGenerator
from core.gan.objectives import get_objective
from core.gan.trainer import GANConfig, GANTrainer
from core.pretrained import PretrainedSpec, TrainResult

TIMELINE_NAME = "gan_ring8_timeline"
# generator steps whose (G_ema, D) weights are kept: dense early, where the field changes most
FRAME_STEPS = (0, 25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000)
_R1 = get_objective("r1")
# the GAN page's default settings (ui/gan/settings.py), every knob written out as the page does
DEFAULT_GAN = GANConfig(dataset="ring8", objective="r1", model=MLPConfig(),
                        r1_gamma=_R1.r1_gamma, g_ema=_R1.g_ema, snapshot_every=25)  # fmt: skip


@dataclass(frozen=True)
class TimelineConfig:
    """The recorded run: its GAN config and the steps whose weights are kept."""

    gan: GANConfig = DEFAULT_GAN  # the page's defaults, so the recording is what Play would do
    frame_steps: tuple[int, ...] = field(default=FRAME_STEPS)  # 14 frames, ~3.8 MB of weights


class RecordedRun(nn.Module):
    """The (G_ema, D) pairs of one run at ``frame_steps``: ``G[i]``, ``D[i]``."""

    def __init__(self, cfg: TimelineConfig = TimelineConfig()):
        super().__init__()
        obj = cfg.gan.recipe()
        mcfg = replace(cfg.gan.model, pack=obj.pack, data_dim=2)
        n = len(cfg.frame_steps)
        self.G = nn.ModuleList(MLPGenerator(mcfg) for _ in range(n))
        self.D = nn.ModuleList(MLPDiscriminator(mcfg) for _ in range(n))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """x = G(z) of the last recorded frame: (B, noise_dim) -> (B, 2)."""
        return self.G[-1](z)


def record(cfg: TimelineConfig, seed: int) -> tuple[RecordedRun, GANTrainer]:
    """Train ``cfg.gan`` (seed ``seed``) to the last frame step; keep the frames' weights."""
    if list(cfg.frame_steps) != sorted(set(cfg.frame_steps)) or cfg.frame_steps[0] != 0:
        raise ValueError(f"frame steps must rise from 0: {cfg.frame_steps}")
    if any(s % cfg.gan.snapshot_every for s in cfg.frame_steps):
        raise ValueError(f"frame steps must be multiples of {cfg.gan.snapshot_every}")
    t = GANTrainer(replace(cfg.gan, seed=seed), "cpu")
    t.step(cfg.frame_steps[-1])
    by_step = {s.step: s for s in t.snapshots}
    run = RecordedRun(cfg)
    for i, step in enumerate(cfg.frame_steps):
        run.G[i].load_state_dict(by_step[step].G_state)
        run.D[i].load_state_dict(by_step[step].D_state)
    return run.eval(), t


def _train(cfg: TimelineConfig, seed: int) -> TrainResult:
    from tqdm import tqdm

    with tqdm(total=1, desc=f"{TIMELINE_NAME}: {cfg.frame_steps[-1]} generator steps") as bar:
        run, t = record(cfg, seed)
        bar.update()
    snaps = t.snapshots
    last = snaps[-1].metrics
    curves = {k: [float(s.metrics.get(k, np.nan)) for s in snaps]
              for k in ("modes", "hq_pct", "reverse_kl", "js")}  # fmt: skip
    return TrainResult(
        model=run,
        steps=t.steps_done,
        metrics={k: float(v) for k, v in last.items()},
        extra={
            "timeline": {
                "steps": [int(s.step) for s in snaps],
                **curves,
                "counts": [[int(c) for c in s.counts] for s in snaps],
            },
            "notes": "metrics of the 2,500 fixed evaluation samples of G_ema at every snapshot "
            "(every 25 generator steps): modes captured (of 8), % high-quality (within 3 sigma of "
            "a mode), reverse KL over the modes, JS estimate (KDE); weights kept at frame_steps",
        },
    )


PRETRAINED = (
    PretrainedSpec(
        name=TIMELINE_NAME,
        description="recorded 2-D GAN run on the ring of 8 (the GAN page's default settings): "
        "G_ema and D at 14 steps of 2,000",
        config=TimelineConfig(),
        build=RecordedRun,
        train=_train,
        dataset="ring of 8 Gaussians (radius 1, sigma 0.01), 20,000 points, seed 0",
    ),
)


def frames_of(run: RecordedRun) -> list[tuple[MLPGenerator, MLPDiscriminator]]:
    """The recorded (G, D) pairs, in step order."""
    return [(g.eval(), d.eval()) for g, d in zip(run.G, run.D, strict=True)]


def replay_matches(run: RecordedRun, cfg: TimelineConfig, n_frames: int = 3) -> float:
    """max |Δ weight| between the first ``n_frames`` recorded frames and a fresh replay of the
    same seed (0 when the recording is what the trainer produces)."""
    short = replace(cfg, frame_steps=cfg.frame_steps[:n_frames])
    again, _ = record(short, seed=0)
    err = 0.0
    for i in range(n_frames):
        for a, b in ((run.G[i], again.G[i]), (run.D[i], again.D[i])):
            for pa, pb in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
                err = max(err, float((pa.detach() - pb.detach()).abs().max()))  # max |Δ w|
    return err
