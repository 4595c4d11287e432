"""The LSTM cell (notes §4.2), written out gate by gate.

    f = σ(W_hf h⁽ᵗ⁻¹⁾ + W_xf x⁽ᵗ⁾ + b_f)        forget gate, in [0, 1]^d
    i = σ(W_hi h⁽ᵗ⁻¹⁾ + W_xi x⁽ᵗ⁾ + b_i)        input gate
    o = σ(W_ho h⁽ᵗ⁻¹⁾ + W_xo x⁽ᵗ⁾ + b_o)        output gate
    g = tanh(W_hg h⁽ᵗ⁻¹⁾ + W_xg x⁽ᵗ⁾ + b_g)     what to write, in [-1, 1]^d
    c⁽ᵗ⁾ = f ⊙ c⁽ᵗ⁻¹⁾ + i ⊙ g                   the cell: an additive "information highway"
    h⁽ᵗ⁾ = o ⊙ tanh(c⁽ᵗ⁾)

The notes omit biases; we keep them (the forget-gate bias b_f is the classic knob: b_f ≈ 1..2
starts the cell remembering). The weights use `torch.nn.LSTMCell`'s layout so a test can copy
them across: W_x = weight_ih (4d, D), W_h = weight_hh (4d, d), rows in the order i, f, g, o,
and b = bias_ih + bias_hh.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

GATES = ("f", "i", "g", "o")


@dataclass
class LSTMWeights:
    """W_x (4d, D), W_h (4d, d), b (4d,): rows are the i, f, g, o blocks (nn.LSTMCell order)."""

    W_x: torch.Tensor
    W_h: torch.Tensor
    b: torch.Tensor

    @property
    def d(self) -> int:
        return self.W_h.shape[1]

    @staticmethod
    def random(D: int, d: int, seed: int = 0, forget_bias: float = 0.0) -> LSTMWeights:
        """U(-1/√d, 1/√d) like PyTorch, then b_f += forget_bias."""
        g = torch.Generator().manual_seed(seed)
        s = d**-0.5

        def u(*shape):
            return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * s

        b = u(4 * d)
        b[d : 2 * d] += forget_bias  # the f block
        return LSTMWeights(u(4 * d, D), u(4 * d, d), b)

    @staticmethod
    def from_module(m: torch.nn.Module, layer: str = "") -> LSTMWeights:
        """Copy from an nn.LSTMCell (layer='') or an nn.LSTM layer (layer='_l0')."""
        sd = m.state_dict()
        b = sd[f"bias_ih{layer}"] + sd[f"bias_hh{layer}"]
        return LSTMWeights(sd[f"weight_ih{layer}"], sd[f"weight_hh{layer}"], b)


def lstm_cell(
    w: LSTMWeights, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    """One step. x (B, D), h and c (B, d) -> h⁽ᵗ⁾, c⁽ᵗ⁾ (B, d) and the gates {f, i, g, o} (B, d)."""
    d = w.d
    a = x @ w.W_x.T + h @ w.W_h.T + w.b  # (B, 4d) pre-activations, blocks i, f, g, o
    i = torch.sigmoid(a[:, :d])
    f = torch.sigmoid(a[:, d : 2 * d])
    g = torch.tanh(a[:, 2 * d : 3 * d])
    o = torch.sigmoid(a[:, 3 * d :])
    c = f * c + i * g
    h = o * torch.tanh(c)
    return h, c, {"f": f, "i": i, "g": g, "o": o}


def lstm_run(
    w: LSTMWeights, xs: torch.Tensor, h0: torch.Tensor | None = None, c0: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """Run over xs (T, B, D). Returns h, c and each gate stacked over time: (T, B, d)."""
    T, B, _ = xs.shape
    h = torch.zeros(B, w.d, dtype=xs.dtype) if h0 is None else h0
    c = torch.zeros(B, w.d, dtype=xs.dtype) if c0 is None else c0
    out: dict[str, list[torch.Tensor]] = {k: [] for k in ("h", "c", *GATES)}
    for t in range(T):
        h, c, gates = lstm_cell(w, xs[t], h, c)
        out["h"].append(h)
        out["c"].append(c)
        for k in GATES:
            out[k].append(gates[k])
    return {k: torch.stack(v) for k, v in out.items()}
