"""A small U-Net and the same network without skip connections (notes §3.2), on a toy
dense-prediction task built from the shared MNIST split.

Task ("find the digit"): every input is a real MNIST digit with clutter pasted over it: fragments
of *other* digits at random places and strengths, plus Gaussian noise. The target is the digit's
own pixel mask ``y = 1{digit > 0.5}``. Telling the digit's strokes from look-alike fragments needs
context (a large receptive field: the downsampling path), while drawing the mask's exact outline
needs full-resolution detail, which is what the U-Net's copied tensors carry:

    decoder level l:  z_dec^(l) = block( concat[ up(z_dec^(l+1)), z_enc^(l) ] )   (U-Net)
                      z_dec^(l) = block( up(z_dec^(l+1)) )                         (no skips)

with ``up`` a learned transposed convolution (kernel 2, stride 2; notes §3.1). Quality is the
held-out intersection-over-union on the 500 test digits with a fixed clutter seed:

    IoU = |pred ∩ y| / |pred ∪ y|,   pred = 1{sigmoid(logit) > 0.5}   (pooled over all pixels)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.data.mnist import MNIST_SPLIT_TEXT, mnist_split
from core.pretrained import PretrainedSpec, TrainResult
from core.training import run_stepper

HELDOUT_CLUTTER_SEED = 1234  # the fixed clutter of the 500 held-out test inputs


@dataclass(frozen=True)
class UNetConfig:
    channels: tuple[int, int, int] = (16, 32, 64)  # widths at 28x28, 14x14 and the 7x7 bottleneck
    skips: bool = True  # False: the same decoder without the copied encoder tensors
    fragments: int = 4  # clutter: how many fragments of other digits are pasted
    fragment_size: int = 12  # side of each square fragment (pixels)
    noise_std: float = 0.2  # clutter: additive Gaussian noise (inputs clipped to [0, 1])
    steps: int = 1500  # Adam steps (about 21 epochs of 4,500 digits at batch 64)
    batch_size: int = 64
    lr: float = 3e-3  # Adam, cosine-decayed to 0 over `steps`


def make_cluttered(
    digits: torch.Tensor, sources: torch.Tensor, cfg: UNetConfig, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs x (B, 1, 28, 28) in [0, 1] and masks y (B, 1, 28, 28) in {0, 1}.

    y = 1{digit > 0.5}; x = clip(max(digit, fragments) + noise, 0, 1), each fragment a random
    ``fragment_size`` crop of a random image of ``sources`` scaled by U(0.5, 1).
    """
    b, s = digits.shape[0], cfg.fragment_size
    y = (digits > 0.5).float()  # (B, 1, 28, 28)
    clutter = torch.zeros_like(digits)  # (B, 1, 28, 28)
    n = b * cfg.fragments
    src = torch.randint(0, len(sources), (n,), generator=g)
    sy, sx, dy, dx = torch.randint(0, 28 - s + 1, (4, n), generator=g).tolist()
    scale = (0.5 + 0.5 * torch.rand(n, generator=g)).tolist()
    for k, i in enumerate(src.tolist()):
        img = k // cfg.fragments
        patch = sources[i, 0, sy[k] : sy[k] + s, sx[k] : sx[k] + s] * scale[k]
        view = clutter[img, 0, dy[k] : dy[k] + s, dx[k] : dx[k] + s]
        torch.maximum(view, patch, out=view)
    noise = cfg.noise_std * torch.randn(digits.shape, generator=g)
    x = (torch.maximum(digits, clutter) + noise).clamp(0, 1)
    return x, y


