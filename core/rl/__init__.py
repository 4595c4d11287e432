"""Reinforcement learning (notes §11): figures of gridworld MDPs and of learning runs.

``core.rl.figures`` draws grids (values, greedy arrows, Q arrows, episodes) as plain dicts in
plotly's JSON form; ``core.rl.curves`` draws convergence and learning curves. The MDP itself,
the gridworlds and tabular learning are still ``core.mdp``, ``core.gridworlds`` and
``core.tabular_rl``."""
