"""Shared test setup: CPU only, few threads, repository root importable."""

import os

os.environ.setdefault("PLAYGROUND_DEVICE", "cpu")
os.environ.setdefault("PLAYGROUND_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(int(os.environ["PLAYGROUND_THREADS"]))
