"""Long-range memory, measured: remember a symbol across a lag of T steps (§4.1 vs §4.2).

The recall task (a copy task with one symbol). A sequence of T + 1 one-hot inputs of size 2K + 1:

    x⁽⁰⁾ = the symbol s ∈ {0..K−1}          (dims 0..K−1)
    x⁽¹..ᵀ⁻¹⁾ = random distractors           (dims K..2K−1, independent of s)
    x⁽ᵀ⁾ = the query marker                  (dim 2K)

The model must output s at the last step (cross-entropy on the last step only). Chance is 1/K.
The only way to answer is to carry s through T steps of the hidden state, so the gradient
∂ℓ/∂h⁽⁰⁾ must survive a lag of T: the vanishing-gradient analysis of §4.1 predicts the Elman RNN
fails beyond a short lag, and the LSTM's cell (§4.2) holds.

`MemoryTrainer` trains an Elman RNN (`nn.RNN`, tanh) or an LSTM (`nn.LSTM`) with Adam and
§4.3 clipping; accuracy is measured on a fixed seeded batch of held-out sequences.
`success_vs_lag` sweeps lags and seeds (the shipped curve: `python -m core.rnn.memory`).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MODELS = ("elman", "lstm")
MAX_LAG = 200
SUCCESS = 0.95  # held-out accuracy that counts as "remembered"
CURVE_PATH = Path(__file__).resolve().parents[2] / "pretrained" / "rnn_memory_curve.json"


@dataclass(frozen=True)
class MemoryConfig:
    lag: int = 20  # T: steps between the symbol and the query
    symbols: int = 4  # K (chance = 1/K)
    hidden: int = 32  # d
    batch_size: int = 32
    lr: float = 1e-2  # Adam; with clipping at k = 1 this is stable for both models
    # LSTM b_f at initialisation: f ≈ σ(3) = 0.95, the cell starts out remembering. Measured
    # (lag 32, seed 0): b_f = 3 solves in 25 steps, b_f = 1 stays at chance for 1,200 steps.
    forget_bias: float = 3.0
    clip: float = 1.0  # §4.3 threshold k
    eval_size: int = 256


def check_lag(lag) -> int:
    """Validate a lag: an int in 1..MAX_LAG (ValueError with the reason otherwise)."""
    if not isinstance(lag, (int, np.integer)) or isinstance(lag, bool):
        raise ValueError(f"the lag must be a whole number of steps, got {lag!r}")
    if not 1 <= lag <= MAX_LAG:
        raise ValueError(
            f"the lag must be between 1 and {MAX_LAG} steps, got {lag} "
            "(0 would put the query on the symbol itself)"
        )
    return int(lag)


def make_batch(cfg: MemoryConfig, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n sequences: x (n, T+1, 2K+1) one-hot, y (n,) the symbol to recall."""
    T, K = check_lag(cfg.lag), cfg.symbols
    y = torch.randint(0, K, (n,), generator=g)
    tokens = torch.randint(K, 2 * K, (n, T + 1), generator=g)  # distractors
    tokens[:, 0] = y
    tokens[:, T] = 2 * K  # the query
    return F.one_hot(tokens, 2 * K + 1).float(), y


class MemoryNet(nn.Module):
    """Elman RNN or LSTM over the sequence, a linear read-out of the last hidden state."""

    def __init__(self, kind: str, cfg: MemoryConfig):
        super().__init__()
        if kind not in MODELS:
            raise ValueError(f"unknown model: {kind!r}; choose from {', '.join(MODELS)}")
        cell = nn.RNN if kind == "elman" else nn.LSTM
        self.rnn = cell(2 * cfg.symbols + 1, cfg.hidden, batch_first=True)
        if kind == "lstm":  # gate blocks i, f, g, o: add the forget bias to b_f
            with torch.no_grad():
                self.rnn.bias_hh_l0[cfg.hidden : 2 * cfg.hidden] += cfg.forget_bias
        self.head = nn.Linear(cfg.hidden, cfg.symbols)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x)  # (n, T+1, d)
        return self.head(out[:, -1])  # logits (n, K)


