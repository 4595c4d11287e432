"""What fewer DDIM steps cost the pixel U-Net in quality (notes §10.4, §5 "quick sampling").

The CLI and the §5 page sample the U-Net with `core.diffusion.mnist.QUICK_STEPS` DDIM steps
(guidance rho = 3, as its manifest's bar) so that 64 samples fit the few-second budget; the §10
page keeps S = 50. This module measures, for each S, the same numbers as the §5 table on the same
samples: judged accuracy, class entropy, Fréchet distance in judge features against the 500
held-out digits, k-NN precision/recall (k = 3), and the time to sample 64 (1 torch thread): wall
clock and this process's CPU time, which is what the wall clock would be on an idle machine.

``python -m core.generative.steps`` records ``pretrained/generative_unet_steps.json``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import torch

STEPS = (50, 20, 10, 8, 6, 4)  # DDIM S, the old default first
N, SEED = 200, 1  # samples per S (20 per class) and their seed
FILE = "generative_unet_steps.json"


def measure_steps(steps=STEPS, n: int = N, seed: int = SEED, log=print) -> dict:
    from core.data.mnist import mnist_split
    from core.diffusion.mnist import QUICK_STEPS, MnistDiffusionConfig, sample_digits
    from core.generative.metrics import precision_recall
    from core.generative.registry import balanced_labels
    from core.judge import judge_scores, predict
    from core.pretrained import load, versions

    model, _ = load("diffusion_unet_mnist")
    judge, _ = load("judge")
    cfg = MnistDiffusionConfig()
    _, f_real = predict(judge, torch.from_numpy(np.array(mnist_split().x_test)))
    labels = balanced_labels(n)
    rows = []
    for S in steps:
        x, _ = sample_digits(model, n, seed, labels, S=S, rho=cfg.guidance, cfg=cfg)
        s = judge_scores(x, labels.numpy(), judge=judge)
        _, f_fake = predict(judge, x)
        pr = precision_recall(f_real.numpy(), f_fake.numpy())
        sample_digits(model, 4, 0, balanced_labels(4), S=S, rho=cfg.guidance, cfg=cfg)  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        sample_digits(model, 64, 0, balanced_labels(64), S=S, rho=cfg.guidance, cfg=cfg)
        sec, cpu = time.perf_counter() - t0, time.process_time() - c0
        rows.append(
            {
                "S": S,
                "accuracy": s.accuracy,
                "entropy": s.entropy,
                "frechet": s.frechet,
                "precision": pr.precision,
                "recall": pr.recall,
                "seconds_64": sec,  # wall clock: inflated when the shared CPU is loaded
                "cpu_seconds_64": cpu,  # this process's CPU time: ~ the idle wall time
                "load_1min": os.getloadavg()[0],
            }
        )
        log(rows[-1])
    return {
        "model": "diffusion_unet_mnist",
        "rho": cfg.guidance,
        "quick_steps": QUICK_STEPS,
        "n": n,
        "seed": seed,
        "threads": torch.get_num_threads(),
        "rows": rows,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "versions": versions(),
        "command": "python -m core.generative.steps",
    }


if __name__ == "__main__":
    from core.device import configure_threads
    from core.pretrained import PRETRAINED_DIR

    configure_threads(1)
    out = measure_steps()
    (Path(PRETRAINED_DIR) / FILE).write_text(json.dumps(out, indent=2) + "\n")
