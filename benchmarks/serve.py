"""Start a fresh ``streamlit run app.py`` on a free loopback port, for browser tests and benchmarks.

    with streamlit_server(log_path) as base:      # "http://127.0.0.1:PORT"
        ...

The server gets the project's own ``.streamlit/config.toml`` (so what is measured is what a user
runs), the CPU unless ``PLAYGROUND_DEVICE`` says otherwise, and is stopped on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_S = 120  # the server answers /_stcore/health within this


class ServerError(RuntimeError):
    """The server exited or never answered its health check; the message holds its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(log_path: Path, threads: str | None = None) -> Iterator[str]:
    """Yield the base URL of a fresh server; its stdout/stderr go to ``log_path``."""
    port = free_port()
    env = {
        **os.environ,
        "PLAYGROUND_DEVICE": os.environ.get("PLAYGROUND_DEVICE", "cpu"),
        "PLAYGROUND_THREADS": threads or os.environ.get("PLAYGROUND_THREADS", "1"),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                raise ServerError(
                    f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}"
                )
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=5) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"no /_stcore/health after {SERVER_START_S} s")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