class MemoryTrainer:
    """Stepper: ``step(n)`` runs n Adam steps on fresh batches; metrics: loss, held-out accuracy."""

    def __init__(self, kind: str, cfg: MemoryConfig = MemoryConfig(), seed: int = 0):
        check_lag(cfg.lag)
        self.kind, self.cfg = kind, cfg
        torch.manual_seed(seed)
        self.model = MemoryNet(kind, cfg)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.g = torch.Generator().manual_seed(seed)
        self.x_eval, self.y_eval = make_batch(
            cfg, cfg.eval_size, torch.Generator().manual_seed(999)
        )
        self.steps_done = 0
        self.grad_norms: list[float] = []
        self.history: list[tuple[int, float, float]] = []  # (step, loss, accuracy)

    @torch.no_grad()
    def accuracy(self) -> float:
        self.model.eval()
        pred = self.model(self.x_eval).argmax(1)
        return float((pred == self.y_eval).float().mean())

    def step(self, n: int = 1) -> dict[str, float]:
        self.model.train()
        loss = torch.tensor(float("nan"))
        for _ in range(n):
            x, y = make_batch(self.cfg, self.cfg.batch_size, self.g)
            loss = F.cross_entropy(self.model(x), y)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
            self.grad_norms.append(float(norm))
            self.opt.step()
            self.steps_done += 1
        acc = self.accuracy()
        self.history.append((self.steps_done, loss.item(), acc))
        return {"loss": loss.item(), "accuracy": acc}


class PairTrainer:
    """Stepper for the live view: an Elman RNN and an LSTM side by side, from the same seed."""

    def __init__(self, cfg: MemoryConfig = MemoryConfig(), seed: int = 0):
        self.runs = {m: MemoryTrainer(m, cfg, seed) for m in MODELS}
        self.steps_done = 0

    def step(self, n: int = 1) -> dict[str, float]:
        out = {}
        for m, tr in self.runs.items():
            r = tr.step(n)
            out[f"{m}_loss"], out[f"{m}_accuracy"] = r["loss"], r["accuracy"]
        self.steps_done += n
        return out


def train_to(kind: str, cfg: MemoryConfig, seed: int, steps: int, every: int = 25) -> dict:
    """Train up to `steps` (stop early at 99 % accuracy); the best held-out accuracy reached."""
    tr = MemoryTrainer(kind, cfg, seed)
    best, solved_at = 0.0, None
    while tr.steps_done < steps:
        acc = tr.step(every)["accuracy"]
        best = max(best, acc)
        if solved_at is None and acc >= SUCCESS:
            solved_at = tr.steps_done
        if acc >= 0.99:
            break
    return {"accuracy": best, "solved_at": solved_at, "steps": tr.steps_done,
            "grad_norms": tr.grad_norms}  # fmt: skip


def success_vs_lag(
    lags, seeds, steps: int, cfg: MemoryConfig = MemoryConfig(), log=print, save=None
) -> dict:
    """{model: {lag: [best accuracy per seed]}} plus the gradient norms of one run per model.

    ``save(partial)`` is called after each lag (the sweep is long; a partial curve is kept).
    """
    out: dict = {"accuracy": {m: {} for m in MODELS}, "solved_at": {m: {} for m in MODELS}}
    out["grad_norms"], out["lags"] = {}, []
    for lag in lags:
        for m in MODELS:
            accs, solved = [], []
            for s in seeds:
                t0 = time.time()
                r = train_to(m, replace(cfg, lag=lag), s, steps)
                accs.append(r["accuracy"])
                solved.append(r["solved_at"])
                if lag == lags[len(lags) // 2] and s == seeds[0]:
                    out["grad_norms"][m] = {
                        "lag": lag,
                        "norms": [round(v, 5) for v in r["grad_norms"]],
                    }
                log(f"{m:5} lag {lag:3} seed {s}: acc {r['accuracy']:.3f} "
                    f"({r['steps']} steps, {time.time() - t0:.1f} s)")  # fmt: skip
            out["accuracy"][m][str(lag)] = accs
            out["solved_at"][m][str(lag)] = solved
        out["lags"].append(lag)
        if save is not None:
            save(out)
    return out


def load_curve(path: Path = CURVE_PATH) -> dict:
    """The shipped success-vs-lag curve (FileNotFoundError names the command that makes it)."""
    if not path.exists():
        raise FileNotFoundError(f"{path.name} is missing; make it with `python -m core.rnn.memory`")
    return json.loads(path.read_text())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.rnn.memory", description=__doc__)
    p.add_argument("--lags", default="2,4,8,16,32,64")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--steps", type=int, default=1200)
    p.add_argument("--out", default=str(CURVE_PATH))
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    lags = [check_lag(int(v)) for v in a.lags.split(",")]
    cfg = MemoryConfig()
    t0 = time.time()

    def save(res: dict) -> None:
        res.update(
            seeds=a.seeds, max_steps=a.steps, success=SUCCESS, config=asdict(cfg),
            chance=1 / cfg.symbols, seconds=round(time.time() - t0, 1), threads=1,
            command=f"python -m core.rnn.memory --lags {a.lags} --seeds {a.seeds} "
            f"--steps {a.steps}",
        )  # fmt: skip
        Path(a.out).write_text(json.dumps(res) + "\n")
        print(f"wrote {a.out} (lags {res['lags']}) after {res['seconds']} s", flush=True)

    success_vs_lag(lags, list(range(a.seeds)), a.steps, cfg, save=save)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
