"""Wall-clock and CPU timing of a call, for benchmarks and for speed figures in manifests.

On a shared machine the wall time includes waiting for a core; the process CPU time
(``time.process_time``) is what the call itself costs, so both are reported.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    wall_ms: float  # median wall-clock milliseconds per call
    cpu_ms: float  # median process CPU milliseconds per call
    best_ms: float  # fastest wall-clock call


def measure(fn: Callable[[], object], repeats: int = 15, warmup: int = 1) -> Timing:
    """Time ``repeats`` calls of ``fn`` after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return Timing(statistics.median(wall), statistics.median(cpu), min(wall))


def median_ms(fn: Callable[[], object], repeats: int = 15, warmup: int = 1) -> float:
    """Median wall-clock milliseconds of ``fn()``."""
    return measure(fn, repeats, warmup).wall_ms


def best_of_s(fn: Callable[[], object], repeats: int = 3) -> float:
    """Fastest of ``repeats`` wall-clock calls, in seconds (no warm-up: the first call counts)."""
    return measure(fn, repeats, warmup=0).best_ms / 1000
