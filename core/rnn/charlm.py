"""A character-level LSTM language model (notes §4.2) on the shared docs corpus.

The model reads one character id at a time and predicts the next:

    e⁽ᵗ⁾ = E[x⁽ᵗ⁾]                         embedding (V -> D)
    h⁽ᵗ⁾, c⁽ᵗ⁾ = LSTM(e⁽ᵗ⁾, h⁽ᵗ⁻¹⁾, c⁽ᵗ⁻¹⁾)  one layer, d units (core.rnn.lstm)
    p(x⁽ᵗ⁺¹⁾ | x⁽¹:ᵗ⁾) = softmax(W_y h⁽ᵗ⁾ + b_y)

Loss: mean next-character cross-entropy in nats/char. bits/char = nats / ln 2 and perplexity =
exp(nats); an untrained model that predicts uniformly scores ln V = ln 96 = 4.564 nats.

The held-out protocol (shared with the §7.7 tiny GPT so the two compare at ~200k parameters):
the held-out ids are cut into consecutive non-overlapping windows of 129 ids (the remainder is
dropped); in each window the first 128 ids are the input, the last 128 the targets, and each
window starts from a fresh (zero) state. `held_out_loss` averages over every target.

Training uses `torch.nn.LSTM` (fast); the inspection views re-run the same weights through the
hand-written cell in `core.rnn.lstm` to expose the gates (a test checks the two agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.data.text import TEXT_CORPUS_TEXT, VOCAB, decode, encode, normalise, text_corpus
from core.pretrained import PretrainedSpec, TrainResult
from core.rnn.lstm import LSTMWeights
from core.training import run_stepper

CHAR_LSTM_NAME = "rnn_char_lstm"
WINDOW = 129  # held-out window: 128 inputs, 128 targets
V = len(VOCAB)


@dataclass(frozen=True)
class CharLSTMConfig:
    vocab: int = V
    embed: int = 64  # D
    hidden: int = 180  # d -> 200,640 parameters
    seq_len: int = 128
    batch_size: int = 32
    steps: int = 1500
    lr: float = 3e-3
    clip: float = 1.0  # the §4.3 threshold k on the global gradient norm
    weight_decay: float = 0.01


class CharLSTM(nn.Module):
    def __init__(self, cfg: CharLSTMConfig = CharLSTMConfig()):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab, cfg.embed)
        self.lstm = nn.LSTM(cfg.embed, cfg.hidden, batch_first=True)
        self.head = nn.Linear(cfg.hidden, cfg.vocab)

    def forward(self, ids: torch.Tensor, state=None):
        """ids (B, T) -> logits (B, T, V), (h, c) each (1, B, d)."""
        out, state = self.lstm(self.embed(ids), state)  # (B, T, d)
        return self.head(out), state


def loss_stats(nats: float) -> dict[str, float]:
    """nats/char -> nats, bits/char, perplexity, and the uniform baseline ln V."""
    return {
        "nats_per_char": nats,
        "bits_per_char": nats / math.log(2),
        "perplexity": math.exp(nats),
        "ln_V": math.log(V),
    }


def held_out_windows(ids: np.ndarray | None = None) -> torch.Tensor:
    """The held-out ids as (N, 129) consecutive non-overlapping windows (remainder dropped)."""
    ids = text_corpus().held_out if ids is None else ids
    n = len(ids) // WINDOW
    return torch.from_numpy(np.array(ids[: n * WINDOW])).view(n, WINDOW)


@torch.inference_mode()
def held_out_loss(model: CharLSTM, batch: int = 64) -> dict[str, float]:
    """Mean next-char cross-entropy over the held-out windows (the shared protocol, above)."""
    model.eval()
    win = held_out_windows()
    total, count = 0.0, 0
    for s in range(0, len(win), batch):
        w = win[s : s + batch]  # (b, 129)
        logits, _ = model(w[:, :-1])  # fresh zero state per window
        total += F.cross_entropy(logits.reshape(-1, V), w[:, 1:].reshape(-1), reduction="sum")
        count += w[:, 1:].numel()
    return {**loss_stats(float(total) / count), "windows": float(len(win))}


class CharLSTMTrainer:
    """Stepper: random 129-id windows of the training text, AdamW, clipping at k = cfg.clip."""

    def __init__(self, cfg: CharLSTMConfig = CharLSTMConfig(), seed: int = 0):
        self.cfg = cfg
        torch.manual_seed(seed)
        self.model = CharLSTM(cfg)
        self.train_ids = torch.from_numpy(np.array(text_corpus().train))
        self.g = torch.Generator().manual_seed(seed)
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        self.sched = torch.optim.lr_scheduler.LambdaLR(  # linear warm-up, cosine decay to 10 %
            self.opt,
            lambda s: (
                min(1.0, (s + 1) / 100)
                * (0.1 + 0.45 * (1 + math.cos(math.pi * min(s, cfg.steps) / cfg.steps)))
            ),
        )
        self.steps_done = 0
        self.grad_norms: list[float] = []

    def step(self, n: int = 1) -> dict[str, float]:
        self.model.train()
        cfg, loss = self.cfg, torch.tensor(float("nan"))
        for _ in range(n):
            start = torch.randint(
                0, len(self.train_ids) - cfg.seq_len - 1, (cfg.batch_size,), generator=self.g
            )
            w = self.train_ids[start[:, None] + torch.arange(cfg.seq_len + 1)]  # (B, 129)
            logits, _ = self.model(w[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, V), w[:, 1:].reshape(-1))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip)
            self.grad_norms.append(float(norm))
            self.opt.step()
            self.sched.step()
            self.steps_done += 1
        return {"loss": loss.item(), "grad_norm": self.grad_norms[-1] if self.grad_norms else 0.0}


def _train(cfg: CharLSTMConfig, seed: int) -> TrainResult:
    trainer = CharLSTMTrainer(cfg, seed)
    untrained = held_out_loss(CharLSTM(cfg))["nats_per_char"]
    run_stepper(trainer, cfg.steps, chunk=25, desc=CHAR_LSTM_NAME)
    metrics = held_out_loss(trainer.model)
    norms = np.array(trainer.grad_norms)
    return TrainResult(
        model=trainer.model,
        steps=trainer.steps_done,
        metrics={**metrics, "untrained_nats_per_char": untrained},
        extra={
            "corpus_sha256": text_corpus().sha256,
            "grad_norm_quantiles": {
                q: float(np.quantile(norms, float(q))) for q in ("0.1", "0.5", "0.9", "0.99")
            },
            "notes": "held-out protocol: consecutive non-overlapping 129-id windows of the "
            "held-out text, 128 inputs -> 128 targets, fresh state per window; nats/char, "
            "bits/char = nats/ln 2, perplexity = exp(nats); ln V = ln 96 is the uniform baseline",
        },
    )


# ----------------------------------------------------------------------------- sampling
def prompt_ids(prompt: str) -> tuple[torch.Tensor, list[str]]:
    """A user's prompt -> ids (T,) and the characters the vocabulary lacks (shown as '?')."""
    _, unknown = normalise(prompt)
    return torch.from_numpy(encode(prompt)), unknown


