"""Policy search and the score-function gradient (notes §11.3): REINFORCE, baselines, reward-to-go.

    ∇_θ J(θ) = E_τ[ Σ_t ∇_θ log π_θ(a_t|s_t) · (R_t − b_t) ]

with R_t either the whole discounted return r(τ) = Σ_t γ^t r_t (reward-to-go off) or the
discounted reward from t on, Σ_{t'≥t} γ^{t'} r_{t'} = γ^t G_t (reward-to-go on). A baseline b_t
that does not depend on a_t (nor on θ) keeps the estimate unbiased; a good one lowers its
variance. The baselines here:

* ``none``:  b_t = 0;
* ``notes``: the notes' b_t = Σ_{t'<t} γ^{t'} r_{t'}; with reward-to-go off it turns r(τ) into
  exactly the reward-to-go (tested); with it on, it subtracts the past twice (still unbiased);
* ``mean``:  the mean of R_t at the same t over the *other* trajectories of the batch
  (leave-one-out: including the trajectory itself would correlate b with a_t and bias it);
* ``value``: γ^t V_φ(s_t), a learned critic fitted to G_t on *earlier* trajectories.

The per-trajectory estimates g_i (one vector per trajectory, all parameters flattened) come from
one matrix of per-step scores ∇_θ log π(a_t|s_t) (one batched backward pass), so every
baseline is a different weighting of the same scores and their variances compare fairly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.rl import cartpole as C

BASELINES = ("none", "notes", "mean", "value")
BASELINE_NAMES = {
    "none": "none",
    "notes": "notes' b_t (past rewards)",
    "mean": "mean return (leave-one-out)",
    "value": "learned V(s_t)",
}


def mlp(sizes: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class CategoricalPolicy(nn.Module):
    """π_θ(a|s) = softmax(logits_θ(s))_a for a discrete action space."""

    def __init__(self, obs_dim: int = 4, n_actions: int = 2, hidden: int = 32):
        super().__init__()
        self.logits = mlp((obs_dim, hidden, n_actions))

    def log_prob(self, s: torch.Tensor, a: torch.Tensor) -> torch.Tensor:  # (T, obs), (T,)
        return torch.log_softmax(self.logits(s), -1).gather(-1, a[..., None]).squeeze(-1)

    def entropy(self, s: torch.Tensor) -> torch.Tensor:
        logp = torch.log_softmax(self.logits(s), -1)
        return -(logp.exp() * logp).sum(-1)

    @torch.no_grad()
    def sample(self, s: np.ndarray, rng: np.random.Generator) -> np.ndarray:  # (B, obs) -> (B,)
        p = torch.softmax(self.logits(torch.as_tensor(s, dtype=torch.float32)), -1).numpy()
        u = rng.random((len(p), 1))
        return np.minimum((np.cumsum(p, -1) < u).sum(-1), p.shape[-1] - 1)


class GaussianPolicy(nn.Module):
    """π_θ(a|s) = N(a; μ_θ(s), σ_θ²), the notes' continuous policy; log σ is a parameter."""

    def __init__(self, obs_dim: int = 3, hidden: int = 32, log_sigma: float = 0.0):
        super().__init__()
        self.mu = mlp((obs_dim, hidden, 1))
        self.log_sigma = nn.Parameter(torch.tensor(float(log_sigma)))

    def log_prob(
        self, s: torch.Tensor, a: torch.Tensor, log_sigma: torch.Tensor | None = None
    ) -> torch.Tensor:  # (T, obs), (T,) -> (T,)
        """log N(a; μ_θ(s), σ²) = −(a − μ)²/(2σ²) − log σ − ½ log 2π."""
        log_sigma = self.log_sigma if log_sigma is None else log_sigma  # one per step: scores
        mu = self.mu(s).squeeze(-1)  # (T,) μ_θ(s)
        z = (a - mu) / log_sigma.exp()
        return -0.5 * z**2 - log_sigma - 0.5 * np.log(2 * np.pi)

    @torch.no_grad()
    def sample(self, s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        mu = self.mu(torch.as_tensor(s, dtype=torch.float32)).squeeze(-1).numpy()
        return mu + float(self.log_sigma.exp()) * rng.standard_normal(mu.shape)


# ------------------------------------------------------------------------------- trajectories
def rollout_cartpole(policy: CategoricalPolicy, n: int, seed: int, max_steps: int = 500) -> list:
    """n episodes of CartPole-v1 (episode i reset with seed + i), sampled from π_θ."""
    rng = np.random.default_rng(seed)
    logits = C.mlp_numpy(policy.logits)  # a numpy snapshot: ~10x faster per step than torch
    trajs = []
    for i in range(n):
        env = C.make_env()
        s, _ = env.reset(seed=seed + i)
        S, A, R = [], [], []
        for _ in range(max_steps):
            z = logits(s[None])[0]
            p = np.exp(z - z.max())
            a = int(rng.random() * p.sum() > p[0])  # two actions: P(a = 1) = p_1 / (p_0 + p_1)
            s2, r, term, trunc, _ = env.step(a)
            S.append(s)
            A.append(a)
            R.append(r)
            s = s2
            if term or trunc:
                break
        trajs.append(
            {"s": np.asarray(S, np.float32), "a": np.asarray(A), "r": np.asarray(R, np.float64)}
        )
    return trajs


def discounted_from_start(r: np.ndarray, gamma: float) -> np.ndarray:
    """(T,) → Σ_{t'≥t} γ^{t'} r_{t'} for every t (the reward-to-go, discounted from t = 0)."""
    disc = gamma ** np.arange(len(r)) * r
    return np.cumsum(disc[::-1])[::-1]


def returns_to_go(r: np.ndarray, gamma: float) -> np.ndarray:
    """G_t = Σ_k γ^k r_{t+k} (T,)."""
    g, out = 0.0, np.zeros(len(r))
    for t in range(len(r) - 1, -1, -1):
        g = r[t] + gamma * g
        out[t] = g
    return out


def weights(
    trajs: list, gamma: float, baseline: str, reward_to_go: bool, value_fn=None
) -> list[np.ndarray]:
    """Per trajectory, the (T,) weights R_t − b_t that multiply ∇ log π(a_t|s_t)."""
    if baseline not in BASELINES:
        raise ValueError(f"unknown baseline: {baseline!r}; choose from {', '.join(BASELINES)}")
    Rs = []
    for tr in trajs:
        rtg = discounted_from_start(tr["r"], gamma)  # (T,)
        Rs.append(rtg if reward_to_go else np.full(len(rtg), rtg[0]))  # rtg[0] = r(τ)
    if baseline == "none":
        return Rs
    if baseline == "notes":
        out = []
        for tr, R in zip(trajs, Rs, strict=True):
            past = discounted_from_start(tr["r"], gamma)
            b = past[0] - past  # b_t = Σ_{t'<t} γ^{t'} r_{t'}
            out.append(R - b)
        return out
    if baseline == "mean":
        T = max(len(R) for R in Rs)
        pad = np.zeros((len(Rs), T))
        for i, R in enumerate(Rs):  # a finished trajectory has R_t = 0 after its end
            pad[i, : len(R)] = R
        loo = (pad.sum(0, keepdims=True) - pad) / max(1, len(Rs) - 1)  # leave-one-out mean
        return [R - loo[i, : len(R)] for i, R in enumerate(Rs)]
    if value_fn is None:
        raise ValueError("the learned-V baseline needs a value function")
    out = []
    for tr, R in zip(trajs, Rs, strict=True):
        v = value_fn(tr["s"])  # (T,) V_φ(s_t)
        out.append(R - gamma ** np.arange(len(R)) * v)
    return out


def step_scores(policy: nn.Module, s: np.ndarray, a: np.ndarray) -> torch.Tensor:
    """(T, P): row t is ∇_θ log π_θ(a_t|s_t), all parameters flattened (named_parameters order).

    One forward and one backward pass for all T steps: log π summed over t has, at each Linear
    layer, per-step output gradients δ_t; step t's weight gradient is δ_t h_tᵀ (h_t the layer's
    input) and its bias gradient δ_t. A Gaussian policy's log σ is expanded to one copy per step
    so that each step's gradient stays apart. ``step_scores_autograd`` is the slow reference."""
    S = torch.as_tensor(s, dtype=torch.float32)  # (T, obs)
    A = torch.as_tensor(a)
    ins: dict[nn.Linear, torch.Tensor] = {}
    outs: dict[nn.Linear, torch.Tensor] = {}

    def hook(m, inp, out):
        ins[m], outs[m] = inp[0].detach(), out

    linears = [m for m in policy.modules() if isinstance(m, nn.Linear)]
    handles = [m.register_forward_hook(hook) for m in linears]
    try:
        extra = {}
        if isinstance(policy, GaussianPolicy):
            extra["log_sigma"] = policy.log_sigma.detach().expand(len(S)).clone().requires_grad_()
        logp = policy.log_prob(S, A, **extra)  # (T,)
    finally:
        for h in handles:
            h.remove()
    leaves = [outs[m] for m in linears] + list(extra.values())
    grads = dict(zip(leaves_ids(leaves), torch.autograd.grad(logp.sum(), leaves), strict=True))
    per: dict[int, torch.Tensor] = {}
    for m in linears:
        d = grads[id(outs[m])]  # (T, out) δ_t
        per[id(m.weight)] = torch.einsum("to,ti->toi", d, ins[m]).reshape(len(S), -1)
        per[id(m.bias)] = d
    if extra:
        per[id(policy.log_sigma)] = grads[id(extra["log_sigma"])][:, None]
    return torch.cat([per[id(p)] for p in policy.parameters()], 1)


def leaves_ids(ts: list[torch.Tensor]) -> list[int]:
    return [id(t) for t in ts]


def step_scores_autograd(policy: nn.Module, s: np.ndarray, a: np.ndarray) -> torch.Tensor:
    """The reference for `step_scores`: one autograd call per step (slow; tests only)."""
    rows = []
    for t in range(len(s)):
        lp = policy.log_prob(torch.as_tensor(s[t : t + 1]), torch.as_tensor(a[t : t + 1])).sum()
        g = torch.autograd.grad(lp, list(policy.parameters()))
        rows.append(torch.cat([x.reshape(-1) for x in g]))
    return torch.stack(rows)


def gradient_estimates(
    policy: nn.Module,
    trajs: list,
    gamma: float,
    baseline: str,
    reward_to_go: bool,
    value_fn=None,
    scores: torch.Tensor | None = None,
) -> np.ndarray:
    """(N, P): g_i = Σ_t ∇ log π(a_t|s_t) (R_t − b_t) for each trajectory i."""
    if scores is None:
        scores = step_scores(
            policy, np.concatenate([t["s"] for t in trajs]), np.concatenate([t["a"] for t in trajs])
        )
    w = np.concatenate(weights(trajs, gamma, baseline, reward_to_go, value_fn))
    lens = np.array([len(t["r"]) for t in trajs])
    owner = np.repeat(np.arange(len(trajs)), lens)  # (ΣT,) trajectory of each step
    g = torch.zeros(len(trajs), scores.shape[1], dtype=torch.float64)
    g.index_add_(0, torch.as_tensor(owner), scores.double() * torch.as_tensor(w)[:, None])
    return g.numpy()


@dataclass(frozen=True)
class GradientStats:
    mean: np.ndarray  # (P,) ḡ
    total_variance: float  # tr Cov(g) = E||g − ḡ||² (per trajectory)
    projection: float  # ḡ · u, u a fixed unit direction
    projection_se: float  # its standard error over the N trajectories


def gradient_stats(g: np.ndarray, direction: np.ndarray) -> GradientStats:
    u = direction / max(np.linalg.norm(direction), 1e-300)
    proj = g @ u  # (N,)
    return GradientStats(
        mean=g.mean(0),
        total_variance=float(((g - g.mean(0)) ** 2).sum(1).mean()),
        projection=float(proj.mean()),
        projection_se=float(proj.std(ddof=1) / np.sqrt(len(g))),
    )


def fit_value(trajs: list, gamma: float, seed: int = 0, steps: int = 300, hidden: int = 32):
    """V_φ regressed on G_t (MSE, Adam) over the given trajectories; returns s -> V(s) (numpy)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=g)))
    net = mlp((trajs[0]["s"].shape[1], hidden, 1))
    S = torch.as_tensor(np.concatenate([t["s"] for t in trajs]))
    G = torch.as_tensor(np.concatenate([returns_to_go(t["r"], gamma) for t in trajs])).float()
    scale = float(G.abs().max().clamp(min=1.0))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = ((net(S).squeeze(-1) - G / scale) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()

    def value_fn(s: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return net(torch.as_tensor(s, dtype=torch.float32)).squeeze(-1).double().numpy() * scale

    return value_fn


def variance_table(
    policy: CategoricalPolicy,
    trajs: list,
    value_trajs: list,
    gamma: float = 0.99,
    seed: int = 0,
    value_fn: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[dict]:
    """Every baseline × reward-to-go on the same trajectories: the mean gradient's projection on
    the pooled mean direction (± s.e.) and the total variance, relative to no baseline.

    ``value_fn``: the learned V, when already fitted (``fit_value(value_trajs, gamma, seed)``,
    two thirds of the time for 400 episodes: a view that varies N fits it once per γ)."""
    s = np.concatenate([t["s"] for t in trajs])
    a = np.concatenate([t["a"] for t in trajs])
    scores = step_scores(policy, s, a)
    if value_fn is None:
        value_fn = fit_value(value_trajs, gamma, seed)
    gs = {
        (b, rtg): gradient_estimates(policy, trajs, gamma, b, rtg, value_fn, scores)
        for b in BASELINES
        for rtg in (False, True)
    }
    direction = np.mean([g.mean(0) for g in gs.values()], 0)
    u = direction / max(np.linalg.norm(direction), 1e-300)
    ref = gs[("none", False)]
    rows = []
    for (b, rtg), g in gs.items():
        st = gradient_stats(g, direction)
        d = (g - ref) @ u  # (N,) per trajectory: this estimate minus no baseline, along u
        se = d.std(ddof=1) / np.sqrt(len(d))
        rows.append(
            {
                "baseline": b,
                "reward_to_go": rtg,
                "projection": st.projection,
                "projection_se": st.projection_se,
                "total_variance": st.total_variance,
                "variance_ratio": st.total_variance / gradient_stats(ref, direction).total_variance,
                "shift_z": float(d.mean() / se) if se > 0 else 0.0,  # mean vs none, in s.e.
            }
        )
    return rows
