"""Steppers that train the autoencoders of notes §6 (one ``step`` = one optimiser step).

* `AETrainer`: minibatch Adam(W) on -β-ELBO = recon + β KL (VAE, β-VAE) or on the Bernoulli
  reconstruction alone (deterministic AE), over the shared 4,500 training digits;
* `LinearAETrainer`: full-batch Adam on the mean squared error ||x - g(f(x))||^2 of §6.1 (the
  objective whose optimum is the PCA subspace).

Both follow `core.training.Stepper`: ``steps_done`` and ``step(n) -> metrics``.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from core.data.mnist import mnist_split
from core.vae.models import AEConfig, LinearAE, LinearAEConfig, MLPAutoencoder
from core.vae.objectives import beta_elbo_loss


def train_images(device: torch.device | str = "cpu") -> torch.Tensor:
    """The 4,500 training digits (N, 1, 28, 28) float32 on ``device``."""
    return torch.from_numpy(np.array(mnist_split().x_train)).to(device)


def test_images(device: torch.device | str = "cpu") -> torch.Tensor:
    """The 500 held-out digits (N, 1, 28, 28)."""
    return torch.from_numpy(np.array(mnist_split().x_test)).to(device)


class AETrainer:
    """Stepper for `MLPAutoencoder`: one step = one minibatch of -β-ELBO (or AE reconstruction).

    ``x`` defaults to the shared training split; pass a subset for a quick live demo.
    """

    def __init__(
        self,
        cfg: AEConfig,
        seed: int = 0,
        device: torch.device | str = "cpu",
        x: torch.Tensor | None = None,
    ):
        self.cfg, self.device = cfg, torch.device(device)
        self.x = (x if x is not None else train_images()).to(self.device)  # (N, 1, 28, 28)
        torch.manual_seed(seed)
        self.model = MLPAutoencoder(cfg).to(self.device)
        self.g = torch.Generator().manual_seed(seed)  # minibatch order and eps draws
        self.steps_per_epoch = math.ceil(len(self.x) / cfg.batch_size)
        self.total_steps = cfg.epochs * self.steps_per_epoch
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        self.steps_done = 0
        self._order = torch.empty(0, dtype=torch.long)
        self.history: list[dict[str, float]] = []  # one record per step() call (for live curves)

    @property
    def epoch(self) -> float:
        return self.steps_done / self.steps_per_epoch

    def step(self, n: int = 1) -> dict[str, float]:
        self.model.train()
        sums = {"loss": 0.0, "recon": 0.0, "kl": 0.0}
        for _ in range(n):
            k = self.steps_done % self.steps_per_epoch
            if k == 0:
                self._order = torch.randperm(len(self.x), generator=self.g)
            idx = self._order[k * self.cfg.batch_size : (k + 1) * self.cfg.batch_size]
            xb = self.x[idx.to(self.device)]  # (B, 1, 28, 28)
            mu, logvar = self.model.encode(xb)
            if logvar is None:
                z = mu  # z = f(x)
            else:
                eps = torch.randn(mu.shape, generator=self.g).to(self.device)
                z = mu + torch.exp(0.5 * logvar) * eps  # z = mu + sigma ⊙ eps
            out = beta_elbo_loss(self.model.decode_logits(z), xb, mu, logvar, self.cfg.beta)
            self.opt.zero_grad(set_to_none=True)
            out["loss"].backward()
            self.opt.step()
            self.steps_done += 1
            for key in sums:
                sums[key] += out[key].item() / n
        if len(self.history) >= 400:  # keep the curve light: drop every other record
            self.history = self.history[::2]
        self.history.append({"step": self.steps_done, **sums})
        return sums


class LinearAETrainer:
    """Stepper for `LinearAE`: one step = one full-batch Adam step on the mean squared error.

    The full-batch loss L = mean_n ||x_n - W_dec (W_enc x_n + b_enc) - b_dec||^2 is computed
    exactly from the data's mean m and second moment S = mean_n x_n x_n^T (784 x 784, once):
    with A = I - W_dec W_enc and c = W_dec b_enc + b_dec,
        L = tr(A S A^T) - 2 c^T A m + ||c||^2,
    which costs O(k D^2) per step instead of O(N k D) and gives the same gradients. Float64:
    the last principal directions differ by ~10 % in variance, and reaching them to < 1° needs
    a precise optimum.
    """

    def __init__(
        self,
        cfg: LinearAEConfig,
        seed: int = 0,
        device: torch.device | str = "cpu",
        x: torch.Tensor | None = None,
    ):
        self.cfg, self.device = cfg, torch.device(device)
        x = (x if x is not None else train_images()).to(self.device)
        X = x.reshape(len(x), -1).double()  # (N, D)
        self.m = X.mean(0)  # (D,)
        self.S = X.T @ X / len(X)  # (D, D) second moment
        torch.manual_seed(seed)
        self.model = LinearAE(cfg).to(self.device).double()
        self.total_steps = cfg.steps
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / self.total_steps, 1.0)))
        )
        self.steps_done = 0

    def loss(self) -> torch.Tensor:
        """The exact expected loss over the data:

        L = tr(S) - 2 tr(W_dec W_enc S) + tr(W_dec^T W_dec W_enc S W_enc^T) - 2 c^T A m + c^T c
        """
        w_enc, b_enc = self.model.encoder.weight, self.model.encoder.bias  # (k, D), (k,)
        w_dec, b_dec = self.model.decoder.weight, self.model.decoder.bias  # (D, k), (D,)
        ws = w_enc @ self.S  # (k, D)
        c = w_dec @ b_enc + b_dec  # (D,)
        a_m = self.m - w_dec @ (w_enc @ self.m)  # A m, (D,)
        return (
            torch.trace(self.S)
            - 2 * (w_dec.T * ws).sum()
            + ((w_dec.T @ w_dec) * (ws @ w_enc.T)).sum()
            - 2 * c @ a_m
            + c @ c
        )

    def step(self, n: int = 1) -> dict[str, float]:
        mse = torch.tensor(float("nan"))
        for _ in range(n):
            mse = self.loss()
            self.opt.zero_grad(set_to_none=True)
            mse.backward()
            self.opt.step()
            self.sched.step()
            self.steps_done += 1
        return {"mse": mse.item()}
