"""The stepper protocol: training is an object that advances n steps, never a loop that owns
the process.

A page calls ``stepper.step(k)`` a few times per UI tick (see ``ui.live``); the CLI calls
`run_stepper`, which drives the same object to the end with a tqdm progress bar.
"""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

from tqdm.auto import tqdm


@runtime_checkable
class Stepper(Protocol):
    """Anything with ``step(n) -> metrics`` and a ``steps_done`` counter.

    ``step`` advances ``n`` optimisation steps and returns a small dict of floats describing
    the state after them (for example ``{"loss": 0.31, "test_loss": 0.35}``).
    """

    steps_done: int

    def step(self, n: int = 1) -> dict[str, float]: ...


def all_finite(metrics: dict[str, float]) -> bool:
    """True when every numeric metric is finite (a NaN or inf means training diverged)."""
    return all(math.isfinite(v) for v in metrics.values() if isinstance(v, (int, float)))


def run_stepper(
    stepper: Stepper,
    total_steps: int,
    *,
    chunk: int = 50,
    desc: str = "training",
    show: bool = True,
) -> dict[str, float]:
    """Advance ``stepper`` to ``total_steps`` in chunks with a progress bar.

    Returns the last metrics.

    Raises FloatingPointError if a metric becomes NaN or infinite.
    """
    metrics: dict[str, float] = {}
    with tqdm(
        total=total_steps,
        initial=stepper.steps_done,
        desc=desc,
        disable=not show,
        dynamic_ncols=True,
    ) as bar:
        while stepper.steps_done < total_steps:
            n = min(chunk, total_steps - stepper.steps_done)
            metrics = stepper.step(n)
            if not all_finite(metrics):
                raise FloatingPointError(
                    f"{desc}: non-finite metrics after {stepper.steps_done} steps: {metrics}"
                )
            bar.update(n)
            bar.set_postfix({k: f"{v:.4g}" for k, v in list(metrics.items())[:3]})
    return metrics
