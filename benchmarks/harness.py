"""Benchmark harness: page latency with AppTest plus each topic's own benchmarks.

Each page contributes a module ``benchmarks/pages/<page stem>.py`` (``home.py`` for app.py)::

    PAGE = "pages/01_Backpropagation.py"
    INTERACTIONS = [                       # non-training control changes, timed as reruns
        Interaction("learning rate", lambda at, i: at.select_slider(key="bp_lr")
                    .set_value([0.01, 0.03][i % 2])),
        Interaction("step-through slider", ..., budget_ms=50),
    ]
    def extra() -> list[Row]: ...          # optional: throughput / quality / comparisons
    NOTES = "markdown appended under the page's section"   # optional

For every page the harness measures, on this machine's CPU:

* cold first render: ``AppTest.run()`` in a fresh Python process (no caches, imports counted
  only inside the run, i.e. the script's own imports and cache fills);
* warm first render: a second ``AppTest`` in the same process (``st.cache_*`` already full);
* median rerun after each interaction (``apply(at, i)`` then ``at.run()``, ``repeats`` times).

By default results go to the untracked ``artifacts/benchmarks/`` (``results/<stem>.json`` and a
``BENCHMARKS.md`` built from them), so a run never dirties the tree. ``--record`` writes the
tracked record instead: ``benchmarks/results/<stem>.json`` and ``BENCHMARKS.md``, rebuilt from
every stored result, so ``python -m benchmarks --record --only 09_GANs`` refreshes one page and
keeps the others. Each result stores the torch intra-op threads its page latencies ran with.

Benchmark-only comparison libraries (``requirements-bench.txt``) may be missing: their rows are
skipped with a line saying so, and ``--record`` refuses to run until they are installed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"  # the tracked record (--record)
OUTPUT = ROOT / "BENCHMARKS.md"
SCRATCH = ROOT / "artifacts" / "benchmarks"  # default: untracked (artifacts/ is git-ignored)
BENCH_REQUIREMENTS = ROOT / "requirements-bench.txt"
IMPORT_NAMES = {"pymdptoolbox": "mdptoolbox"}  # distribution -> module, where they differ

BUDGETS_MS = {"rerun": 100.0, "first_render_warm": 1000.0}


@dataclass(frozen=True)
class Interaction:
    """A control change: ``apply(at, i)`` sets widget values for repetition ``i`` (no run)."""

    name: str
    apply: Callable
    budget_ms: float = BUDGETS_MS["rerun"]


def in_view(radio_key: str, view: str, set_control: Callable) -> Callable:
    """An ``apply(at, i)`` for a control inside one view of a page with a view radio.

    While the radio is not on ``view`` (the first repetition, whose time the harness discards)
    it switches there; afterwards it calls ``set_control(at, i)``.
    """

    def apply(at, i):
        if at.radio(key=radio_key).value != view:
            at.radio(key=radio_key).set_value(view)
        else:
            set_control(at, i)

    return apply


@dataclass
class Row:
    """One line of a topic's own benchmark table."""

    name: str
    value: float
    unit: str
    budget: str = ""  # e.g. "<= 100 ms"; empty when there is none
    passed: bool | None = None  # None when there is no budget
    note: str = ""


@dataclass
class PageResult:
    stem: str
    page: str
    cold_ms: float
    warm_ms: float
    reruns: list[dict] = field(default_factory=list)  # name, median_ms, budget_ms, n
    extra: list[dict] = field(default_factory=list)
    notes: str = ""
    measured_at: str = ""
    threads: int | None = None  # torch intra-op threads during the page latency measurements
    skipped: list[str] = field(default_factory=list)  # what was left out, and why


def missing_bench_modules() -> list[str]:
    """Modules of ``requirements-bench.txt``'s own packages that are not importable here."""
    import importlib.util
    import re

    missing = []
    for line in BENCH_REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        dist = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
        module = IMPORT_NAMES.get(dist.lower(), dist.replace("-", "_"))
        if importlib.util.find_spec(module) is None:
            missing.append(module)
    return missing


def _missing_module(text: str, missing: list[str]) -> str | None:
    """The missing benchmark-only module a failure message names, if any."""
    for m in missing:
        if f"No module named '{m}" in text:
            return m
    return None


