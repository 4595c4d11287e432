"""Plotly figures of the backprop page (notes §1.1-1.5), one topic module each; this module
re-exports them so ``from core.backprop import figures as F`` keeps working.

* `figures_base`: colours, the plane grid, downsampling, log ticks, float32 typed arrays;
* `figures_training`: the Playground (decision heatmap, one-figure live view and its cheap
  per-frame updates, neuron small multiples, loss, gradient norms, confusion matrix), as
  ``go.Figure``s (redrawn when a control changes, not per frame);
* `figures_network`: the network graph, the step-through overlay and the neuron tiles;
* `figures_classic`: the perceptron and universal approximation.

The figures redrawn on every slider press (network, perceptron, universal approximation) are
dicts in plotly's JSON form: plotly validates every attribute of a ``go.Figure`` (tens of ms
per figure on 2 cores); ``go.Figure(d)`` turns one into a Figure when needed.
"""

from core.backprop.figures_base import (
    BINARY_SCALE,
    CLASS_COLOURS,
    NEG,
    POS,
    SIGNED_SCALE,
    data_bounds,
    grid,
    log_ticks,
)
from core.backprop.figures_classic import (
    error_vs_n_figure,
    perceptron_figure,
    perceptron_progress_figure,
    universal_figure,
)
from core.backprop.figures_network import network_figure, neuron_mosaic
from core.backprop.figures_training import (
    confusion_figure,
    decision_figure,
    grad_norm_figure,
    heat_values,
    live_figure,
    live_frame,
    live_skeleton,
    loss_figure,
    regression_1d_figure,
)

__all__ = [
    "BINARY_SCALE",
    "CLASS_COLOURS",
    "NEG",
    "POS",
    "SIGNED_SCALE",
    "confusion_figure",
    "data_bounds",
    "decision_figure",
    "error_vs_n_figure",
    "grad_norm_figure",
    "grid",
    "heat_values",
    "live_figure",
    "live_frame",
    "live_skeleton",
    "log_ticks",
    "loss_figure",
    "network_figure",
    "neuron_mosaic",
    "perceptron_figure",
    "perceptron_progress_figure",
    "regression_1d_figure",
    "universal_figure",
]
