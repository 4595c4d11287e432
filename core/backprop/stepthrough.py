"""Backprop step-through for one training point, notes §1.3: every chain-rule factor, in order.

Stages for a network with L weight layers (sizes n_0..n_L):

    0            input       a_0 = x (the features of the chosen point)
    1..L         forward l   z_l = a_{l-1} W_l + b_l,  a_l = sigma(z_l)   (head on layer L)
    L+1          loss        L = ell(y_hat, y)  and  dL/dy_hat
    L+2..2L+1    backward l  (l = L, L-1, ..., 1): sigma'(z_l), delta_l = dL/da_l * sigma'(z_l),
                             dL/dW_l = a_{l-1}^T delta_l on every edge into layer l,
                             dL/da_{l-1} = delta_l W_l^T  (what the layer below receives)

`step_through` returns one `Stage` per step with per-node values to colour the graph, per-edge
values, and table rows. The numbers are the ones `MLP.backward` computes (B = 1, so the batch
mean is the point's own loss; the penalty's gradient is included in dL/dW when regularising).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.backprop.mlp import MLP


@dataclass(frozen=True)
class Stage:
    """One step: ``title``, node colours per layer (nan = not yet known), node labels, edge values
    per layer (weights or dL/dW), the edge layers in focus, and table rows (lists of dicts) for
    the nodes and, in backward stages, the edges."""

    title: str
    node_values: list
    node_text: list
    edge_values: list
    active_layers: tuple
    node_name: str
    edge_name: str
    rows: list
    edge_rows: list = ()


def _fmt(v: float) -> str:
    return f"{v:.3g}" if np.isfinite(v) else "–"


def step_through(
    net: MLP, x: np.ndarray, t: np.ndarray, loss: str, reg: str = "none", lam: float = 0.0
) -> list[Stage]:
    """Forward then backward for one point ``x`` (1, n_0) with target ``t`` (1, n_L)."""
    fw = net.forward(x)
    bw = net.backward(fw, t, loss, reg, lam)
    sizes = net.cfg.sizes
    L = len(sizes) - 1
    nan_nodes = [np.full(n, np.nan) for n in sizes]
    stages: list[Stage] = []

    def names(l):
        if l == 0:
            return [f"x{j}" for j in range(sizes[0])]
        if l == L:
            return ["ŷ" if sizes[L] == 1 else f"ŷ{j}" for j in range(sizes[L])]
        return [f"h{l}.{j}" for j in range(sizes[l])]

    # ---------------------------------------------------------------- forward
    vals = [v.copy() for v in nan_nodes]
    for l in range(0, L + 1):
        vals[l] = fw.a[l][0]
        rows = []
        if l == 0:
            title = "Input: a₀ = x (the chosen point's features)"
            for j, nm in enumerate(names(0)):
                rows.append({"node": nm, "a = x": fw.a[0][0, j]})
        else:
            kind = "head" if l == L else "σ"
            title = (
                f"Forward, layer {l}: z{l} = a{l - 1} W{l} + b{l}, a{l} = "
                f"{'ŷ = ' + net.cfg.head if l == L else net.cfg.activation}(z{l})"
            )
            for j, nm in enumerate(names(l)):
                rows.append({"node": nm, "z": fw.z[l][0, j], f"a = {kind}(z)": fw.a[l][0, j]})
        stages.append(
            Stage(
                title,
                [v.copy() for v in vals],
                [[_fmt(v) for v in layer] for layer in vals],
                [W.copy() for W in net.W],
                tuple(range(l)),
                "a",
                "w",
                rows,
            )
        )
    # ---------------------------------------------------------------- loss
    grads = [v.copy() for v in nan_nodes]
    grads[L] = bw.dL_dyhat[0]
    rows = [
        {"quantity": "loss L (incl. penalty)", "value": bw.loss},
        {"quantity": "data loss ℓ(ŷ, y)", "value": bw.data_loss},
    ]
    for j, nm in enumerate(names(L)):
        rows.append({"quantity": f"target y for {nm}", "value": float(t[0, j])})
        rows.append({"quantity": f"∂L/∂{nm}", "value": float(bw.dL_dyhat[0, j])})
    stages.append(
        Stage(
            f"Loss: L = {loss}(ŷ, y) = {bw.loss:.4g}; ∂L/∂ŷ starts the backward pass",
            [g.copy() for g in grads],
            [[_fmt(v) for v in layer] for layer in grads],
            [W.copy() for W in net.W],
            (),
            "∂L/∂ŷ",
            "w",
            rows,
        )
    )
    # ---------------------------------------------------------------- backward
    edges = [np.full_like(W, np.nan) for W in net.W]
    deltas = [v.copy() for v in nan_nodes]
    for l in range(L, 0, -1):
        deltas[l] = bw.delta[l][0]
        edges[l - 1] = bw.dW[l - 1]
        rows = []
        for j, nm in enumerate(names(l)):
            rows.append(
                {
                    "node": nm,
                    "∂L/∂a": float(bw.dL_da[l][0, j]),
                    "σ'(z)": float(bw.dsigma[l][0, j]),
                    "δ = ∂L/∂z": float(bw.delta[l][0, j]),
                    "∂L/∂b": float(bw.db[l - 1][j]),
                }
            )
        edge_rows = []
        for i, src in enumerate(names(l - 1)):
            for j, dst in enumerate(names(l)):
                edge_rows.append(
                    {
                        "edge": f"{src}→{dst}",
                        "w": float(net.W[l - 1][i, j]),
                        "a (source)": float(fw.a[l - 1][0, i]),
                        "δ = ∂L/∂z": float(bw.delta[l][0, j]),
                        "∂L/∂w = a·δ (+reg)": float(bw.dW[l - 1][i, j]),
                    }
                )
        if l == L and net.cfg.head == "softmax":
            how = "δ_L = ŷ − y (softmax Jacobian folded in)"
        elif l == L:
            how = "δ_L = ∂L/∂ŷ · head'(z_L)"
        else:
            how = f"δ{l} = (δ{l + 1} W{l + 1}ᵀ) ⊙ σ'(z{l})"
        stages.append(
            Stage(
                f"Backward, layer {l}: {how}; ∂L/∂W{l} = a{l - 1}ᵀ δ{l}",
                [d.copy() for d in deltas],
                [[_fmt(v) for v in layer] for layer in deltas],
                [E.copy() for E in edges],
                (l - 1,),
                "δ",
                "∂L/∂w",
                rows,
                edge_rows,
            )
        )
    return stages
