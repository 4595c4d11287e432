"""The generative models shipped in ``pretrained/``, side by side (notes §5).

Each entry says which family a model belongs to (the §5 map: explicit-tractable, explicit-
approximate, implicit, diffusion), what it samples (28x28 digits or 2-D points), which notes
section and page explain it, and how its likelihood is reported. `draw` samples any of them with
one signature: ``draw(name, model, n, seed, progress) -> np.ndarray`` (float32; digits
(n, 1, 28, 28) in [0, 1], points (n, 2)).

Nothing here touches files or Streamlit; models come from `core.pretrained.load`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

MAX_N = 1024  # the most samples one request may ask for (CLI and page)

FAMILIES: dict[str, str] = {
    "explicit-tractable": "exact log-likelihood by the change of variables (flows, §8) or the "
    "chain rule (autoregressive, §7)",
    "explicit-approximate": "a lower bound on log p(x), the ELBO (VAE, §6.3)",
    "implicit": "no density at all, only a sampler trained against a critic (GAN, §9)",
    "diffusion": "a learned reverse of a fixed noising chain; log p(x) is bounded by L_vlb (§10.3)",
    "autoencoder": "not a density model: a Gaussian fitted to its codes makes it sample (§6.2)",
}

Progress = Callable[[int, int], None]  # progress(done, total)


@dataclass(frozen=True)
class GenerativeModel:
    """One sampleable pretrained model and how the §5 page and the CLI present it."""

    name: str  # the pretrained name (core.pretrained registry key)
    label: str  # short human label
    family: str  # a key of FAMILIES
    kind: str  # "image" (28x28 digits in [0, 1]) or "points" (2-D)
    section: str  # the notes section
    page: str  # the model's own page, relative to the repository root
    conditional: bool = False  # samples come with class labels (0..9, balanced)
    likelihood: str = "none"  # "exact" | "elbo" | "none" | "vlb"
    page_query: dict[str, str] = field(default_factory=dict)  # query params selecting it there
    summary: str = ""  # what it models and what it cannot do
    headline: tuple[str, ...] = ()  # manifest metrics `python -m core.pretrained list` shows
    data: str = "grey"  # "grey": digits in [0, 1]; "binary": x = 1{pixel >= 1/2} (§7's models)


_VAE_PAGE = "pages/06_Autoencoders_and_VAE.py"
_VAE = "A VAE models p(x) through a latent z and learns q(z|x) with it; its ELBO bounds log p(x). "
_VAE_LIM = "It cannot give log p(x) exactly, and its Bernoulli decoder averages: samples blur."


def _vae(name: str, label: str, page_label: str, summary: str = "") -> GenerativeModel:
    return GenerativeModel(
        name, label, "explicit-approximate", "image", "§6.3–6.4", _VAE_PAGE,
        likelihood="elbo", page_query={"vae_view": "Sampling", "vae_smp_model": page_label},
        headline=("heldout_neg_elbo_nats", "judge_frechet", "judge_entropy"),
        summary=summary or _VAE + _VAE_LIM,
    )  # fmt: skip


MODELS: tuple[GenerativeModel, ...] = (
    GenerativeModel(
        "gan_mnist_dcgan",
        "DCGAN",
        "implicit",
        "image",
        "§9",
        "pages/09_GANs.py",
        likelihood="none",
        headline=("frechet_1000", "judged_entropy_1000"),
        summary="A generator G(z) trained against a discriminator: sharp digits from one forward "
        "pass, but no likelihood to evaluate or compare, no encoder, and no guarantee that every "
        "mode of the data is covered (mode collapse).",
    ),  # fmt: skip
    GenerativeModel(
        "diffusion_unet_mnist",
        "Diffusion U-Net (pixels)",
        "diffusion",
        "image",
        "§10.3–10.4",
        "pages/10_Diffusion.py",
        conditional=True,
        likelihood="vlb",
        page_query={"dif_view": "Pretrained MNIST"},
        headline=("ddim50_accuracy", "ddim50_frechet", "ddim50_entropy"),
        summary="An ε-model undoes a fixed Gaussian noising chain step by step, here with "
        "classifier-free guidance: good digits, at the price of many network calls per sample "
        "(here DDIM with 6 steps, ×2 for guidance; its own page runs 50 for the best quality).",
    ),  # fmt: skip
    GenerativeModel(
        "diffusion_latent_mnist",
        "Latent diffusion",
        "diffusion",
        "image",
        "§10.5",
        "pages/10_Diffusion.py",
        conditional=True,
        likelihood="none",
        page_query={"dif_view": "Latent diffusion"},
        headline=("ddim50_rho2_accuracy", "ddim50_rho2_frechet"),
        summary="Diffusion in the 8-d latent space of a frozen autoencoder: each step is a small "
        "MLP, so sampling is cheap, but the decoder caps the quality and the model has no "
        "likelihood of pixels.",
    ),  # fmt: skip
    _vae("vae_16d", "VAE 16-d (β = 1)", "VAE 16-D (β = 1)"),
    _vae("vae_2d", "VAE 2-d", "VAE 2-D"),
    _vae("vae_beta_0p25", "β-VAE β = 0.25", "β-VAE β = 0.25"),
    _vae("vae_beta_4", "β-VAE β = 4", "β-VAE β = 4"),
    _vae("vae_beta_8", "β-VAE β = 8", "β-VAE β = 8"),
    _vae("vae_ref_400_20", "VAE 784-400-20 (reference)", "pytorch/examples VAE 784-400-20"),
    GenerativeModel(
        "ae_mlp16",
        "Autoencoder 16-d + code Gaussian",
        "autoencoder",
        "image",
        "§6.2",
        _VAE_PAGE,
        likelihood="none",
        page_query={
            "vae_view": "Sampling",
            "vae_smp_model": "AE 16-D, z ~ Gaussian fitted to its codes",
        },
        headline=("heldout_recon_nats", "judge_frechet", "judge_entropy"),
        summary="A plain autoencoder has no prior; sampling a Gaussian fitted to its training "
        "codes works only as well as the codes happen to be Gaussian.",
    ),  # fmt: skip
) + tuple(
    GenerativeModel(
        f"flow_realnvp_{t}",
        f"RealNVP flow: {label}",
        "explicit-tractable",
        "points",
        "§8.4",
        "pages/08_Normalizing_Flows.py",
        likelihood="exact",
        page_query={"nf_section": "2d", "nf_target": t},
        headline=("test_nll", "test_nll_se"),
        summary="An invertible network with a tractable Jacobian: exact log-likelihood and exact "
        "sampling in one pass, but every layer must stay invertible and dimension-preserving.",
    )  # fmt: skip
    for t, label in (
        ("moons_density", "two moons"),
        ("8gaussians", "8 Gaussians"),
        ("checkerboard", "checkerboard"),
        ("pinwheel", "pinwheel"),
        ("2spirals", "2 spirals"),
        ("rings", "rings"),
    )
)
_AR_PAGE = "pages/07_Autoregressive_Models.py"
_AR_LADDER = (  # (name, label, notes section, what it models and what it cannot do)
    ("ar_bernoulli", "Independent Bernoulli (§7 baseline)", "§7.1",
     "Every pixel on its own: p(x) = Π p_j. Exact and instant, but no pixel knows its "
     "neighbours, so samples are noise around the mean digit."),
    ("ar_fvsbn", "FVSBN", "§7.2",
     "The chain rule with one logistic regression per pixel (n(n+1)/2 weights): an exact "
     "likelihood, sampled pixel by pixel in n cheap steps; linear conditionals limit it."),
    ("ar_fvsbn_random", "FVSBN, random order", "§7.2",
     "The same model over a fixed random pixel order: the chain rule holds in any order."),
    ("ar_nade", "NADE", "§7.3",
     "Shared hidden weights make each conditional a small MLP for O(nd) per image: exact "
     "likelihood and fast sampling, but still n sequential steps."),
    ("ar_nade_random", "NADE, random order", "§7.3",
     "NADE over a fixed random pixel order, at the raster NADE's budget."),
    ("ar_made", "MADE, 1 mask", "§7.3",
     "An autoencoder with masked weights gives all n conditionals in one pass (training and "
     "likelihood are parallel), but sampling still needs n passes."),
    ("ar_made_ensemble", "MADE, 8 masks", "§7.3",
     "Several orderings and connectivities in one network, scored as a mixture "
     "(log-mean-exp of the likelihoods)."),
    ("ar_pixelcnn", "PixelCNN", "§7.4",
     "Masked convolutions share weights across the image: the best likelihood here with few "
     "parameters, but sampling takes one network pass per pixel (784)."),
    ("ar_gated_pixelcnn", "Gated PixelCNN", "§7.4",
     "Vertical and horizontal stacks remove the blind spot, with gated units; 784 passes per "
     "sample of a heavier network make it the slowest sampler here."),
)  # fmt: skip
MODELS += tuple(
    GenerativeModel(
        name,
        label,
        "explicit-tractable",
        "image",
        section,
        _AR_PAGE,
        likelihood="exact",
        data="binary",
        page_query={"ar_view": "Ladder", "ar_lad_model": name},
        headline=("test_nll_nats", "test_bits_per_dim", "sample_16_s"),
        summary=summary + " It models binarised digits (x = 1{pixel ≥ ½}), not grey levels.",
    )  # fmt: skip
    for name, label, section, summary in _AR_LADDER
)
BY_NAME: dict[str, GenerativeModel] = {m.name: m for m in MODELS}


def get(name: str) -> GenerativeModel:
    """The entry of ``name``; ValueError naming the choices when it is not a generative model."""
    if name not in BY_NAME:
        raise ValueError(
            f"{name!r} is not a generative model (nothing to sample); "
            f"choose from {', '.join(BY_NAME)}"
        )
    return BY_NAME[name]


def image_models() -> list[GenerativeModel]:
    return [m for m in MODELS if m.kind == "image"]


def point_models() -> list[GenerativeModel]:
    return [m for m in MODELS if m.kind == "points"]


def balanced_labels(n: int) -> torch.Tensor:
    """Labels 0, 1, ..., 9, 0, 1, ... for n conditional samples."""
    return torch.arange(n) % 10


def check_n(n: int) -> int:
    if not isinstance(n, (int, np.integer)) or not 1 <= int(n) <= MAX_N:
        raise ValueError(f"n must be an integer in 1..{MAX_N}, got {n!r}")
    return int(n)


def check_seed(seed: int) -> int:
    if not isinstance(seed, (int, np.integer)) or int(seed) < 0 or int(seed) >= 2**63:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed)


@torch.inference_mode()
def draw(
    name: str, model: torch.nn.Module, n: int, seed: int, progress: Progress | None = None
) -> np.ndarray:
    """n samples of ``name`` from ``seed`` as float32: digits (n, 1, 28, 28) in [0, 1] or
    points (n, 2). Conditional models get balanced labels 0..9 (`balanced_labels`).

    ``progress(done, total)`` is called as the sampler advances (every denoising step for the
    diffusion models, once for the one-pass models).
    """
    n, seed = check_n(n), check_seed(seed)
    if name not in BY_NAME:  # a registered spec with its own sampler (e.g. a test's tiny model)
        from core.pretrained import get_spec

        if get_spec(name).sample is None:
            get(name)  # raises: not a generative model
    m = BY_NAME.get(name)
    if name == "diffusion_unet_mnist":
        x = _draw_unet(model, n, seed, progress)
    elif name == "diffusion_latent_mnist":
        from core.diffusion.latent import sample_latent

        cfg = model.cfg
        x, _ = sample_latent(model, n, seed, balanced_labels(n), S=cfg.ddim_steps, rho=cfg.guidance)
    elif m is not None and m.kind == "points":
        x = model.sample(n, generator=torch.Generator().manual_seed(seed))
    else:
        from core.pretrained import get_spec

        with _pass_progress(model, getattr(model, "n", 1), progress):
            x = get_spec(name).sample(model, n, seed)
    if progress is not None and name != "diffusion_unet_mnist":
        progress(1, 1)
    return np.ascontiguousarray(x.detach().float().cpu().numpy())


@contextmanager
def _pass_progress(model: torch.nn.Module, passes: int, progress: Progress | None):
    """Report ``progress(k, passes)`` as the model's first layer runs its k-th forward pass.

    A chain-rule sampler (§7) runs one pass per pixel (``passes`` = n = 784) inside its own
    loop; a forward hook on its first leaf module counts them without touching the sampler.
    Reported about 50 times in all; a model whose sampler calls no module reports only at the end.
    """
    leaf = next((m for m in model.modules() if not list(m.children())), None)
    if progress is None or leaf is None or passes < 2:
        yield
        return
    count, every = [0], max(1, passes // 50)

    def hook(_module, _inputs, _output) -> None:
        count[0] += 1
        if count[0] % every == 0 or count[0] == passes:
            progress(min(count[0], passes), passes)

    handle = leaf.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def reference_digits(entry: GenerativeModel) -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) digits of the shared split in ``entry``'s data model, float32
    (N, 1, 28, 28): grey levels, or binarised by §7's rule x = 1{pixel >= 1/2} for the
    autoregressive models, whose samples are bits (judge, precision/recall and memorisation
    then compare bits with bits)."""
    from core.data.mnist import mnist_split

    s = mnist_split()
    train, test = np.array(s.x_train, np.float32), np.array(s.x_test, np.float32)
    if entry.data == "binary":
        train, test = (train >= 0.5).astype(np.float32), (test >= 0.5).astype(np.float32)
    return train, test


def _draw_unet(model, n: int, seed: int, progress: Progress | None) -> torch.Tensor:
    """DDIM with the quick-sampling steps and the registered guidance (as the model's own CLI
    sampler, `core.diffusion.mnist.QUICK_STEPS`), with a progress callback over all batches."""
    from core.diffusion.mnist import QUICK_STEPS, MnistDiffusionConfig, sample_digits

    cfg, batch = MnistDiffusionConfig(), 250
    n_batches = -(-n // batch)
    done = [0]

    def tick(_i: int, _total: int) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], n_batches * QUICK_STEPS)

    x, _ = sample_digits(
        model, n, seed=seed, labels=balanced_labels(n), S=QUICK_STEPS, rho=cfg.guidance,
        cfg=cfg, batch=batch, progress=tick,
    )  # fmt: skip
    return x
