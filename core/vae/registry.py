"""Pretrained autoencoders of notes §6, all trained on the shared 4,500 / 500 MNIST split.

Every ``train`` function runs a stepper from its seed and MEASURES on the 500 held-out digits:
reconstruction -log p(x|z) (nats/image), KL (nats/image), the negative ELBO, active units
(Burda et al. 2016: Var_x(mu_j(x)) > 0.01), and the judge's scores of 1,000 samples
(`core.judge.judge_scores`: class-histogram entropy, Fréchet distance in judge features).

``vae_ref_400_20`` is the pytorch/examples ``vae/main.py`` architecture (784-400-20, ReLU,
Adam 1e-3, batch 128) trained by the same stepper for the same epochs: the bar for ``vae_16d``.
"""

from __future__ import annotations

import dataclasses

import torch

from core.data.mnist import MNIST_SPLIT_TEXT
from core.pretrained import PretrainedSpec, TrainResult
from core.training import run_stepper
from core.vae.models import (
    AEConfig,
    LinearAEConfig,
    MLPAutoencoder,
    build_linear,
    build_mlp,
    sample_prior,
)
from core.vae.objectives import evaluate
from core.vae.pca import fit_pca, pca_reconstruct, principal_angles, squared_error
from core.vae.trainer import AETrainer, LinearAETrainer, test_images, train_images

EPOCHS = 30  # the same for every MLP model here, the reference included
N_JUDGED = 1000  # samples scored by the judge
BETAS = (0.25, 1.0, 4.0, 8.0)

# ours: two ELU layers and Adam at 2e-3 (measured better held-out -ELBO than 784-400-20 ReLU
# at 1e-3 for the same 30 epochs; see the vae_ref_400_20 manifest and BENCHMARKS.md)
VAE_16D = AEConfig(latent_dim=16, hidden=(512, 256), epochs=EPOCHS, lr=2e-3, activation="elu")
CONFIGS: dict[str, object] = {
    "ae_linear": LinearAEConfig(),
    "ae_mlp16": dataclasses.replace(VAE_16D, variational=False),
    "vae_2d": dataclasses.replace(VAE_16D, latent_dim=2),
    "vae_16d": VAE_16D,
    "vae_beta_0p25": dataclasses.replace(VAE_16D, beta=0.25),
    "vae_beta_4": dataclasses.replace(VAE_16D, beta=4.0),
    "vae_beta_8": dataclasses.replace(VAE_16D, beta=8.0),
    "vae_ref_400_20": AEConfig(latent_dim=20, hidden=(400,), epochs=EPOCHS),
}
BETA_MODELS = {0.25: "vae_beta_0p25", 1.0: "vae_16d", 4.0: "vae_beta_4", 8.0: "vae_beta_8"}


@torch.inference_mode()
def fit_code_gaussian(model: MLPAutoencoder, x: torch.Tensor) -> None:
    """Store the mean and Cholesky factor of the training codes in the model's buffers.

    A deterministic AE has no prior to sample from; its "samples" are g(z), z ~ N(m, S) fitted
    to the training codes (the best a Gaussian can do), which shows its holes honestly.
    """
    z = model.embed(x).double()  # (N, d)
    m = z.mean(0)
    cov = torch.cov(z.T).reshape(len(m), len(m)) + 1e-6 * torch.eye(len(m), dtype=z.dtype)
    model.code_mean.copy_(m.float())
    model.code_chol.copy_(torch.linalg.cholesky(cov).float())


@torch.inference_mode()
def sample(model, n: int, seed: int, temperature: float = 1.0) -> torch.Tensor:
    """n images (n, 1, 28, 28) in [0, 1]: prior samples for a VAE, code-Gaussian ones for an AE."""
    if getattr(model, "variational", False):
        return sample_prior(model, n, seed, temperature)
    g = torch.Generator().manual_seed(int(seed))
    eps = torch.randn(n, model.latent_dim, generator=g) * temperature
    dev = next(model.parameters()).device
    z = model.code_mean.cpu() + eps @ model.code_chol.cpu().T  # z = m + L eps
    return model.decode(z.to(dev)).cpu()


@torch.inference_mode()
def active_units(model: MLPAutoencoder, x: torch.Tensor, threshold: float = 0.01) -> int:
    """A_u: number of dims with Var_x(mu_j(x)) > threshold (Burda et al. 2016)."""
    mu = model.embed(x)
    return int((mu.var(0) > threshold).sum())


def _judge(model, seed: int) -> dict[str, float]:
    from core.judge import judge_scores

    s = judge_scores(sample(model, N_JUDGED, seed + 1))
    return {
        "judge_entropy": s.entropy,
        "judge_frechet": s.frechet,
        "judge_confidence": s.confidence,
    }


