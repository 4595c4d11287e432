"""Cached data and models shared by the §6 views: held-out digits, pretrained AEs/VAEs, codes,
the decoded manifold, and small image helpers (PNG strips instead of plotly figures)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

import ui
from core.vae import figures as vf
from core.vae.models import sample_prior
from core.vae.objectives import kl_monte_carlo, kl_per_dim


@st.cache_resource
def heldout() -> tuple[torch.Tensor, np.ndarray]:
    """The 500 held-out digits (500, 1, 28, 28) in [0, 1] and their labels (500,)."""
    from core.data import mnist_split

    s = mnist_split()
    return torch.from_numpy(np.array(s.x_test)), np.array(s.y_test)


@st.cache_resource
def class_index() -> dict[int, np.ndarray]:
    _, y = heldout()
    return {c: np.flatnonzero(y == c) for c in range(10)}


def load(name: str, device):
    got = ui.pretrained(name, device)
    return None if got is None else got[0]


def manifest(name: str, device) -> dict | None:
    got = ui.pretrained(name, device)
    return None if got is None else got[1]


@st.cache_resource
def codes(name: str, device: str) -> np.ndarray:
    """Posterior means μ(x) (or AE codes) of the 500 held-out digits, (500, d)."""
    model = load(name, device)
    x, _ = heldout()
    with torch.inference_mode():
        return model.embed(x.to(device)).cpu().numpy()


@torch.inference_mode()
def decode(model, z: np.ndarray) -> np.ndarray:
    """(T, d) codes -> (T, 28, 28) images g(z)."""
    dev = next(model.parameters()).device
    return model.decode(torch.as_tensor(z, dtype=torch.float32).to(dev)).cpu().numpy()[:, 0]


@st.cache_resource
def heldout_eval(name: str, device: str) -> dict:
    from core.vae.objectives import evaluate

    x, _ = heldout()
    return evaluate(load(name, device), x.to(device), n_eps=4, seed=0)


def show_rows(rows: dict[str, bytes]) -> None:
    """Titled image strips (PNG bytes from ``vf.strip_png``): pure images need no plotly figure."""
    for name, png in rows.items():
        st.caption(f"**{name}**")
        st.image(png)


def strips(rows: dict[str, np.ndarray], scale: int = 3) -> dict[str, bytes]:
    return {name: vf.strip_png(imgs, scale=scale) for name, imgs in rows.items()}


@st.cache_resource(max_entries=16)
def same_seed_gap(seed: int, device: str) -> float:
    vae = load("vae_16d", device)
    return float((sample_prior(vae, 8, seed=seed) - sample_prior(vae, 8, seed=seed)).abs().max())


def kl_mc_check(model, xb: torch.Tensor, label: str, n: int = 20000) -> ui.Check:
    """D_KL(q(z|x) ‖ N(0, I)) in closed form, Σ_j ½(μ_j² + σ_j² − log σ_j² − 1), vs a
    Monte-Carlo mean of log q(z|x) − log p(z) over ``n`` draws z = μ + σ ⊙ ε (§6.3); the
    tolerance is 5 standard errors, Var = Σ_j σ_j² μ_j² + (σ_j² − 1)² / 2 per draw."""
    with torch.inference_mode():
        mu, logvar = model.encode(xb)  # (1, d)
        kl = float(kl_per_dim(mu, logvar)[0].sum())
        mu64, lv64 = mu.cpu().double(), logvar.cpu().double()
        mc = kl_monte_carlo(mu64, lv64, n, torch.Generator().manual_seed(0)).item()
        s2, m2 = lv64.exp(), mu64.pow(2)
        se = float(torch.sqrt((s2 * m2 + 0.5 * (s2 - 1).pow(2)).sum() / n))
    return ui.Check(
        f"{label}: KL closed form vs Monte-Carlo ({n:,} draws), |Δ| vs 5 s.e.",
        abs(mc - kl),
        5 * se,
        f"closed form {kl:.4f}, MC {mc:.4f} ± {se:.4f} nats",
    )


def show_view_checks(checks: list[ui.Check], seed: int, device) -> None:
    """The view's own checks plus the page-wide same-seed check, inside the view's fragment
    (so a control of the view re-checks what it changed)."""
    with ui.error_boundary("the math checks"):
        if load("vae_16d", device) is not None:
            checks.append(
                ui.Check(
                    "same seed → same samples: max |Δ|",
                    same_seed_gap(seed, str(device)),
                    0.0,
                    "two draws of 8 samples from vae_16d with the global seed",
                )
            )
        if checks:
            ui.show_checks(checks)
