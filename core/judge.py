"""The judge: a small MNIST CNN classifier that scores every generative model's digits.

Trained on the shared 4,500-digit split (``core.data.mnist_split``), evaluated on the 500
held-out digits. `judge_scores` turns a batch of generated digits into three numbers:

* judged class accuracy  = mean_i 1{argmax_c p(c | x_i) = y_i}      (when labels are given)
* class-histogram entropy H(h) = -sum_c h_c log h_c, with h_c the fraction judged as c
  (uniform over 10 classes = ln 10 = 2.303 nats; a collapsed generator scores near 0)
* Frechet distance in the judge's penultimate feature space (as FID does with Inception):
  FD = ||mu_g - mu_r||^2 + Tr(S_g + S_r - 2 (S_g^{1/2} S_r S_g^{1/2})^{1/2})
  against the 500 held-out digits.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.data.mnist import MNIST_SPLIT_TEXT, mnist_split
from core.pretrained import PretrainedSpec, TrainResult
from core.training import run_stepper


@dataclass(frozen=True)
class JudgeConfig:
    channels: tuple[int, int] = (32, 64)  # conv widths of the two conv blocks
    feature_dim: int = 128  # penultimate layer: the Frechet feature space
    dropout: float = 0.3  # before the classifier head
    epochs: int = 30  # passes over the 4,500 training digits
    batch_size: int = 64
    lr: float = 2e-3  # AdamW, cosine-decayed to 0
    weight_decay: float = 1e-4
    max_shift: int = 2  # augmentation: random translation in pixels
    max_rotate_deg: float = 10.0  # augmentation: random rotation


class JudgeCNN(nn.Module):
    """(B, 1, 28, 28) -> [conv3-conv3-pool] x 2 -> (B, feature_dim) features -> (B, 10) logits."""

    def __init__(self, cfg: JudgeConfig = JudgeConfig()):
        super().__init__()
        c1, c2 = cfg.channels
        self.conv = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c1, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, c1, 14, 14)
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c2, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (B, c2, 7, 7)
        )
        self.features_head = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * 49, cfg.feature_dim), nn.ReLU()
        )
        self.dropout = nn.Dropout(cfg.dropout)
        self.classifier = nn.Linear(cfg.feature_dim, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations (B, feature_dim): the space of the Frechet distance."""
        return self.features_head(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.features(x)))  # (B, 10) logits


def _augment(x: torch.Tensor, cfg: JudgeConfig, g: torch.Generator) -> torch.Tensor:
    """Random rotation (+-max_rotate_deg) and translation (+-max_shift px) by one affine warp."""
    b = x.shape[0]
    angle = (torch.rand(b, generator=g) * 2 - 1) * math.radians(cfg.max_rotate_deg)
    shift = (torch.rand(b, 2, generator=g) * 2 - 1) * (2 * cfg.max_shift / 28)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


class JudgeTrainer:
    """Stepper: one step = one AdamW minibatch step of cross-entropy on augmented digits."""

    def __init__(self, cfg: JudgeConfig, seed: int = 0, device: str | torch.device = "cpu"):
        split = mnist_split()
        self.cfg, self.device = cfg, torch.device(device)
        self.x = torch.from_numpy(np.array(split.x_train)).to(self.device)
        self.y = torch.from_numpy(np.array(split.y_train)).to(self.device)
        torch.manual_seed(seed)
        self.model = JudgeCNN(cfg).to(self.device)
        self.g = torch.Generator().manual_seed(seed)
        self.steps_per_epoch = math.ceil(len(self.x) / cfg.batch_size)
        self.total_steps = cfg.epochs * self.steps_per_epoch
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / self.total_steps, 1.0)))
        )
        self.steps_done = 0
        self._order = torch.empty(0, dtype=torch.long)

    def step(self, n: int = 1) -> dict[str, float]:
        self.model.train()
        loss = torch.tensor(float("nan"))
        for _ in range(n):
            k = self.steps_done % self.steps_per_epoch
            if k == 0:
                self._order = torch.randperm(len(self.x), generator=self.g)
            idx = self._order[k * self.cfg.batch_size : (k + 1) * self.cfg.batch_size].to(
                self.device
            )
            xb = _augment(self.x[idx].cpu(), self.cfg, self.g).to(self.device)
            loss = F.cross_entropy(self.model(xb), self.y[idx])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.sched.step()
            self.steps_done += 1
        return {"loss": loss.item()}


