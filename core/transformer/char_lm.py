"""The tiny GPT as a character-level language model on the shared corpus (notes §7.7 vs §4).

Trained by maximum likelihood: minimise the mean next-character cross-entropy

    L = −(1/T) Σ_t ln p_θ(x_{t+1} | x_{≤t})           (nats/char; bits/char = L / ln 2)

on random windows of 129 characters of ``core.data.text.text_corpus().train`` (128 inputs, 128
targets shifted by one). The held-out protocol is shared with the §4 LSTM, so their bits/char
compare: `held_out_loss` cuts the held-out ids into consecutive non-overlapping windows of 129,
scores each window on its own (128 inputs → 128 targets) and averages over every target. The
baseline is a uniform guess, ln V = ln 96 = 4.564 nats/char.

Registered models (``python -m core.pretrained train NAME``):

- ``gpt_char``: the ~200k-parameter GPT (4 layers, 4 heads, d = 64, context 128);
- ``gpt_ablation_learned`` / ``gpt_ablation_nopos`` / ``gpt_ablation_leak``: the live view's
  small GPT (2 layers x 2 heads, d = 32, context 64, ~27k parameters) for 3,000 steps with
  learned positions, with no positions, and with no causal mask (the leak demo). Small so that
  they train long enough on the shared 2-core machine for the effects to be clear. Their
  held-out windows are 65 characters (context 64): comparable with each other, not with
  ``gpt_char``. The leak model is scored both as trained (future visible) and on prefixes only,
  as in generation, at every point of its curve.
- ``gpt_pair_lstm``: the §4 char LSTM (``core.rnn.charlm``, its own trainer and protocol)
  retrained at ``gpt_char``'s budget, batch 16 x 1,500 steps = 3,072,000 training characters, so
  the GPT-vs-LSTM comparison is at equal parameters *and* equal data (the shipped §4 LSTM saw
  batch 32, twice as many).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from core.data.text import TEXT_CORPUS_TEXT, decode, encode, text_corpus
from core.pretrained import PretrainedSpec, TrainResult
from core.rnn.charlm import CHAR_LSTM_NAME, CharLSTMConfig
from core.rnn.charlm import PRETRAINED as LSTM_SPECS
from core.training import run_stepper
from core.transformer.gpt import GPT, GPTConfig, n_params

WINDOW = 129  # 128 inputs + the last 128 as targets
LN_V = math.log(96)  # the uniform baseline, nats/char


@dataclass(frozen=True)
class CharLMConfig:
    gpt: GPTConfig = field(default_factory=GPTConfig)
    steps: int = 1500  # AdamW steps (~10 min on one loaded CPU thread for the default model)
    batch_size: int = 16  # windows per step: 16 x 128 = 2,048 targets
    lr: float = 3e-3  # peak learning rate (AdamW), after `warmup` linear steps
    warmup: int = 100
    min_lr_frac: float = 0.1  # cosine decay to lr * min_lr_frac at the last step
    weight_decay: float = 0.01
    eval_every: int = 250  # held-out loss on `eval_windows` windows every k steps (the curve)
    eval_windows: int = 64


def lr_at(cfg: CharLMConfig, step: int) -> float:
    """Linear warm-up, then cosine decay from lr to lr * min_lr_frac."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    t = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr * (cfg.min_lr_frac + (1 - cfg.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * t)))


def chars_seen(cfg) -> int:
    """Training characters (targets) a run saw: steps x batch x targets per window, the GPT's
    context (128, or 64 for the small ablation GPT) or the LSTM's sequence length (128)."""
    per_window = cfg.gpt.block_size if hasattr(cfg, "gpt") else cfg.seq_len
    return int(cfg.steps) * int(cfg.batch_size) * int(per_window)


def held_out_windows(ids: np.ndarray | None = None, window: int = WINDOW) -> torch.Tensor:
    """The held-out ids cut into consecutive non-overlapping windows: (N_w, window) int64."""
    ids = text_corpus().held_out if ids is None else ids
    n_w = len(ids) // window
    return torch.from_numpy(np.array(ids[: n_w * window], dtype=np.int64)).view(n_w, window)