def _topic_rows(stem: str, mod, missing: list[str]) -> tuple[list[dict], list[str]]:
    """``mod.extra()`` as dicts, less what failed only for a missing benchmark-only module."""
    if not hasattr(mod, "extra"):
        return [], []
    hint = "not installed; pip install -r requirements-bench.txt"
    try:
        rows = [asdict(r) for r in mod.extra()]
    except ModuleNotFoundError as e:
        root = (e.name or "").split(".")[0]
        name = root if root in missing else _missing_module(str(e), missing)
        if name is None:
            raise
        why = f"{stem}: topic benchmarks skipped, they need {name} ({hint})"
        print(f"skip: {why}", flush=True)
        return [], [why]
    kept, skipped = [], []
    for r in rows:
        name = _missing_module(r.get("note", ""), missing) if r.get("passed") is False else None
        if name is None:
            kept.append(r)
        else:
            why = f"{stem}: {r['name']} skipped, it needs {name} ({hint})"
            print(f"skip: {why}", flush=True)
            skipped.append(why)
    return kept, skipped


def discover() -> dict[str, str]:
    """stem -> module name of every ``benchmarks/pages/*.py``."""
    return {
        p.stem: f"benchmarks.pages.{p.stem}"
        for p in sorted((ROOT / "benchmarks" / "pages").glob("*.py"))
        if p.stem != "__init__"
    }


def _cold_render_ms(page: str) -> float:
    code = (
        "import time,os;os.environ.setdefault('PLAYGROUND_DEVICE','cpu');"
        "from streamlit.testing.v1 import AppTest;"
        f"at=AppTest.from_file({str(ROOT / page)!r}, default_timeout=600);"
        "t=time.perf_counter();at.run();dt=time.perf_counter()-t;"
        "assert not at.exception, [e.value for e in at.exception];print(dt*1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure_page(
    stem: str, module_name: str, repeats: int = 9, missing: list[str] | None = None
) -> PageResult:
    from streamlit.testing.v1 import AppTest

    from core.device import configure_threads

    threads = configure_threads()  # again for every page: a topic benchmark may change it
    mod = importlib.import_module(module_name)
    page = mod.PAGE
    cold = _cold_render_ms(page)
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    at.run()  # fill this process's caches
    at = AppTest.from_file(str(ROOT / page), default_timeout=600)
    t = time.perf_counter()
    at.run()
    warm = (time.perf_counter() - t) * 1000
    assert not at.exception, [e.value for e in at.exception]
    reruns = []
    for it in getattr(mod, "INTERACTIONS", []):
        times = []
        for i in range(repeats + 1):
            it.apply(at, i)
            t = time.perf_counter()
            at.run()
            dt = (time.perf_counter() - t) * 1000
            if at.exception:
                raise RuntimeError(f"{stem}/{it.name}: {[e.value for e in at.exception]}")
            if i > 0:  # the first change may fill a cache; the median is over the rest
                times.append(dt)
        reruns.append(
            {
                "name": it.name,
                "median_ms": statistics.median(times),
                "budget_ms": it.budget_ms,
                "n": len(times),
            }
        )
    extra, skipped = _topic_rows(stem, mod, missing or [])
    configure_threads(threads)
    return PageResult(
        stem=stem,
        page=page,
        cold_ms=cold,
        warm_ms=warm,
        reruns=reruns,
        extra=extra,
        notes=getattr(mod, "NOTES", ""),
        measured_at=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        threads=threads,
        skipped=skipped,
    )


def _machine() -> str:
    import numpy
    import streamlit
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"torch {torch.__version__}, "
        f"Streamlit {streamlit.__version__}, numpy {numpy.__version__}"
    )


def _ok(value: float, budget: float) -> str:
    return "✅" if value <= budget else "❌"