class FastCell:
    """The trained LSTM as float32 numpy arrays, one character at a time (sampling, tracing).

    The input side is tabulated: row x of X = W_x E[x] + b (V, 4d), so a step is one
    (d) @ (d, 4d) product, the gates and one (d) @ (d, V) read-out: ~0.1 ms a character,
    with no torch call overhead. A test checks it against `CharLSTM.forward`.
    """

    def __init__(self, model: CharLSTM):
        w = LSTMWeights.from_module(model.lstm, "_l0")
        with torch.no_grad():
            E = model.embed.weight
            self.X = (E @ w.W_x.T + w.b).float().numpy()  # (V, 4d)
            self.Wh_T = w.W_h.T.float().numpy().copy()  # (d, 4d)
            self.Wy_T = model.head.weight.T.float().numpy().copy()  # (d, V)
            self.by = model.head.bias.float().numpy()
        self.d = w.d

    def step(self, x: int, h: np.ndarray, c: np.ndarray):
        """(x, h⁽ᵗ⁻¹⁾, c⁽ᵗ⁻¹⁾) -> h⁽ᵗ⁾, c⁽ᵗ⁾, gates (4d,) after σ/tanh in the order i, f, g, o."""
        d = self.d
        a = self.X[x] + h @ self.Wh_T  # (4d,)
        z = np.empty_like(a)
        z[: 2 * d] = 1 / (1 + np.exp(-a[: 2 * d]))  # i, f
        z[2 * d : 3 * d] = np.tanh(a[2 * d : 3 * d])  # g
        z[3 * d :] = 1 / (1 + np.exp(-a[3 * d :]))  # o
        c = z[d : 2 * d] * c + z[:d] * z[2 * d : 3 * d]  # c = f ⊙ c + i ⊙ g
        h = z[3 * d :] * np.tanh(c)  # h = o ⊙ tanh(c)
        return h, c, z

    def logits(self, h: np.ndarray) -> np.ndarray:
        return h @ self.Wy_T + self.by  # (V,)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sample(cell: FastCell, prompt: str, n: int = 500, temperature: float = 1.0, seed: int = 0):
    """Sample n characters after `prompt` at `temperature` (0 = greedy argmax), seeded.

    p(x) ∝ exp(logit(x) / temperature). Returns {"text", "logits": (n, V) float32 (the raw
    logits each character was drawn from), "unknown": prompt characters outside VOCAB}.
    An empty prompt starts from a newline.
    """
    ids, unknown = prompt_ids(prompt or "\n")
    h = np.zeros(cell.d, np.float32)
    c = np.zeros(cell.d, np.float32)
    for x in ids.tolist():
        h, c, _ = cell.step(x, h, c)
    # Gumbel-max: argmax(logit/T + G), G ~ Gumbel(0, 1), is an exact draw from softmax(logit/T)
    # (one argmax a character instead of a softmax and a search; all noise drawn up front).
    gumbel = np.random.default_rng(int(seed)).gumbel(size=(n, V)).astype(np.float32)
    inv_t = np.float32(1 / temperature) if temperature > 0 else None
    out = np.empty(n, np.int64)
    logits = np.empty((n, V), np.float32)
    for t in range(n):
        logits[t] = cell.logits(h)
        x = int((logits[t] * inv_t + gumbel[t]).argmax() if inv_t else logits[t].argmax())
        out[t] = x
        h, c, _ = cell.step(x, h, c)
    return {"text": decode(out), "logits": logits, "unknown": unknown}


