"""Shared test setup: CPU only, few threads, repository root importable."""

import os

os.environ.setdefault("PLAYGROUND_DEVICE", "cpu")
os.environ.setdefault("PLAYGROUND_THREADS", "1")

import torch  # noqa: E402

torch.set_num_threads(int(os.environ["PLAYGROUND_THREADS"]))


def _scan_installed_components_once() -> None:
    """Every new AppTest scans the metadata of all ~290 installed distributions for Streamlit
    component manifests on its first run (``BidiComponentManager.discover_and_register_
    components``): ~0.2 CPU-s each, hundreds of times a suite. The installed packages do not
    change while the tests run, so each test process scans once and reuses the result."""
    from functools import lru_cache

    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    cached = lru_cache(maxsize=1)(lambda: tuple(scan()))
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(cached())


_scan_installed_components_once()
