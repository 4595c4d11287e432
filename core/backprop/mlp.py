"""A multi-layer perceptron with hand-written backpropagation in float64 numpy, notes §1.1-1.3.

Forward (§1.1), for layers l = 1..L with a_0 = x (the input features):

    z_l = a_{l-1} W_l + b_l          # (B, n_l)   pre-activation of every node of layer l
    a_l = sigma(z_l)                 # hidden layers; the last layer uses the loss's head:
    y_hat = head(z_L)                # sigmoid (Bernoulli), softmax (categorical), identity

Backward (§1.3): the chain rule, evaluated from the loss down, one layer at a time; the
"dynamic programming" is that delta_l is reused by every weight feeding layer l:

    delta_L      = dL/dz_L = dL/dy_hat * head'(z_L)        # (B, n_L)
    dL/dW_l      = a_{l-1}^T delta_l  (+ reg'(W_l))         # (n_{l-1}, n_l): the edges
    dL/db_l      = sum_B delta_l                             # (n_l,)
    dL/da_{l-1}  = delta_l W_l^T                             # (B, n_{l-1}): "increase h_k"
    delta_{l-1}  = dL/da_{l-1} * sigma'(z_{l-1})             # (B, n_{l-1})

which is exactly §1.3's dL/dw_k = (y - y_hat) sigma'(w^T h) h_k and dL/dh_k = (...) w_k, layer by
layer. Every intermediate (z, a, dL/da, sigma', delta) is returned so the page can show them per
node; `core.backprop.verify` checks the gradients against torch.autograd and finite differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.backprop.activations import HEADS, get_activation, head_forward
from core.backprop.losses import head_derivative, loss_and_delta, reg_grad, reg_value


@dataclass(frozen=True)
class MLPConfig:
    """Architecture of the network.

    n_in: number of input features (1-7, see `features`).
    hidden: width of each hidden layer; () is a 0-hidden-layer (linear / logistic) model.
    n_out: output units: 1 for binary or regression, K for K-class softmax.
    activation: sigma of the hidden layers (see `activations.ACTIVATIONS`).
    head: output non-linearity implied by the loss (`losses.head_for`).
    """

    n_in: int = 2
    hidden: tuple[int, ...] = (4, 2)
    n_out: int = 1
    activation: str = "tanh"
    head: str = "sigmoid"

    def __post_init__(self):
        get_activation(self.activation)
        if self.head not in HEADS:
            raise ValueError(f"unknown head: {self.head!r}; choose from {', '.join(HEADS)}")
        if self.n_in < 1 or self.n_out < 1 or any(h < 1 for h in self.hidden):
            raise ValueError(f"layer sizes must be >= 1, got {self.sizes}")

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.n_in, *self.hidden, self.n_out)


@dataclass
class Forward:
    """Per-node values of a forward pass: z[l], a[l] for l = 0..L (z[0] is unused, a[0] = x)."""

    z: list[np.ndarray]
    a: list[np.ndarray]

    @property
    def y_hat(self) -> np.ndarray:
        return self.a[-1]


@dataclass
class Backward:
    """Per-node and per-edge quantities of a backward pass (index l as in `Forward`)."""

    loss: float  # data loss + penalty
    data_loss: float
    dL_dyhat: np.ndarray  # (B, n_L)
    dsigma: list[np.ndarray]  # sigma'(z_l) (hidden); head'(z_L) or nan for softmax
    dL_da: list[np.ndarray]  # dL/da_l, l = 1..L-1 (hidden activations), [L] = dL/dy_hat
    delta: list[np.ndarray]  # delta_l = dL/dz_l
    dW: list[np.ndarray] = field(default_factory=list)  # dL/dW_l (index l-1)
    db: list[np.ndarray] = field(default_factory=list)  # dL/db_l (index l-1)


def init_params(cfg: MLPConfig, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """W_l ~ N(0, gain^2 / n_{l-1}) (LeCun; gain sqrt(2) for ReLU, He), b_l = 0; seeded."""
    rng = np.random.default_rng(seed)
    gain = np.sqrt(2.0) if cfg.activation == "relu" else 1.0
    Ws, bs = [], []
    for fan_in, fan_out in zip(cfg.sizes[:-1], cfg.sizes[1:], strict=False):
        Ws.append(rng.normal(0.0, gain / np.sqrt(fan_in), size=(fan_in, fan_out)))
        bs.append(np.zeros(fan_out))
    return Ws, bs


class MLP:
    """Parameters theta = {W_1..W_L, b_1..b_L} (float64) with forward and hand backward."""

    def __init__(self, cfg: MLPConfig, seed: int = 0, params=None):
        self.cfg = cfg
        self.sigma = get_activation(cfg.activation)
        if params is None:
            self.W, self.b = init_params(cfg, seed)
        else:
            self.W = [np.array(W, dtype=np.float64) for W in params[0]]
            self.b = [np.array(b, dtype=np.float64) for b in params[1]]

    @property
    def n_layers(self) -> int:
        return len(self.W)

    def params(self) -> list[np.ndarray]:
        """[W_1, b_1, W_2, b_2, ...] (the same arrays, for in-place optimiser updates)."""
        out = []
        for W, b in zip(self.W, self.b, strict=False):
            out += [W, b]
        return out

    def copy(self) -> MLP:
        return MLP(self.cfg, params=(self.W, self.b))

    def forward(self, x: np.ndarray) -> Forward:
        """z_l = a_{l-1} W_l + b_l; a_l = sigma(z_l), head on the last layer. x: (B, n_in)."""
        a = [np.asarray(x, dtype=np.float64)]  # a_0 = x  # (B, n_0)
        z = [np.zeros((a[0].shape[0], 0))]
        L = self.n_layers
        with np.errstate(over="ignore", invalid="ignore"):
            for l in range(1, L + 1):
                z_l = a[-1] @ self.W[l - 1] + self.b[l - 1]  # (B, n_l)
                z.append(z_l)
                if l < L:
                    a.append(self.sigma.f(z_l))
                else:
                    a.append(head_forward(self.cfg.head, z_l))
        return Forward(z=z, a=a)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """z_L for inputs x (B, n_in). # (B, n_out)"""
        return self.forward(x).z[-1]

    def backward(
        self, fw: Forward, t: np.ndarray, loss: str, reg: str = "none", lam: float = 0.0
    ) -> Backward:
        """Backpropagate L = mean ell(y_hat, t) + penalty through the cached forward pass ``fw``.

        ``t``: targets (B, n_out) (one-hot for softmax, see `losses.targets`).
        """
        L = self.n_layers
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            data_loss, _, dL_dyhat, delta_L = loss_and_delta(loss, self.cfg.head, fw.z[L], t)
            penalty = reg_value(self.W, reg, lam)
            y_hat = fw.a[L]
            head_d = (
                np.full_like(y_hat, np.nan)
                if self.cfg.head == "softmax"  # not diagonal
                else head_derivative(self.cfg.head, fw.z[L], y_hat)
            )
            delta: list = [None] * (L + 1)
            dL_da: list = [None] * (L + 1)
            dsigma: list = [None] * (L + 1)
            delta[L], dL_da[L], dsigma[L] = delta_L, dL_dyhat, head_d
            dW: list = [None] * L
            db: list = [None] * L
            for l in range(L, 0, -1):
                # dL/dW_l = a_{l-1}^T delta_l (+ penalty gradient); dL/db_l = sum_B delta_l
                dW[l - 1] = fw.a[l - 1].T @ delta[l] + reg_grad(self.W[l - 1], reg, lam)
                db[l - 1] = delta[l].sum(axis=0)
                if l > 1:
                    dL_da[l - 1] = delta[l] @ self.W[l - 1].T  # (B, n_{l-1})
                    dsigma[l - 1] = self.sigma.df(fw.z[l - 1], fw.a[l - 1])  # sigma'(z_{l-1})
                    delta[l - 1] = dL_da[l - 1] * dsigma[l - 1]  # delta_{l-1}
        return Backward(
            loss=data_loss + penalty,
            data_loss=data_loss,
            dL_dyhat=dL_dyhat,
            dsigma=dsigma,
            dL_da=dL_da,
            delta=delta,
            dW=dW,
            db=db,
        )

    def loss_and_grads(
        self, x: np.ndarray, t: np.ndarray, loss: str, reg: str = "none", lam: float = 0.0
    ) -> tuple[float, list[np.ndarray]]:
        """(L, [dL/dW_1, dL/db_1, ...]) in the order of `params`."""
        bw = self.backward(self.forward(x), t, loss, reg, lam)
        grads = []
        for gW, gb in zip(bw.dW, bw.db, strict=False):
            grads += [gW, gb]
        return bw.loss, grads

    def loss_value(
        self, x: np.ndarray, t: np.ndarray, loss: str, reg: str = "none", lam: float = 0.0
    ) -> float:
        """L(theta) only (forward pass), e.g. for finite differences."""
        data_loss = loss_and_delta(loss, self.cfg.head, self.logits(x), t)[0]
        return data_loss + reg_value(self.W, reg, lam)
