"""Measure every generative model for the §5 table; ``python -m core.generative.measure`` records
the numbers in ``pretrained/generative_table.json`` and the same-seed grids in
``pretrained/generative_samples.safetensors`` (the page reads both; it never hand-writes a number).
``python -m core.generative.measure NAME ...`` measures those models again and keeps the others'
recorded rows (the whole table takes ~20 min of one CPU thread; PixelCNNs sample slowly).

Per digit model (the shared 4,500 / 500 MNIST split):
* likelihood: from its manifest where it has one (VAE: held-out -ELBO, an upper bound on the
  NLL, nats per image; bits/dim = nats / (784 ln 2)); GAN, autoencoder, latent diffusion: none;
  diffusion U-Net: its variational bound L_vlb (§10.3, `core.diffusion.vlb`) on the 500 held-out
  digits, unconditional (null label), sigma_t^2 = beta_tilde_t, the discrete 8-bit decoder L_0,
  K = VLB_K log-spaced strata over t, two independent draws per digit (see `unet_vlb`);
* judge scores on N_EVAL samples (seed 1, balanced labels where conditional): accuracy,
  class-histogram entropy, Fréchet distance to the 500 held-out digits in judge features;
* k-NN precision / recall (k = 3) of the same samples vs the held-out digits, judge features;
* memorisation: nearest-training-digit pixel distances of the samples vs of the held-out digits;
* cost: parameters, training steps, time to sample 64 (seed 0; 1 torch thread; after a warm-up
  draw of 4): wall clock, and the process's CPU time (the wall clock of an idle machine).
Autoregressive models (§7) model binarised digits (x = 1{pixel >= 1/2}): their exact held-out
NLL is from the manifest, and their samples (bits) are scored against the binarised split
(`reference_digits`): precision/recall, memorisation and the Fréchet distance to the binarised
held-out digits.
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
VLB_K, VLB_SEEDS = 10, (0, 1)  # strata over t = 2..T; independent draws per digit
VLB_NOTE = (
    "the U-Net's variational bound L_vlb = L_T + sum_t L_(t-1) + L_0 (notes §10.3) of its DDPM "
    "reverse chain (unconditional, sigma_t^2 = beta_tilde_t), an upper bound on -ln P(x) of the "
    "8-bit digits: L_0 integrates the decoder Gaussian over each of the 256 grey levels (Ho et "
    f"al. 2020, eq. 13). Estimated without bias from {VLB_K} log-spaced strata of t per digit, "
    f"{len(VLB_SEEDS)} independent draws; ± is the standard error over the 500 digits"
)


def unet_vlb(model, log=print) -> dict:
    """L_vlb of the pixel U-Net on the 500 held-out digits, nats per image (module docstring).

    nats_se: standard error of the 500-digit mean (digits and Monte Carlo noise together);
    nats_mc_se: the Monte Carlo part alone, from the difference of the independent draws.
    """
    from core.data.mnist import mnist_split
    from core.diffusion.mnist import MnistDiffusionConfig, schedule_of
    from core.diffusion.vlb import vlb

    x0 = torch.from_numpy(np.array(mnist_split().x_test)) * 2 - 1  # (500, 1, 28, 28), 8-bit grid
    sched = schedule_of(MnistDiffusionConfig())
    t0 = time.perf_counter()
    runs = []
    for seed in VLB_SEEDS:
        g = torch.Generator().manual_seed(seed)
        runs.append(vlb(model, sched, x0, K=VLB_K, variance="beta_tilde", generator=g, batch=250))
        log(f"L_vlb draw {seed}: {runs[-1].nats:.1f} ± {runs[-1].se:.1f} nats")
    per = torch.stack([r.total for r in runs]).mean(0)  # (500,) per-digit estimate
    n, d = len(per), runs[0].dims
    mc = (runs[0].total - runs[1].total).std() / (2 * math.sqrt(n)) if len(runs) == 2 else None
    nats = float(per.mean())
    return {
        "nll_kind": "L_vlb ≥ −ln P(x) (held-out, 8-bit)",
        "nats": nats,
        "bpd": nats / (d * math.log(2)),
        "nats_se": float(per.std() / math.sqrt(n)),
        "nats_mc_se": None if mc is None else float(mc),
        "vlb_parts": {
            "L_T": float(np.mean([float(r.prior.mean()) for r in runs])),
            "sum_L_t-1": float(np.mean([float(r.diffusion.mean()) for r in runs])),
            "L_0": float(np.mean([float(r.decoder.mean()) for r in runs])),
        },
        "vlb_K": VLB_K,
        "vlb_seconds": time.perf_counter() - t0,
    }


def _likelihood(entry, manifest: dict, model, log=print) -> dict:
    m = manifest.get("metrics", {})
    if entry.likelihood == "elbo":
        nats = m["heldout_neg_elbo_nats"]
        return {
            "nll_kind": "−ELBO ≥ NLL (held-out)",
            "nats": nats,
            "bpd": nats / (784 * math.log(2)),
        }
    if entry.likelihood == "exact" and entry.kind == "image":  # §7: bits, from the manifest
        nats = m["test_nll_nats"]
        return {
            "nll_kind": "exact NLL (held-out, binarised)",
            "nats": nats,
            "bpd": nats / (784 * math.log(2)),
        }
    if entry.likelihood == "exact":
        nats = m["test_nll"]
        return {"nll_kind": "exact NLL (held-out)", "nats": nats, "bpd": nats / (2 * math.log(2))}
    if entry.likelihood == "vlb":
        return unet_vlb(model, log)
    why = {
        "implicit": "none: a GAN defines no density",
        "autoencoder": "none: an autoencoder is not a density model",
        "diffusion": "none: its bound would be on 8-d latents, not on pixels",
    }[entry.family]
    return {"nll_kind": why, "nats": None, "bpd": None}


def measure_one(entry, judge, log=print) -> tuple[dict, np.ndarray, np.ndarray | None]:
    from core.generative.registry import reference_digits
    from core.judge import _stats, frechet_distance, judge_scores, predict
    from core.pretrained import load

    model, manifest = load(entry.name)
    draw(entry.name, model, 4, GRID_SEED)  # warm-up: first-call allocations are not sampling
    t0, c0 = time.perf_counter(), time.process_time()
    grid = draw(entry.name, model, GRID_N, GRID_SEED)
    sec64, cpu64 = time.perf_counter() - t0, time.process_time() - c0
    row = {
        "name": entry.name,
        "family": entry.family,
        "kind": entry.kind,
        "data": entry.data,  # "binary": scored against the binarised split (reference_digits)
        # §7's masked models store full weight matrices; their manifests count the free ones
        "parameters": int(
            manifest.get("metrics", {}).get("free_parameters", manifest["parameters"])
        ),
        "steps": manifest["steps"],
        "seconds_64": sec64,  # wall clock on the shared machine
        "cpu_seconds_64": cpu64,  # CPU time of this process (1 thread): ~ idle wall clock
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        **_likelihood(entry, manifest, model, log),
    }
    if entry.kind == "image":
        x = draw(entry.name, model, N_EVAL, EVAL_SEED)
        labels = balanced_labels(N_EVAL).numpy() if entry.conditional else None
        s = judge_scores(x, labels, judge=judge)
        x_train, x_test = reference_digits(entry)
        _, f_fake = predict(judge, torch.from_numpy(x))
        _, f_real = predict(judge, torch.from_numpy(x_test))
        pr = precision_recall(f_real.numpy(), f_fake.numpy())
        if entry.data == "binary":  # the Fréchet distance to the binarised held-out digits
            frechet = frechet_distance(*_stats(f_fake), *_stats(f_real))
        else:
            frechet = s.frechet  # to the held-out digits, the judge's own reference statistics
        mem = memorisation(x, x_train, x_test)
        closest = np.argsort(mem.sample_dist)[:8]
        pairs = np.stack([x[closest], x_train[mem.sample_idx[closest]]], 1)  # (8, 2, 1, H, W)
        row.update(
            n_eval=N_EVAL,
            accuracy=s.accuracy,
            entropy=s.entropy,
            frechet=frechet,
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
    rows, grids = _recorded(directory) if names else ([], {})  # a subset updates the record
    for entry in MODELS:
        if names and entry.name not in names:
            continue
        row, grid, pairs = measure_one(entry, judge, log)
        rows = [r for r in rows if r["name"] != entry.name] + [row]
        if pairs is not None:
            grids[f"{entry.name}__closest"] = (pairs * 255).round().astype(np.uint8)
        grids[entry.name] = (grid * 255).round().astype(np.uint8) if entry.kind == "image" else grid
    order = {m.name: i for i, m in enumerate(MODELS)}  # the registry's order; drop unknowns
    rows = sorted((r for r in rows if r["name"] in order), key=lambda r: order[r["name"]])
    table = {
        "rows": rows,
        "n_eval": N_EVAL,
        "grid_seed": GRID_SEED,
        "eval_seed": EVAL_SEED,
        "threads": torch.get_num_threads(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),  # the last update
        "versions": versions(),
        "command": "python -m core.generative.measure",
    }
    (directory / TABLE).write_text(json.dumps(table, indent=2) + "\n")
    save_file({k: np.ascontiguousarray(v) for k, v in grids.items()}, str(directory / SAMPLES))
    return table


def _recorded(directory: Path) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The rows and grids already recorded in ``directory`` (empty when there are none)."""
    from safetensors.numpy import load_file

    try:
        rows = json.loads((directory / TABLE).read_text())["rows"]
        grids = dict(load_file(str(directory / SAMPLES)))
    except (OSError, ValueError, KeyError):
        return [], {}
    return rows, grids


if __name__ == "__main__":
    import sys

    measure_all(names=sys.argv[1:] or None)
