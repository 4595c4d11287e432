"""The chain rule, step by step (§7): p(x) = prod_k p(x_{o(k)} | x_{o(<k)}).

`trace` draws one image pixel by pixel and keeps, at each recorded step k, the conditionals
p(x_j = 1 | the k pixels drawn so far) of every pixel j: the heat map the page scrubs through.
`teacher_vs_free` contrasts training-time conditionals (teacher forcing: the true pixels
condition every factor, one pass) with sampling-time ones (free running: the model's own draws
condition the next).
"""

from __future__ import annotations

import numpy as np
import torch

from core.autoregressive.base import ARModel, bernoulli_log_prob
from core.autoregressive.figures import chain_frame


@torch.no_grad()
def trace(model: ARModel, seed: int, stride: int = 8) -> dict:
    """Frames every ``stride`` steps (and the last): drawn pixels, conditionals, step labels."""
    g = torch.Generator().manual_seed(int(seed))
    x, p = model.sample(1, g, trace=True)  # (1, *shape), (1, n, n)
    x, p = x.reshape(-1).cpu().numpy(), p[0].cpu().numpy()  # (n,), (steps, n)
    order = model.generation_order().cpu().numpy()
    H, W = model.shape[-2:]
    steps = list(range(0, model.n, max(1, int(stride)))) + [model.n]
    frames, labels = [], []
    rank = np.empty(model.n, int)
    rank[order] = np.arange(model.n)
    log_p = 0.0
    for k in steps:
        drawn = rank < k
        nxt = int(order[k]) if k < model.n else None
        cond = p[min(k, model.n - 1)]
        frames.append(chain_frame(np.where(drawn, x, 0).reshape(H, W), drawn.reshape(H, W),
                                  cond.reshape(H, W), nxt))  # fmt: skip
        if k < model.n:
            q = cond[nxt]
            labels.append(f"step {k + 1}/{model.n}: p(x = 1 | x<) = {q:.2f}")
        else:
            labels.append(f"done: {model.n} steps")
    # log p of the drawn image, factor by factor: the chain rule's product
    for k in range(model.n):
        j = order[k]
        q = float(np.clip(p[k, j], 1e-12, 1 - 1e-12))
        log_p += np.log(q if x[j] == 1 else 1 - q)
    return {"frames": frames, "labels": labels, "x": x.reshape(H, W), "log_p": log_p}


@torch.no_grad()
def teacher_vs_free(model: ARModel, x_true: torch.Tensor, start: int, seed: int) -> dict:
    """Conditionals of the steps >= ``start`` under teacher forcing and under free running
    (the first ``start`` steps fixed to the true digit in both). Maps are (H, W)."""
    H, W = model.shape[-2:]
    x_true = model.bits(x_true.reshape(1, -1))
    tf = torch.sigmoid(model.logits(x_true))[0].cpu().numpy()  # p(x_j | TRUE x_<j)
    g = torch.Generator().manual_seed(int(seed))
    x_fr, p = model.sample(1, g, trace=True, prompt=x_true, start=start)
    order = model.generation_order().cpu().numpy()
    fr = tf.copy()
    for k, j in enumerate(order[start:]):
        fr[j] = float(p[0, k, j])  # p(x_j | the model's OWN earlier draws)
    later = np.zeros(model.n, bool)
    later[order[start:]] = True
    xt = x_true[0].cpu().numpy()
    nll_tf = float(-bernoulli_log_prob(torch.logit(torch.tensor(tf[later]).clamp(1e-6, 1 - 1e-6)),
                                       torch.tensor(xt[later])))  # fmt: skip
    return {
        "true": xt.reshape(H, W),
        "tf": np.where(later, tf, np.nan).reshape(H, W),
        "fr": np.where(later, fr, np.nan).reshape(H, W),
        "sample": x_fr.reshape(H, W).cpu().numpy(),
        "nll_tf": nll_tf,
        "later": later.reshape(H, W),
    }
