"""The variational bound L_vlb of a diffusion model (notes §10.3), an upper bound on -ln p(x_0).

    -ln p_theta(x_0) <= L_vlb = L_T + sum_{t=2}^{T} L_{t-1} + L_0

    L_T     = KL( q(x_T | x_0) || N(0, I) )                              (no parameters)
    L_{t-1} = E_q KL( q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t) ),   t = 2..T
            = E_q 1/2 sum_i [ beta_tilde_t / sigma_t^2 - 1 + ln(sigma_t^2 / beta_tilde_t)
                              + (mu_tilde_t(x_t, x_0) - mu_theta(x_t, t))_i^2 / sigma_t^2 ]
    L_0     = E_q -ln p_theta(x_0 | x_1)

with the reverse model of Algorithm 3, p_theta(x_{t-1} | x_t) = N(mu_theta(x_t, t), sigma_t^2 I),
mu_theta = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps_theta(x_t, t)) / sqrt(alpha_t), and
q(x_{t-1} | x_t, x_0) = N(mu_tilde_t, beta_tilde_t I) from `core.diffusion.posterior`.
sigma_t^2 is beta_tilde_t ("beta_tilde", the DDPM sampler's default) or beta_t ("beta"); at t = 1
beta_tilde_1 = 0, so the decoder always uses sigma_1^2 = beta_1.

Decoder L_0 (state the data!):
* "continuous": the Gaussian density N(x_0; mu_theta(x_1, 1), sigma_1^2) for real-valued data.
* "discrete" (Ho et al. 2020, eq. 13): 8-bit data scaled to [-1, 1] lie on 256 levels 2k/255 - 1;
  p(x_0 | x_1) integrates the Gaussian over each level's bin of width 2/255, the two edge bins open
  to -inf / +inf. The bound is then on -ln P(x_0), a probability mass: >= 0 nats.

Estimator. The T - 1 middle terms are summed by *stratified sampling over t*: 2..T is cut into K
strata of n_k steps (geometrically spaced: the small-t terms dominate); each example draws one t
uniformly in each stratum and one eps, and the stratum's term is weighted by n_k. Each draw is
unbiased for its stratum's sum, so the per-example estimate L_T + sum_k n_k L_{t_k - 1} + L_0 is
unbiased for E_q[L_vlb(x_0)]; K = T - 1 (``K=None``) enumerates every t. L_T is exact; L_0
uses one draw of x_1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from core.diffusion.posterior import mean_from_eps, posterior_mean_variance
from core.diffusion.schedules import Schedule

EpsModel = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]
VARIANCES = ("beta_tilde", "beta")
DECODERS = ("discrete", "continuous")
BIN = 1.0 / 255.0  # half the width of one 8-bit level on [-1, 1]


@dataclass(frozen=True)
class VLB:
    """Per-example estimates (N,) in nats of each part of L_vlb, and D (dimensions per example)."""

    prior: torch.Tensor  # L_T
    diffusion: torch.Tensor  # sum_{t=2}^T L_{t-1} (stratified estimate)
    decoder: torch.Tensor  # L_0
    dims: int

    @property
    def total(self) -> torch.Tensor:
        return self.prior + self.diffusion + self.decoder

    @property
    def nats(self) -> float:
        """Mean bound over the examples, nats per example."""
        return float(self.total.mean())

    @property
    def se(self) -> float:
        """Standard error of ``nats`` (sample std over examples / sqrt(N))."""
        n = len(self.total)
        return float(self.total.std(unbiased=True) / math.sqrt(n)) if n > 1 else float("nan")

    @property
    def bpd(self) -> float:
        """Bits per dimension: nats / (D ln 2)."""
        return self.nats / (self.dims * math.log(2))


def strata(T: int, K: int | None, spacing: str = "log") -> list[tuple[int, int]]:
    """K contiguous strata [lo, hi] covering t = 2..T exactly once.

    "log": edges spaced geometrically in t, so the few small t that carry much of the bound
    (their KL terms are 10-100x the mid-t ones for a trained model) get strata of their own,
    and t = T gets one too (K >= 3); the estimator's variance drops. "uniform": sizes differ
    by at most 1.
    """
    n = T - 1
    if n < 1:
        return []
    K = n if K is None else max(1, min(int(K), n))
    if spacing == "uniform":
        edges = [2 + (n * k) // K for k in range(K + 1)]  # 2 = e_0 < e_1 < ... < e_K = T + 1
    elif spacing == "log":
        # t = T alone when K >= 3: a cosine schedule clips beta_T at 0.999, so alpha_T ~ 1e-3
        # amplifies the eps error of that one step ~1000x (its term is ~half the bound)
        k_log = K - 1 if K >= 3 else K
        top = T if K >= 3 else T + 1  # the log-spaced strata cover 2..top-1
        edges = [2]
        for k in range(1, k_log + 1):  # e_k ~ 2 (top / 2)^(k / k_log), strictly increasing
            e = round(2 * (top / 2) ** (k / k_log))
            edges.append(min(max(e, edges[-1] + 1), top - (k_log - k)))
        if top == T:
            edges.append(T + 1)
    else:
        raise ValueError(f"unknown spacing: {spacing!r}; choose from log, uniform")
    return [(edges[k], edges[k + 1] - 1) for k in range(K)]


def _per_dim(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.reshape(-1, *([1] * (x.ndim - 1)))


def prior_kl(sched: Schedule, x0: torch.Tensor) -> torch.Tensor:
    """L_T = KL(N(sqrt(ab_T) x0, (1 - ab_T) I) || N(0, I)) summed over dims, (N,) float64."""
    ab = float(sched.alpha_bar[-1])
    x0 = x0.double().flatten(1)
    kl = 0.5 * (ab * x0**2 + (1 - ab) - 1 - math.log(1 - ab))
    return kl.sum(1)


def _log_bin_mass(x0: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
    """ln of the Gaussian N(mean, std^2) mass of each 8-bit level's bin (Ho et al. eq. 13)."""
    lo = (x0 - BIN - mean) / std  # standardised bin edges
    hi = (x0 + BIN - mean) / std
    log_cdf_hi = torch.special.log_ndtr(hi)
    log_sf_lo = torch.special.log_ndtr(-lo)  # ln(1 - Phi(lo))
    # interior bins: ln(Phi(hi) - Phi(lo)), evaluated in the tail where it is not 0 - 0
    upper = lo > 0  # both edges above the mean: use the survival functions
    a = torch.where(upper, log_sf_lo, log_cdf_hi)
    b = torch.where(upper, torch.special.log_ndtr(-hi), torch.special.log_ndtr(lo))
    mid = a + torch.log1p(-torch.exp((b - a).clamp(max=0)))
    out = torch.where(x0 < -1 + BIN, log_cdf_hi, mid)  # the lowest level's bin: (-inf, hi]
    return torch.where(x0 > 1 - BIN, log_sf_lo, out)  # the highest: [lo, +inf)


