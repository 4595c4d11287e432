"""Reparameterisation view: z = μ + σ ⊙ ε for one held-out digit, and −ELBO = recon + KL (§6.3)."""

from __future__ import annotations

import streamlit as st
import torch

import ui
from core.vae import figures as vf
from core.vae.objectives import bernoulli_nll, kl_monte_carlo, kl_per_dim
from ui.vae.common import heldout, load, show_rows, show_view_checks, strips


@st.cache_resource(max_entries=64)
def posterior(idx: int, device: str) -> dict:
    """q(z|x) of held-out digit ``idx``: μ, σ and the KL per dimension as a figure, and the KL
    in closed form vs a Monte-Carlo estimate (20,000 draws, fixed seed) for the check."""
    model = load("vae_16d", device)
    x, _ = heldout()
    with torch.inference_mode():
        mu, logvar = model.encode(x[[idx]].to(device))  # (1, d)
        sigma = torch.exp(0.5 * logvar)
        kl_d = kl_per_dim(mu, logvar)[0].cpu().numpy()
        mc = kl_monte_carlo(
            mu.cpu().double(), logvar.cpu().double(), 20000, torch.Generator().manual_seed(0)
        ).item()
        # standard error of that estimate: log q - log p = sum_j [sigma mu eps + (sigma²-1) eps²/2]
        # + const, so Var = sum_j sigma² mu² + (sigma² - 1)² / 2
        s2, m2 = sigma.double().pow(2), mu.double().pow(2)
        se = float(torch.sqrt((s2 * m2 + 0.5 * (s2 - 1).pow(2)).sum() / 20000))
    fig = vf.posterior_bars(mu[0].cpu().numpy(), sigma[0].cpu().numpy(), kl_d)
    return {"bars": fig, "kl": float(kl_d.sum()), "mc": mc, "se": se}


@st.cache_resource(max_entries=64)
def reparam_draws(idx: int, n_eps: int, seed: int, device: str) -> dict:
    """``n_eps`` draws z = mu + sigma ⊙ eps for held-out digit ``idx``: their decodings and
    reconstruction NLLs, and the −ELBO bar."""
    model = load("vae_16d", device)
    x, y = heldout()
    xb = x[[idx]].to(device)
    g = torch.Generator().manual_seed(seed)
    with torch.inference_mode():
        mu, logvar = model.encode(xb)  # (1, d)
        eps = torch.randn(n_eps, mu.shape[1], generator=g).to(device)  # (S, d)
        z = mu + torch.exp(0.5 * logvar) * eps  # z = mu + sigma ⊙ eps
        logits = model.decode_logits(z)  # (S, 1, 28, 28)
        recon = bernoulli_nll(logits, xb.expand(len(z), -1, -1, -1)).cpu().numpy()
        imgs = torch.sigmoid(logits).cpu().numpy()[:, 0]
    rows = {
        f"input (digit {int(y[idx])})": x[idx, 0].numpy()[None],
        f"decodings of {n_eps} draws z = μ + σ ⊙ ε": imgs,
    }
    bar = vf.elbo_bar(float(recon.mean()), posterior(idx, device)["kl"])
    return {"rows": strips(rows, scale=3), "recon": recon, "bar": bar}


@st.fragment
def view(ctx) -> None:
    dev = str(ctx.device)
    st.subheader("The reparameterisation trick (§6.3)")
    ui.prose(
        "For one held-out digit the encoder gives μ(x) and σ(x); each draw ε ~ N(0, I) gives "
        "z = μ + σ ⊙ ε, and each z decodes to a slightly different reconstruction. The "
        "randomness lives in ε only, so gradients flow to μ and σ."
    )
    c = st.columns([1, 1, 1])
    with c[0]:
        idx = int(ui.url_number("Held-out digit #", "vae_rep_idx", 0, 499, 3, step=1))
    with c[2]:
        st.write("")
        if st.button("New ε", icon=":material/casino:", key="vae_rep_resample"):
            st.session_state["vae_rep_round"] = st.session_state.get("vae_rep_round", 0) + 1
    if load("vae_16d", dev) is None:
        return
    seed = ctx.seed * 1000 + st.session_state.get("vae_rep_round", 0)
    post = posterior(idx, dev)
    ui.figure(post["bars"], key="vae_rep_bars")  # the player copies it before theming
    draws(idx, seed, dev)
    ui.prose(
        "**What to notice.** Dimensions with σ ≈ 1 and μ ≈ 0 cost no KL and carry no "
        "information (the decoder ignores them); the few dimensions with small σ carry "
        "the digit, and they are where the decodings differ between draws."
    )
    kl, mc, se = post["kl"], post["mc"], post["se"]
    checks = [
        ui.Check(
            "KL closed form vs Monte-Carlo (20,000 draws), |Δ| vs 5 s.e.",
            abs(mc - kl),
            5 * se,
            f"closed form {kl:.4f}, MC {mc:.4f} ± {se:.4f} nats",
        )
    ]
    show_view_checks(checks, ctx.seed, ctx.device)


@st.fragment
def draws(idx: int, seed: int, dev: str) -> None:
    """Its own fragment: the number of ε draws changes only the decodings and the −ELBO, not
    the posterior figure above (which then is neither rebuilt, re-sent nor redrawn)."""
    c = st.columns([1, 2])
    with c[0]:
        n_eps = int(ui.url_slider("ε draws", "vae_rep_neps", 1, 16, 8))
    r = reparam_draws(idx, n_eps, seed, dev)
    left, right = st.columns([3, 1])
    with left:
        show_rows(r["rows"])
    with right:
        ui.figure(r["bar"], key="vae_rep_elbo", height=300)
    recon, kl = r["recon"], posterior(idx, dev)["kl"]
    st.markdown(
        f"−ELBO(x) ≈ reconstruction **{recon.mean():.1f}** (mean over the {n_eps} "
        f"draws, spread {recon.std():.1f}) + KL **{kl:.2f}** = **{recon.mean() + kl:.1f}**"
        " nats."
    )
