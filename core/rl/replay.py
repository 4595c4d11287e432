"""The replay buffer (notes §11.3): store the last n transitions, sample minibatches uniformly.

Consecutive transitions of one episode are highly correlated (s_{t+1} is s_t plus a small step);
supervised learning assumes i.i.d. data. The buffer keeps the last ``capacity`` transitions
(s, a, r, s', terminated) in a ring and samples a minibatch uniformly over what it holds, so the
samples of one batch come from many moments of many episodes. ``latest(B)`` returns the last B
transitions in order: what a learner without replay trains on, and what ``lag1_correlation``
compares against.
"""

from __future__ import annotations

import numpy as np
import torch


class ReplayBuffer:
    """A ring of the last ``capacity`` transitions; ``sample`` is uniform over the stored ones.

    Only transitions already added can be sampled (no future leakage): ``size`` counts them and
    every index drawn is < ``size``.
    """

    def __init__(self, capacity: int, obs_dim: int, seed: int = 0):
        if capacity < 1:
            raise ValueError(f"replay capacity must be >= 1, got {capacity}")
        self.capacity = int(capacity)
        self.s = np.zeros((capacity, obs_dim), np.float32)  # (N, obs)
        self.a = np.zeros(capacity, np.int64)  # (N,)
        self.r = np.zeros(capacity, np.float32)  # (N,)
        self.s2 = np.zeros((capacity, obs_dim), np.float32)  # (N, obs)
        self.done = np.zeros(capacity, np.float32)  # (N,) 1 = terminated: no bootstrap
        self.t = np.zeros(capacity, np.int64)  # (N,) global step at which it was added
        self.pos = 0  # next slot to write
        self.size = 0  # how many slots hold a transition
        self.added = 0  # transitions added in total
        self.rng = np.random.default_rng(seed)

    def add(self, s, a: int, r: float, s2, done: bool) -> None:
        i = self.pos
        self.s[i], self.a[i], self.r[i], self.s2[i], self.done[i] = s, a, r, s2, float(done)
        self.t[i] = self.added
        self.added += 1
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def _batch(self, idx: np.ndarray) -> dict[str, torch.Tensor]:
        return {
            "s": torch.from_numpy(self.s[idx]),  # (B, obs)
            "a": torch.from_numpy(self.a[idx]),  # (B,)
            "r": torch.from_numpy(self.r[idx]),  # (B,)
            "s2": torch.from_numpy(self.s2[idx]),  # (B, obs)
            "done": torch.from_numpy(self.done[idx]),  # (B,)
            "t": torch.from_numpy(self.t[idx]),  # (B,)
        }

    def sample_indices(self, batch: int) -> np.ndarray:
        """B slots drawn uniformly (with replacement) among the ``size`` stored transitions."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        return self.rng.integers(0, self.size, size=batch)

    def sample(self, batch: int) -> dict[str, torch.Tensor]:
        return self._batch(self.sample_indices(batch))

    def latest(self, batch: int) -> dict[str, torch.Tensor]:
        """The last min(B, size) transitions in the order they happened (no replay)."""
        n = min(batch, self.size)
        idx = (self.pos - n + np.arange(n)) % self.capacity
        return self._batch(idx)


def lag1_correlation(states: np.ndarray) -> float:
    """Mean over state dimensions of corr(x_i, x_{i+1}) along a batch in its given order.

    Consecutive transitions of an episode give ~1 (each state is its predecessor plus a small
    step); a uniform minibatch from a large buffer gives ~0.
    """
    x = np.asarray(states, np.float64)  # (B, obs)
    if len(x) < 3:
        return float("nan")
    a, b = x[:-1] - x[:-1].mean(0), x[1:] - x[1:].mean(0)
    den = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    ok = den > 1e-12
    if not ok.any():
        return float("nan")
    return float(np.mean((a * b).sum(0)[ok] / den[ok]))
