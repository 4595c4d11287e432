"""Pretrained 2-D flows, one per toy target, so the page shows a fitted flow instantly (notes §8.4).

Each is a RealNVP trained by maximum likelihood on 20,000 points of the target
(``make_toy(target, 20000, seed=0)``) and measured on 10,000 independent held-out points
(``seed=1``). The manifest records the held-out NLL in nats and, where the target's entropy is
known (checkerboard: ln 32), the gap to that best achievable value.

Rebuild one with ``python -m core.pretrained train flow_realnvp_checkerboard``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core.data import make_toy
from core.flows.models import Flow, FlowConfig, build_flow
from core.flows.trainer import BEST_NLL, FlowTrainer, TrainConfig, nll
from core.pretrained import PretrainedSpec, TrainResult
from core.training import run_stepper

# The page's targets (keys of `core.data.make_toy`) with their labels.
TARGETS: dict[str, str] = {
    "moons_density": "two moons",
    "8gaussians": "8 Gaussians",
    "checkerboard": "checkerboard",
    "pinwheel": "pinwheel",
    "2spirals": "2 spirals",
    "rings": "rings",
}
N_TRAIN, N_TEST = 20_000, 10_000
TRAIN_SEED, TEST_SEED = 0, 1


@dataclass(frozen=True)
class PretrainedFlowConfig:
    """What a pretrained flow is: its target, architecture and optimisation."""

    target: str = "moons_density"  # key of core.data.make_toy
    flow: FlowConfig = field(default_factory=FlowConfig)  # RealNVP, 8 steps, width 64
    train: TrainConfig = field(default_factory=lambda: TrainConfig(cosine_steps=6000))
    steps: int = 6000  # Adam steps (≈ 1 min on one CPU thread), cosine-decayed lr
    n_train: int = N_TRAIN  # training points, make_toy(..., seed=0)
    n_test: int = N_TEST  # held-out points, make_toy(..., seed=1)


def pretrained_name(target: str) -> str:
    return f"flow_realnvp_{target}"


def target_data(target: str, n_train: int = N_TRAIN, n_test: int = N_TEST):
    """(x_train, x_test): independent draws of ``target`` (seeds 0 and 1)."""
    return (
        make_toy(target, n_train, seed=TRAIN_SEED).X,
        make_toy(target, n_test, seed=TEST_SEED).X,
    )


def standardise_points(X: np.ndarray, min_distinct: int = 20):
    """A user's points as u = (x - mean) / sd per coordinate: (u (n, 2) float32, mean, sd).

    The base density is N(0, I) and an affine coupling scales by at most e^3 per step, so points
    in pixel or metre units (x ~ 500) start thousands of nats away and look "diverged"; the flow
    is fitted to u, and log p_X(x) = log p_U(u) - Σ_j ln sd_j gives the NLL in the original units.
    Raises ValueError (a message for the user) when the points do not span two dimensions
    (fewer than ``min_distinct`` distinct points, or all on one line): a 2-D density would
    collapse onto them and its NLL fall without bound.
    """
    X = np.asarray(X, dtype=np.float64)  # (n, 2)
    n_distinct = len(np.unique(X, axis=0))
    if n_distinct < min_distinct:
        raise ValueError(
            f"only {n_distinct} distinct point{'s' * (n_distinct != 1)}; a 2-D "
            f"density needs at least "
            f"{min_distinct} (repeated points have unbounded likelihood)"
        )
    mean, sd = X.mean(0), X.std(0)
    if (sd <= 1e-9 * np.maximum(1.0, np.abs(mean))).any():
        raise ValueError(
            "the points do not vary along one coordinate: they lie on a line, and "
            "a 2-D density fitted to them collapses (unbounded likelihood)"
        )
    u = (X - mean) / sd
    ev = np.linalg.eigvalsh(np.cov(u.T))  # ascending
    if ev[0] < 1e-6 * ev[-1]:
        raise ValueError(
            "the points lie on a straight line: a 2-D density fitted to them "
            "collapses onto it (unbounded likelihood)"
        )
    return u.astype(np.float32), mean, sd


def _build(config: PretrainedFlowConfig) -> Flow:
    return build_flow(config.flow)


def _train(config: PretrainedFlowConfig, seed: int) -> TrainResult:
    x_train, x_test = target_data(config.target, config.n_train, config.n_test)
    trainer = FlowTrainer(
        config.flow,
        x_train,
        x_test,
        TrainConfig(**{**config.train.__dict__, "eval_every": 10}),
        device="cpu",
        seed=seed,
    )
    run_stepper(trainer, config.steps, chunk=50, desc=pretrained_name(config.target))
    flow = trainer.flow.eval()
    x_te = torch.as_tensor(x_test)
    metrics = {"test_nll": nll(flow, x_te), "train_nll": nll(flow, torch.as_tensor(x_train))}
    # Monte-Carlo standard error of the held-out NLL: std(log p) / sqrt(n)
    with torch.no_grad():
        metrics["test_nll_se"] = float(flow.log_prob(x_te).std() / np.sqrt(len(x_te)))
    if config.target in BEST_NLL:
        metrics["best_nll"] = BEST_NLL[config.target]
        metrics["gap_to_best"] = metrics["test_nll"] - BEST_NLL[config.target]
    h = trainer.history
    keep = np.unique(np.linspace(0, len(h.steps) - 1, 120).astype(int))
    extra = {
        "curve": {
            "steps": [h.steps[i] for i in keep],
            "train_nll": [round(h.train_nll[i], 4) for i in keep],
            "test_nll": [round(h.test_nll[i], 4) for i in keep],
        },
        "data": f"make_toy({config.target!r}, {config.n_train}, seed={TRAIN_SEED}) train / "
        f"make_toy({config.target!r}, {config.n_test}, seed={TEST_SEED}) held out",
    }
    return TrainResult(model=flow, steps=trainer.steps_done, metrics=metrics, extra=extra)


def _spec(target: str, config: PretrainedFlowConfig) -> PretrainedSpec:
    return PretrainedSpec(
        name=pretrained_name(target),
        description=f"RealNVP ({config.flow.n_steps} affine couplings, width "
        f"{config.flow.hidden}) fitted to {TARGETS[target]}",
        config=config,
        build=_build,
        train=_train,
        dataset=f"core.data.make_toy({target!r}): {config.n_train} train "
        f"(seed 0) / {config.n_test} held out (seed 1)",
        seed=0,
    )


PRETRAINED_CONFIGS: dict[str, PretrainedFlowConfig] = {
    t: PretrainedFlowConfig(target=t) for t in TARGETS if t != "checkerboard"
}
# The checkerboard's sharp edges need more capacity and steps to approach ln 32.
PRETRAINED_CONFIGS["checkerboard"] = PretrainedFlowConfig(
    target="checkerboard",
    flow=FlowConfig(n_steps=10, hidden=96),
    train=TrainConfig(cosine_steps=8000),
    steps=8000,
)

PRETRAINED = tuple(_spec(t, PRETRAINED_CONFIGS[t]) for t in TARGETS)
