"""GPU check (``pytest -m gpu``): every pretrained model and every live stepper on CUDA, against
the CPU.

* Every model of the `core.pretrained` registry is loaded onto the device, sampled (generative
  models: ``spec.sample``) and run forward on real inputs (digits for the image models, points
  for the flows); the outputs must match the same model on the CPU.
* Every stepper that a page drives with ``ui.live_training`` is built with the device, as the
  page does, and advanced a few steps; its metrics and parameters must match a CPU twin's. The
  steppers draw minibatches and noise from seeded CPU generators and initialise their networks
  on the CPU, so both runs see the same numbers and only floating-point rounding differs.

TF32 is switched off, so the GPU computes in true float32. Deterministic single passes must agree
to 1e-3; iterative samplers (DDIM with guidance, 50 steps), whose rounding differences grow
step by step, to a mean absolute difference of 0.02 on images in [0, 1].

The tests skip where no CUDA device exists. ``GPU_CHECK_DEVICE=mps`` runs them on Apple's GPU;
``GPU_CHECK_DEVICE=cpu`` runs the whole check CPU against CPU (a dry run of this file).
The default run collects them too (they skip on a machine without CUDA).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from core import pretrained as P

ROOT = Path(__file__).resolve().parents[1]
DEVICE = os.environ.get("GPU_CHECK_DEVICE", "cuda")
ITERATIVE = {"diffusion_unet_mnist", "diffusion_latent_mnist"}  # multi-step samplers


def _available(name: str) -> bool:
    kind = torch.device(name).type
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        return torch.backends.mps.is_available()
    return kind == "cpu"


needs_device = pytest.mark.skipif(
    not _available(DEVICE), reason=f"no {DEVICE} device here (GPU_CHECK_DEVICE={DEVICE})"
)
pytestmark = [pytest.mark.gpu]


@pytest.fixture(autouse=True)
def _strict_float32():
    """True float32 on the GPU (no TF32), restored afterwards."""
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def _close(got, want, what: str, rtol: float = 1e-3, atol: float = 1e-3, finite=True) -> None:
    """``got`` (on the device) matches ``want`` (CPU); NaN/inf only where the CPU has them too,
    and not at all with ``finite`` (weights and model outputs)."""
    got = torch.as_tensor(got).detach().to("cpu", torch.float64)
    want = torch.as_tensor(want).detach().to("cpu", torch.float64)
    if finite:
        assert torch.isfinite(got).all(), f"{what}: non-finite values on {DEVICE}"
    torch.testing.assert_close(
        got, want, rtol=rtol, atol=atol, equal_nan=True, msg=lambda m: f"{what}: {m}"
    )


# ----------------------------------------------------------------------------- pretrained
def _digits(n: int = 64) -> torch.Tensor:
    from core.data import mnist_split

    return torch.from_numpy(np.array(mnist_split().x_test[:n]))  # (n, 1, 28, 28) in [0, 1]


def _points(name: str, n: int = 512) -> torch.Tensor:
    from core.data import make_toy

    target = P.read_manifest(name)["config"]["target"]
    return torch.as_tensor(make_toy(target, n, seed=1).X, dtype=torch.float32)  # (n, 2)


def _plan(name: str, model: torch.nn.Module) -> list[str]:
    """What the check computes with a pretrained model (the names of `_probe`'s outputs)."""
    from core.flows.models import Flow

    plan = ["sample(16, seed 0)"] if P.get_spec(name).sample is not None else []
    if isinstance(model, Flow):
        plan += ["log_prob(points)", "sample(256)"]
    elif not plan and _vocab(model):  # char LSTM, GPTs, WaveNet: next-token logits
        plan.append("forward(tokens)")
    elif hasattr(model, "embed"):  # the autoencoders: the code of real digits
        plan.append("embed(digits)")
    elif not plan and _first(model, torch.nn.Conv2d) is None:  # the DQN: a batch of states
        plan.append("forward(vectors)")
    elif not plan:  # judge CNN, conv U-Nets: a forward pass on real digits
        plan.append("forward(digits)")
    return plan


def _first(model: torch.nn.Module, kind: type):
    return next((m for m in model.modules() if isinstance(m, kind)), None)


def _vocab(model: torch.nn.Module) -> int:
    """The token vocabulary of a sequence model (its first embedding table), else 0."""
    e = _first(model, torch.nn.Embedding)
    return e.num_embeddings if e is not None else 0


def _head(out):
    """A model's main output: sequence models also return their state or cache."""
    return out[0] if isinstance(out, (tuple, list)) else out


def _probe(name: str, model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """`_plan`'s outputs for ``model`` (on its device), as CPU tensors."""
    dev = next(model.parameters()).device
    run = {
        "sample(16, seed 0)": lambda: P.get_spec(name).sample(model, 16, 0),
        "log_prob(points)": lambda: model.log_prob(_points(name).to(dev)),
        "sample(256)": lambda: model.sample(256, generator=torch.Generator().manual_seed(0)),
        "embed(digits)": lambda: model.embed(_digits().to(dev)),
        "forward(digits)": lambda: model(_digits().to(dev)),
        "forward(tokens)": lambda: _head(
            model(
                torch.randint(
                    0, _vocab(model), (2, 32), generator=torch.Generator().manual_seed(0)
                ).to(dev)
            )
        ),
        "forward(vectors)": lambda: model(
            torch.randn(
                8,
                _first(model, torch.nn.Linear).in_features,
                generator=torch.Generator().manual_seed(0),
            ).to(dev)
        ),
    }
    with torch.inference_mode():
        return {what: run[what]().cpu() for what in _plan(name, model)}


@pytest.mark.parametrize("name", list(P.registry()))
def test_every_pretrained_model_has_a_probe(name):
    """Runs on the CPU in the default run too (cheap: no weights, no sampling), so a newly
    registered model cannot escape the GPU check without this failing."""
    spec = P.get_spec(name)
    assert _plan(name, spec.build(spec.config)), f"the GPU check computes nothing with {name}"


@needs_device
@pytest.mark.parametrize("name", list(P.registry()))
def test_pretrained_model_on_device_matches_cpu(name):
    cpu_model, _ = P.load(name, device="cpu")
    dev_model, _ = P.load(name, device=DEVICE)
    assert next(dev_model.parameters()).device.type == torch.device(DEVICE).type
    want, got = _probe(name, cpu_model), _probe(name, dev_model)
    for what in want:
        if name in ITERATIVE and what.startswith("sample"):
            gap = (got[what].double() - want[what].double()).abs().mean().item()
            assert gap <= 0.02, f"{name} {what}: mean |Δ| = {gap:.3g} between {DEVICE} and cpu"
        else:
            _close(got[what], want[what], f"{name} {what}")


# ----------------------------------------------------------------------------- live steppers
def _backprop(device):
    from core.backprop.datasets import make_dataset
    from core.backprop.trainer import BackpropTrainer, TrainConfig

    return BackpropTrainer(TrainConfig(hidden=(8, 8)), make_dataset("circles", seed=0), device)


def _autoencoder(device):
    from core.vae.models import AEConfig
    from core.vae.trainer import AETrainer, train_images

    cfg = AEConfig(latent_dim=2, variational=True, batch_size=64)
    return AETrainer(cfg, seed=0, device=device, x=train_images()[:512])


def _flow(device):
    from core.data import make_toy
    from core.flows.models import FlowConfig
    from core.flows.trainer import FlowTrainer, TrainConfig

    x_tr, x_te = make_toy("moons", 2000, seed=0).X, make_toy("moons", 500, seed=1).X
    cfg = FlowConfig(kind="realnvp", n_steps=4, hidden=32)
    return FlowTrainer(cfg, x_tr, x_te, TrainConfig(batch_size=256), device=device, seed=0)


def _gan(device):
    from core.gan.trainer import GANConfig, GANTrainer

    return GANTrainer(replace(GANConfig(), n_data=2000, snapshot_every=5), device)


def _toy_diffusion(device):
    from core.data import make_toy
    from core.diffusion.toy2d import ToyDiffusionConfig, ToyDiffusionTrainer

    cfg = ToyDiffusionConfig(T=50, seed=0)
    return ToyDiffusionTrainer(cfg, make_toy("moons", 2000, seed=0).X, device)


def _tabular(device):
    from core.rl import gridworlds as G
    from core.rl import mdp as M
    from core.rl import tabular as T

    cfg = T.TabularConfig(method="Q-learning", n_seeds=4, seed=0)
    lake = G.frozen_lake("4x4", slippery=True)
    v_star = M.value_iteration(lake, cfg.gamma, tol=1e-10, keep_history=False).v
    return T.TabularLearner(lake, cfg, v_ref=v_star, device=device)


def _char_gpt(device):
    from core.transformer.char_lm import CharLMStepper
    from ui.transformer.live import live_config

    return CharLMStepper(live_config(3e-3, 1), seed=0, device=device)


# The stepper classes the pages hand to ui.live_training, each with a small factory taking the
# device the page would pass. NO_DEVICE steppers take no device, so there is nothing to check:
# PerceptronReplay (§1) replays a finished numpy run; the §11.3 DQN and actor-critic trainers and
# the §4 recall-task pair interleave tiny networks (a few thousand weights) with one-sample
# environment or sequence steps, where a GPU's launch latency only slows them down.
STEPPERS = {
    "BackpropTrainer": _backprop,
    "AETrainer": _autoencoder,
    "FlowTrainer": _flow,
    "GANTrainer": _gan,
    "ToyDiffusionTrainer": _toy_diffusion,
    "TabularLearner": _tabular,
    "CharLMStepper": _char_gpt,
}
NO_DEVICE = {"PerceptronReplay", "DQNTrainer", "ActorCriticTrainer", "PairTrainer"}


def test_every_live_stepper_is_checked():
    """Runs on the CPU in the default run too: each page that calls ui.live_training uses a
    stepper class listed here, so a new live page cannot escape the GPU check unnoticed."""
    known, seen = set(STEPPERS) | NO_DEVICE, 0
    views = [*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*/*.py")]  # views live in ui/
    for view in sorted(views):
        text = view.read_text()
        if "live_training(" not in text:
            continue
        seen += 1
        used = {c for c in known if re.search(rf"\b{c}\b", text)}
        assert used, f"{view.relative_to(ROOT)} drives ui.live_training with an unlisted stepper"
    assert seen >= 10, f"only {seen} live views found: is the scan still looking where they are?"


def _state(stepper) -> dict[str, torch.Tensor]:
    """Every torch parameter the stepper trains (empty for the numpy steppers)."""
    nets = [v for v in vars(stepper).values() if isinstance(v, torch.nn.Module)]
    return {f"{i}.{k}": v for i, net in enumerate(nets) for k, v in net.state_dict().items()}


@needs_device
@pytest.mark.parametrize("kind", list(STEPPERS))
def test_live_stepper_on_device_matches_cpu(kind):
    make = STEPPERS[kind]
    dev, cpu = make(torch.device(DEVICE)), make(torch.device("cpu"))
    for n in (1, 4, 5):  # as the live loop does: a few chunks
        got, want = dev.step(n), cpu.step(n)
        assert set(got) == set(want)
        for k in want:
            what = f"{kind} metric {k!r} after {n} steps"
            _close(got[k], want[k], what, rtol=2e-3, finite=False)
    sd, sc = _state(dev), _state(cpu)
    assert sd.keys() == sc.keys()
    for k in sc:
        if sd[k].is_floating_point():
            assert sd[k].device.type == torch.device(DEVICE).type, f"{kind} {k} not on {DEVICE}"
            _close(sd[k], sc[k], f"{kind} parameter {k}", rtol=2e-3)
