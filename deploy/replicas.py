"""N ``streamlit run app.py`` replicas on loopback behind nginx: one Streamlit process per core.

    python -m deploy.replicas 2              # ./dev.sh serve 2: http://127.0.0.1:8501, Ctrl-C stops
    python -m deploy.replicas 2 --port 8080 --address 0.0.0.0   # reachable from the room
    python -m deploy.replicas --render --upstreams 10.0.0.2:8501,10.0.0.3:8501 --listen 80

One Streamlit process runs Python under one GIL, so it uses about one core however many
sessions it serves. N replicas behind a sticky proxy use N cores. Each replica is the same
server as ``./dev.sh run`` (the project's .streamlit/config.toml) on a free loopback port, with
``PLAYGROUND_THREADS=1`` (torch threads; the replicas are the parallelism) and a shared
``server.cookieSecret``. nginx (Debian's package) runs in the foreground with
deploy/nginx.conf.template rendered into a temporary prefix. On Ctrl-C, SIGTERM, or when any
process exits, everything is stopped. ``--render`` only prints the config, for replicas on other
machines. After start, each replica's caches are warmed in the background (``deploy.warm``: every
page's declared views opened once), so the first students do not pay for them; ``--no-warm``
skips it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
START_S = 180  # every replica answers /_stcore/health within this


@dataclass
class Deployment:
    base: str  # the proxy's URL, http://127.0.0.1:PORT
    ports: list[int]  # the replicas' loopback ports
    procs: list[tuple[subprocess.Popen, Path]]  # (process, its log): the replicas, then nginx

    def dead(self) -> list[str]:
        """The processes that exited, with their logs."""
        return [
            f"{p.args[0]} (exit {p.returncode}, log {log})"
            for p, log in self.procs
            if p.poll() is not None
        ]


class DeployError(RuntimeError):
    """A replica or nginx exited or never answered; the message names its log."""


def find_nginx() -> str | None:
    """nginx from NGINX, PATH, or Debian's /usr/sbin (not on a non-root PATH)."""
    for cand in (os.environ.get("NGINX"), shutil.which("nginx"), "/usr/sbin/nginx"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def render(upstreams: list[str], listen: str, prefix: str, access_log: str = "off") -> str:
    """The nginx config for these ``host:port`` upstreams, listening on ``listen``."""
    servers = "\n".join(f"        server {u};" for u in upstreams)
    out = TEMPLATE.read_text()
    for k, v in {
        "SERVERS": servers,
        "LISTEN": listen,
        "PREFIX": prefix,
        "ACCESS_LOG": access_log,
    }.items():
        out = out.replace(f"@{k}@", v)
    return out


def wait_healthy(url: str, procs: list[tuple[subprocess.Popen, Path]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for p, log in procs:
            if p.poll() is not None:
                raise DeployError(f"{p.args[0]} exited with {p.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise DeployError(f"no {url}/_stcore/health after {timeout:.0f} s")
        time.sleep(0.5)


def _stop_all(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to all at once, then wait for each (SIGKILL after 20 s)."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@contextmanager
def replicas_with_nginx(
    n: int, log_dir: Path, port: int | None = None, threads: str = "1", address: str = "127.0.0.1"
) -> Iterator[Deployment]:
    """Yield the running deployment; everything is stopped on exit."""
    from benchmarks.serve import free_port

    nginx = find_nginx()
    if nginx is None:
        raise DeployError("nginx not found (Debian: apt-get install nginx; or set NGINX=path)")
    if not 1 <= n <= (os.cpu_count() or 1) * 4:
        raise DeployError(f"{n} replicas on {os.cpu_count()} cores: choose 1..{4 * os.cpu_count()}")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PLAYGROUND_DEVICE": os.environ.get("PLAYGROUND_DEVICE", "cpu"),
        "PLAYGROUND_THREADS": threads,
        # one secret for all replicas: a cookie one replica signs, any other accepts
        "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get(
            "STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32)
        ),
    }
    procs: list[tuple[subprocess.Popen, Path]] = []
    with ExitStack() as stack:
        stack.callback(lambda: _stop_all([p for p, _ in reversed(procs)]))
        ports = [free_port() for _ in range(n)]
        for i, rp in enumerate(ports):
            log = log_dir / f"replica-{i}.log"
            cmd = [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(rp),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ]
            with open(log, "wb") as f:
                procs.append(
                    (
                        subprocess.Popen(
                            cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT
                        ),
                        log,
                    )
                )
        prefix = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mpp-nginx-")))
        port = port or free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(
            render(
                [f"127.0.0.1:{p}" for p in ports],
                f"{address}:{port}",
                str(prefix),
                access_log=str(log_dir / "nginx-access.log"),
            )
        )
        for rp, (p, log) in zip(ports, procs, strict=True):
            wait_healthy(f"http://127.0.0.1:{rp}", [(p, log)], START_S)
        nlog = log_dir / "nginx.log"
        with open(nlog, "wb") as f:
            ng = subprocess.Popen(
                [
                    nginx,
                    "-p",
                    str(prefix),
                    "-c",
                    str(conf),
                    "-e",
                    str(prefix / "error.log"),
                    "-g",
                    "daemon off;",
                ],
                stdout=f,
                stderr=subprocess.STDOUT,
            )
        procs.append((ng, nlog))
        host = "127.0.0.1" if address in ("0.0.0.0", "::", "[::]") else address
        base = f"http://{host}:{port}"
        try:
            wait_healthy(base, procs, 30)
        except DeployError as e:
            err = prefix / "error.log"
            raise DeployError(f"{e}\n{err.read_text() if err.exists() else ''}") from None
        stack.callback(
            lambda: (
                shutil.copy(prefix / "error.log", log_dir / "nginx-error.log")
                if (prefix / "error.log").exists()
                else None
            )
        )
        yield Deployment(base, ports, procs)


def _warm_all(ports: list[int]) -> None:
    """``deploy.warm`` on every replica in turn (the server answers meanwhile)."""
    import asyncio

    from deploy.warm import warm

    for p in ports:
        r = asyncio.run(warm(f"http://127.0.0.1:{p}", log=lambda _line: None))
        print(f"serve: replica :{p} warmed ({r['views']} views in {r['seconds']:.0f} s, "
              f"{len(r['errors'])} errors)", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m deploy.replicas", description=__doc__.split("\n")[0].strip('"')
    )
    ap.add_argument(
        "n",
        nargs="?",
        type=int,
        default=os.cpu_count() or 1,
        help="replicas (default: one per core)",
    )
    ap.add_argument("--port", type=int, default=8501, help="nginx's port (default 8501)")
    ap.add_argument(
        "--address",
        default="127.0.0.1",
        help="nginx's address (default loopback; 0.0.0.0 serves the room's network)",
    )
    ap.add_argument("--logs", default=str(ROOT / "artifacts" / "serve"), help="log folder")
    ap.add_argument(
        "--no-warm",
        action="store_true",
        help="do not warm each replica's caches after start (python -m deploy.warm)",
    )
    ap.add_argument("--render", action="store_true", help="print the nginx config and exit")
    ap.add_argument("--upstreams", default="", help="with --render: HOST:PORT,HOST:PORT,...")
    ap.add_argument("--listen", default="80", help="with --render: nginx's listen address")
    args = ap.parse_args(argv)
    if args.render:
        ups = [u for u in args.upstreams.split(",") if u]
        if not ups:
            ap.error("--render needs --upstreams HOST:PORT,...")
        print(render(ups, args.listen, "/tmp/mpp-nginx", access_log="off"), end="")
        return 0

    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also where a parent shell left SIGINT ignored
    try:
        with replicas_with_nginx(args.n, Path(args.logs), args.port, address=args.address) as d:
            print(
                f"serve: {args.n} replicas (127.0.0.1:{', '.join(map(str, d.ports))}) behind "
                f"nginx at {d.base}; logs in {args.logs}; Ctrl-C stops",
                flush=True,
            )
            if not args.no_warm:  # each replica has its own caches: warm each, in the background
                threading.Thread(target=_warm_all, args=(d.ports,), daemon=True).start()
            while not d.dead():
                time.sleep(1)
            print(f"serve: error: exited: {'; '.join(d.dead())}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("serve: stopping", flush=True)
    except DeployError as e:
        print(f"serve: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
