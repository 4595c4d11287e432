"""Device and thread selection shared by every model and stepper.

`get_device()` prefers CUDA, then Apple's MPS, then the CPU. The environment variable
``PLAYGROUND_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) overrides the choice, e.g. to force
the CPU on a GPU machine when comparing timings.

`configure_threads()` caps torch's intra-op threads. A classroom server runs many Streamlit
sessions as threads of one process; each op spreading over every core would make them fight, so
the default is min(2, cores) unless ``PLAYGROUND_THREADS`` says otherwise.
"""

from __future__ import annotations

import os

import torch

ENV_DEVICE = "PLAYGROUND_DEVICE"
ENV_THREADS = "PLAYGROUND_THREADS"


def get_device() -> torch.device:
    """cuda -> mps -> cpu, unless ``PLAYGROUND_DEVICE`` names one (an unusable name raises)."""
    requested = os.environ.get(ENV_DEVICE, "").strip()
    if requested:
        try:
            device = torch.device(requested)
        except RuntimeError as e:  # torch says RuntimeError; callers expect ValueError
            raise ValueError(f"{ENV_DEVICE}={requested!r} is not a device name ({e})") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"{ENV_DEVICE}={requested!r} but CUDA is not available here")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise ValueError(f"{ENV_DEVICE}={requested!r} but MPS is not available here")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def configure_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count (default: ``PLAYGROUND_THREADS`` or min(2, cores))."""
    if n is None:
        raw = os.environ.get(ENV_THREADS, "").strip()  # unset, 0 or garbage -> the default
        n = int(raw) if raw.isdigit() and int(raw) > 0 else min(2, os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def describe(device: torch.device) -> str:
    """A short human label, e.g. 'cuda (NVIDIA H100)' or 'cpu (2 threads)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type
