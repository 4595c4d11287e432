"""Pretrained-model registry: name -> (config, build, train), weights in safetensors + manifest.

Every pretrained file lives in ``pretrained/``: ``NAME.safetensors`` (weights, never pickle) and
``NAME.json`` (manifest: name, description, architecture, config, dataset + split, steps, seed,
measured metrics, sha256 of the weights, library versions, the command that rebuilds it).

Topic modules declare their models as a tuple ``PRETRAINED`` of `PretrainedSpec` and are listed
in `ENTRY_MODULES`; an unknown name raises a ValueError listing the choices.

CLI::

    python -m core.pretrained list                     # every model: sampleable? headline metrics
    python -m core.pretrained train NAME [NAME ...]    # rebuild from the seed (tqdm progress)
    python -m core.pretrained sample NAME --n 64 --seed 0 --out grid.png   # any generative model
    python -m core.pretrained sample NAME --n 64 --format npz --out x.npz  # the raw array

``sample`` validates its arguments (n in 1..1024, seed >= 0, a writable --out); a bad value
exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import json
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"

# Modules that declare ``PRETRAINED = (PretrainedSpec(...), ...)``. Add a topic module here.
ENTRY_MODULES: tuple[str, ...] = (
    "core.judge",
    "core.gan.mnist",
    "core.gan.timeline",
    "core.diffusion.specs",
    "core.conv.unet",
    "core.flows.pretrained",
    "core.vae.registry",
    "core.transformer.char_lm",
    "core.rl.pretrained",
    "core.rnn.charlm",
    "core.autoregressive.pretrained",
)


class PretrainedError(RuntimeError):
    """A pretrained file is missing, corrupt or stale; the message names the rebuild command."""


@dataclass
class TrainResult:
    """What a spec's ``train`` returns: the model, steps run and the metrics it measured."""

    model: nn.Module
    steps: int
    metrics: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)  # more manifest fields (curves, notes)


@dataclass(frozen=True)
class PretrainedSpec:
    """One registered model.

    ``build(config) -> nn.Module`` makes the untrained network; ``train(config, seed) ->
    TrainResult`` trains it on the CPU/GPU reproducibly from ``seed`` and *measures* the metrics
    that go into the manifest; ``sample(model, n, seed) -> (n, C, H, W) in [0, 1]`` exists for
    generative image models (used by the ``sample`` CLI).
    """

    name: str
    description: str
    config: Any  # a frozen dataclass
    build: Callable[[Any], nn.Module]
    train: Callable[[Any, int], TrainResult]
    dataset: str
    seed: int = 0
    sample: Callable[[nn.Module, int, int], torch.Tensor] | None = None


@lru_cache(maxsize=1)
def registry() -> dict[str, PretrainedSpec]:
    """All registered specs by name (imports the `ENTRY_MODULES` on first use)."""
    specs: dict[str, PretrainedSpec] = {}
    for mod_name in ENTRY_MODULES:
        for spec in importlib.import_module(mod_name).PRETRAINED:
            if spec.name in specs:
                raise ValueError(f"pretrained name {spec.name!r} registered twice")
            specs[spec.name] = spec
    return specs


def get_spec(name: str) -> PretrainedSpec:
    specs = registry()
    if name not in specs:
        raise ValueError(f"unknown pretrained model: {name!r}; choose from {', '.join(specs)}")
    return specs[name]


def weights_path(name: str) -> Path:
    return PRETRAINED_DIR / f"{name}.safetensors"


def manifest_path(name: str) -> Path:
    return PRETRAINED_DIR / f"{name}.json"


def retrain_command(name: str) -> str:
    return f"python -m core.pretrained train {name}"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _config_dict(config: Any) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(config)))  # tuples -> lists, as in JSON


def versions() -> dict[str, str]:
    import safetensors

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "safetensors": safetensors.__version__,
    }


