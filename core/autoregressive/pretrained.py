"""The measured §7 ladder: independent Bernoulli -> FVSBN -> NADE -> MADE -> PixelCNN -> gated.

Every model is trained by `ARTrainer` (Adam, teacher forcing, best validation epoch kept) on the
binarised shared split (`core.autoregressive.data`), and ``_train`` MEASURES on the 500 held-out
digits: NLL in nats/image and bits/dim, free parameters (vs the notes' formulas), the time to
evaluate log p(x) for the 500 digits and to sample 16, and the judge's scores of 64 samples
(which ship in the manifest as bits, so the page shows them without n network passes each).

Rebuild any of them with ``python -m core.pretrained train ar_nade`` (one torch thread).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from core.autoregressive.base import ARModel, mean_nll, nats_to_bits_per_dim
from core.autoregressive.data import SPLIT_TEXT, binarized_split
from core.autoregressive.fvsbn import FVSBN, ARConfig, IndependentBernoulli, IndependentConfig
from core.autoregressive.made import MADE, MADEConfig
from core.autoregressive.nade import NADE, NADEConfig
from core.autoregressive.pixelcnn import PixelCNNConfig, build
from core.autoregressive.trainer import ARTrainer, TrainConfig
from core.autoregressive.vrnn import VRNNConfig, VRNNPair, train_pair
from core.autoregressive.wavenet import WaveNet, WaveNetConfig
from core.autoregressive.wavenet import _train as wavenet_train
from core.pretrained import PretrainedSpec, TrainResult

N_SAMPLES = 64  # samples judged (the first 16 are timed) and shipped in the manifest
SAMPLE_SEED = 1234
# published NLLs on the stochastically binarised 60k/10k MNIST (nats): reference lines only
PUBLISHED_NATS = {
    "NADE (Uria et al. 2016)": 88.3,
    "EoNADE-5 (Uria et al. 2014)": 84.7,
    "PixelCNN (van den Oord et al. 2016)": 81.3,
    "PixelRNN (van den Oord et al. 2016)": 79.2,
}


@dataclass(frozen=True)
class LadderConfig:
    """A model config plus how it is trained; the pair names the pretrained file."""

    model: object
    train: TrainConfig


def build_model(cfg: LadderConfig) -> ARModel:
    m = cfg.model
    if isinstance(m, MADEConfig):
        return MADE(m)
    if isinstance(m, NADEConfig):
        return NADE(m)
    if isinstance(m, PixelCNNConfig):
        return build(m)
    if isinstance(m, IndependentConfig):
        return IndependentBernoulli(m)
    if isinstance(m, ARConfig):
        return FVSBN(m)
    raise ValueError(f"unknown autoregressive config: {type(m).__name__}")


# Sized for a shared 2-core CPU (one torch thread, a few minutes each): fewer epochs and
# narrower nets than the papers; the best validation epoch is kept.
CONFIGS: dict[str, LadderConfig] = {
    "ar_bernoulli": LadderConfig(IndependentConfig(), TrainConfig(epochs=0)),
    "ar_fvsbn": LadderConfig(ARConfig(), TrainConfig(epochs=15, lr=3e-3)),
    "ar_fvsbn_random": LadderConfig(ARConfig(ordering="random"), TrainConfig(epochs=15, lr=3e-3)),
    "ar_nade": LadderConfig(NADEConfig(), TrainConfig(epochs=5, batch_size=32, lr=2e-3)),
    "ar_nade_random": LadderConfig(  # the raster NADE's budget, one fixed random permutation
        NADEConfig(ordering="random"), TrainConfig(epochs=5, batch_size=32, lr=2e-3)
    ),
    "ar_made": LadderConfig(MADEConfig(), TrainConfig(epochs=15)),
    "ar_made_ensemble": LadderConfig(MADEConfig(num_masks=8), TrainConfig(epochs=10)),
    "ar_pixelcnn": LadderConfig(
        PixelCNNConfig(channels=16, layers=5), TrainConfig(epochs=3, batch_size=32, lr=2e-3)
    ),
    "ar_gated_pixelcnn": LadderConfig(
        PixelCNNConfig(channels=16, layers=5, gated=True),
        TrainConfig(epochs=1, batch_size=32, lr=2e-3),
    ),
}
LABELS = {
    "ar_bernoulli": "independent Bernoulli",
    "ar_fvsbn": "FVSBN",
    "ar_fvsbn_random": "FVSBN (random order)",
    "ar_nade": "NADE (raster order)",
    "ar_nade_random": "NADE (random order)",
    "ar_made": "MADE (1 mask)",
    "ar_made_ensemble": "MADE (8 masks, log-mean-exp)",
    "ar_pixelcnn": "PixelCNN",
    "ar_gated_pixelcnn": "gated PixelCNN",
}


def formula_parameters(name: str, model: ARModel) -> int:
    """The notes' count: n for independent, n(n+1)/2 for FVSBN, 2nd + n + d for NADE; the
    unmasked weights for MADE/PixelCNN (no closed form in the notes)."""
    n = model.n
    if name == "ar_bernoulli":
        return n
    if name.startswith("ar_fvsbn"):
        return n * (n + 1) // 2
    if name.startswith("ar_nade"):
        d = model.cfg.d
        return 2 * n * d + n + d
    return model.free_parameters()


def bits_hex(x: torch.Tensor) -> str:
    """(N, ...) {0, 1} -> hex string of the packed bits (how samples ship in a manifest)."""
    return np.packbits(x.reshape(-1).numpy().astype(np.uint8)).tobytes().hex()


def hex_bits(s: str, n: int, shape=(1, 28, 28)) -> np.ndarray:
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(s), dtype=np.uint8))
    size = int(np.prod(shape))
    return bits[: n * size].reshape(n, *shape).astype(np.float32)


@torch.no_grad()
def measure(name: str, model: ARModel, x_test: torch.Tensor) -> tuple[dict, dict]:
    """Held-out NLL, timings, free parameters and judged samples: (metrics, manifest extras)."""
    from core.judge import judge_scores

    model.eval()
    t0 = time.perf_counter()
    nll = mean_nll(model, x_test)
    t_eval = time.perf_counter() - t0
    metrics = {
        "test_nll_nats": nll,
        "test_bits_per_dim": nats_to_bits_per_dim(nll, model.n),
        "free_parameters": float(model.free_parameters()),
        "formula_parameters": float(formula_parameters(name, model)),
        "eval_500_s": t_eval,
    }
    if isinstance(model, MADE) and model.cfg.num_masks > 1:
        metrics["test_nll_nats"] = float(-model.log_prob_ensemble(x_test).mean())
        metrics["test_bits_per_dim"] = nats_to_bits_per_dim(metrics["test_nll_nats"], model.n)
        metrics["test_nll_mask0_nats"] = nll
        metrics["test_nll_average_logits_nats"] = float(
            -model.log_prob_average_logits(x_test).mean()
        )
    g = torch.Generator().manual_seed(SAMPLE_SEED)
    t0 = time.perf_counter()
    first = model.sample(16, g)
    metrics["sample_16_s"] = time.perf_counter() - t0
    samples = torch.cat([first, model.sample(N_SAMPLES - 16, g)]).cpu()
    s = judge_scores(samples)
    metrics.update(judge_entropy=s.entropy, judge_frechet=s.frechet, judge_confidence=s.confidence)
    extra = {"samples_hex": bits_hex(samples), "samples_n": N_SAMPLES}
    return metrics, extra


def _train(name: str):
    def train(cfg: LadderConfig, seed: int) -> TrainResult:
        torch.manual_seed(seed)
        data = binarized_split()
        model = build_model(cfg)
        t0 = time.perf_counter()
        history, steps, best_epoch = [], 0, 0
        if isinstance(model, IndependentBernoulli):
            model.fit_closed_form(torch.cat([data["train"], data["val"]]))
        else:
            trainer = ARTrainer(model, cfg.train, seed, data)
            from tqdm import tqdm

            with tqdm(total=trainer.total_steps, desc=name, mininterval=5) as bar:
                while trainer.steps_done < trainer.total_steps:
                    m = trainer.step(min(50, trainer.total_steps - trainer.steps_done))
                    if not all(math.isfinite(v) for v in m.values()):
                        raise FloatingPointError(f"{name}: non-finite loss {m}")
                    bar.update(trainer.steps_done - bar.n)
            model = trainer.best_model()
            history, steps, best_epoch = trainer.history, trainer.steps_done, trainer.best_epoch
        train_s = time.perf_counter() - t0
        metrics, extra = measure(name, model, data["test"])
        metrics["train_s"] = train_s
        metrics["best_epoch"] = float(best_epoch)
        extra["val_history"] = history
        extra["notes"] = (
            f"{LABELS[name]}; trained with one torch thread on a shared 2-core CPU; best "
            "validation epoch kept (val = the last 450 training digits); NLL on the 500 "
            f"held-out digits; {N_SAMPLES} samples (seed {SAMPLE_SEED}) judged, the first 16 timed"
        )
        return TrainResult(model=model, steps=steps, metrics=metrics, extra=extra)

    return train


def _sample(model: ARModel, n: int, seed: int) -> torch.Tensor:
    return model.sample(n, torch.Generator().manual_seed(int(seed))).cpu()


PRETRAINED_LADDER = tuple(
    PretrainedSpec(
        name=name,
        description=f"§7 {LABELS[name]} on binarised MNIST",
        config=cfg,
        build=build_model,
        train=_train(name),
        dataset=SPLIT_TEXT,
        seed=0,
        sample=_sample,
    )
    for name, cfg in CONFIGS.items()
)

PRETRAINED = (
    *PRETRAINED_LADDER,
    PretrainedSpec(
        name="ar_wavenet",
        description="§7.5 a small WaveNet (dilated causal convs, μ-law) on generated 1-D signals",
        config=WaveNetConfig(),
        build=WaveNet,
        train=wavenet_train,
        dataset="generated signals: two sines + a chirp (core.autoregressive.wavenet.signals)",
        seed=0,
    ),
    PretrainedSpec(
        name="ar_vrnn",
        description="§7.6 a variational RNN and a plain Gaussian RNN on generated 1-D signals",
        config=VRNNConfig(),
        build=VRNNPair,
        train=train_pair,
        dataset="generated signals: two sines + a chirp (core.autoregressive.wavenet.signals), "
        "unquantised; 1,024 train (seed 1), 128 held-out (seed 2)",
        seed=0,
    ),
)
