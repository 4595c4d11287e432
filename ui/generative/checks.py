"""Live checks of the §5 page (ui/checks.py): each view re-derives what it shows from scratch.

* table: k-NN precision/recall vs brute-force loops on a small sample of judge features; the
  closest memorised pair's training digit found again by brute force over all 4,500; bits/dim
  = nats / (D ln 2) in every row; the U-Net's L_vlb parts add up to its total;
* same seed: the recorded grids of the one-pass models drawn again now, from the same seed;
* sample: shape and range, the same seed twice gives the same samples, the .npz round-trips.
"""

from __future__ import annotations

import io
import math

import numpy as np
import streamlit as st
import torch

import ui
from core.generative.registry import BY_NAME, draw, reference_digits
from ui.pretrained import _load

N_PR = 30  # samples and held-out digits in the brute-force precision/recall check


def _brute_pr(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    """Precision/recall by explicit loops (no cdist, no kthvalue)."""

    def radii(X):
        return [sorted(np.linalg.norm(X[i] - X[j]) for j in range(len(X)) if j != i)[k - 1]
                for i in range(len(X))]  # fmt: skip

    rr, rf = radii(real), radii(fake)
    prec = np.mean([any(np.linalg.norm(g - r) <= rr[j] for j, r in enumerate(real)) for g in fake])
    rec = np.mean([any(np.linalg.norm(r - g) <= rf[j] for j, g in enumerate(fake)) for r in real])
    return float(prec), float(rec)


@st.cache_data(show_spinner=False, max_entries=16)
def pr_check(name: str, grid: np.ndarray) -> ui.Check:
    from core.generative.metrics import K_NN, precision_recall
    from core.judge import predict

    judge, _ = _load("judge", "cpu")
    real = torch.from_numpy(reference_digits(BY_NAME[name])[1][:N_PR])  # its data model's digits
    fake = torch.from_numpy(grid[:N_PR].astype(np.float32) / 255.0)
    with torch.inference_mode():
        fr, ff = predict(judge, real)[1].double().numpy(), predict(judge, fake)[1].double().numpy()
    fast = precision_recall(fr, ff, K_NN)
    bp, br = _brute_pr(fr, ff, K_NN)
    return ui.Check(
        f"k-NN precision/recall (k = {K_NN}) vs brute-force loops, {N_PR} vs {N_PR} digits",
        max(abs(fast.precision - bp), abs(fast.recall - br)),
        1e-12,
        f"{BY_NAME[name].label}: precision {fast.precision:.3f} / {bp:.3f}, recall "
        f"{fast.recall:.3f} / {br:.3f} (ours / loops)",
    )


@st.cache_data(show_spinner=False, max_entries=16)
def nearest_check(name: str, pair: np.ndarray, train_index: int, distance: float) -> ui.Check:
    """The closest sample's nearest training digit again, by a plain loop over all 4,500
    (grey, or binarised for a model of bits)."""
    train = reference_digits(BY_NAME[name])[0].astype(np.float64).reshape(-1, 784)
    s = pair[0].astype(np.float64).reshape(784) / 255.0  # the recorded (8-bit) sample
    d = np.array([math.sqrt(((s - row) ** 2).sum()) for row in train])
    j = int(d.argmin())
    gap = abs(d[j] - distance) if j == train_index else float("inf")
    return ui.Check(
        "closest pair: nearest training digit by brute force (same index, |Δ distance|)",
        gap,
        0.06,  # the recorded sample is 8-bit: |Δ| <= sqrt(784) * 0.5/255 = 0.055
        f"{BY_NAME[name].label}: training digit #{j} at {d[j]:.3f} (recorded #{train_index} at "
        f"{distance:.3f})",
    )


def table_checks(rows: list[dict], name: str, rec: dict) -> list[ui.Check]:
    checks = []
    if f"{name}__closest" in rec and name in rec:
        row = next(r for r in rows if r["name"] == name)
        checks.append(pr_check(name, rec[name]))
        first = row["closest_pairs"][0]
        checks.append(
            nearest_check(name, rec[f"{name}__closest"][0], first["train_index"], first["distance"])
        )
    lik = [r for r in rows if r.get("nats") is not None]
    dims = {r["name"]: 784 if r["kind"] == "image" else 2 for r in lik}
    checks.append(
        ui.Check(
            "bits/dim = nats / (D ln 2) in every row",
            max(abs(r["bpd"] - r["nats"] / (dims[r["name"]] * math.log(2))) for r in lik),
            1e-9,
            f"{len(lik)} rows with a likelihood (D = 784 digits, 2 points)",
        )
    )
    for r in rows:
        if r.get("vlb_parts"):
            p = r["vlb_parts"]
            checks.append(
                ui.Check(
                    "U-Net: L_T + Σ L_(t-1) + L_0 = the recorded L_vlb",
                    abs(sum(p.values()) - r["nats"]),
                    1e-6 * r["nats"],
                    ", ".join(f"{k} = {v:.2f}" for k, v in p.items()) + f" nats; total "
                    f"{r['nats']:.2f} ± {r['nats_se']:.1f} (s.e.)",
                )
            )
    return checks


@st.cache_data(show_spinner=False, max_entries=4)
def redraw_check(names: tuple[str, ...], seed: int) -> ui.Check:
    from ui.generative.data import recorded_samples

    rec = recorded_samples()
    worst, detail = 0.0, []
    for name in names:
        model, _ = _load(name, "cpu")
        x = draw(name, model, 64, seed)
        gap = float(np.abs(x * 255 - rec[name].astype(np.float64)).max())
        worst = max(worst, gap)
        detail.append(f"{BY_NAME[name].label} {gap:.2f}")
    return ui.Check(
        f"the recorded seed-{seed} grids drawn again now: max |Δ| in grey levels",
        worst,
        0.51,  # the recording rounds to 8 bits
        "; ".join(detail),
    )


def sample_checks(name: str, x: np.ndarray, npz: bytes, n: int, seed: int) -> list[ui.Check]:
    entry = BY_NAME[name]
    shape = (n, 1, 28, 28) if entry.kind == "image" else (n, 2)
    ok = x.shape == shape and bool(np.isfinite(x).all())
    if entry.kind == "image":
        ok = ok and 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    checks = [
        ui.Check(
            f"samples have shape {shape}, are finite"
            + (" and lie in [0, 1]" if entry.kind == "image" else ""),
            0.0 if ok else 1.0,
            0.0,
            f"got {x.shape}, range [{float(np.nanmin(x)):.3f}, {float(np.nanmax(x)):.3f}]",
        )
    ]
    with np.load(io.BytesIO(npz)) as z:
        same = z["samples"].shape == x.shape and int(z["seed"]) == seed
        gap = float(np.abs(z["samples"] - x).max()) if same else float("inf")
    checks.append(ui.Check("the .npz holds exactly these samples: max |Δ|", gap, 0.0))
    checks.append(repro_check(name, seed))
    return checks


@st.cache_data(show_spinner=False, max_entries=32)
def repro_check(name: str, seed: int) -> ui.Check:
    """Three fresh draws of k: k = 8, or 1 for a chain-rule sampler (784 passes per draw)."""
    model, _ = _load(name, "cpu")
    k = 1 if BY_NAME[name].data == "binary" else 8
    a, b = draw(name, model, k, seed), draw(name, model, k, seed)
    other = draw(name, model, k, seed + 1)
    gap = float(np.abs(a - b).max())
    differs = float(np.abs(a - other).max()) > 0
    return ui.Check(
        f"same seed → same samples (two fresh draws of {k}): max |Δ|",
        gap if differs else float("inf"),
        0.0,
        f"seed {seed} twice; seed {seed + 1} gives different samples: {differs}",
    )