def save(spec: PretrainedSpec, result: TrainResult, directory: Path = PRETRAINED_DIR) -> dict:
    """Write ``NAME.safetensors`` and ``NAME.json``; return the manifest."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    wpath = directory / f"{spec.name}.safetensors"
    state = {k: v.detach().cpu().contiguous().clone() for k, v in result.model.state_dict().items()}
    save_file(state, str(wpath), metadata={"name": spec.name})
    manifest = {
        "name": spec.name,
        "description": spec.description,
        "architecture": type(result.model).__name__,
        "config": _config_dict(spec.config),
        "parameters": int(sum(p.numel() for p in result.model.parameters())),
        "dataset": spec.dataset,
        "steps": int(result.steps),
        "seed": int(spec.seed),
        "metrics": {k: float(v) for k, v in result.metrics.items()},
        **result.extra,
        "sha256": sha256_file(wpath),
        "versions": versions(),
        "retrain": retrain_command(spec.name),
    }
    (directory / f"{spec.name}.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(name: str, directory: Path = PRETRAINED_DIR) -> dict:
    path = directory / f"{name}.json"
    if not path.exists():
        raise PretrainedError(
            f"pretrained model {name!r} is missing ({path.name} not found); "
            f"rebuild it with `{retrain_command(name)}`"
        )
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise PretrainedError(
            f"manifest {path.name} is corrupt ({e}); rebuild it with `{retrain_command(name)}`"
        ) from e


def load(
    name: str, device: torch.device | str = "cpu", directory: Path = PRETRAINED_DIR
) -> tuple[nn.Module, dict]:
    """Build ``name``, load its verified weights, move it to ``device``.

    Returns (model.eval(), manifest).

    Raises `PretrainedError` (naming the rebuild command) when a file is missing, the sha256
    does not match the manifest, or the manifest's config differs from the registered one.
    """
    from safetensors.torch import load_file

    spec = get_spec(name)
    manifest = read_manifest(name, directory)
    wpath = directory / f"{name}.safetensors"
    fix = f"rebuild it with `{retrain_command(name)}`"
    if not wpath.exists():
        raise PretrainedError(f"pretrained weights {wpath.name} are missing; {fix}")
    if sha256_file(wpath) != manifest.get("sha256"):
        raise PretrainedError(
            f"pretrained weights {wpath.name} do not match the sha256 in "
            f"{name}.json (corrupt or replaced file); {fix}"
        )
    if manifest.get("config") != _config_dict(spec.config):
        raise PretrainedError(
            f"{name}.json was trained with a different config than the code registers now; {fix}"
        )
    model = spec.build(spec.config)
    try:
        model.load_state_dict(load_file(str(wpath)), strict=True)
    except (RuntimeError, OSError) as e:
        raise PretrainedError(
            f"pretrained weights {wpath.name} do not fit the model ({e}); {fix}"
        ) from e
    return model.to(device).eval(), manifest


def train(name: str, directory: Path = PRETRAINED_DIR, seed: int | None = None) -> dict:
    """Train ``name`` from its seed (or ``seed``), save it, return the manifest."""
    spec = get_spec(name)
    if seed is not None:
        spec = dataclasses.replace(spec, seed=seed)
    torch.manual_seed(spec.seed)
    result = spec.train(spec.config, spec.seed)
    return save(spec, result, directory)


# ----------------------------------------------------------------------------- CLI
class _CliError(Exception):
    """A bad command-line argument: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + message; we want one line
        raise _CliError(f"{message} (see `{self.prog} -h`)")


def _headline(name: str, metrics: dict) -> dict:
    from core.generative.registry import BY_NAME

    keys = BY_NAME[name].headline if name in BY_NAME else ()
    keys = [k for k in keys if k in metrics] or list(metrics)[:3]
    return {k: metrics[k] for k in keys}


def _cmd_list(_args) -> int:
    from core.generative.registry import BY_NAME

    print(f"{'name':28} {'params':>9}  {'steps':>6}  {'sample':7} headline metrics")
    for name in registry():
        can = BY_NAME[name].kind if name in BY_NAME else "-"  # image | points | -
        try:
            m = read_manifest(name)
        except PretrainedError:
            print(f"{name:28} {'-':>9}  {'-':>6}  {can:7} (not trained: {retrain_command(name)})")
            continue
        metrics = ", ".join(
            f"{k}={v:.4g}" for k, v in _headline(name, m.get("metrics", {})).items()
        )
        print(f"{name:28} {m.get('parameters', 0):>9,}  {m.get('steps', 0):>6}  {can:7} {metrics}")
    print("sample: image = a PNG grid of digits, points = a 2-D scatter; - = not generative")
    return 0


def _cmd_train(args) -> int:
    from core.device import configure_threads

    configure_threads()
    for name in args.names:
        manifest = train(name, seed=args.seed)
        print(json.dumps({"name": name, "metrics": manifest["metrics"]}, indent=2))
    return 0


