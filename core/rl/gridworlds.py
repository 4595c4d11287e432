"""Gridworld environments as `core.rl.mdp.MDP`s (notes §11): gymnasium's FrozenLake and
CliffWalking read through ``env.unwrapped.P``, and an editable gridworld.

Action codes differ: FrozenLake uses 0 left, 1 down, 2 right, 3 up; CliffWalking uses 0 up,
1 right, 2 down, 3 left. Both are mapped to the canonical order of `core.rl.mdp.ACTIONS`
(up, right, down, left) through `FROZEN_LAKE_ACTIONS` / `CLIFF_ACTIONS`.

The editable gridworld is a list of rows of cell codes (see `CELL_CODES`); `parse_grid` checks it
and raises a `GridError` whose message says what is wrong (no start, no reachable terminal,
reward out of range, unknown code, ...), fit to show the user as is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.data.points_csv import DataError
from core.rl.mdp import DELTAS, MDP

FROZEN_LAKE_ACTIONS = (3, 2, 1, 0)  # canonical (up, right, down, left) -> gym FrozenLake code
CLIFF_ACTIONS = (0, 1, 2, 3)  # canonical -> gym CliffWalking code
REWARD_LIMIT = 100.0  # |reward| allowed in the editor (CliffWalking's -100 fits)
MAX_GRID = 16  # editor grids are at most 16 x 16

CELL_CODES = {
    ".": "floor",
    "#": "wall (cannot be entered)",
    "S": "start (exactly one)",
    "G": "goal: terminal, reward +1 on entering (G=5 sets another reward)",
    "X": "pit: terminal, reward −1 on entering (X=-10 sets another reward)",
    "R": "floor whose entering reward is the 'R cells' slider",
    "<number>": "floor with that reward on entering, e.g. -0.5",
}


class GridError(DataError):
    """An edited gridworld is invalid; ``str(err)`` is the message for the user."""


def _from_gym(
    env,
    action_map: Sequence[int],
    desc: Sequence[str],
    name: str,
    terminal_codes: str,
    max_steps: int | None,
) -> MDP:
    """Read ``env.unwrapped.P[s][a] = [(p, s', r, done), ...]`` into padded arrays."""
    P = env.unwrapped.P
    S, A = len(P), len(action_map)
    K = max(len(P[s][a]) for s in range(S) for a in range(A))
    nxt = np.zeros((S, A, K), dtype=np.int64)
    prob = np.zeros((S, A, K))
    rew = np.zeros((S, A, K))
    flat = "".join(desc)
    terminal = np.array([c in terminal_codes for c in flat])
    for s in range(S):
        for a, gym_a in enumerate(action_map):
            outcomes = P[s][gym_a]
            nxt[s, a, :] = s  # padding: zero-probability self-loops
            for k, (p, s2, r, _done) in enumerate(outcomes):
                nxt[s, a, k], prob[s, a, k], rew[s, a, k] = int(s2), p, r
    nxt[terminal], rew[terminal], prob[terminal] = np.arange(S)[terminal, None, None], 0.0, 0.0
    prob[terminal, :, 0] = 1.0  # terminals are absorbing
    goal = np.array([c == "G" for c in flat])
    start = flat.index("S")
    return MDP(name, tuple(desc), nxt, prob, rew, terminal, goal, start, max_steps)


def frozen_lake(
    map_name: str = "4x4", slippery: bool = True, size: int = 8, p: float = 0.8, seed: int = 0
) -> MDP:
    """gymnasium ``FrozenLake-v1`` (100-step limit). ``map_name`` "4x4", "8x8" or "random"
    (gymnasium's ``generate_random_map(size, p, seed)``: a valid path always exists)."""
    import gymnasium as gym
    from gymnasium.envs.toy_text.frozen_lake import generate_random_map

    if map_name == "random":
        desc = generate_random_map(size=size, p=p, seed=seed)
        env = gym.make("FrozenLake-v1", desc=desc, is_slippery=slippery)
    else:
        env = gym.make("FrozenLake-v1", map_name=map_name, is_slippery=slippery)
    rows = tuple(b"".join(r).decode() for r in env.unwrapped.desc)
    limit = env.spec.max_episode_steps
    name = f"FrozenLake {map_name}{' slippery' if slippery else ''}"
    return _from_gym(env, FROZEN_LAKE_ACTIONS, rows, name, "HG", limit)


def cliff_walking() -> MDP:
    """gymnasium ``CliffWalking-v1`` (Sutton & Barto Example 6.6): 4 x 12, reward -1 per step,
    -100 and back to the start when stepping into the cliff, no time limit."""
    import gymnasium as gym

    env = gym.make("CliffWalking-v1")
    nrow, ncol = env.unwrapped.shape
    rows = ["." * ncol] * (nrow - 1) + ["S" + "C" * (ncol - 2) + "G"]
    # cliff cells are never occupied (the agent is sent back to S): mark them terminal so they
    # drop out of every solve; only G counts as a success
    return _from_gym(env, CLIFF_ACTIONS, rows, "CliffWalking", "CG", None)


# ----------------------------------------------------------------------------- editable grid
@dataclass(frozen=True)
class GridSpec:
    """An editable gridworld: the cells plus the few numbers the sliders set."""

    cells: tuple[tuple[str, ...], ...]  # rows of cell codes (CELL_CODES)
    slip: float = 0.0  # probability the move goes to a perpendicular side (half each)
    step_reward: float = 0.0  # reward added to every move (a living cost when negative)
    r_cells: float = -1.0  # entering reward of every 'R' cell (the live reward slider)


def _parse_cell(code: str, r_cells: float, where: str) -> tuple[str, float]:
    """-> (kind, entering reward) with kind in . # S G X."""
    c = str(code).strip().upper() if code is not None else ""
    if c in ("", "."):
        return ".", 0.0
    if c in ("#", "S"):
        return c, 0.0
    if c == "R":
        return ".", r_cells
    if c[0] in "GX":
        value = 1.0 if c[0] == "G" else -1.0
        if len(c) > 1:
            try:
                value = float(c[1:].lstrip("=:"))
            except ValueError:
                raise GridError(
                    f"cell {where}: cannot read a reward from {code!r} (write e.g. {c[0]}=2)."
                ) from None
        return c[0], value
    try:
        return ".", float(c)
    except ValueError:
        raise GridError(
            f"cell {where}: unknown code {code!r}; use one of . # S G X R or a number."
        ) from None


def parse_grid(spec: GridSpec, max_size: int = MAX_GRID) -> MDP:
    """Build the MDP of an edited grid: entering reward of s' plus ``step_reward`` per move;
    with probability ``slip`` the move goes sideways (FrozenLake-style), walls and edges bounce.

    Raises `GridError` for: a non-rectangular or empty grid or one over MAX_GRID, no start or
    several, a reward beyond +-REWARD_LIMIT or non-finite, slip outside [0, 1], or no terminal
    cell reachable from the start.
    """
    rows = spec.cells
    if not rows or not rows[0]:
        raise GridError("The grid is empty: give it at least one row and one column.")
    if len({len(r) for r in rows}) != 1:
        raise GridError("Every row of the grid must have the same number of cells.")
    H, W = len(rows), len(rows[0])
    if H > max_size or W > max_size:
        raise GridError(f"The editor allows at most {max_size} x {max_size} cells; got {H} x {W}.")
    if not 0.0 <= spec.slip <= 1.0:
        raise GridError(f"Slip probability must be in [0, 1]; got {spec.slip}.")
    kinds, rewards = [], []
    for i, row in enumerate(rows):
        for j, code in enumerate(row):
            k, r = _parse_cell(code, spec.r_cells, f"(row {i}, column {j})")
            if not np.isfinite(r) or abs(r) > REWARD_LIMIT:
                raise GridError(
                    f"cell (row {i}, column {j}): reward {r:g} is out of range; "
                    f"rewards must lie in [−{REWARD_LIMIT:g}, {REWARD_LIMIT:g}]."
                )
            kinds.append(k)
            rewards.append(r)
    if abs(spec.step_reward) > REWARD_LIMIT or abs(spec.r_cells) > REWARD_LIMIT:
        raise GridError(f"Rewards must lie in [−{REWARD_LIMIT:g}, {REWARD_LIMIT:g}].")
    starts = [n for n, k in enumerate(kinds) if k == "S"]
    if not starts:
        raise GridError("The grid has no start cell: mark one cell S.")
    if len(starts) > 1:
        raise GridError(f"The grid has {len(starts)} start cells; mark exactly one cell S.")
    S, A = H * W, len(DELTAS)
    kind = np.array(kinds)
    wall = kind == "#"
    terminal = np.isin(kind, ["G", "X"]) | wall  # walls: never entered, kept out of solves
    cell_reward = np.array(rewards)
    # outcome k = 0 intended move, 1 and 2 the perpendicular slips
    nxt = np.zeros((S, A, 3), dtype=np.int64)
    prob = np.array([1.0 - spec.slip, spec.slip / 2, spec.slip / 2])
    for s in range(S):
        i, j = divmod(s, W)
        for a in range(A):
            for k, b in enumerate((a, (a + 1) % A, (a + 3) % A)):
                di, dj = DELTAS[b]
                i2, j2 = i + di, j + dj
                ok = 0 <= i2 < H and 0 <= j2 < W and not wall[i2 * W + j2]
                nxt[s, a, k] = i2 * W + j2 if ok else s
    probs = np.broadcast_to(prob, (S, A, 3)).copy()
    rew = spec.step_reward + cell_reward[nxt]  # R(s, a, s')
    nxt[terminal] = np.arange(S)[terminal, None, None]  # absorbing, zero reward
    rew[terminal], probs[terminal] = 0.0, np.array([1.0, 0.0, 0.0])
    desc = tuple(
        "".join(k if k in "#SGX" else "." for k in kind[i * W : (i + 1) * W]) for i in range(H)
    )
    mdp = MDP(
        "Editable gridworld",
        desc,
        nxt,
        probs,
        rew,
        terminal,
        kind == "G",
        starts[0],
        max_steps=max(100, 4 * S),
        cell_reward=cell_reward,
    )
    real_terminal = np.isin(kind, ["G", "X"])
    if not (mdp.reachable & real_terminal).any():
        raise GridError(
            "No terminal cell (G or X) can be reached from the start: "
            "open a path through the walls or add a G cell."
        )
    return mdp


def default_grid() -> tuple[tuple[str, ...], ...]:
    """A 5 x 8 world: the short way to G crosses a corridor of 'R' cells (their reward is the
    live slider), the long way goes round the top; the bottom way passes a pit. With the step
    reward -0.04 the policy detours while R <= -0.25 and cuts through at R = 0."""
    return tuple(
        tuple(r.split())
        for r in (
            ". . . . . . . .",
            ". # # # # # # .",
            "S R R R R R R G",
            ". # # # # # # .",
            ". . . X . . . .",
        )
    )


def blank_grid(height: int, width: int) -> tuple[tuple[str, ...], ...]:
    """An empty grid with S top-left and G bottom-right."""
    rows = [["."] * width for _ in range(height)]
    rows[0][0], rows[-1][-1] = "S", "G"
    return tuple(tuple(r) for r in rows)


def random_walls_grid(size: int = 100, wall_frac: float = 0.2, seed: int = 0) -> tuple[str, ...]:
    """A large size x size maze-free grid (benchmarks): random walls, S top-left, G bottom-right.
    Returns rows as strings (not limited by MAX_GRID; build with `grid_mdp`)."""
    rng = np.random.default_rng(seed)
    g = np.where(rng.random((size, size)) < wall_frac, "#", ".")
    g[0, 0], g[-1, -1] = "S", "G"
    g[0, 1] = g[1, 0] = g[-1, -2] = g[-2, -1] = "."
    return tuple("".join(r) for r in g)


def grid_mdp(rows: Sequence[str], slip: float = 0.2, step_reward: float = -0.01) -> MDP:
    """A gridworld from strings of any size (bypasses the editor's MAX_GRID; benchmarks)."""
    return parse_grid(GridSpec(tuple(tuple(r) for r in rows), slip, step_reward), max_size=10**6)


# ----------------------------------------------------------------------------- registry
ENVIRONMENTS: dict[str, Callable[..., MDP]] = {
    "FrozenLake 4×4": lambda slippery=True, **_: frozen_lake("4x4", slippery),
    "FrozenLake 8×8": lambda slippery=True, **_: frozen_lake("8x8", slippery),
    "FrozenLake random map": lambda slippery=True, size=8, p=0.8, seed=0, **_: frozen_lake(
        "random", slippery, size, p, seed
    ),
    "CliffWalking": lambda **_: cliff_walking(),
    "Editable gridworld": lambda grid=None, **_: parse_grid(grid or GridSpec(default_grid())),
}


def make_env(name: str, **kw) -> MDP:
    """Build a registered environment; unknown names raise ValueError listing the choices."""
    if name not in ENVIRONMENTS:
        raise ValueError(f"unknown environment: {name!r}; choose from {', '.join(ENVIRONMENTS)}")
    return ENVIRONMENTS[name](**kw)
