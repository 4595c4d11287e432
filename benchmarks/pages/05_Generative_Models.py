"""§5 Generative models: view switches, and the CLI's sampling time for 64 samples per model as a
ratio to the model's raw forward-pass time (the sampler's overhead).

Sampling runs as ``python -m core.pretrained sample`` does: `core.generative.registry.draw`, one
torch thread. Raw forward time: the network calls a sample of 64 needs, timed bare (U-Net:
`QUICK_STEPS` = 6 DDIM steps x a batch of 128 for guidance; latent diffusion: 50 steps x 128 and
one decoder pass; GAN/VAE: one decoder pass; flows: one inverse pass; §7's autoregressive
models: one teacher-forced pass over 64 images, so the ratio counts the chain rule's sequential
passes, 784 for a pixel-by-pixel sampler). Each row also gives the
process's CPU time, which is what the wall clock reads on an idle machine.
"""

from __future__ import annotations

from benchmarks.harness import Interaction, Row
from core.timing import median_ms

PAGE = "pages/05_Generative_Models.py"
VIEWS = ["Measured table", "Same seed, every family", "Quality vs sampling time", "Sample a model"]
INTERACTIONS = [
    Interaction("view switch", lambda at, i: at.radio(key="gen_view").set_value(VIEWS[i % 4])),
]
BROWSER_VIEWS = ["", "?gen_view=Sample+a+model"]
BROWSER_LIVE: list[str] = []
BROWSER_SCRUB: list[str] = []


def _raw_forward(name: str, model):
    """A closure running the bare network calls one sample of 64 needs."""
    import torch

    from core.generative.registry import BY_NAME

    entry = BY_NAME[name]
    if name == "diffusion_unet_mnist":
        from core.diffusion.mnist import QUICK_STEPS

        x, t, y = torch.randn(128, 1, 28, 28), torch.full((128,), 50), torch.arange(128) % 10
        return lambda: [model(x, t, y) for _ in range(QUICK_STEPS)]
    if name == "diffusion_latent_mnist":
        z, t, y = torch.randn(128, model.cfg.latent_dim), torch.full((128,), 50), torch.arange(128)
        zd = torch.randn(64, model.cfg.latent_dim)
        return lambda: ([model.eps_model(z, t, y % 10) for _ in range(50)], model.decode(zd))
    if entry.kind == "points":
        z = torch.randn(64, 2)
        return lambda: model.inverse(z)
    if entry.data == "binary":  # §7: one teacher-forced pass gives all 784 conditionals
        x = torch.zeros(64, 784)
        return lambda: model.logits(x)
    if name == "gan_mnist_dcgan":
        z = torch.randn(64, model.cfg.noise_dim)
        return lambda: model(z)
    z = torch.randn(64, model.latent_dim)
    return lambda: model.decode(z)


def extra() -> list[Row]:
    import time

    import torch

    from core.generative.registry import MODELS, draw
    from core.pretrained import load

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows: list[Row] = []
    try:
        for m in MODELS:
            model, _ = load(m.name)
            slow = m.name == "diffusion_unet_mnist"
            chain = m.data == "binary"  # §7's samplers: 784 passes, up to minutes for 64
            reps, warm = (1, 0) if chain else (3 if slow else 5, 1)
            with torch.inference_mode():
                c0 = time.process_time()
                ms = median_ms(lambda: draw(m.name, model, 64, 0), reps, warm)  # noqa: B023
                cpu = (time.process_time() - c0) / (reps + warm) * 1000  # mean incl. warm-up
                raw = median_ms(_raw_forward(m.name, model), reps, 1)
            budget = 3000 if slow else 500
            rows.append(
                Row(
                    f"sample 64, {m.name}",
                    ms,
                    "ms",
                    f"≤ {budget} ms",
                    ms <= budget,
                    f"raw forward {raw:.0f} ms; sampler/forward = {ms / raw:.2f}; CPU time "
                    f"{cpu:.0f} ms; 1 thread",
                )
            )
    finally:
        torch.set_num_threads(threads)
    return rows