@torch.inference_mode()
def predict(
    judge: JudgeCNN, images: torch.Tensor, batch: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities (N, 10) and features (N, feature_dim) of images (N, 1, 28, 28).

    Images are in [0, 1].
    """
    judge.eval()
    dev = next(judge.parameters()).device
    probs, feats = [], []
    for i in range(0, len(images), batch):
        xb = images[i : i + batch].to(dev, torch.float32)
        f = judge.features(xb)
        probs.append(F.softmax(judge.classifier(f), dim=1).cpu())
        feats.append(f.cpu())
    return torch.cat(probs), torch.cat(feats)


def heldout_accuracy(judge: JudgeCNN) -> float:
    split = mnist_split()
    probs, _ = predict(judge, torch.from_numpy(np.array(split.x_test)))
    return float((probs.argmax(1).numpy() == split.y_test).mean())


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1^{1/2} S2 S1^{1/2})^{1/2}), via symmetric eigensolves."""
    w, v = np.linalg.eigh(s1)
    s1_half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = s1_half @ s2 @ s1_half
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def _stats(feats: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    f = feats.double().numpy()
    return f.mean(0), np.cov(f, rowvar=False)


_REFERENCE: weakref.WeakKeyDictionary[JudgeCNN, tuple] = weakref.WeakKeyDictionary()


def reference_stats(judge: JudgeCNN) -> tuple[np.ndarray, np.ndarray]:
    """Feature mean and covariance of the 500 held-out digits (computed once per judge)."""
    if judge not in _REFERENCE:
        _, feats = predict(judge, torch.from_numpy(np.array(mnist_split().x_test)))
        _REFERENCE[judge] = _stats(feats)
    return _REFERENCE[judge]


@dataclass(frozen=True)
class JudgeScores:
    n: int
    accuracy: float | None  # judged class accuracy (None without labels)
    class_histogram: np.ndarray  # (10,) fraction of samples judged as each class
    entropy: float  # nats; ln 10 = 2.303 is uniform
    frechet: float  # FD to the held-out digits in judge features
    confidence: float  # mean max-probability (how sure the judge is)

    def as_dict(self) -> dict[str, float]:
        d = {
            "n": self.n,
            "entropy": self.entropy,
            "frechet": self.frechet,
            "confidence": self.confidence,
        }
        if self.accuracy is not None:
            d["accuracy"] = self.accuracy
        return d


def judge_scores(
    images: torch.Tensor | np.ndarray, labels=None, judge: JudgeCNN | None = None
) -> JudgeScores:
    """Score generated digits (N, 1, 28, 28) in [0, 1] (N >= 2); labels (N,) are optional.

    ``judge`` defaults to the shipped pretrained judge (``pretrained/judge.safetensors``).
    """
    if judge is None:
        from core.pretrained import load

        judge, _ = load("judge")
    x = (
        torch.as_tensor(np.asarray(images, dtype=np.float32))
        if not torch.is_tensor(images)
        else images.detach().float().cpu()
    )
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28) or len(x) < 2:
        raise ValueError(f"judge_scores expects (N>=2, 1, 28, 28) images, got {tuple(x.shape)}")
    probs, feats = predict(judge, x.clamp(0, 1))
    pred = probs.argmax(1).numpy()
    hist = np.bincount(pred, minlength=10) / len(pred)
    nz = hist[hist > 0]
    entropy = float(-(nz * np.log(nz)).sum())
    mu_r, s_r = reference_stats(judge)
    mu_g, s_g = _stats(feats)
    acc = None
    if labels is not None:
        acc = float((pred == np.asarray(labels).reshape(-1)).mean())
    return JudgeScores(
        n=len(x),
        accuracy=acc,
        class_histogram=hist,
        entropy=entropy,
        frechet=frechet_distance(mu_g, s_g, mu_r, s_r),
        confidence=float(probs.max(1).values.mean()),
    )


def _train(cfg: JudgeConfig, seed: int) -> TrainResult:
    trainer = JudgeTrainer(cfg, seed)
    run_stepper(trainer, trainer.total_steps, desc="judge")
    model = trainer.model.eval()
    split = mnist_split()
    # Reference value: 500 *real* training digits scored like a generator would be.
    real = judge_scores(np.array(split.x_train[::9][:500]), split.y_train[::9][:500], judge=model)
    return TrainResult(
        model=model,
        steps=trainer.steps_done,
        metrics={
            "heldout_accuracy": heldout_accuracy(model),
            "real_train500_frechet": real.frechet,
            "real_train500_entropy": real.entropy,
        },
        extra={
            "notes": "real_train500_*: 500 real training digits scored against the held-out "
            "digits: the Frechet distance a perfect generator would roughly reach"
        },
    )


PRETRAINED = (
    PretrainedSpec(
        name="judge",
        description="MNIST CNN classifier that scores generated digits",
        config=JudgeConfig(),
        build=JudgeCNN,
        train=_train,
        dataset=MNIST_SPLIT_TEXT,
        seed=0,
    ),
)