def decoder_nll(
    x0: torch.Tensor, mean: torch.Tensor, var: float, decoder: str = "discrete"
) -> torch.Tensor:
    """L_0 = -ln p(x_0 | x_1) summed over dims, (N,) float64, for p = N(mean, var I)."""
    x0, mean = x0.double().flatten(1), mean.double().flatten(1)
    if decoder == "continuous":
        nll = 0.5 * math.log(2 * math.pi * var) + (x0 - mean) ** 2 / (2 * var)
    elif decoder == "discrete":
        nll = -_log_bin_mass(x0, mean, math.sqrt(var))
    else:
        raise ValueError(f"unknown decoder: {decoder!r}; choose from {', '.join(DECODERS)}")
    return nll.sum(1)


def _sigma2(sched: Schedule, t: int, variance: str) -> float:
    """sigma_t^2 of the reverse step t -> t-1 (t = 1 always beta_1: beta_tilde_1 = 0)."""
    beta = float(sched.betas[t - 1])
    if variance == "beta" or t == 1:
        return beta
    return (1 - float(sched.alpha_bar_prev[t - 1])) / (1 - float(sched.alpha_bar[t - 1])) * beta


def _eps_at(eps_model, sched, x0, t: torch.Tensor, y, generator) -> tuple:
    """Draw x_t ~ q(x_t | x_0) at per-example t (N,) and evaluate eps_theta there."""
    ab = _per_dim(sched.alpha_bar[t - 1], x0)  # (N, 1, ...) float64
    eps = torch.randn(x0.shape, generator=generator, dtype=torch.float64)
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * eps  # (N, ...) float64
    eps_hat = eps_model(xt.float(), t, y).double()  # networks run in float32
    return xt, eps_hat


