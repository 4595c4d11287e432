"""The variational RNN (Chung et al. 2015; notes §7.6): a VAE at every step of an RNN.

At step t, with the RNN state h^(t-1) summarising x^(<t) and z^(<t):

    prior      p(z_t | h^(t-1))       = N(mu_0^(t), diag sigma_0^(t)²)   (phi_prior(h^(t-1)))
    encoder    q(z_t | x_t, h^(t-1))  = N(mu_z^(t), diag sigma_z^(t)²)   (phi_enc)
    decoder    p(x_t | z_t, h^(t-1))  = N(mu_x^(t), sigma_x^(t)²)        (phi_dec)
    recurrence h^(t) = GRU([phi_x(x_t), phi_z(z_t)], h^(t-1))

The prior is *learned* and moves with h (not N(0, I) as in §6's VAE), which puts randomness into
generation that a plain RNN lacks. The ELBO is a sum of per-step terms:

    log p(x^(1:T)) >= sum_t E_q[ log p(x_t | z_t, h^(t-1)) ] - KL( q(z_t | .) || p(z_t | h^(t-1)) )
                   =  sum_t  recon_t - kl_t

and K importance samples give the tighter IWAE estimate log (1/K) sum_k p(x, z^k) / q(z^k | x),
which tends to log p(x) as K grows. ``GaussianRNN`` is the plain baseline: the same GRU predicts
p(x_t | h^(t-1)) = N(mu_x, sigma_x²) and rolls out deterministically (the mean is fed back).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

LOG_2PI = math.log(2 * math.pi)
SIGMA_MIN = 1e-3  # floor on every standard deviation: sigma = softplus(.) + SIGMA_MIN


@dataclass(frozen=True)
class VRNNConfig:
    x_dim: int = 1  # one sample of the 1-D signal per step
    z_dim: int = 4  # latent per step (small: the signals have few degrees of freedom)
    h_dim: int = 48  # GRU state h^(t)
    feat: int = 32  # width of phi_x, phi_z and every head's hidden layer
    length: int = 128  # the signals' length (core.autoregressive.wavenet.signals)
    n_train: int = 1024  # generated training signals (seed 1); 128 held-out (seed 2)
    crop: int = 32  # training windows: a random 32-step slice of each signal (h^(0) = 0 there)
    steps: int = 1000  # Adam steps of batch 32 windows, both models on the same windows
    lr: float = 3e-3
    iw_samples: int = 32  # K of the importance-sampled log p(x) in the manifest


def gaussian_log_prob(x: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """sum_d log N(x_d; mu_d, sigma_d²) over the last axis."""
    return (-0.5 * ((x - mu) / sigma) ** 2 - torch.log(sigma) - 0.5 * LOG_2PI).sum(-1)


def gaussian_kl(mu_q, sigma_q, mu_p, sigma_p) -> torch.Tensor:
    """KL(N(mu_q, sigma_q²) || N(mu_p, sigma_p²)) summed over the last axis, in closed form:

    log(sigma_p / sigma_q) + (sigma_q² + (mu_q - mu_p)²) / (2 sigma_p²) - 1/2
    """
    var_ratio = (sigma_q / sigma_p) ** 2
    return (
        torch.log(sigma_p / sigma_q) + 0.5 * (var_ratio + ((mu_q - mu_p) / sigma_p) ** 2) - 0.5
    ).sum(-1)


class GaussianHead(nn.Module):
    """input -> (mu, sigma): one hidden ReLU layer, sigma = softplus(.) + SIGMA_MIN."""

    def __init__(self, d_in: int, feat: int, d_out: int):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(d_in, feat), nn.ReLU())
        self.mu_head = nn.Linear(feat, d_out)
        self.sigma_head = nn.Linear(feat, d_out)

    def forward(self, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = self.hidden(v)
        return self.mu_head(a), F.softplus(self.sigma_head(a)) + SIGMA_MIN


def _feature(d_in: int, feat: int) -> nn.Module:
    return nn.Sequential(nn.Linear(d_in, feat), nn.ReLU(), nn.Linear(feat, feat), nn.ReLU())


class VRNN(nn.Module):
    """x (B, T, x_dim) -> per-step terms of the ELBO; ``sample`` draws from the learned prior."""

    def __init__(self, cfg: VRNNConfig = VRNNConfig()):
        super().__init__()
        self.cfg, c = cfg, cfg
        self.phi_x = _feature(c.x_dim, c.feat)
        self.phi_z = _feature(c.z_dim, c.feat)
        self.phi_prior = GaussianHead(c.h_dim, c.feat, c.z_dim)  # h -> (mu_0, sigma_0)
        self.phi_enc = GaussianHead(c.feat + c.h_dim, c.feat, c.z_dim)  # [phi_x, h] -> q
        self.phi_dec = GaussianHead(c.feat + c.h_dim, c.feat, c.x_dim)  # [phi_z, h] -> p(x|z)
        self.rnn = nn.GRUCell(2 * c.feat, c.h_dim)

    def steps(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict:
        """One posterior sample per sequence; per-step terms, each (B, T):

        recon_t = log p(x_t | z_t, h^(t-1)),  kl_t = KL(q || prior),
        log_w_t = log p(x_t | z_t, .) + log p(z_t | h^(t-1)) - log q(z_t | x_t, h^(t-1)).
        """
        B, T, _ = x.shape
        h = x.new_zeros(B, self.cfg.h_dim)  # h^(0)
        fxs = self.phi_x(x)  # (B, T, feat): phi_x needs no state, all steps at once
        eps = torch.randn(B, T, self.cfg.z_dim, generator=generator, dtype=x.dtype).to(x.device)
        hs, zs, fzs, qs = [], [], [], []
        for t in range(T):  # only what feeds the recurrence runs step by step
            hs.append(h)  # h^(t-1)
            mu_z, sigma_z = self.phi_enc(torch.cat([fxs[:, t], h], -1))  # q(z_t | x_t, h)
            z = mu_z + sigma_z * eps[:, t]  # reparameterised z_t ~ q
            fz = self.phi_z(z)
            h = self.rnn(torch.cat([fxs[:, t], fz], -1), h)  # h^(t)
            zs.append(z)
            fzs.append(fz)
            qs.append((mu_z, sigma_z))
        h_prev = torch.stack(hs, 1)  # (B, T, h_dim): h^(t-1) for every t
        z, fz = torch.stack(zs, 1), torch.stack(fzs, 1)  # (B, T, z_dim), (B, T, feat)
        mu_z, sigma_z = (torch.stack(v, 1) for v in zip(*qs, strict=True))
        mu_0, sigma_0 = self.phi_prior(h_prev)  # prior p(z_t | h^(t-1)), all t at once
        mu_x, sigma_x = self.phi_dec(torch.cat([fz, h_prev], -1))  # p(x_t | z_t, h^(t-1))
        recon = gaussian_log_prob(x, mu_x, sigma_x)  # (B, T)
        log_w = recon + gaussian_log_prob(z, mu_0, sigma_0) - gaussian_log_prob(z, mu_z, sigma_z)
        return {"recon": recon, "kl": gaussian_kl(mu_z, sigma_z, mu_0, sigma_0), "log_w": log_w}

    def elbo(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """sum_t recon_t - kl_t, one sample of z per sequence: (B,) nats."""
        s = self.steps(x, generator)
        return (s["recon"] - s["kl"]).sum(1)

    @torch.no_grad()
    def log_prob_is(self, x: torch.Tensor, k: int, generator=None) -> torch.Tensor:
        """Importance-sampled log p(x) with K posterior trajectories (IWAE_K): (B,) nats.

        log (1/K) sum_k exp(sum_t log_w_t^k) <= log p(x) in expectation, -> log p(x) as K grows.
        """
        B, T, D = x.shape
        xk = x.repeat_interleave(k, 0)  # (B K, T, D)
        log_w = self.steps(xk, generator)["log_w"].sum(1).reshape(B, k)
        return torch.logsumexp(log_w, 1) - math.log(k)

    @torch.no_grad()
    def sample(self, n: int, T: int, generator=None, prompt: torch.Tensor | None = None):
        """n sequences (n, T, x_dim): the prompt's steps are read through the encoder (its z from
        q), then z_t ~ p(z_t | h^(t-1)) and x_t ~ p(x_t | z_t, h^(t-1)) (free running)."""
        p = next(self.parameters())
        h = p.new_zeros(n, self.cfg.h_dim)
        out = []
        for t in range(T):
            if prompt is not None and t < prompt.shape[1]:
                x_t = prompt[:, t].expand(n, -1)
                fx = self.phi_x(x_t)
                mu, sigma = self.phi_enc(torch.cat([fx, h], -1))
            else:
                mu, sigma = self.phi_prior(h)
            z = mu + sigma * torch.randn(mu.shape, generator=generator).to(p)
            fz = self.phi_z(z)
            if prompt is None or t >= prompt.shape[1]:
                mu_x, sigma_x = self.phi_dec(torch.cat([fz, h], -1))
                x_t = mu_x + sigma_x * torch.randn(mu_x.shape, generator=generator).to(p)
                fx = self.phi_x(x_t)
            out.append(x_t)
            h = self.rnn(torch.cat([fx, fz], -1), h)
        return torch.stack(out, 1)


class GaussianRNN(nn.Module):
    """The plain baseline: p(x_t | x_<t) = N(mu_x, sigma_x²) from h^(t-1) = GRU(phi_x(x_<t))."""

    def __init__(self, cfg: VRNNConfig = VRNNConfig()):
        super().__init__()
        self.cfg, c = cfg, cfg
        self.phi_x = _feature(c.x_dim, c.feat)
        self.phi_dec = GaussianHead(c.h_dim, c.feat, c.x_dim)
        self.rnn = nn.GRU(c.feat, c.h_dim, batch_first=True)

    def step_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x_t | x_<t) for every t: (B, T) nats (exact, teacher forcing)."""
        h, _ = self.rnn(self.phi_x(x[:, :-1]))  # (B, T-1, h_dim): h^(1..T-1)
        h = torch.cat([h.new_zeros(len(x), 1, self.cfg.h_dim), h], 1)  # h^(0) = 0 first
        mu_x, sigma_x = self.phi_dec(h)
        return gaussian_log_prob(x, mu_x, sigma_x)  # (B, T)

    @torch.no_grad()
    def rollout(self, prompt: torch.Tensor, T: int) -> torch.Tensor:
        """Read the prompt (B, T0, x_dim), then feed back the mean mu_x: deterministic (B, T, .)."""
        h = prompt.new_zeros(1, len(prompt), self.cfg.h_dim)
        out = []
        for t in range(T):
            mu_x, _ = self.phi_dec(h[0])
            x_t = prompt[:, t] if t < prompt.shape[1] else mu_x
            out.append(x_t)
            _, h = self.rnn(self.phi_x(x_t)[:, None], h)
        return torch.stack(out, 1)


