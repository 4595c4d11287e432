"""Gradient clipping (notes §4.3) and the cliff it guards against (Pascanu et al. 2013, Fig. 6).

The notes' update rule, with g the gradient, γ the learning rate and k the threshold:

    θ ← θ − γ g                 if ‖g‖ ≤ k
    θ ← θ − γ (k / ‖g‖) g       otherwise

`clip_by_norm` is that rescaling for a list of gradients with one global norm, as
`torch.nn.utils.clip_grad_norm_` does (PyTorch scales by k / (‖g‖ + 1e-6) and only when the factor
is
below 1; a test checks the two agree).

The cliff: a one-unit RNN h⁽ᵗ⁾ = w σ(h⁽ᵗ⁻¹⁾) + b, h⁽⁰⁾ = 0.5, with loss (h⁽ᵀ⁾ − 0.7)². Over
(w, b) the loss is flat almost everywhere and drops by a wall where the map's fixed points
bifurcate; on the wall the gradient is enormous and one plain step throws θ far away. A clipped
step moves at most γk.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch


def clip_by_norm(grads: list[torch.Tensor], k: float) -> tuple[list[torch.Tensor], float]:
    """g ← (k/‖g‖) g when the global norm ‖g‖ = √Σ‖gᵢ‖² exceeds k. Returns (new grads, ‖g‖)."""
    norm = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))
    scale = k / norm if norm > k else 1.0
    return [g * scale for g in grads], norm


def clipped_update(theta: torch.Tensor, g: torch.Tensor, lr: float, k: float | None):
    """One step of the notes' rule (k = None: plain gradient descent)."""
    if k is not None:
        (g,), _ = clip_by_norm([g], k)
    return theta - lr * g


@dataclass(frozen=True)
class CliffConfig:
    T: int = 50  # unrolled steps
    h0: float = 0.5
    target: float = 0.7
    w_range: tuple[float, float] = (-1.0, 8.0)  # the paper's range for w
    b_range: tuple[float, float] = (-6.0, 2.0)
    grid: int = 90  # surface resolution


def cliff_loss(w, b, cfg: CliffConfig = CliffConfig()):
    """(h⁽ᵀ⁾ − target)² for h⁽ᵗ⁾ = w σ(h⁽ᵗ⁻¹⁾) + b; works on numpy grids and on torch scalars."""
    sig = torch.sigmoid if isinstance(w, torch.Tensor) else lambda x: 1 / (1 + np.exp(-x))
    h = cfg.h0 + 0 * w
    for _ in range(cfg.T):
        h = w * sig(h) + b
    return (h - cfg.target) ** 2


def cliff_surface(cfg: CliffConfig = CliffConfig()) -> dict[str, np.ndarray]:
    """The loss on a (grid, grid) mesh of (w, b): w (grid,), b (grid,), loss (grid_b, grid_w)."""
    w = np.linspace(*cfg.w_range, cfg.grid)
    b = np.linspace(*cfg.b_range, cfg.grid)
    W, B = np.meshgrid(w, b)
    return {"w": w, "b": b, "loss": cliff_loss(W, B, cfg)}


def descend(
    start: tuple[float, float],
    lr: float,
    steps: int,
    k: float | None,
    cfg: CliffConfig = CliffConfig(),
) -> dict[str, np.ndarray]:
    """Gradient descent on the cliff from `start` = (w, b), clipped at k (None = not clipped).

    Returns the path (steps+1, 2), the loss along it and each step's raw gradient norm ‖g‖.
    Stops early (path shorter) if θ leaves a huge box or the loss turns non-finite.
    """
    theta = torch.tensor(start, dtype=torch.float64)
    path, losses, norms = [theta.numpy().copy()], [], []
    for _ in range(steps):
        th = theta.clone().requires_grad_(True)
        L = cliff_loss(th[0], th[1], cfg)
        (g,) = torch.autograd.grad(L, th)
        losses.append(float(L.detach()))
        norms.append(float(g.norm()))
        theta = clipped_update(theta, g, lr, k)
        if not torch.isfinite(theta).all() or theta.abs().max() > 1e6:
            break
        path.append(theta.numpy().copy())
    return {"path": np.array(path), "loss": np.array(losses), "grad_norm": np.array(norms)}


