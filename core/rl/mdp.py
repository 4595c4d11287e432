"""Markov decision processes and dynamic programming (notes §11, Definition 5, Algorithms 4-5).

An MDP <S, A, P, r, gamma> is stored in a padded sparse form that is both small and vectorised:
for every (s, a) up to K outcomes ``next_state[s, a, k]`` with probability ``prob[s, a, k]`` and
reward ``reward[s, a, k]`` (K = 3 for slippery FrozenLake). The dense (S, A, S') tensors ``P`` and
``R`` and the expected reward r(s, a) = sum_s' P(s'|s,a) R(s,a,s') are derived from it. Terminal
states are absorbing with zero reward, so v(terminal) = 0.

Dynamic programming (the model is known):

* Bellman optimality operator  (T v)(s) = max_a { r(s,a) + gamma sum_s' P(s'|s,a) v(s') }, a
  gamma-contraction in the sup norm: ||T v' - T v||_inf <= gamma ||v' - v||_inf.
* Value iteration (Algorithm 4): v_{t+1} = T v_t until ||v_{t+1} - v_t||_inf <= tol, with
  ||v_t - v*||_inf <= gamma^t ||v_0 - v*||_inf (`contraction_bound`).
* Policy evaluation by an exact linear solve, (I - gamma P_pi) v_pi = r_pi (Bellman
  consistency equation), and policy iteration (Algorithm 5).

Environments (gymnasium FrozenLake / CliffWalking, the editable gridworld) are built in
`core.rl.gridworlds`; tabular model-free learning is in `core.rl.tabular`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

# Canonical action order of every MDP here (gym action codes differ per env: see gridworlds).
ACTIONS = ("up", "right", "down", "left")
DELTAS = ((-1, 0), (0, 1), (1, 0), (0, -1))  # (d_row, d_col) of each action
ARROWS = ("↑", "→", "↓", "←")
DENSE_MAX_STATES = 2048  # below this the operator uses a dense (S*A, S) matrix (BLAS is faster)


class NonTerminatingPolicyError(ValueError):
    """At gamma = 1 a policy that never terminates has no finite / unique v_pi."""


@dataclass(frozen=True, eq=False)
class MDP:
    """A finite MDP on a grid (notes §11 Definition 5); arrays are read-only numpy.

    ``desc`` is the grid, one string per row, with one character per cell: ``S`` start,
    ``G`` goal (terminal, counts as success), ``H``/``X`` hole or pit (terminal),
    ``C`` cliff (never occupied), ``#`` wall (never occupied), anything else floor.
    """

    name: str
    desc: tuple[str, ...]
    next_state: np.ndarray  # (S, A, K) int64: k-th possible successor of (s, a)
    prob: np.ndarray  # (S, A, K) float64: its probability (rows sum to 1)
    reward: np.ndarray  # (S, A, K) float64: reward R(s, a, s') of that outcome
    terminal: np.ndarray  # (S,) bool: absorbing, zero reward
    goal: np.ndarray  # (S,) bool: terminal states that count as a success
    start: int  # the start state s_0
    max_steps: int | None = None  # episode time limit (FrozenLake: 100), None = unlimited
    cell_reward: np.ndarray | None = field(default=None)  # (S,) for display, editor only

    @property
    def n_states(self) -> int:
        return int(self.next_state.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.next_state.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.desc), len(self.desc[0])

    @cached_property
    def P(self) -> np.ndarray:
        """Dense transition tensor P(s' | s, a), shape (S, A, S')."""
        S, A, K = self.next_state.shape
        P = np.zeros((S, A, S))
        s_idx, a_idx = np.meshgrid(np.arange(S), np.arange(A), indexing="ij")
        for k in range(K):
            np.add.at(P, (s_idx, a_idx, self.next_state[:, :, k]), self.prob[:, :, k])
        return P

    @cached_property
    def r(self) -> np.ndarray:
        """Expected reward r(s, a) = sum_s' P(s'|s,a) R(s,a,s'), shape (S, A)."""
        return (self.prob * self.reward).sum(-1)

    @cached_property
    def P_flat(self):
        """P as an (S*A, S) matrix, row s*A + a: dense below DENSE_MAX_STATES, else CSR."""
        S, A, K = self.next_state.shape
        rows = np.repeat(np.arange(S * A), K)
        m = sp.csr_matrix((self.prob.ravel(), (rows, self.next_state.ravel())), shape=(S * A, S))
        return m.toarray() if S <= DENSE_MAX_STATES else m

    @cached_property
    def P_action_major(self):
        """P with rows a*S + s, shape (A*S, S), and r as (A, S): the layout value iteration
        uses, so max_a is an elementwise maximum of A contiguous rows (fast for small S)."""
        S, A = self.n_states, self.n_actions
        order = (np.arange(S)[None, :] * A + np.arange(A)[:, None]).ravel()  # (A*S,)
        return self.P_flat[order], np.ascontiguousarray(self.r.T)

    @cached_property
    def reachable(self) -> np.ndarray:
        """(S,) bool: states reachable from the start under some sequence of actions."""
        return _reach_forward(self, np.eye(self.n_states, dtype=bool)[self.start])


def _reach_forward(mdp: MDP, seed: np.ndarray) -> np.ndarray:
    """Forward closure of the boolean set ``seed`` along transitions with positive probability."""
    reach = seed.copy()
    frontier = np.flatnonzero(reach)
    while frontier.size:
        nxt = mdp.next_state[frontier][mdp.prob[frontier] > 0]
        nxt = np.unique(nxt[~reach[nxt]])
        reach[nxt] = True
        frontier = nxt
    return reach


def random_mdp(n_states: int = 20, n_actions: int = 4, n_next: int = 3, seed: int = 0) -> MDP:
    """A random MDP (no grid meaning) for property tests of the operators."""
    rng = np.random.default_rng(seed)
    nxt = rng.integers(0, n_states, size=(n_states, n_actions, n_next))
    prob = rng.dirichlet(np.ones(n_next), size=(n_states, n_actions))
    rew = rng.normal(size=(n_states, n_actions, n_next))
    none = np.zeros(n_states, dtype=bool)
    return MDP("random", ("." * n_states,), nxt, prob, rew, none, none, 0)


# ----------------------------------------------------------------------------- operators
def q_values(mdp: MDP, v: np.ndarray, gamma: float) -> np.ndarray:
    """Q(s, a) = r(s, a) + gamma sum_s' P(s'|s,a) v(s'), shape (S, A)."""
    return mdp.r + gamma * np.asarray(mdp.P_flat @ v).reshape(mdp.n_states, mdp.n_actions)


def bellman_optimality(mdp: MDP, v: np.ndarray, gamma: float) -> np.ndarray:
    """(T v)(s) = max_a { r(s,a) + gamma sum_s' P(s'|s,a) v(s') }  (notes §11)."""
    return q_values(mdp, v, gamma).max(axis=1)


def greedy_policy(
    mdp: MDP, v: np.ndarray, gamma: float, prev: np.ndarray | None = None, rtol: float = 1e-10
) -> np.ndarray:
    """pi(s) in argmax_a Q(s, a); ties keep ``prev[s]`` (so policy iteration cannot cycle).

    Returns (S,) int64 actions.
    """
    q = q_values(mdp, v, gamma)  # (S, A)
    best = q.max(axis=1, keepdims=True)
    ties = q >= best - rtol * (1.0 + np.abs(best))  # (S, A) bool
    pi = ties.argmax(axis=1)
    if prev is not None:
        keep = ties[np.arange(mdp.n_states), prev]
        pi = np.where(keep, prev, pi)
    return pi.astype(np.int64)


def greedy_actions(mdp: MDP, v: np.ndarray, gamma: float, rtol: float = 1e-10) -> np.ndarray:
    """(S, A) bool: every action in argmax_a Q(s, a) (ties shown as several arrows)."""
    q = q_values(mdp, v, gamma)
    best = q.max(axis=1, keepdims=True)
    return q >= best - rtol * (1.0 + np.abs(best))


def _check_gamma(gamma: float) -> float:
    gamma = float(gamma)
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    return gamma


# ----------------------------------------------------------------------------- value iteration
@dataclass
class ValueIterationResult:
    v: np.ndarray  # (S,) final v_T
    policy: np.ndarray  # (S,) greedy policy w.r.t. v_T
    iterations: int  # T
    converged: bool  # ||v_T - v_{T-1}||_inf <= tol within max_iter
    residuals: np.ndarray  # (T,) Bellman residual ||v_{t+1} - v_t||_inf
    history: np.ndarray | None  # (T+1, S) v_0 .. v_T (when keep_history)


def value_iteration(
    mdp: MDP,
    gamma: float,
    tol: float = 1e-8,
    max_iter: int = 10_000,
    v0: np.ndarray | None = None,
    keep_history: bool = True,
) -> ValueIterationResult:
    """Algorithm 4: v_{t+1} = T v_t from v_0 (default 0) until ||v_{t+1} - v_t||_inf <= tol.

    Vectorised: one (S*A, S) mat-vec and a max over actions per iteration, in preallocated
    buffers. At gamma = 1 it may not converge (reward loops): ``converged`` says so.
    """
    gamma = _check_gamma(gamma)
    S, A = mdp.n_states, mdp.n_actions
    v = np.zeros(S) if v0 is None else np.asarray(v0, dtype=np.float64).copy()
    P_am, r_am = mdp.P_action_major  # (A*S, S), (A, S)
    # Q = [gamma P | r] @ [v; 1]: one mat-vec per sweep gives Q(s, a) for all s, a
    if isinstance(P_am, np.ndarray):
        M_aug = np.hstack([gamma * P_am, r_am.reshape(A * S, 1)])  # (A*S, S+1) dense
    else:
        M_aug = sp.hstack([gamma * P_am, sp.csr_matrix(r_am.reshape(A * S, 1))]).tocsr()
    dense = isinstance(M_aug, np.ndarray)
    v_a, v_b = np.ones(S + 1), np.ones(S + 1)  # [v; 1], two buffers
    v_a[:S] = v
    q = np.empty(A * S)
    q_as = q.reshape(A, S)  # Q(s, a) as rows per action
    diff = np.empty(S + 1)
    history = [v.copy()] if keep_history else None
    residuals = np.empty(max_iter)
    converged, t = False, 0
    while t < max_iter:
        if dense:
            np.dot(M_aug, v_a, out=q)  # Q = r + gamma P v
        else:
            q[:] = M_aug @ v_a
        np.max(q_as, axis=0, out=v_b[:S])  # v_{t+1} = max_a Q
        np.subtract(v_b, v_a, out=diff)
        np.abs(diff, out=diff)
        res = diff.max()  # ||v_{t+1} - v_t||_inf
        residuals[t] = res
        v_a, v_b = v_b, v_a
        t += 1
        if keep_history:
            history.append(v_a[:S].copy())
        if res <= tol:
            converged = True
            break
        if not np.isfinite(res):
            break
    v = v_a[:S]
    return ValueIterationResult(
        v=v.copy(),
        policy=greedy_policy(mdp, v, gamma),
        iterations=t,
        converged=converged,
        residuals=residuals[:t].copy(),
        history=np.array(history) if keep_history else None,
    )


def contraction_bound(v0: np.ndarray, v_star: np.ndarray, gamma: float, T: int) -> np.ndarray:
    """gamma^t ||v_0 - v*||_inf for t = 0..T: the bound on ||v_t - v*||_inf (notes §11)."""
    return float(gamma) ** np.arange(T + 1) * np.abs(np.asarray(v0) - v_star).max()


# ----------------------------------------------------------------------------- policy evaluation
def policy_matrix(mdp: MDP, policy: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """P_pi (S, S) sparse and r_pi (S,) for a deterministic (S,) or stochastic (S, A) policy."""
    S, A, K = mdp.next_state.shape
    pi = np.asarray(policy)
    if pi.ndim == 1:
        pi = np.eye(A)[pi]  # (S, A) one-hot
    w = pi[:, :, None] * mdp.prob  # (S, A, K)
    rows = np.repeat(np.arange(S), A * K)
    P_pi = sp.csr_matrix((w.ravel(), (rows, mdp.next_state.ravel())), shape=(S, S))
    r_pi = (pi * mdp.r).sum(1)
    return P_pi, r_pi


def terminating_states(mdp: MDP, P_pi: sp.csr_matrix) -> np.ndarray:
    """(S,) bool: states from which the chain P_pi reaches a terminal state with probability 1.

    In an absorbing chain that is exactly the set that can reach a terminal at all.
    """
    reach = mdp.terminal.copy()
    B = (P_pi > 0).astype(np.float64).tocsr()
    while True:
        new = reach | (B @ reach.astype(np.float64) > 0)
        if (new == reach).all():
            return reach
        reach = new


def policy_evaluation(mdp: MDP, policy: np.ndarray, gamma: float) -> np.ndarray:
    """Exact v_pi from the Bellman consistency equation (I - gamma P_pi) v = r_pi (notes §11).

    Terminal states have v = 0 and are left out of the solve. At gamma = 1 the system is
    singular when the policy never terminates from some state: `NonTerminatingPolicyError`.
    """
    gamma = _check_gamma(gamma)
    P_pi, r_pi = policy_matrix(mdp, policy)
    nt = ~mdp.terminal
    if gamma == 1.0:
        stuck = nt & ~terminating_states(mdp, P_pi)
        if stuck.any():
            raise NonTerminatingPolicyError(
                f"At γ = 1 this policy never reaches a terminal state from {int(stuck.sum())} "
                f"state(s) (e.g. state {int(np.flatnonzero(stuck)[0])}): its return is an "
                "infinite sum, so I − P_π is singular and v_π has no unique value. Use γ < 1."
            )
    idx = np.flatnonzero(nt)
    M = sp.identity(idx.size, format="csr") - gamma * P_pi[idx][:, idx]
    v = np.zeros(mdp.n_states)
    if idx.size <= DENSE_MAX_STATES:
        v[idx] = np.linalg.solve(M.toarray(), r_pi[idx])
    else:
        from scipy.sparse.linalg import spsolve

        v[idx] = spsolve(M.tocsc(), r_pi[idx])
    return v


@dataclass
class PolicyIterationResult:
    v: np.ndarray  # (S,) v of the final policy
    policy: np.ndarray  # (S,) final greedy policy
    iterations: int  # number of evaluations (Algorithm 5 loop passes)
    values: list[np.ndarray]  # v^{pi_t} for t = 0..T-1
    policies: list[np.ndarray]  # pi_{t+1} = greedy(v^{pi_t}) for t = 0..T-1
    changed: list[int]  # states whose action changed in each improvement


def policy_iteration(
    mdp: MDP,
    gamma: float,
    max_iter: int = 1000,
    tol: float = 0.0,
    policy0: np.ndarray | None = None,
) -> PolicyIterationResult:
    """Algorithm 5: pi_0 = uniform random; evaluate exactly, improve greedily, until stable.

    Stops when the greedy policy no longer changes or ||v^{pi_t} - v^{pi_{t-1}}||_inf <= tol.
    Raises `NonTerminatingPolicyError` at gamma = 1 when some visited policy never terminates.
    """
    gamma = _check_gamma(gamma)
    S, A = mdp.n_states, mdp.n_actions
    pi = np.full((S, A), 1.0 / A) if policy0 is None else np.asarray(policy0)
    prev_det: np.ndarray | None = None if pi.ndim == 2 else pi
    values, policies, changed = [], [], []
    v_prev = None
    for _ in range(max_iter):
        v = policy_evaluation(mdp, pi, gamma)  # policy evaluation
        new = greedy_policy(mdp, v, gamma, prev=prev_det)  # policy improvement
        values.append(v)
        policies.append(new)
        changed.append(S if prev_det is None else int((new != prev_det).sum()))
        stable = prev_det is not None and np.array_equal(new, prev_det)
        small = v_prev is not None and np.abs(v - v_prev).max() <= tol
        if stable or small:
            break
        pi, prev_det, v_prev = new, new, v
    return PolicyIterationResult(
        v=values[-1],
        policy=policies[-1],
        iterations=len(values),
        values=values,
        policies=policies,
        changed=changed,
    )


# ----------------------------------------------------------------------------- rollouts
def sample_step(
    mdp: MDP, s: np.ndarray, a: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sample s' ~ P(.|s, a) and R(s, a, s') for a batch: s, a (B,) -> (s', r) each (B,)."""
    cdf = np.cumsum(mdp.prob[s, a], axis=1)  # (B, K)
    k = (rng.random(s.shape[0])[:, None] >= cdf).sum(1)
    k = np.minimum(k, cdf.shape[1] - 1)
    return mdp.next_state[s, a, k], mdp.reward[s, a, k]


@dataclass
class Episodes:
    success: np.ndarray  # (N,) bool: ended in a goal state within the limit
    returns: np.ndarray  # (N,) undiscounted return
    lengths: np.ndarray  # (N,) steps taken
    path: np.ndarray  # (T+1,) states of episode 0 (for the animation)


def run_episodes(
    mdp: MDP, policy: np.ndarray, n: int, seed: int = 0, max_steps: int | None = None
) -> Episodes:
    """Roll out a deterministic policy from the start state for ``n`` episodes at once."""
    max_steps = max_steps or mdp.max_steps or 10 * mdp.n_states
    rng = np.random.default_rng(seed)
    s = np.full(n, mdp.start)
    alive = ~mdp.terminal[s]
    ret, length = np.zeros(n), np.zeros(n, dtype=np.int64)
    path = [int(s[0])]
    for _ in range(max_steps):
        if not alive.any():
            break
        idx = np.flatnonzero(alive)
        s2, r = sample_step(mdp, s[idx], policy[s[idx]], rng)
        s[idx], ret[idx], length[idx] = s2, ret[idx] + r, length[idx] + 1
        if alive[0]:
            path.append(int(s[0]))
        alive[idx] = ~mdp.terminal[s2]
    return Episodes(success=mdp.goal[s], returns=ret, lengths=length, path=np.array(path))


def success_probability(mdp: MDP, policy: np.ndarray, max_steps: int | None = None) -> float:
    """Exact P(reach a goal within max_steps) from the start (None: with no time limit)."""
    P_pi, _ = policy_matrix(mdp, policy)
    if max_steps is not None:
        d = np.zeros(mdp.n_states)
        d[mdp.start] = 1.0
        PT = P_pi.T.tocsr()
        for _ in range(max_steps):
            d = PT @ d  # d_{t+1} = P_pi^T d_t
        return float(d[mdp.goal].sum())
    # absorption probability x = P_pi x on transient states, x = 1 on goals, 0 on other terminals
    ok = terminating_states(mdp, P_pi) & ~mdp.terminal
    idx = np.flatnonzero(ok)
    b = np.asarray(P_pi[idx][:, np.flatnonzero(mdp.goal)].sum(1)).ravel()
    M = (sp.identity(idx.size) - P_pi[idx][:, idx]).toarray()
    x = np.zeros(mdp.n_states)
    x[mdp.goal] = 1.0
    if idx.size:
        x[idx] = np.linalg.solve(M, b)
    return float(x[mdp.start])