class VRNNPair(nn.Module):
    """What ships as ar_vrnn: the VRNN and its plain-RNN baseline, trained on the same data."""

    def __init__(self, cfg: VRNNConfig = VRNNConfig()):
        super().__init__()
        self.cfg = cfg
        self.vrnn, self.rnn = VRNN(cfg), GaussianRNN(cfg)


def sequences(n: int, length: int, seed: int) -> torch.Tensor:
    """(n, length, 1): the WaveNet view's generated signals (two sines + a chirp), unquantised."""
    from core.autoregressive.wavenet import signals

    return signals(n, length, seed)[..., None]


N_TEST = 128  # held-out signals, seed 2 (the WaveNet view's held-out set)
EVAL_SEED = 7  # the generator of the manifest's ELBO / IWAE draws


@torch.no_grad()
def measure(pair: VRNNPair, x: torch.Tensor, k: int) -> dict[str, float]:
    """Held-out nats per step: the ELBO and its two terms, IWAE_K, and the plain RNN's exact NLL."""
    g = torch.Generator().manual_seed(EVAL_SEED)
    s = pair.vrnn.steps(x, g)
    T = x.shape[1]
    iwae = torch.cat([pair.vrnn.log_prob_is(xb, k, g) for xb in x.split(16)])
    return {
        "test_elbo_per_step": float((s["recon"] - s["kl"]).sum(1).mean()) / T,
        "test_recon_per_step": float(s["recon"].mean()),
        "test_kl_per_step": float(s["kl"].mean()),
        f"test_iwae{k}_per_step": float(iwae.mean()) / T,
        "rnn_test_log_prob_per_step": float(pair.rnn.step_log_prob(x).mean()),
    }