def top5(logits: np.ndarray, temperature: float = 1.0) -> list[tuple[str, float]]:
    """The five most likely next characters and their probabilities at `temperature`."""
    p = softmax(logits.astype(np.float64), max(temperature, 1e-3))
    idx = np.argsort(-p)[:5]
    return [(VOCAB[i], float(p[i])) for i in idx]


def trace(cell: FastCell, text: str) -> dict[str, np.ndarray]:
    """Run `text` through the cell: h, c and gates f, i, g, o (T, d); p(next) (T, V); nll (T−1,)."""
    ids, _ = prompt_ids(text)
    d, T = cell.d, len(ids)
    h = np.zeros(d, np.float32)
    c = np.zeros(d, np.float32)
    H, C, Z, L = (np.zeros((T, d), np.float32), np.zeros((T, d), np.float32),
                  np.zeros((T, 4 * d), np.float32), np.zeros((T, V), np.float32))  # fmt: skip
    for t, x in enumerate(ids.tolist()):
        h, c, z = cell.step(x, h, c)
        H[t], C[t], Z[t], L[t] = h, c, z, cell.logits(h)
    probs = softmax(L.astype(np.float64))
    nll = -np.log(probs[np.arange(T - 1), ids[1:].numpy()]) if T > 1 else np.zeros(0)
    return {"ids": ids.numpy(), "h": H, "c": C, "i": Z[:, :d], "f": Z[:, d : 2 * d],
            "g": Z[:, 2 * d : 3 * d], "o": Z[:, 3 * d :], "probs": probs, "nll": nll}  # fmt: skip


PRETRAINED = (
    PretrainedSpec(
        name=CHAR_LSTM_NAME,
        description="char-level LSTM (1 layer, d = 180, 200,640 parameters) on Python's docs",
        config=CharLSTMConfig(),
        build=CharLSTM,
        train=_train,
        dataset=TEXT_CORPUS_TEXT,
        seed=0,
    ),
)
