"""Warm a running server's shared caches before the class arrives (issue 21).

    python -m deploy.warm http://127.0.0.1:8501          # every page's declared views, once
    python -m deploy.warm http://127.0.0.1:8501 --only Diffusion

Streamlit's ``st.cache_data`` / ``st.cache_resource`` live in the server process, so the first
student to open a view pays for what it computes: loading pretrained weights, the diffusion
trajectories, the RL comparisons, the pretrained figures (1.7-28 s each under load, measured in
BENCHMARKS.md's classroom section). This opens each page once per view it declares (the
``BROWSER_VIEWS`` query strings of ``benchmarks/pages/<stem>.py``, plus the default view) over
Streamlit's own websocket protocol (``benchmarks.load.Session``), one at a time, so the caches are
full when the room connects. ``deploy.replicas`` runs it against every replica (each process has
its own caches) in the background after start. Loopback only, like the load tool.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import random
import sys
import time
from pathlib import Path

from benchmarks.load import Session, Stats, check_loopback, discover_pages

ROOT = Path(__file__).resolve().parents[1]


def declared_views(path: str) -> list[str]:
    """The default view and the page's ``BROWSER_VIEWS`` (query strings), without repeats."""
    stems = {p.stem.split("_", 1)[-1]: p.stem for p in (ROOT / "pages").glob("*.py")}
    views = [""]
    if path in stems:
        try:
            mod = importlib.import_module(f"benchmarks.pages.{stems[path]}")
            views += [v for v in getattr(mod, "BROWSER_VIEWS", []) if v not in views]
        except ImportError:
            pass
    return views


async def warm(base: str, only: str = "", log=print) -> dict:
    """Open every (page, view) once; return {"views": n, "seconds": s, "errors": [...]}."""
    t0, stats, done = time.monotonic(), Stats(), 0
    for page in await discover_pages(base):
        if only and only not in (page["name"], page["path"]):
            continue
        for query in declared_views(page["path"]):
            s = Session(0, base, page, stats, random.Random(0))
            try:
                await asyncio.to_thread(s.load_html)
                await s.connect()
                dt = await s.open_page(query)
                done += 1
                log(f"warm: /{page['path']}{query} {dt:.1f} s")
            except Exception as e:  # noqa: BLE001 - a view that fails to warm is reported, not fatal
                stats.error(0, page["name"], f"{query or 'default view'}: {type(e).__name__}: {e}")
            finally:
                try:
                    await s.close()
                except Exception:  # noqa: BLE001
                    pass
    errors = [f"{page}: {what}" for _, page, what in stats.errors]
    return {"views": done, "seconds": time.monotonic() - t0, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.warm", description=__doc__.split("\n")[0])
    ap.add_argument("base", help="a server on loopback, e.g. http://127.0.0.1:8501")
    ap.add_argument("--only", default="", help="one page: its name or URL path")
    args = ap.parse_args(argv)
    try:
        base = check_loopback(args.base)
    except SystemExit as e:  # the load tool's own message: loopback http:// only
        print(f"warm: error: {e}", file=sys.stderr)
        return 2
    r = asyncio.run(warm(base, args.only))
    print(f"warm: {r['views']} views in {r['seconds']:.1f} s; {len(r['errors'])} errors")
    for e in r["errors"]:
        print(f"warm: error: {e}", file=sys.stderr)
    return 1 if r["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