def train_pair(cfg: VRNNConfig, seed: int, progress: bool = True):
    """Adam on -ELBO (VRNN) and on -log p (plain RNN), same batches; measures on held-out."""
    import time

    from core.pretrained import TrainResult

    torch.manual_seed(seed)
    pair = VRNNPair(cfg)
    x_tr, x_te = sequences(cfg.n_train, cfg.length, 1), sequences(N_TEST, cfg.length, 2)
    opt = torch.optim.Adam(pair.parameters(), lr=cfg.lr)
    g, g_eps = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(seed + 1)
    t0, history = time.perf_counter(), []
    steps = range(cfg.steps)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc="ar_vrnn", mininterval=5)
    for step in steps:
        rows = torch.randint(0, len(x_tr), (32,), generator=g)
        start = torch.randint(0, cfg.length - cfg.crop + 1, (32, 1), generator=g)
        xb = x_tr[rows[:, None], start + torch.arange(cfg.crop)]  # (32, crop, 1) windows
        loss_v = -pair.vrnn.elbo(xb, g_eps).mean() / cfg.crop  # -ELBO per step
        loss_r = -pair.rnn.step_log_prob(xb).mean()  # -log p per step
        opt.zero_grad(set_to_none=True)
        (loss_v + loss_r).backward()
        opt.step()
        if not math.isfinite(loss_v.item() + loss_r.item()):
            raise FloatingPointError(f"ar_vrnn: non-finite loss at step {step}")
        if step % 100 == 99:
            history.append({"step": step + 1, "elbo": -loss_v.item(), "rnn": -loss_r.item()})
    train_s = time.perf_counter() - t0
    pair.eval()
    metrics = measure(pair, x_te, cfg.iw_samples)
    metrics["train_s"] = train_s
    extra = {
        "history": history,
        "notes": f"{cfg.n_train} generated signals (seed 1) for training, {N_TEST} held-out "
        "(seed 2), unquantised; nats per step (continuous densities); ELBO and IWAE drawn "
        f"with torch.Generator seed {EVAL_SEED}; one torch thread on a shared 2-core CPU",
    }
    return TrainResult(model=pair, steps=cfg.steps, metrics=metrics, extra=extra)
