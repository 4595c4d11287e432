"""The GAN page's live math checks (notes §9.1, §9.2): each compares a computed number with a
reference and returns (name, discrepancy, tolerance, detail).

* the standard metric on 20,000 real ring samples: % HQ vs the analytic 1 - e^{-4.5};
* V(G, D*) at p_model = p_data vs -log 4 (Theorem 3), from split-half KDEs;
* the R1 penalty E ||grad_x D(x)||^2 via autograd vs central finite differences;
* the WGAN-GP penalty via the batched double-backward vs per-sample Jacobians;
* the unrolled generator step leaves D's parameters exactly as they were.
"""

from __future__ import annotations

import numpy as np
import torch

from core.data.toy2d import RING8_SIGMA, make_toy, ring8_modes
from core.gan.metrics import PERFECT_HQ_FRACTION, mode_metrics
from core.gan.models import MLPConfig
from core.gan.objectives import gradient_penalty, r1_penalty
from core.gan.theory import LOG4, js_estimate


def self_checks(seed: int = 0) -> list[tuple[str, float, float, str]]:
    out = []
    x = make_toy("ring8", 20_000, seed=seed + 1).X
    mm = mode_metrics(x, ring8_modes(), RING8_SIGMA)
    out.append(
        (
            "real ring samples: % HQ vs 1 − e^{−4.5}",
            abs(mm.hq_fraction - PERFECT_HQ_FRACTION),
            0.005,
            f"{100 * mm.hq_fraction:.2f}% vs {100 * PERFECT_HQ_FRACTION:.2f}%, "
            f"{mm.modes_captured}/8 modes",
        )
    )
    rng = np.random.default_rng(seed)
    v, _ = js_estimate(rng.normal(0, 1, (2000, 2)), rng.normal(0, 1, (2000, 2)), 0.3)
    out.append(("V(G, D*) at p_model = p_data vs −log 4", abs(v + LOG4), 0.05, f"V = {v:.4f}"))

    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    ).double()
    f = lambda t: net(t).squeeze(-1)  # noqa: E731
    xr = torch.randn(64, 2, dtype=torch.float64)
    r1 = r1_penalty(f, xr).item()
    eye = torch.eye(2, dtype=torch.float64) * 1e-6
    fd = torch.stack([(f(xr + e) - f(xr - e)) / 2e-6 for e in eye], 1)  # (B, 2)
    ref = fd.pow(2).sum(1).mean().item()
    out.append(
        (
            "R1 penalty: autograd vs finite differences",
            abs(r1 - ref) / max(ref, 1e-12),
            1e-6,
            f"{r1:.6g} vs {ref:.6g}",
        )
    )

    xf = torch.randn(16, 2, dtype=torch.float64) + 1
    eps = torch.rand(16, 1, dtype=torch.float64)
    gp = gradient_penalty(f, xr[:16], xf, eps).item()
    per = [
        (
            torch.autograd.functional.jacobian(
                lambda t: f(t[None])[0], eps[i] * xr[i] + (1 - eps[i]) * xf[i]
            ).norm()
            - 1
        )
        ** 2
        for i in range(16)
    ]
    ref_gp = torch.stack(per).mean().item()
    out.append(
        (
            "WGAN-GP penalty: batched vs per-sample Jacobians",
            abs(gp - ref_gp) / max(ref_gp, 1e-12),
            1e-9,
            f"{gp:.6g} vs {ref_gp:.6g}",
        )
    )

    from core.gan.trainer import GANConfig, GANTrainer

    t = GANTrainer(
        GANConfig(
            objective="unrolled",
            unroll=3,
            batch_size=32,
            n_data=500,
            model=MLPConfig(g_width=16, g_depth=1, d_width=16, d_depth=1),
            snapshot_every=10**9,
            seed=seed,
        )
    )
    before = [p.detach().clone() for p in t.D.parameters()]
    t.g_step()
    moved = max((p - b).abs().max().item() for p, b in zip(t.D.parameters(), before, strict=False))
    out.append(
        (
            "unrolled G step: D restored after k = 3 look-ahead steps",
            moved,
            0.0,
            "max |Δθ_D| after the step",
        )
    )
    return out