@torch.inference_mode()
def held_out_loss(
    model: GPT, max_windows: int | None = None, causal: bool | None = None, batch: int = 64
) -> dict[str, float]:
    """Mean next-character cross-entropy over the held-out windows (the shared §4/§7.7 protocol).

    Returns nats_per_char, bits_per_char, perplexity = e^nats, the baseline ln V, and how many
    windows / targets were scored. ``causal=True`` scores a model trained without the mask on
    prefixes only (each target sees only the characters before it, as when generating).
    """
    model.eval()
    dev = next(model.parameters()).device
    W = held_out_windows(window=model.cfg.block_size + 1)
    if max_windows is not None:
        W = W[:max_windows]
    total, count = 0.0, 0
    for i in range(0, len(W), batch):
        w = W[i : i + batch].to(dev)  # (b, 129)
        logits = model(w[:, :-1], causal=causal)  # (b, 128, V)
        total += F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]).double(), w[:, 1:].reshape(-1), reduction="sum"
        ).item()
        count += w[:, 1:].numel()
    nats = total / count
    return {
        "nats_per_char": nats,
        "bits_per_char": nats / math.log(2),
        "perplexity": math.exp(nats),
        "baseline_nats_per_char": LN_V,
        "windows": float(len(W)),
        "targets": float(count),
    }


class CharLMStepper:
    """``step(n)``: n AdamW steps on random training windows; returns loss (and held-out loss)."""

    def __init__(self, cfg: CharLMConfig = CharLMConfig(), seed: int = 0, device="cpu"):
        self.cfg, self.device = cfg, torch.device(device)
        torch.manual_seed(seed)
        self.model = GPT(cfg.gpt).to(self.device)
        self.train_ids = torch.from_numpy(np.array(text_corpus().train, dtype=np.int64))
        self.g = torch.Generator().manual_seed(seed)
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay}],
            lr=cfg.lr,
            betas=(0.9, 0.99),
            weight_decay=0.0,
        )
        self.steps_done = 0
        # (step, train loss, held-out loss[, held-out on prefixes: the mask-off model only])
        self.curve: list[tuple[float, ...]] = []
        self.losses: list[float] = []  # the training loss of every step

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        n = self.cfg.gpt.block_size
        start = torch.randint(
            0, len(self.train_ids) - n - 1, (self.cfg.batch_size,), generator=self.g
        )
        w = torch.stack([self.train_ids[s : s + n + 1] for s in start.tolist()]).to(self.device)
        return w[:, :-1], w[:, 1:]  # inputs (B, n), targets (B, n) shifted by one

    def step(self, n: int = 1) -> dict[str, float]:
        out: dict[str, float] = {}
        for _ in range(n):
            self.model.train()
            for group in self.opt.param_groups:
                group["lr"] = lr_at(self.cfg, self.steps_done)
            x, y = self.batch()
            logits = self.model(x)  # (B, n, V)
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            self.steps_done += 1
            out = {"loss": loss.item()}
            self.losses.append(out["loss"])
            k = self.cfg.eval_every
            if k and (self.steps_done % k == 0 or self.steps_done == self.cfg.steps):
                ho = held_out_loss(self.model, self.cfg.eval_windows)["nats_per_char"]
                point = (self.steps_done, out["loss"], ho)
                if not self.cfg.gpt.causal:  # the leak: also as it must be used, on prefixes
                    pre = held_out_loss(self.model, self.cfg.eval_windows, causal=True)
                    point += (pre["nats_per_char"],)
                self.curve.append(point)
                out["held_out"] = ho
        return out


