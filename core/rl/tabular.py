"""Tabular model-free RL (notes §11.1-11.2): Monte Carlo and TD(0) policy evaluation, SARSA and
Q-learning with an epsilon-greedy behaviour policy.

The agent only samples transitions (s, a, r, s') from the MDP; it never reads P or r. Every
method runs ``n_seeds`` independent agents at once (batched numpy: one row of V / Q per seed),
so a learning curve averaged over seeds costs about as much as a single run.

* Monte Carlo (§11.1): V(s) = mean of the returns G observed after the first visit to s.
* TD(0) (§11.2): td_target = r + gamma V(s'), delta = td_target - V(s), V(s) <- V(s) + alpha delta.
* SARSA: td_target = r + gamma Q(s', a'), a' ~ epsilon-greedy(Q)(s')  (on-policy).
* Q-learning: td_target = r + gamma max_a' Q(s', a')  (off-policy).

(The notes also write the update as V <- alpha V + (1 - alpha) td_target; we use the delta form
V <- V + alpha delta, where alpha is the step size, as in the notes' second line and Sutton &
Barto.) Terminal states bootstrap from 0; an episode cut by the time limit still bootstraps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.rl.mdp import MDP, sample_step

METHODS = ("Q-learning", "SARSA", "TD(0) evaluation", "Monte Carlo evaluation")
CONTROL = ("Q-learning", "SARSA")
TARGETS = ("optimal policy π*", "uniform random policy")
# Sutton & Barto (2018), Example 6.6 / Figure 6.4, sum of rewards per episode read off the
# figure (curves averaged over runs and smoothed): Sarsa about -25, Q-learning about -50.
BOOK_EXAMPLE_6_6 = {"SARSA": -25.0, "Q-learning": -50.0}


@dataclass(frozen=True)
class TabularConfig:
    """One learning experiment (the same object keys the page's cache and live stepper)."""

    method: str = "Q-learning"  # one of METHODS
    alpha: float = 0.1  # step size alpha of the TD updates (Monte Carlo uses 1/N(s))
    gamma: float = 0.99  # discount factor
    epsilon: float = 0.1  # exploration rate of the epsilon-greedy behaviour policy
    n_seeds: int = 8  # independent agents averaged in the learning curves
    seed: int = 0  # seeds the one generator that drives all agents
    target: str = TARGETS[0]  # the policy MC / TD(0) evaluate
    max_steps: int | None = None  # episode limit; None = the env's (FrozenLake 100) or 10,000

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown method: {self.method!r}; choose from {', '.join(METHODS)}")
        if self.target not in TARGETS:
            raise ValueError(f"unknown target: {self.target!r}; choose from {', '.join(TARGETS)}")


def epsilon_greedy(q: np.ndarray, epsilon: float, rng: np.random.Generator) -> np.ndarray:
    """a ~ epsilon-greedy(q) for a batch q (B, A): random with prob epsilon, else an argmax
    (ties broken uniformly at random)."""
    B, A = q.shape
    noise = rng.random((B, A))
    best = np.where(q >= q.max(1, keepdims=True), noise, -1.0).argmax(1)  # random tie-break
    explore = rng.random(B) < epsilon
    return np.where(explore, rng.integers(0, A, B), best)


class TabularLearner:
    """A stepper (``steps_done``, ``step(n)``): ``step(n)`` runs n more episodes per seed.

    ``v_ref`` is the value the learned V is compared with (v_pi for evaluation, v* for control);
    ``target_policy`` (S, A) is the evaluated policy (MC / TD(0)).
    """

    def __init__(
        self,
        mdp: MDP,
        cfg: TabularConfig,
        v_ref: np.ndarray | None = None,
        target_policy: np.ndarray | None = None,
        device=None,
    ):
        self.mdp, self.cfg, self.device = mdp, cfg, device  # numpy only; device kept for API
        B, S, A = cfg.n_seeds, mdp.n_states, mdp.n_actions
        self.rng = np.random.default_rng(cfg.seed)
        self.Q = np.zeros((B, S, A))
        self.V = np.zeros((B, S))
        self.N = np.zeros((B, S))  # first-visit counts (Monte Carlo)
        self.v_ref = v_ref
        self.target = (
            np.full((S, A), 1.0 / A)
            if target_policy is None
            else np.asarray(target_policy, dtype=np.float64)
        )
        self.control = cfg.method in CONTROL
        self.max_steps = cfg.max_steps or mdp.max_steps or 10_000
        # exploring starts for evaluation, so every state's value is estimated
        self.starts = np.flatnonzero(mdp.reachable & ~mdp.terminal)
        self.mask = mdp.reachable & ~mdp.terminal  # states compared with v_ref
        self.returns: list[np.ndarray] = []  # per episode: (B,) undiscounted return
        self.errors: list[np.ndarray] = []  # per episode: (B,) RMS |V - v_ref|
        self.steps_done = 0
        self.env_steps = 0

    # -- helpers -----------------------------------------------------------------------------
    @property
    def values(self) -> np.ndarray:
        """(B, S) learned state values: max_a Q for control, V for evaluation."""
        return self.Q.max(2) if self.control else self.V

    def _start(self, n: int) -> np.ndarray:
        if self.control:
            return np.full(n, self.mdp.start)
        return self.starts[self.rng.integers(0, self.starts.size, n)]

    def _act(self, b: np.ndarray, s: np.ndarray) -> np.ndarray:
        if self.control:
            return epsilon_greedy(self.Q[b, s], self.cfg.epsilon, self.rng)
        cdf = np.cumsum(self.target[s], axis=1)
        return np.minimum((self.rng.random(s.size)[:, None] >= cdf).sum(1), cdf.shape[1] - 1)

    def _rms(self, b: np.ndarray | None = None) -> np.ndarray:
        """RMS over the compared states of V - v_ref, per seed (rows ``b``, default all)."""
        b = np.arange(self.cfg.n_seeds) if b is None else b
        if self.v_ref is None:
            return np.full(b.size, np.nan)
        v = self.Q[b].max(2) if self.control else self.V[b]
        d = v[:, self.mask] - self.v_ref[self.mask]
        return np.sqrt((d**2).mean(1)) if d.size else np.zeros(b.size)

    # -- the stepper -------------------------------------------------------------------------
    def step(self, n: int = 1) -> dict[str, float]:
        """Run ``n`` more episodes for every seed; return the metrics after them."""
        cfg, mdp, B = self.cfg, self.mdp, self.cfg.n_seeds
        gamma, alpha = cfg.gamma, cfg.alpha
        todo = np.full(B, n)
        s = self._start(B)
        a = self._act(np.arange(B), s)
        ep_ret, ep_len = np.zeros(B), np.zeros(B, dtype=np.int64)
        ep_ret_rec = np.zeros((B, n))
        ep_err_rec = np.zeros((B, n))
        done_count = np.zeros(B, dtype=np.int64)
        mc = cfg.method == "Monte Carlo evaluation"
        if mc:  # the current episode of every seed: states and rewards, (B, max_steps)
            traj_s = np.zeros((B, self.max_steps), dtype=np.int64)
            traj_r = np.zeros((B, self.max_steps))
        while True:
            b = np.flatnonzero(todo > 0)
            if b.size == 0:
                break
            sb, ab = s[b], a[b]
            s2, r = sample_step(mdp, sb, ab, self.rng)  # (n_b,), (n_b,)
            not_term = ~mdp.terminal[s2]
            self.env_steps += b.size
            if mc:
                traj_s[b, ep_len[b]], traj_r[b, ep_len[b]] = sb, r
            ep_ret[b] += r
            ep_len[b] += 1
            a2 = self._act(b, s2)
            if cfg.method == "Q-learning":
                td_target = r + gamma * self.Q[b, s2].max(1) * not_term
                delta = td_target - self.Q[b, sb, ab]
                self.Q[b, sb, ab] += alpha * delta
            elif cfg.method == "SARSA":
                td_target = r + gamma * self.Q[b, s2, a2] * not_term
                delta = td_target - self.Q[b, sb, ab]
                self.Q[b, sb, ab] += alpha * delta
            elif cfg.method == "TD(0) evaluation":
                td_target = r + gamma * self.V[b, s2] * not_term
                delta = td_target - self.V[b, sb]
                self.V[b, sb] += alpha * delta
            s[b], a[b] = s2, a2
            e = b[~not_term | (ep_len[b] >= self.max_steps)]  # seeds whose episode ended
            if e.size == 0:
                continue
            if mc:
                for bi in e:
                    self._mc_update(bi, traj_s[bi, : ep_len[bi]], traj_r[bi, : ep_len[bi]])
            k = done_count[e]
            ep_ret_rec[e, k] = ep_ret[e]
            ep_err_rec[e, k] = self._rms(e)
            done_count[e] += 1
            todo[e] -= 1
            ep_ret[e], ep_len[e] = 0.0, 0
            s[e] = self._start(e.size)
            a[e] = self._act(e, s[e])
        self.returns.extend(ep_ret_rec.T)
        self.errors.extend(ep_err_rec.T)
        self.steps_done += n
        return {
            "return": float(ep_ret_rec[:, -1].mean()),
            "rms_error": float(self._rms().mean()),
            "env_steps": float(self.env_steps),
        }

    def _mc_update(self, b: int, states: np.ndarray, rewards: np.ndarray) -> None:
        """First-visit Monte Carlo: V(s) <- mean of the returns after the first visit to s."""
        G, first, gamma = 0.0, {}, self.cfg.gamma
        for s, r in zip(states[::-1].tolist(), rewards[::-1].tolist(), strict=False):
            G = r + gamma * G  # G_t = r_t + gamma G_{t+1}
            first[s] = G  # overwritten until the first
        for s, G in first.items():
            self.N[b, s] += 1
            self.V[b, s] += (G - self.V[b, s]) / self.N[b, s]  # incremental sample mean

    def expected_episode_steps(self) -> float:
        """Steps per episode and seed: measured once episodes have run, else predicted.

        The prediction is exact for a fixed policy pi (the evaluated one; for control the
        uniform random policy that epsilon-greedy on Q = 0 with random tie-breaks starts as):
        expected steps to absorption t solves (I - P_pi) t = 1 on the transient states,
        averaged over the start states and capped at ``max_steps`` (so are states that never
        terminate). Pages use it to keep one Step click or live tick bounded in time.
        """
        if self.steps_done:
            return self.env_steps / (self.steps_done * self.cfg.n_seeds)
        from core.rl.mdp import policy_matrix, terminating_states

        mdp = self.mdp
        pi = np.full_like(self.target, 1.0 / mdp.n_actions) if self.control else self.target
        P_pi, _ = policy_matrix(mdp, pi)
        t = np.full(mdp.n_states, float(self.max_steps))
        t[mdp.terminal] = 0.0
        idx = np.flatnonzero(terminating_states(mdp, P_pi) & ~mdp.terminal)
        if idx.size:
            M = np.eye(idx.size) - P_pi[idx][:, idx].toarray()
            t[idx] = np.linalg.solve(M, np.ones(idx.size))  # (I - P_pi) t = 1
        starts = self.starts if not self.control else np.array([mdp.start])
        return float(np.minimum(t[starts], self.max_steps).mean()) if starts.size else 1.0

    def curves(self) -> dict[str, np.ndarray]:
        """Per-episode (B, E) arrays: 'return' and 'rms_error'."""
        if not self.returns:
            e = np.zeros((self.cfg.n_seeds, 0))
            return {"return": e, "rms_error": e}
        return {"return": np.array(self.returns).T, "rms_error": np.array(self.errors).T}


def greedy_from_q(Q: np.ndarray) -> np.ndarray:
    """pi(s) in argmax_a Q(s, a) (first maximum), Q (S, A) -> (S,)."""
    return Q.argmax(1)


def cliff_experiment(
    n_seeds: int = 50, episodes: int = 500, seed: int = 0, mdp: MDP | None = None
) -> dict[str, TabularLearner]:
    """Sutton & Barto Example 6.6: SARSA and Q-learning on CliffWalking with epsilon = 0.1,
    alpha = 0.5, gamma = 1, ``episodes`` episodes, ``n_seeds`` independent runs each."""
    from core.rl.gridworlds import cliff_walking

    mdp = mdp or cliff_walking()
    out = {}
    for method in CONTROL:
        cfg = TabularConfig(
            method=method, alpha=0.5, gamma=1.0, epsilon=0.1, n_seeds=n_seeds, seed=seed
        )
        learner = TabularLearner(mdp, cfg)
        learner.step(episodes)
        out[method] = learner
    return out


def average_return(returns: np.ndarray, first: int = 100, last: int = 500) -> float:
    """Mean return over episodes first..last (1-based, inclusive) and over seeds; (B, E)."""
    return float(returns[:, first - 1 : last].mean())


def greedy_path(mdp: MDP, Q: np.ndarray, max_steps: int = 200) -> list[int]:
    """States visited by the greedy policy of Q from the start (deterministic environments)."""
    pi, s, path = greedy_from_q(Q), mdp.start, [mdp.start]
    for _ in range(max_steps):
        if mdp.terminal[s]:
            break
        k = int(mdp.prob[s, pi[s]].argmax())
        s = int(mdp.next_state[s, pi[s], k])
        path.append(s)
    return path