def _block(c_in: int, c_out: int) -> nn.Sequential:
    """conv3x3 -> ReLU -> conv3x3 -> ReLU (padding 1 keeps H x W)."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        nn.ReLU(),
    )


class UNet(nn.Module):
    """(B, 1, 28, 28) -> logits (B, 1, 28, 28); two down / two up levels (notes §3.2, Fig. 12)."""

    def __init__(self, cfg: UNetConfig = UNetConfig()):
        super().__init__()
        c1, c2, c3 = cfg.channels
        self.skips = cfg.skips
        self.enc1 = _block(1, c1)  # 28x28
        self.enc2 = _block(c1, c2)  # 14x14
        self.bottleneck = _block(c2, c3)  # 7x7
        self.up2 = nn.ConvTranspose2d(c3, c2, 2, stride=2)  # 7 -> 14: learned upsampling
        self.dec2 = _block(c2 * (2 if cfg.skips else 1), c2)
        self.up1 = nn.ConvTranspose2d(c2, c1, 2, stride=2)  # 14 -> 28
        self.dec1 = _block(c1 * (2 if cfg.skips else 1), c1)
        self.head = nn.Conv2d(c1, 1, 1)  # per-pixel logit

    def levels(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every level's feature map, encoder to decoder, ending with the logits."""
        e1 = self.enc1(x)  # (B, c1, 28, 28)
        e2 = self.enc2(F.max_pool2d(e1, 2))  # (B, c2, 14, 14)
        b = self.bottleneck(F.max_pool2d(e2, 2))  # (B, c3, 7, 7)
        u2 = self.up2(b)  # (B, c2, 14, 14)
        d2 = self.dec2(torch.cat([u2, e2], 1) if self.skips else u2)
        u1 = self.up1(d2)  # (B, c1, 28, 28)
        d1 = self.dec1(torch.cat([u1, e1], 1) if self.skips else u1)
        return {
            "enc1 (28×28)": e1,
            "enc2 (14×14)": e2,
            "bottleneck (7×7)": b,
            "dec2 (14×14)": d2,
            "dec1 (28×28)": d1,
            "logits": self.head(d1),
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.levels(x)["logits"]


class UNetTrainer:
    """Stepper: one step = one Adam step of per-pixel BCE on a freshly cluttered minibatch."""

    def __init__(self, cfg: UNetConfig, seed: int = 0, device: str | torch.device = "cpu"):
        split = mnist_split()
        self.cfg, self.device = cfg, torch.device(device)
        self.x = torch.from_numpy(np.array(split.x_train))  # (4500, 1, 28, 28)
        torch.manual_seed(seed)
        self.model = UNet(cfg).to(self.device)
        self.g = torch.Generator().manual_seed(seed)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / cfg.steps, 1.0)))
        )
        self.steps_done = 0

    def step(self, n: int = 1) -> dict[str, float]:
        self.model.train()
        loss = torch.tensor(float("nan"))
        for _ in range(n):
            idx = torch.randint(0, len(self.x), (self.cfg.batch_size,), generator=self.g)
            xb, yb = make_cluttered(self.x[idx], self.x, self.cfg, self.g)
            loss = F.binary_cross_entropy_with_logits(
                self.model(xb.to(self.device)), yb.to(self.device)
            )
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            self.steps_done += 1
        return {"loss": loss.item()}


def heldout_set(cfg: UNetConfig = UNetConfig()) -> tuple[torch.Tensor, torch.Tensor]:
    """The 500 held-out digits with fixed clutter (fragments of other *test* digits)."""
    x_test = torch.from_numpy(np.array(mnist_split().x_test))  # (500, 1, 28, 28)
    g = torch.Generator().manual_seed(HELDOUT_CLUTTER_SEED)
    return make_cluttered(x_test, x_test, cfg, g)


def iou(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Pooled IoU = |pred ∩ target| / |pred ∪ target| over all pixels of binary masks."""
    p, t = pred.bool(), target.bool()
    union = (p | t).sum().item()
    return float((p & t).sum().item() / union) if union else 1.0


@torch.inference_mode()
def predict_mask(model: UNet, x: torch.Tensor, batch: int = 250) -> torch.Tensor:
    """pred = 1{sigmoid(logit) > 0.5}, i.e. logit > 0; (N, 1, 28, 28) bool on the CPU."""
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([model(x[i : i + batch].to(dev)).cpu() > 0 for i in range(0, len(x), batch)])


def heldout_iou(model: UNet) -> dict[str, float]:
    """Pooled and mean per-image IoU on the 500 held-out cluttered digits."""
    x, y = heldout_set()
    pred = predict_mask(model, x)
    inter = (pred & y.bool()).flatten(1).sum(1).float()
    union = (pred | y.bool()).flatten(1).sum(1).float().clamp_min(1)
    return {"heldout_iou": iou(pred, y), "heldout_iou_mean": float((inter / union).mean())}


def _train(cfg: UNetConfig, seed: int) -> TrainResult:
    trainer = UNetTrainer(cfg, seed)
    last = run_stepper(trainer, cfg.steps, desc="U-Net" if cfg.skips else "U-Net (no skips)")
    model = trainer.model.eval()
    x, y = heldout_set()
    baseline = iou(x > 0.5, y)  # thresholding the cluttered input itself
    return TrainResult(
        model=model,
        steps=trainer.steps_done,
        metrics={
            **heldout_iou(model),
            "final_train_bce": last["loss"],
            "threshold_input_iou": baseline,
        },
        extra={
            "task": "segment the MNIST digit's pixels (>0.5) from fragments of "
            "other digits + Gaussian noise; held-out = the 500 test "
            f"digits with clutter seed {HELDOUT_CLUTTER_SEED}",
            "notes": "threshold_input_iou: IoU of simply thresholding the "
            "cluttered input at 0.5 (the no-learning baseline)",
        },
    )


UNET_CONFIG = UNetConfig()
NOSKIP_CONFIG = UNetConfig(skips=False)

PRETRAINED = (
    PretrainedSpec(
        name="conv_unet",
        description="U-Net (skips) segmenting MNIST digits from clutter",
        config=UNET_CONFIG,
        build=UNet,
        train=_train,
        dataset=MNIST_SPLIT_TEXT,
        seed=0,
    ),
    PretrainedSpec(
        name="conv_unet_noskip",
        description="The same U-Net without skip connections (ablation)",
        config=NOSKIP_CONFIG,
        build=UNet,
        train=_train,
        dataset=MNIST_SPLIT_TEXT,
        seed=0,
    ),
)
