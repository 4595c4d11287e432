"""The RL figures under their old name: ``core.rl.figures`` (grids, as plotly JSON dicts) and
``core.rl.curves`` (line charts). Kept so existing imports (``core.thumbnails``) still work."""

from core.rl.curves import convergence_plot, learning_curves, value_scatter
from core.rl.figures import (
    _FILL,
    _VALUE_SCALE,
    q_arrows,
    rollout_frames,
    value_frames,
    value_heatmap,
)

__all__ = [
    "_FILL",
    "_VALUE_SCALE",
    "convergence_plot",
    "learning_curves",
    "q_arrows",
    "rollout_frames",
    "value_frames",
    "value_heatmap",
    "value_scatter",
]
