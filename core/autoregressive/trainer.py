"""One stepper for every §7 model: maximum likelihood, min_theta -(1/B) sum_b log p_theta(x_b).

Teacher forcing (§7.2): every conditional is fed the true pixels x_<i, so one pass scores all n
factors. Adam; one step = one minibatch. After each epoch the held-in validation NLL (the last 450
training digits) is measured and the best parameters so far are kept (early stopping); the 500
test digits are never looked at here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from core.autoregressive.base import ARModel, mean_nll
from core.autoregressive.data import binarized_split


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20  # passes over the 4,050 training digits
    batch_size: int = 64
    lr: float = 1e-3  # Adam
    weight_decay: float = 0.0


class ARTrainer:
    """``step(n)``: n minibatch steps; a MADE with K > 1 masks switches mask every step."""

    def __init__(self, model: ARModel, cfg: TrainConfig, seed: int = 0, data=None):
        self.model, self.cfg = model, cfg
        d = binarized_split() if data is None else data
        self.x, self.x_val = d["train"].to(model.device), d["val"].to(model.device)
        self.g = torch.Generator().manual_seed(seed)
        self.opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.steps_done = 0
        self.steps_per_epoch = max(1, len(self.x) // cfg.batch_size)
        self.total_steps = cfg.epochs * self.steps_per_epoch
        self.perm = torch.randperm(len(self.x), generator=self.g)
        self.best_val, self.best_state, self.best_epoch = float("inf"), None, 0
        self.history: list[dict[str, float]] = []

    def _batch(self) -> torch.Tensor:
        i = self.steps_done % self.steps_per_epoch
        if i == 0 and self.steps_done > 0:
            self.perm = torch.randperm(len(self.x), generator=self.g)
        idx = self.perm[i * self.cfg.batch_size : (i + 1) * self.cfg.batch_size]
        return self.x[idx.to(self.x.device)]

    def step(self, n: int = 1) -> dict[str, float]:
        out: dict[str, float] = {}
        num_masks = getattr(getattr(self.model, "cfg", None), "num_masks", 1)
        for _ in range(n):
            self.model.train()
            if num_masks > 1:
                self.model.use_mask(self.steps_done % num_masks)  # connectivity-agnostic
            loss = -self.model.log_prob(self._batch()).mean()  # nats per image
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.steps_done += 1
            out = {"nll": loss.item()}
            if self.steps_done % self.steps_per_epoch == 0:
                out["val_nll"] = self.end_epoch()
        if num_masks > 1:
            self.model.use_mask(0)
        return out

    @torch.no_grad()
    def end_epoch(self) -> float:
        self.model.eval()
        if hasattr(self.model, "log_prob_ensemble"):
            val = float(-self.model.log_prob_ensemble(self.x_val).mean())
        else:
            val = mean_nll(self.model, self.x_val)
        epoch = self.steps_done // self.steps_per_epoch
        self.history.append({"epoch": epoch, "val_nll": val})
        if val < self.best_val:
            self.best_val, self.best_epoch = val, epoch
            self.best_state = copy.deepcopy(self.model.state_dict())
        return val

    def best_model(self) -> ARModel:
        if self.best_state is not None:
            self.model.load_state_dict(self.best_state)
        return self.model.eval()