def render_markdown(results: list[dict]) -> str:
    unrecorded = [r["stem"] for r in results if r.get("threads") is None]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python -m benchmarks --record` (one page: `python -m benchmarks --record "
        "--only STEM`). Latencies are measured with Streamlit's AppTest on the CPU, so they "
        "include AppTest's own overhead; budgets are from ../shared/GUIDE.md. No test asserts a "
        "timing: this file is the record.",
        "",
        f"Machine: {_machine()}. The *threads* column gives torch's intra-op threads while a "
        "page's latencies were measured (`PLAYGROUND_THREADS`, default min(2, cores)); topic "
        "benchmarks that pin their own thread count say so in their notes."
        + (
            f" Threads were not recorded (–) for results measured before the harness stored "
            f"them: {', '.join(unrecorded)}."
            if unrecorded
            else ""
        ),
        "",
        "## Page latency",
        "",
        "| page | threads | cold first render (ms) | warm first render (ms) | budget | "
        "interaction | median rerun (ms) | budget |",
        "|---|---:|---:|---:|---|---|---:|---|",
    ]
    for r in results:
        warm_ok = _ok(r["warm_ms"], BUDGETS_MS["first_render_warm"])
        threads = "–" if r.get("threads") is None else str(r["threads"])
        first = (
            f"| {r['page']} | {threads} | {r['cold_ms']:.0f} | {r['warm_ms']:.0f} "
            f"| ≤ 1000 {warm_ok} "
        )
        if not r["reruns"]:
            lines.append(first + "| – | – | – |")
        for k, it in enumerate(r["reruns"]):
            lead = first if k == 0 else "| | | | | "
            lines.append(
                lead + f"| {it['name']} | {it['median_ms']:.0f} | "
                f"≤ {it['budget_ms']:.0f} {_ok(it['median_ms'], it['budget_ms'])} |"
            )
    for r in results:
        if not r["extra"] and not r["notes"] and not r.get("skipped"):
            continue
        lines += ["", f"## {r['page']} ({r['measured_at']})", ""]
        if r["extra"]:
            lines += ["| benchmark | value | unit | budget | note |", "|---|---:|---|---|---|"]
            for e in r["extra"]:
                mark = "" if e["passed"] is None else (" ✅" if e["passed"] else " ❌")
                lines.append(
                    f"| {e['name']} | {e['value']:.4g} | {e['unit']} | "
                    f"{e['budget']}{mark} | {e['note']} |"
                )
        if r.get("skipped"):
            lines += [""] + [f"Skipped: {why}." for why in r["skipped"]]
        if r["notes"]:
            lines += ["", r["notes"].strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks")
    p.add_argument("--only", nargs="*", help="page stems to measure (default: all)")
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--render-only", action="store_true", help="rebuild BENCHMARKS.md only")
    p.add_argument(
        "--record",
        action="store_true",
        help="update the tracked record (benchmarks/results/*.json, BENCHMARKS.md) instead of "
        "artifacts/benchmarks/",
    )
    args = p.parse_args(argv)
    os.environ.setdefault("PLAYGROUND_DEVICE", "cpu")
    if args.record:
        results_dir, output = RESULTS, OUTPUT
    else:
        results_dir, output = SCRATCH / "results", SCRATCH / "BENCHMARKS.md"
    modules = discover()
    stems = args.only or list(modules)
    for stem in stems:
        if stem not in modules:
            raise SystemExit(f"unknown page stem {stem!r}; choose from {', '.join(modules)}")
    missing = [] if args.render_only else missing_bench_modules()
    if missing:
        what = ", ".join(missing)
        if args.record:
            raise SystemExit(
                f"--record needs every benchmark-only dependency; not installed: {what} "
                "(pip install -r requirements-bench.txt)"
            )
        print(
            f"skip: comparisons that need {what} (not installed; "
            "pip install -r requirements-bench.txt)",
            flush=True,
        )
    results_dir.mkdir(parents=True, exist_ok=True)
    if not args.render_only:
        for stem in stems:
            print(f"measuring {stem} ...", flush=True)
            res = measure_page(stem, modules[stem], repeats=args.repeats, missing=missing)
            (results_dir / f"{stem}.json").write_text(json.dumps(asdict(res), indent=2) + "\n")
    order = {s: i for i, s in enumerate(modules)}
    # Only page results (named after a benchmarks/pages module); topics may keep other JSON here.
    results = sorted(
        (
            json.loads((results_dir / f"{s}.json").read_text())
            for s in modules
            if (results_dir / f"{s}.json").exists()
        ),
        key=lambda r: order[r["stem"]],
    )
    text = render_markdown(results)
    # written by python -m benchmarks.browser --record and python -m benchmarks.load --record
    for extra in ("browser.md", "load.md"):
        if (results_dir / extra).exists():
            text = text.rstrip("\n") + "\n\n" + (results_dir / extra).read_text()
    output.write_text(text)
    print(f"wrote {output.relative_to(ROOT)} and {results_dir.relative_to(ROOT)}/")
    if not args.record:
        print("(untracked; `--record` updates BENCHMARKS.md and benchmarks/results/ instead)")
    return 0
