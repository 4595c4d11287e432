"""Measure every generative model for the §5 table; ``python -m core.generative.measure`` records
the numbers in ``pretrained/generative_table.json`` and the same-seed grids in
``pretrained/generative_samples.safetensors`` (the page reads both; it never hand-writes a number).

Per digit model (the shared 4,500 / 500 MNIST split):
* likelihood: from its manifest where it has one (VAE: held-out -ELBO, an upper bound on the
  NLL, nats per image; bits/dim = nats / (784 ln 2)); GAN, autoencoder, latent diffusion: none;
  diffusion U-Net: its L_vlb (§10.3) is not computed here (see `VLB_NOTE`).
* judge scores on N_EVAL samples (seed 1, balanced labels where conditional): accuracy,
  class-histogram entropy, Fréchet distance to the 500 held-out digits in judge features;
* k-NN precision / recall (k = 3) of the same samples vs the held-out digits, judge features;
* memorisation: nearest-training-digit pixel distances of the samples vs of the held-out digits;
* cost: parameters, training steps, wall time to sample 64 (seed 0; 1 torch thread).
Per 2-D flow: held-out NLL (nats per point, bits/dim = nats / (2 ln 2)) and the same costs.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

from core.generative.metrics import memorisation, precision_recall
from core.generative.registry import MODELS, balanced_labels, draw

N_EVAL = 100  # samples per model for the judge/PR/memorisation columns (the U-Net is slow)
GRID_N, GRID_SEED, EVAL_SEED = 64, 0, 1
TABLE = "generative_table.json"
SAMPLES = "generative_samples.safetensors"  # arrays only: safetensors, as every weight file
VLB_NOTE = (
    "not computed: the U-Net's variational bound L_vlb (notes §10.3) needs T = 100 network "
    "evaluations per digit with a discretised decoder L_0; it is not implemented yet"
)


def _likelihood(entry, manifest: dict) -> dict:
    m = manifest.get("metrics", {})
    if entry.likelihood == "elbo":
        nats = m["heldout_neg_elbo_nats"]
        return {
            "nll_kind": "−ELBO ≥ NLL (held-out)",
            "nats": nats,
            "bpd": nats / (784 * math.log(2)),
        }
    if entry.likelihood == "exact":
        nats = m["test_nll"]
        return {"nll_kind": "exact NLL (held-out)", "nats": nats, "bpd": nats / (2 * math.log(2))}
    if entry.likelihood == "vlb":
        return {"nll_kind": VLB_NOTE, "nats": None, "bpd": None}
    why = {
        "implicit": "none: a GAN defines no density",
        "autoencoder": "none: an autoencoder is not a density model",
        "diffusion": "none: its bound would be on 8-d latents, not on pixels",
    }[entry.family]
    return {"nll_kind": why, "nats": None, "bpd": None}


def measure_one(entry, judge, log=print) -> tuple[dict, np.ndarray, np.ndarray | None]:
    from core.data.mnist import mnist_split
    from core.judge import judge_scores, predict
    from core.pretrained import load

    model, manifest = load(entry.name)
    t0 = time.perf_counter()
    grid = draw(entry.name, model, GRID_N, GRID_SEED)
    sec64 = time.perf_counter() - t0
    row = {
        "name": entry.name,
        "family": entry.family,
        "kind": entry.kind,
        "parameters": manifest["parameters"],
        "steps": manifest["steps"],
        "seconds_64": sec64,
        **_likelihood(entry, manifest),
    }
    if entry.kind == "image":
        x = draw(entry.name, model, N_EVAL, EVAL_SEED)
        labels = balanced_labels(N_EVAL).numpy() if entry.conditional else None
        s = judge_scores(x, labels, judge=judge)
        split = mnist_split()
        _, f_fake = predict(judge, torch.from_numpy(x))
        _, f_real = predict(judge, torch.from_numpy(np.array(split.x_test)))
        pr = precision_recall(f_real.numpy(), f_fake.numpy())
        mem = memorisation(x, split.x_train, split.x_test)
        closest = np.argsort(mem.sample_dist)[:8]
        pairs = np.stack([x[closest], split.x_train[mem.sample_idx[closest]]], 1)  # (8, 2, 1, H, W)
        row.update(
            n_eval=N_EVAL,
            accuracy=s.accuracy,
            entropy=s.entropy,
            frechet=s.frechet,
            precision=pr.precision,
            recall=pr.recall,
            mem_ratio=mem.ratio,
            mem_frac_closer=mem.frac_closer,
            mem_median_sample=float(np.median(mem.sample_dist)),
            mem_median_heldout=float(np.median(mem.heldout_dist)),
            closest_pairs=[
                {
                    "eval_sample": int(i),
                    "train_index": int(mem.sample_idx[i]),
                    "distance": float(mem.sample_dist[i]),
                }
                for i in closest
            ],  # fmt: skip
        )
    else:
        pairs = None
    log(f"{entry.name}: " + ", ".join(f"{k}={v}" for k, v in row.items() if k != "closest_pairs"))
    return row, grid, pairs


def measure_all(directory: Path | None = None, names: list[str] | None = None, log=print) -> dict:
    from core.device import configure_threads
    from core.pretrained import PRETRAINED_DIR, load, versions

    directory = directory or PRETRAINED_DIR
    configure_threads(1)
    judge, _ = load("judge")
    rows, grids = [], {}
    for entry in MODELS:
        if names and entry.name not in names:
            continue
        row, grid, pairs = measure_one(entry, judge, log)
        rows.append(row)
        if pairs is not None:
            grids[f"{entry.name}__closest"] = (pairs * 255).round().astype(np.uint8)
        grids[entry.name] = (grid * 255).round().astype(np.uint8) if entry.kind == "image" else grid
    table = {
        "rows": rows,
        "n_eval": N_EVAL,
        "grid_seed": GRID_SEED,
        "eval_seed": EVAL_SEED,
        "threads": torch.get_num_threads(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "versions": versions(),
        "command": "python -m core.generative.measure",
    }
    (directory / TABLE).write_text(json.dumps(table, indent=2) + "\n")
    save_file({k: np.ascontiguousarray(v) for k, v in grids.items()}, str(directory / SAMPLES))
    return table


if __name__ == "__main__":
    import sys

    measure_all(names=sys.argv[1:] or None)