def _check_out(path: str, fmt: str) -> Path:
    out = Path(path)
    if out.is_dir():
        raise _CliError(f"--out {path!r} is a directory; give a file name, e.g. samples.{fmt}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise _CliError(f"--out {path!r}: the folder {str(parent)!r} does not exist")
    import os

    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise _CliError(f"--out {path!r} is not writable")
    return out


def _cmd_sample(args) -> int:
    import time

    from tqdm import tqdm

    from core.device import configure_threads
    from core.generative.registry import BY_NAME, MAX_N, draw
    from core.generative.registry import get as get_generative
    from core.generative.render import samples_png

    if not 1 <= args.n <= MAX_N:
        raise _CliError(f"--n must be in 1..{MAX_N}, got {args.n}")
    if args.seed < 0:
        raise _CliError(f"--seed must be >= 0, got {args.seed}")
    spec = get_spec(args.name)
    entry = (
        None if spec.sample is not None and args.name not in BY_NAME else get_generative(args.name)
    )
    fmt = args.format or ("npz" if args.out and args.out.endswith(".npz") else "png")
    out = _check_out(args.out or f"{args.name}.{fmt}", fmt)
    # One thread unless told otherwise: on the shared 2-core machine two OpenMP threads spin
    # against each other and the rest of the load (measured: 64 latent-diffusion samples took
    # 12 s with 2 threads vs 1.4 s with 1; the U-Net's forward pass 6.6 s vs 2.0 s).
    import os

    from core.device import ENV_THREADS

    if args.threads is not None:
        if args.threads < 1:
            raise _CliError(f"--threads must be >= 1, got {args.threads}")
        threads = configure_threads(args.threads)
    else:
        threads = configure_threads(None if os.environ.get(ENV_THREADS, "").strip() else 1)
    model, _ = load(args.name)
    bar: list = []  # the tqdm bar, created once a run has lasted over a second

    def progress(done: int, total: int) -> None:
        if not bar and time.perf_counter() - t0 > 1.0 and done < total:
            bar.append(
                tqdm(total=total, desc=f"sampling {args.name}", unit="step", file=sys.stderr)
            )
        if bar:
            bar[0].total, bar[0].n = total, done
            bar[0].refresh()

    t0 = time.perf_counter()
    try:
        x = draw(args.name, model, args.n, args.seed, progress)
    finally:
        if bar:
            bar[0].close()
    seconds = time.perf_counter() - t0
    if fmt == "npz":
        conditional = entry is not None and entry.conditional
        extra = {"labels": (np.arange(args.n) % 10).astype(np.int64)} if conditional else {}
        with open(out, "wb") as f:
            np.savez_compressed(f, samples=x, seed=np.int64(args.seed), **extra)
    else:
        out.write_bytes(samples_png(args.name, x))
    what = "images" if entry is None or entry.kind == "image" else "2-D points"
    print(
        f"wrote {args.n} samples ({what}) of {args.name} (seed {args.seed}) to {out} [{fmt}]; "
        f"sampling took {seconds:.2f} s on {describe_device(model)} with {threads} thread(s)"
    )
    return 0


def describe_device(model: nn.Module) -> str:
    p = next(model.parameters(), None)
    return "cpu" if p is None else str(p.device)


def main(argv: list[str] | None = None) -> int:
    p = _Parser(
        prog="python -m core.pretrained",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list registered models, whether they sample, headline metrics")
    t = sub.add_parser("train", help="train and save models")
    t.add_argument("names", nargs="+")
    t.add_argument("--seed", type=int, default=None, help="override the registered seed")
    s = sub.add_parser("sample", help="write samples of a generative model (PNG or .npz)")
    s.add_argument("name")
    s.add_argument("--n", type=int, default=64, help="number of samples, 1..1024 (default 64)")
    s.add_argument("--seed", type=int, default=0, help="random seed >= 0 (default 0)")
    s.add_argument("--out", default=None, help="output file (default NAME.png / NAME.npz)")
    s.add_argument(
        "--format",
        choices=("png", "npz"),
        default=None,
        help="png: a digit grid or a 2-D scatter over the target; npz: the raw array "
        "'samples' (float32; digits (n, 1, 28, 28) in [0, 1], points (n, 2)). "
        "Default: from --out's suffix, else png",
    )
    s.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default: $PLAYGROUND_THREADS, else 1: fastest on a shared CPU)",
    )
    try:
        args = p.parse_args(argv)
        return {"list": _cmd_list, "train": _cmd_train, "sample": _cmd_sample}[args.cmd](args)
    except (ValueError, PretrainedError, _CliError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # never a traceback for a user: one line, and a non-zero status
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