# ----------------------------------------------------------------------------- norms in training
NORMS_PATH = Path(__file__).resolve().parents[2] / "pretrained" / "rnn_clip_norms.json"


@dataclass(frozen=True)
class NormRunConfig:
    """An Elman RNN on the recall task (core.rnn.memory) in the exploding regime of §4.1, trained
    with plain SGD twice from the same seed: once as is, once clipped at k."""

    lag: int = 16  # T of the recall task
    w_h_scale: float = 3.0  # W_h at initialisation × 3: ‖W_h‖ > 1, products of Jacobians grow
    lr: float = 0.05  # SGD γ (momentum below); no Adam: its per-weight scaling hides the norm
    momentum: float = 0.9
    steps: int = 1000
    seeds: int = 2
    k: float = 1.0  # the clipped run's threshold


def training_norms(cfg: NormRunConfig, clip: bool, seed: int) -> dict[str, list[float]]:
    """One run: ‖g‖ before clipping and the loss at every step."""
    from dataclasses import replace

    import torch.nn.functional as F

    from core.rnn.memory import MemoryConfig, MemoryNet, make_batch

    task = replace(MemoryConfig(), lag=cfg.lag)
    torch.manual_seed(seed)
    net = MemoryNet("elman", task)
    with torch.no_grad():
        net.rnn.weight_hh_l0 *= cfg.w_h_scale
    opt = torch.optim.SGD(net.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    g = torch.Generator().manual_seed(seed)
    norms, losses = [], []
    for _ in range(cfg.steps):
        x, y = make_batch(task, task.batch_size, g)
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        k = cfg.k if clip else float("inf")  # inf: clip_grad_norm_ only measures ‖g‖
        norms.append(float(torch.nn.utils.clip_grad_norm_(net.parameters(), k)))
        losses.append(loss.item())
        opt.step()
    return {"norms": norms, "loss": losses}


def norm_runs(cfg: NormRunConfig = NormRunConfig(), log=print) -> dict:
    """Both runs for every seed: {"plain": [run, ...], "clipped": [run, ...], "config": ...}."""
    out: dict = {"config": asdict(cfg), "plain": [], "clipped": []}
    for seed in range(cfg.seeds):
        for name in ("plain", "clipped"):
            t0 = time.time()
            r = training_norms(cfg, name == "clipped", seed)
            out[name].append({k: [round(v, 6) for v in vs] for k, vs in r.items()})
            log(f"{name:7} seed {seed}: median ‖g‖ {np.median(r['norms']):.3g}, max "
                f"{max(r['norms']):.3g}, last-100 loss {np.mean(r['loss'][-100:]):.3f} "
                f"({time.time() - t0:.0f} s)")  # fmt: skip
    return out


def load_norms(path: Path = NORMS_PATH) -> dict:
    """The shipped runs (FileNotFoundError names the command that makes them)."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path.name} is missing; make it with `python -m core.rnn.clipping`"
        )
    return json.loads(path.read_text())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m core.rnn.clipping",
        description="gradient norms in training, with and without clipping",
    )
    p.add_argument("--steps", type=int, default=NormRunConfig.steps)
    p.add_argument("--seeds", type=int, default=NormRunConfig.seeds)
    p.add_argument("--out", default=str(NORMS_PATH))
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    res = norm_runs(NormRunConfig(steps=a.steps, seeds=a.seeds))
    cmd = f"python -m core.rnn.clipping --steps {a.steps} --seeds {a.seeds}"
    res.update(seconds=round(time.time() - t0, 1), threads=1, command=cmd)
    Path(a.out).write_text(json.dumps(res) + "\n")
    print(f"wrote {a.out} in {res['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
