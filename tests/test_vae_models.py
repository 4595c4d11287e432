"""§6.2–6.4 models, stepper and the shipped pretrained VAEs (the issue's bar, reproducibility)."""

import pytest
import torch

from core.pretrained import get_spec, load
from core.vae.models import AEConfig, MLPAutoencoder
from core.vae.objectives import evaluate
from core.vae.registry import BETA_MODELS, CONFIGS, get_config, sample
from core.vae.trainer import AETrainer, train_images
from core.vae.trainer import test_images as heldout_images


def test_registry_names_and_unknown_name():
    for name in CONFIGS:
        assert get_spec(name).config == CONFIGS[name]
    with pytest.raises(ValueError, match="unknown autoencoder: 'vae_3d'; choose from"):
        get_config("vae_3d")
    assert set(BETA_MODELS.values()) <= set(CONFIGS)
    arch = {k: v for k, v in vars(CONFIGS["vae_16d"]).items() if k != "beta"}
    for name in BETA_MODELS.values():  # β-VAEs share one architecture and schedule
        assert {k: v for k, v in vars(CONFIGS[name]).items() if k != "beta"} == arch


def test_shapes_ae_and_vae():
    x = heldout_images()[:5]
    for variational in (True, False):
        m = MLPAutoencoder(AEConfig(latent_dim=3, hidden=(32, 16), variational=variational))
        logits, mu, logvar = m(x)
        assert logits.shape == (5, 1, 28, 28) and mu.shape == (5, 3)
        assert (logvar is None) != variational
        assert m.decode(mu).min() >= 0 and m.decode(mu).max() <= 1


@pytest.mark.parametrize("variational", [True, False])
def test_stepper_lowers_the_loss(variational):
    cfg = AEConfig(latent_dim=2, hidden=(64,), variational=variational, batch_size=64, lr=3e-3)
    tr = AETrainer(cfg, seed=0, x=train_images()[:512])
    first = tr.step(2)
    last = tr.step(60)
    assert tr.steps_done == 62 and len(tr.history) == 2
    assert last["recon"] < first["recon"] - 20, (first, last)
    assert (last["kl"] > 0) == variational


def test_same_seed_same_trainer():
    cfg = AEConfig(latent_dim=2, hidden=(32,), batch_size=32)
    a = AETrainer(cfg, seed=3, x=train_images()[:128]).step(5)
    b = AETrainer(cfg, seed=3, x=train_images()[:128]).step(5)
    assert a == b


def test_shipped_vae_beats_the_pytorch_examples_architecture():
    """Issue 5's bar: same split, same epochs, same stepper: ours' held-out −ELBO is no worse."""
    x = heldout_images()
    ours_model, ours_manifest = load("vae_16d")
    ref_model, ref_manifest = load("vae_ref_400_20")
    assert ours_manifest["config"]["epochs"] == ref_manifest["config"]["epochs"]
    ours, ref = evaluate(ours_model, x, n_eps=8, seed=0), evaluate(ref_model, x, n_eps=8, seed=0)
    assert ours["neg_elbo"] <= ref["neg_elbo"], (ours["neg_elbo"], ref["neg_elbo"])
    # the manifest holds what this code measures (same eps seed -> same number)
    assert ours["neg_elbo"] == pytest.approx(
        ours_manifest["metrics"]["heldout_neg_elbo_nats"], rel=1e-4
    )


def test_shipped_beta_vaes_trade_rate_for_distortion():
    pts = sorted((b, load(n)[1]["metrics"]) for b, n in BETA_MODELS.items())
    kls = [m["heldout_kl_nats"] for _, m in pts]
    recons = [m["heldout_recon_nats"] for _, m in pts]
    assert kls == sorted(kls, reverse=True), kls  # larger β: lower rate ...
    assert recons == sorted(recons), recons  # ... higher distortion


def test_shipped_samples_are_seeded():
    for name in ("vae_16d", "ae_mlp16"):
        model, _ = load(name)
        a, b, c = sample(model, 6, 1), sample(model, 6, 1), sample(model, 6, 2)
        assert torch.equal(a, b) and not torch.equal(a, c)
        assert a.shape == (6, 1, 28, 28)


def test_ae_manifest_judge_scores_are_measured_and_back_the_page_claim():
    """The ae_mlp16 manifest's judge scores are what judging its samples gives now (they were once
    reported as 0), and decoding z ~ N(0, I) instead of its code Gaussian more than doubles the
    Fréchet distance, as the §6 Sampling view says."""
    from core.judge import judge_scores
    from core.vae.models import sample_prior
    from core.vae.registry import N_JUDGED

    model, manifest = load("ae_mlp16")
    m = manifest["metrics"]
    s = judge_scores(sample(model, N_JUDGED, manifest["seed"] + 1))  # as registry._judge does
    assert s.entropy == pytest.approx(m["judge_entropy"], rel=1e-4)
    assert s.frechet == pytest.approx(m["judge_frechet"], rel=1e-4)
    assert 1.5 < m["judge_entropy"] <= 2.303 and m["judge_frechet"] > 1.0
    prior = judge_scores(sample_prior(model, N_JUDGED, 1))
    assert prior.frechet > 2 * m["judge_frechet"]


@pytest.mark.parametrize("beta,variational", [(1.0, True), (4.0, True), (1.0, False)])
def test_trainer_step_loss_is_the_beta_elbo_on_the_same_eps(beta, variational):
    """One AETrainer step vs -β-ELBO written out in the test on the step's minibatch and eps:
    recon = -sum_pixels [x log sigmoid(l) + (1 - x) log sigmoid(-l)], KL = 1/2 sum_j (mu_j^2 +
    sigma_j^2 - log sigma_j^2 - 1), z = mu + sigma eps with sigma = exp(logvar / 2) (means over
    the batch), plus core.vae.objectives.beta_elbo_loss on the same z. Detects sigma = exp(logvar)
    in the reparameterisation, a missing β, a KL sign flip, or the wrong minibatch."""
    import copy

    import torch.nn.functional as F

    from core.vae.objectives import beta_elbo_loss

    cfg = AEConfig(latent_dim=3, hidden=(32,), variational=variational, beta=beta, batch_size=16)
    tr = AETrainer(cfg, seed=0, x=train_images()[:64])
    tr.step(5)  # mid-epoch, off the initialisation
    model0 = copy.deepcopy(tr.model)
    g = torch.Generator().set_state(tr.g.get_state())
    k = tr.steps_done % tr.steps_per_epoch
    order = torch.randperm(64, generator=g) if k == 0 else tr._order
    xb = tr.x[order[k * 16 : (k + 1) * 16]]
    out = tr.step(1)
    with torch.no_grad():
        mu, logvar = model0.encode(xb)
        z = (
            mu
            if logvar is None
            else mu + torch.exp(logvar / 2) * torch.randn(mu.shape, generator=g)
        )
        logits = model0.decode_logits(z)
        ll = xb * F.logsigmoid(logits) + (1 - xb) * F.logsigmoid(-logits)
        recon = -ll.flatten(1).sum(1).mean()
        kl = (
            torch.zeros(())
            if logvar is None
            else 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(1).mean()
        )
        lib = beta_elbo_loss(logits, xb, mu, logvar, beta)
    assert out["recon"] == pytest.approx(recon.item(), rel=1e-5)
    assert out["kl"] == pytest.approx(kl.item(), rel=1e-5, abs=1e-7)
    assert out["loss"] == pytest.approx((recon + beta * kl).item(), rel=1e-5)
    assert out["loss"] == pytest.approx(lib["loss"].item(), rel=1e-6)
    assert (kl.item() > 0.01) == variational