def _kl_term(sched, x0, xt, eps_hat, t: torch.Tensor, variance: str) -> torch.Tensor:
    """KL(q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t)) summed over dims, per example."""
    out = torch.empty(len(x0), dtype=torch.float64)
    for tv in t.unique().tolist():  # posterior/mean helpers take one t: group the examples
        i = (t == tv).nonzero().squeeze(1)
        mu_q, var_q = posterior_mean_variance(sched, x0[i], xt[i], tv)  # mu_tilde, beta_tilde
        mu_p = mean_from_eps(sched, xt[i], eps_hat[i], tv)  # Algorithm 3's mean
        var_p = _sigma2(sched, tv, variance)
        d = (mu_q - mu_p).flatten(1)
        kl = 0.5 * (var_q / var_p - 1 + math.log(var_p / var_q) + d**2 / var_p)
        out[i] = kl.sum(1)
    return out


@torch.inference_mode()
def vlb(
    eps_model: EpsModel,
    sched: Schedule,
    x0: torch.Tensor,
    K: int | None = None,
    variance: str = "beta_tilde",
    decoder: str = "discrete",
    y: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    batch: int = 256,
    spacing: str = "log",
    progress: Callable[[int, int], None] | None = None,
) -> VLB:
    """Per-example stratified estimates of L_vlb's parts for x0 (N, ...) in data scale.

    eps_model(x_t, t, y) as in `core.diffusion.samplers`; y (N,) labels or None (unconditional).
    K strata over t = 2..T (None: every t), spaced by ``spacing``; chunks of ``batch`` examples.
    """
    if variance not in VARIANCES:
        raise ValueError(f"unknown variance: {variance!r}; choose from {', '.join(VARIANCES)}")
    if decoder not in DECODERS:
        raise ValueError(f"unknown decoder: {decoder!r}; choose from {', '.join(DECODERS)}")
    g = generator or torch.Generator().manual_seed(0)
    x0 = x0.double()
    st = strata(sched.T, K, spacing)
    n_chunks = -(-len(x0) // batch)
    prior, diff, dec = [], [], []
    for c in range(n_chunks):
        xb = x0[c * batch : (c + 1) * batch]  # (B, ...)
        yb = None if y is None else y[c * batch : (c + 1) * batch]
        B = len(xb)
        prior.append(prior_kl(sched, xb))
        one = torch.ones(B, dtype=torch.long)
        x1, eps_hat = _eps_at(eps_model, sched, xb, one, yb, g)  # L_0 at t = 1
        mean = mean_from_eps(sched, x1, eps_hat, 1)
        dec.append(decoder_nll(xb, mean, _sigma2(sched, 1, variance), decoder))
        acc = torch.zeros(B, dtype=torch.float64)
        for lo, hi in st:  # one t per stratum and example, weighted by the stratum size
            t = torch.randint(lo, hi + 1, (B,), generator=g)
            xt, eps_hat = _eps_at(eps_model, sched, xb, t, yb, g)
            acc += (hi - lo + 1) * _kl_term(sched, xb, xt, eps_hat, t, variance)
        diff.append(acc)
        if progress is not None:
            progress(c + 1, n_chunks)
    dims = int(x0[0].numel())
    return VLB(torch.cat(prior), torch.cat(diff), torch.cat(dec), dims)
