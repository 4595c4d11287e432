"""`python -m core.pretrained`: every sampleable model samples (PNG and npz); bad arguments exit 2
with one line on stderr and no traceback."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.generative.registry import MODELS
from core.pretrained import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", [m.name for m in MODELS])
def test_every_generative_model_samples(name, tmp_path, capsys):
    """PNG and npz of 3 samples; the chain-rule models (784 passes per draw) are drawn once, as
    npz of 2, and their samples are bits (they model binarised digits)."""
    entry = next(m for m in MODELS if m.name == name)
    png, npz = tmp_path / "s.png", tmp_path / "s.npz"
    n = 2 if entry.data == "binary" else 3
    if entry.data != "binary":
        assert main(["sample", name, "--n", "3", "--seed", "1", "--out", str(png)]) == 0
        assert Image.open(png).size[0] > 20
    argv = ["sample", name, "--n", str(n), "--seed", "1", "--format", "npz", "--out", str(npz)]
    assert main(argv) == 0
    x = np.load(npz)["samples"]
    assert x.dtype == np.float32 and np.isfinite(x).all()
    if entry.kind == "image":
        assert x.shape == (n, 1, 28, 28) and x.min() >= 0 and x.max() <= 1
    else:
        assert x.shape == (n, 2)
    if entry.data == "binary":
        assert set(np.unique(x)) <= {0.0, 1.0}
    out = capsys.readouterr().out
    assert f"wrote {n}" in out and name in out


def test_chain_rule_sampler_reports_progress_per_pass():
    """A §7 sampler runs one pass per pixel inside its own loop; `draw` reports them (counted by
    a forward hook) rising to 784 of 784, then done; the hook is removed afterwards."""
    from core.generative.registry import draw
    from core.pretrained import load

    model, _ = load("ar_pixelcnn")
    calls: list[tuple[int, int]] = []
    draw("ar_pixelcnn", model, 1, 0, lambda d, t: calls.append((d, t)))
    passes = [d for d, t in calls if t == 784]
    assert len(passes) >= 40 and passes == sorted(passes) and passes[-1] == 784
    assert calls[-1] == (1, 1)
    assert not any(m._forward_hooks for m in model.modules())


def test_same_seed_same_samples(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    for p in (a, b):
        assert main(["sample", "vae_16d", "--n", "5", "--seed", "7", "--out", str(p)]) == 0
    np.testing.assert_array_equal(np.load(a)["samples"], np.load(b)["samples"])


BAD = [
    ["sample", "vae_16d", "--n", "0"],
    ["sample", "vae_16d", "--n", "-5"],
    ["sample", "vae_16d", "--n", "100000"],
    ["sample", "vae_16d", "--n", "abc"],
    ["sample", "vae_16d", "--seed", "-1"],
    ["sample", "vae_16d", "--out", "/nonexistent_dir_xyz/grid.png"],
    ["sample", "vae_16d", "--format", "gif"],
    ["sample", "no_such_model"],
    ["sample", "judge"],  # registered, but not generative
    ["sample"],
    ["bogus"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) for a in BAD])
def test_bad_arguments_exit_2_with_one_line(argv, tmp_path, capsys):
    if "--out" not in argv:
        argv = (
            argv + ["--out", str(tmp_path / "x.png")]
            if argv[0] == "sample" and len(argv) > 1
            else argv
        )
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def test_out_is_a_directory(tmp_path, capsys):
    assert main(["sample", "vae_16d", "--out", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_subprocess_bad_n_no_traceback():
    r = subprocess.run(
        [sys.executable, "-m", "core.pretrained", "sample", "diffusion_unet_mnist", "--n", "-5"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_list_marks_sampleable_models(capsys):
    assert main(["list"]) == 0
    lines = {ln.split()[0]: ln.split()[3] for ln in capsys.readouterr().out.splitlines()[1:-1]}
    assert lines["judge"] == "-"
    assert lines["diffusion_unet_mnist"] == "image"
    assert lines["flow_realnvp_rings"] == "points"
    assert all(lines[m.name] in ("image", "points") for m in MODELS)
