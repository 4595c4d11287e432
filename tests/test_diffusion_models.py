"""Diffusion models: the 2-D eps-MLP learns (Algorithm 2), the U-Net trainer's loss is
Algorithm 2's, latent model shapes, trajectory frames and the page's chain check."""

import dataclasses

import numpy as np
import torch

from core.diffusion.explore import chain_check, image_to_x0, trajectory_frames
from core.diffusion.latent import LatentDiffusion, LatentDiffusionConfig, sample_latent
from core.diffusion.mnist import MnistDiffusionConfig, MnistDiffusionTrainer
from core.diffusion.samplers import ddim_sample
from core.diffusion.schedules import make_schedule
from core.diffusion.toy2d import ToyDiffusionConfig, ToyDiffusionTrainer, standardize, toy_points


def test_toy_trainer_learns_and_samples_match_data():
    pts = toy_points("8gaussians", 2000)
    assert abs(pts.mean()) < 1e-5 and abs(pts.std() - 1) < 1e-4
    tr = ToyDiffusionTrainer(ToyDiffusionConfig(T=50, seed=0), pts)
    first = tr.step(50)["loss"]
    for _ in range(12):
        last = tr.step(50)["loss"]
    assert tr.steps_done == 650 and last < 0.8 * first
    traj = tr.sample(1000, seed=1)
    assert traj.xs.shape == (51, 1000, 2) and list(traj.ts[[0, -1]]) == [50, 0]
    x = traj.sample.numpy()
    assert np.abs(x.mean(0) - pts.mean(0)).max() < 0.2
    assert np.abs(x.std(0) / pts.std(0) - 1).max() < 0.2
    grid, eps = tr.eps_field(25, n_grid=5)
    assert grid.shape == (25, 2) and eps.shape == (25, 2) and np.isfinite(eps).all()


def test_standardize_constant_points():
    z = standardize(np.ones((5, 2)))
    assert np.allclose(z, 0)


def test_unet_trainer_step_and_ema():
    cfg = dataclasses.replace(MnistDiffusionConfig(), steps=2, batch_size=4)
    tr = MnistDiffusionTrainer(cfg, seed=0)
    before = [p.clone() for p in tr.ema_model.parameters()]
    m = tr.step(2)
    assert np.isfinite(m["loss"]) and tr.steps_done == 2
    assert any(
        not torch.equal(a, b) for a, b in zip(before, tr.ema_model.parameters(), strict=False)
    )


def test_latent_model_shapes_and_sampling():
    model = LatentDiffusion(LatentDiffusionConfig()).eval()
    x = torch.rand(3, 1, 28, 28)
    z = model.encode(x)
    assert z.shape == (3, 8) and model.decode(z).shape == (3, 1, 28, 28)
    imgs, traj = sample_latent(model, 4, 0, torch.tensor([0, 1, 2, 3]), S=5, rho=1.0, record=True)
    assert imgs.shape == (4, 1, 28, 28) and float(imgs.min()) >= 0 and float(imgs.max()) <= 1
    assert traj.xs.shape == (6, 4, 8)


def test_chain_check_and_frames():
    x0 = image_to_x0(np.random.default_rng(0).integers(0, 255, (40, 30, 3)).astype(np.uint8), 20)
    assert x0.shape == (20, 15) and x0.min() >= -1 and x0.max() <= 1
    cc = chain_check(make_schedule("linear", 100), x0)
    assert cc.mean_max_z.shape == (101,) and cc.mean_max_z[0] == 0
    assert cc.mean_max_z[1:].max() < 5.5 and cc.var_rel_err[1:].max() < 0.07
    sched = make_schedule("cosine", 10)
    traj = ddim_sample(lambda x, t, y: torch.zeros_like(x), sched, torch.randn(4, 1, 28, 28), S=3)
    fr = trajectory_frames(traj, nrow=2)
    assert fr.xt.shape[0] == 4 and fr.xt.dtype == np.uint8 and fr.x0.shape == fr.xt.shape