def _train_fn(name: str):
    def train(cfg: CharLMConfig, seed: int) -> TrainResult:
        from core.transformer.sampling import generate

        stepper = CharLMStepper(cfg, seed)
        run_stepper(stepper, cfg.steps, chunk=25, desc=name)
        model = stepper.model.eval()
        metrics = held_out_loss(model)
        extra: dict = {}
        if not cfg.gpt.causal:  # the leak model: also scored as it must be used, on prefixes
            pre = held_out_loss(model, causal=True)
            metrics.update(
                {
                    f"prefix_{k}": v
                    for k, v in pre.items()
                    if "per_char" in k and "baseline" not in k
                }
            )
        metrics["train_loss_last"] = stepper.curve[-1][1] if stepper.curve else float("nan")
        prompt = "The "
        ids = generate(model, encode(prompt), 200, temperature=0.8, top_k=0, seed=0)[0]
        extra["sample_prompt"], extra["sample"] = prompt, decode(ids)
        extra["curve"] = [list(map(float, c)) for c in stepper.curve]
        extra["parameters_counted"] = n_params(model)
        extra["characters_seen"] = chars_seen(cfg)
        extra["protocol"] = (
            "held-out ids in consecutive non-overlapping windows of 129; first 128 inputs, "
            "last 128 targets, each window on its own; mean cross-entropy in nats/char"
        )
        return TrainResult(model=model, steps=stepper.steps_done, metrics=metrics, extra=extra)

    return train


def _build(cfg: CharLMConfig) -> GPT:
    return GPT(cfg.gpt)


MAIN = CharLMConfig()
# The ablations: the live view's small GPT, trained long enough for the effects to show
SMALL = GPTConfig(block_size=64, n_layer=2, n_head=2, n_embd=32)  # ~27k parameters
ABLATION = CharLMConfig(gpt=SMALL, steps=3000, eval_every=100)  # ~1 CPU-min each, one thread
ABLATIONS = {
    "gpt_ablation_learned": ABLATION,
    "gpt_ablation_nopos": dataclasses.replace(
        ABLATION, gpt=dataclasses.replace(SMALL, positions="none")
    ),
    "gpt_ablation_leak": dataclasses.replace(
        ABLATION, gpt=dataclasses.replace(SMALL, causal=False)
    ),
}
DESCRIPTIONS = {
    "gpt_char": "tiny GPT (4 layers x 4 heads, d=64, context 128) on the shared char corpus",
    "gpt_ablation_learned": "ablation reference: small GPT (2x2, d=32, context 64), learned "
    "positions, causal mask, 3,000 steps",
    "gpt_ablation_nopos": "positional ablation: the small GPT with no positions, 3,000 steps",
    "gpt_ablation_leak": "leak demo: the small GPT trained with the causal mask off, 3,000 steps",
}

PRETRAINED = tuple(
    PretrainedSpec(
        name=name,
        description=DESCRIPTIONS[name],
        config=cfg,
        build=_build,
        train=_train_fn(name),
        dataset=TEXT_CORPUS_TEXT,
        seed=0,
    )
    for name, cfg in {"gpt_char": MAIN, **ABLATIONS}.items()
)

LSTM_SPEC = next(s for s in LSTM_SPECS if s.name == CHAR_LSTM_NAME)
PAIR_LSTM = dataclasses.replace(LSTM_SPEC.config, batch_size=MAIN.batch_size, steps=MAIN.steps)


def _train_pair_lstm(cfg: CharLSTMConfig, seed: int) -> TrainResult:
    """The §4 trainer unchanged, at the GPT's batch and steps; adds the characters seen."""
    result = LSTM_SPEC.train(cfg, seed)
    result.extra["characters_seen"] = chars_seen(cfg)
    return result


PRETRAINED = PRETRAINED + (
    PretrainedSpec(
        name="gpt_pair_lstm",
        description="the §4 char LSTM retrained at the tiny GPT's budget (batch 16 x 1,500 "
        "steps = 3,072,000 characters): the equal-data pair of gpt_char",
        config=PAIR_LSTM,
        build=LSTM_SPEC.build,
        train=_train_pair_lstm,
        dataset=TEXT_CORPUS_TEXT,
        seed=LSTM_SPEC.seed,
    ),
)
