"""core.pretrained: the registry round trip, sha256 / config verification and the CLI."""

import dataclasses
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import core.pretrained as P
from core.pretrained import PretrainedError, PretrainedSpec, TrainResult

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class TinyConfig:
    hidden: int = 3  # width of the single layer


def _build(cfg: TinyConfig) -> nn.Module:
    return nn.Sequential(nn.Linear(2, cfg.hidden), nn.Tanh(), nn.Linear(cfg.hidden, 28 * 28))


def _train(cfg: TinyConfig, seed: int) -> TrainResult:
    """A real (tiny) fit: regress a fixed target image from random inputs, measure the loss."""
    g = torch.Generator().manual_seed(seed)
    model = _build(cfg)  # initialised from torch's global seed, which P.train sets
    x = torch.randn(64, 2, generator=g)
    target = torch.rand(1, 28 * 28, generator=g).expand(64, -1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        loss = ((model(x) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return TrainResult(
        model=model, steps=5, metrics={"loss": loss.item()}, extra={"notes": "unit-test model"}
    )


def _sample(model: nn.Module, n: int, seed: int) -> torch.Tensor:
    z = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
    return torch.sigmoid(model(z)).reshape(n, 1, 28, 28)


TINY = PretrainedSpec(
    name="tiny_test",
    description="tiny model for the registry tests",
    config=TinyConfig(),
    build=_build,
    train=_train,
    dataset="random",
    seed=3,
    sample=_sample,
)


@pytest.fixture
def tiny(monkeypatch, tmp_path):
    """Register TINY next to the real models; files go to tmp_path."""
    specs = {**P.registry(), TINY.name: TINY}
    monkeypatch.setattr(P, "registry", lambda: specs)
    return tmp_path


def test_round_trip_save_load(tiny):
    manifest = P.train("tiny_test", directory=tiny)
    assert (tiny / "tiny_test.safetensors").exists() and (tiny / "tiny_test.json").exists()
    on_disk = json.loads((tiny / "tiny_test.json").read_text())
    assert on_disk == manifest
    for field in (
        "name",
        "description",
        "architecture",
        "config",
        "parameters",
        "dataset",
        "steps",
        "seed",
        "metrics",
        "sha256",
        "versions",
        "retrain",
    ):
        assert field in manifest, field
    assert manifest["config"] == {"hidden": 3} and manifest["seed"] == 3
    assert manifest["steps"] == 5 and manifest["notes"] == "unit-test model"
    assert manifest["parameters"] == 2 * 3 + 3 + 3 * 784 + 784
    assert manifest["sha256"] == P.sha256_file(tiny / "tiny_test.safetensors")
    assert manifest["versions"]["torch"] == torch.__version__
    assert manifest["retrain"] == "python -m core.pretrained train tiny_test"
    assert np.isfinite(manifest["metrics"]["loss"])

    model, m2 = P.load("tiny_test", "cpu", directory=tiny)
    assert m2 == manifest and not model.training
    # the loaded weights reproduce the stored metric exactly
    torch.manual_seed(3)
    ref = _train(TinyConfig(), 3).model
    for (k, a), (_, b) in zip(model.state_dict().items(), ref.state_dict().items(), strict=False):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=k)


def test_training_is_reproducible_from_the_seed(tiny, tmp_path_factory):
    other = tmp_path_factory.mktemp("again")
    a = P.train("tiny_test", directory=tiny)
    b = P.train("tiny_test", directory=other)
    assert a["sha256"] == b["sha256"] and a["metrics"] == b["metrics"]
    c = P.train("tiny_test", directory=other, seed=4)
    assert c["seed"] == 4 and c["sha256"] != a["sha256"]


def test_sha256_mismatch_refused_naming_the_retrain_command(tiny):
    P.train("tiny_test", directory=tiny)
    w = tiny / "tiny_test.safetensors"
    data = bytearray(w.read_bytes())
    data[-1] ^= 0x01  # flip one bit of the last weight
    w.write_bytes(bytes(data))
    with pytest.raises(PretrainedError) as e:
        P.load("tiny_test", directory=tiny)
    assert "sha256" in str(e.value)
    assert "python -m core.pretrained train tiny_test" in str(e.value)


def test_missing_weights_or_manifest(tiny):
    with pytest.raises(PretrainedError, match="python -m core.pretrained train tiny_test"):
        P.load("tiny_test", directory=tiny)  # nothing there at all
    P.train("tiny_test", directory=tiny)
    (tiny / "tiny_test.safetensors").unlink()
    with pytest.raises(PretrainedError, match="missing.*python -m core.pretrained train tiny_test"):
        P.load("tiny_test", directory=tiny)


def test_corrupt_manifest(tiny):
    P.train("tiny_test", directory=tiny)
    (tiny / "tiny_test.json").write_text("{not json")
    with pytest.raises(PretrainedError, match="corrupt.*train tiny_test"):
        P.load("tiny_test", directory=tiny)


def test_stale_config_refused(tiny, monkeypatch):
    P.train("tiny_test", directory=tiny)
    wider = dataclasses.replace(TINY, config=TinyConfig(hidden=5))
    monkeypatch.setattr(P, "registry", lambda: {"tiny_test": wider})
    with pytest.raises(PretrainedError, match="different config.*train tiny_test"):
        P.load("tiny_test", directory=tiny)


def test_weights_that_do_not_fit_the_model(tiny):
    """Manifest and sha256 consistent, but the tensors belong to another architecture."""
    from safetensors.torch import save_file

    P.train("tiny_test", directory=tiny)
    w = tiny / "tiny_test.safetensors"
    save_file({"0.weight": torch.zeros(7, 2)}, str(w))
    m = json.loads((tiny / "tiny_test.json").read_text())
    m["sha256"] = P.sha256_file(w)
    (tiny / "tiny_test.json").write_text(json.dumps(m))
    with pytest.raises(PretrainedError, match="(?s)do not fit.*train tiny_test"):
        P.load("tiny_test", directory=tiny)


def test_unknown_name_lists_choices():
    with pytest.raises(ValueError) as e:
        P.get_spec("no_such_model")
    assert "no_such_model" in str(e.value) and "choose from" in str(e.value)
    assert "judge" in str(e.value)


def test_registry_holds_the_judge_and_names_are_unique():
    specs = P.registry()
    assert "judge" in specs
    for name, spec in specs.items():
        assert spec.name == name
        assert dataclasses.is_dataclass(spec.config)
        assert spec.config.__dataclass_params__.frozen, f"{name}: config must be frozen"


def test_every_shipped_manifest_matches_its_weights():
    """Each registered model's pretrained/NAME.json has its .safetensors with the recorded hash."""
    manifests = [P.manifest_path(n) for n in P.registry() if P.manifest_path(n).exists()]
    assert P.manifest_path("judge") in manifests
    for manifest in manifests:
        m = json.loads(manifest.read_text())
        w = manifest.with_suffix(".safetensors")
        assert w.exists(), f"{w.name} missing"
        assert P.sha256_file(w) == m["sha256"], f"{w.name} does not match {manifest.name}"
        assert m["name"] == manifest.stem and m["metrics"]


# ------------------------------------------------------------------ CLI
def test_cli_list_in_process(capsys):
    assert P.main(["list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["name", "params", "steps"]
    judge = next(ln for ln in out.splitlines() if ln.startswith("judge "))
    acc = json.loads((P.PRETRAINED_DIR / "judge.json").read_text())["metrics"]["heldout_accuracy"]
    assert f"heldout_accuracy={acc:.4g}" in judge and "467,818" in judge


def test_cli_list_shows_untrained_models(tiny, capsys):
    assert P.main(["list"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("tiny_test"))
    assert "not trained" in line and "python -m core.pretrained train tiny_test" in line


def test_cli_errors_exit_2(capsys):
    assert P.main(["train", "no_such_model"]) == 2
    assert "unknown pretrained model" in capsys.readouterr().err
    assert P.main(["sample", "judge", "--n", "4"]) == 2  # the judge is not generative
    assert "not a generative model" in capsys.readouterr().err


def test_cli_sample_writes_a_grid(tiny, monkeypatch, tmp_path, capsys):
    P.train("tiny_test", directory=tiny)
    real_load = P.load
    monkeypatch.setattr(P, "load", lambda name, device="cpu": real_load(name, device, tiny))
    out = tmp_path / "grid.png"
    assert P.main(["sample", "tiny_test", "--n", "6", "--out", str(out)]) == 0
    from core.imaging import decode_image

    img = decode_image(out.read_bytes(), mode="L")
    # 6 samples -> 3 x 2 grid of 28 px tiles, 1 px padding, upscaled x2
    assert img.shape == (2 * (2 * 29 + 1), 2 * (3 * 29 + 1))
    assert "wrote 6 samples" in capsys.readouterr().out


def test_cli_list_as_a_module():
    """``python -m core.pretrained list`` really runs as a command (fresh interpreter)."""
    r = subprocess.run(
        [sys.executable, "-m", "core.pretrained", "list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert any(
        ln.startswith("judge ") and "heldout_accuracy=" in ln for ln in r.stdout.splitlines()
    )