def _train_mlp(cfg: AEConfig, seed: int) -> TrainResult:
    trainer = AETrainer(cfg, seed)
    kind = "VAE" if cfg.variational else "AE"
    run_stepper(trainer, trainer.total_steps, desc=f"{kind} d={cfg.latent_dim} beta={cfg.beta}")
    model = trainer.model.eval()
    fit_code_gaussian(model, trainer.x)
    ev = evaluate(model, test_images(), n_eps=8, seed=seed)
    tr = evaluate(model, trainer.x, n_eps=1, seed=seed)
    metrics = {"heldout_recon_nats": ev["recon"], "train_recon_nats": tr["recon"]}
    extra = {"eval": "held-out: 500 digits, nats/image, averaged over 8 draws of eps"}
    if cfg.variational:
        metrics.update(
            heldout_kl_nats=ev["kl"],
            heldout_neg_elbo_nats=ev["neg_elbo"],
            heldout_elbo_nats=-ev["neg_elbo"],
            train_neg_elbo_nats=tr["neg_elbo"],
            active_units=active_units(model, test_images()),
        )
        extra["heldout_kl_per_dim"] = [round(v, 5) for v in ev["kl_per_dim"]]
    metrics.update(_judge(model, seed))
    return TrainResult(model=model, steps=trainer.steps_done, metrics=metrics, extra=extra)


def _train_linear(cfg: LinearAEConfig, seed: int) -> TrainResult:
    trainer = LinearAETrainer(cfg, seed)
    run_stepper(trainer, trainer.total_steps, desc=f"linear AE k={cfg.latent_dim}")
    model = trainer.model.float().eval()
    x_tr, x_te = train_images().numpy(), test_images().numpy()
    p = fit_pca(x_tr, cfg.latent_dim)
    with torch.inference_mode():
        rec_tr = model(train_images()).numpy()
        rec_te = model(test_images()).numpy()
    angles = principal_angles(model.decoder.weight.detach().double().numpy(), p.components.T)
    metrics = {
        "train_sq_error": squared_error(x_tr, rec_tr),
        "pca_train_sq_error": squared_error(x_tr, pca_reconstruct(p, x_tr)),
        "heldout_sq_error": squared_error(x_te, rec_te),
        "pca_heldout_sq_error": squared_error(x_te, pca_reconstruct(p, x_te)),
        "max_principal_angle_deg": float(angles.max()),
    }
    return TrainResult(
        model=model,
        steps=trainer.steps_done,
        metrics=metrics,
        extra={
            "eval": "squared error ||x - x_hat||^2 per image (sum over pixels)",
            "principal_angles_deg": [round(float(a), 4) for a in angles],
        },
    )


def _spec(name: str, description: str) -> PretrainedSpec:
    cfg = CONFIGS[name]
    if isinstance(cfg, LinearAEConfig):
        return PretrainedSpec(
            name=name,
            description=description,
            config=cfg,
            build=build_linear,
            train=_train_linear,
            dataset=MNIST_SPLIT_TEXT,
            seed=0,
        )
    return PretrainedSpec(
        name=name,
        description=description,
        config=cfg,
        build=build_mlp,
        train=_train_mlp,
        dataset=MNIST_SPLIT_TEXT,
        seed=0,
        sample=sample,
    )


PRETRAINED = (
    _spec(
        "ae_linear", "Linear autoencoder 784-6-784 on squared error (§6.1: spans the PCA subspace)"
    ),
    _spec("ae_mlp16", "Non-linear autoencoder 784-512-256-16 with a Bernoulli decoder (§6.2)"),
    _spec("vae_2d", "VAE 784-512-256-2: the 2-D latent map and manifold (§6.3)"),
    _spec("vae_16d", "VAE 784-512-256-16, β = 1 (§6.3)"),
    _spec("vae_beta_0p25", "β-VAE 784-512-256-16, β = 0.25 (§6.4)"),
    _spec("vae_beta_4", "β-VAE 784-512-256-16, β = 4 (§6.4)"),
    _spec("vae_beta_8", "β-VAE 784-512-256-16, β = 8 (§6.4)"),
    _spec("vae_ref_400_20", "pytorch/examples VAE 784-400-20 trained by our stepper (reference)"),
)


def get_config(name: str):
    """The registered config of one of this module's models (ValueError if unknown)."""
    if name not in CONFIGS:
        raise ValueError(f"unknown autoencoder: {name!r}; choose from {', '.join(CONFIGS)}")
    return CONFIGS[name]
