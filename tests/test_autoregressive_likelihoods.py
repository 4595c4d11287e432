"""§7 likelihoods against brute force: on n <= 10 binary pixels, sum_x p(x) over all 2^n images
must be 1 for every model (a bug in a mask, an ordering or the recursion breaks it)."""

import itertools
import math

import pytest
import torch

from core.autoregressive.base import ARModel
from core.autoregressive.fvsbn import FVSBN, ARConfig, IndependentBernoulli, IndependentConfig
from core.autoregressive.made import MADE, MADEConfig
from core.autoregressive.nade import NADE, NADEConfig
from core.autoregressive.pixelcnn import PixelCNNConfig, build

torch.set_num_threads(1)


def all_binary(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=torch.float64)


def randomise(model: torch.nn.Module, seed: int = 0, scale: float = 0.7) -> torch.nn.Module:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * scale)
    return model.double().eval()


TINY = {
    "independent": lambda: IndependentBernoulli(IndependentConfig(n=9, shape=(9,))),
    "fvsbn raster": lambda: FVSBN(ARConfig(n=9, shape=(9,))),
    "fvsbn random": lambda: FVSBN(ARConfig(n=9, shape=(9,), ordering="random", order_seed=3)),
    "nade raster": lambda: NADE(NADEConfig(n=10, d=5, shape=(10,))),
    "nade random": lambda: NADE(NADEConfig(n=10, d=5, shape=(10,), ordering="random")),
    "made 1 mask": lambda: MADE(MADEConfig(n=8, hidden=(16, 16), shape=(8,))),
    "made deterministic": lambda: MADE(
        MADEConfig(n=8, hidden=(12,), shape=(8,), degrees="deterministic", ordering="random")
    ),
    "pixelcnn 3x3": lambda: build(PixelCNNConfig(channels=4, layers=2, shape=(1, 3, 3))),
    "gated pixelcnn 3x3": lambda: build(
        PixelCNNConfig(channels=4, layers=2, shape=(1, 3, 3), gated=True)
    ),
}


@pytest.mark.parametrize("name", list(TINY))
def test_probabilities_sum_to_one(name):
    model = randomise(TINY[name]())
    x = all_binary(model.n)
    with torch.no_grad():
        total = torch.logsumexp(model.log_prob(x), 0).exp().item()
    assert abs(total - 1) < 1e-10, total


@pytest.mark.parametrize("name", list(TINY))
def test_fast_sampler_equals_the_chain_rule_sampler(name):
    """Each model's own sampler (O(nd) NADE, cropped PixelCNN, ...) draws exactly what the
    generic n-pass chain-rule sampler draws with the same uniforms."""
    model = randomise(TINY[name](), seed=1, scale=1.5)
    a = model.sample(64, torch.Generator().manual_seed(5))
    b = ARModel.sample(model, 64, torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert 0 < a.mean() < 1  # not a degenerate draw


def test_sample_frequencies_match_log_prob():
    """Free-running samples follow p(x): frequencies of the 2^4 patterns vs exp(log p)."""
    model = randomise(NADE(NADEConfig(n=4, d=3, shape=(4,), ordering="random")), seed=2)
    s = model.sample(40000, torch.Generator().manual_seed(0))
    codes = (s * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=s.dtype)).sum(1).long()
    freq = torch.bincount(codes, minlength=16).double() / len(s)
    p = model.log_prob(all_binary(4)).exp()
    assert (freq - p).abs().max() < 5 * math.sqrt(0.25 / 40000)


def test_nade_recursion_equals_naive_and_vectorised():
    model = randomise(NADE(NADEConfig(n=12, d=7, shape=(12,), ordering="random")))
    x = all_binary(12)[::37]
    fast, loop, naive = model.logits(x), model.logits_recursive(x), model.logits_naive(x)
    assert torch.allclose(fast, naive, atol=1e-12) and torch.allclose(loop, naive, atol=1e-12)


def test_made_ensemble_is_a_mixture_and_average_logits_is_not():
    """log-mean-exp over masks sums to 1; averaging logits across different orderings does not."""
    model = randomise(MADE(MADEConfig(n=8, hidden=(16,), shape=(8,), num_masks=4)), seed=4)
    x = all_binary(8)
    with torch.no_grad():
        right = torch.logsumexp(model.log_prob_ensemble(x), 0).exp().item()
        wrong = torch.logsumexp(model.log_prob_average_logits(x), 0).exp().item()
        per_mask = []
        for k in range(4):
            model.use_mask(k)
            per_mask.append(model.log_prob(x))
        model.use_mask(0)
    assert abs(right - 1) < 1e-10
    assert abs(wrong - 1) > 1e-3, wrong
    mixture = torch.logsumexp(torch.stack(per_mask), 0) - math.log(4)
    assert torch.allclose(mixture, model.log_prob_ensemble(x))


def test_parameter_counts_follow_the_notes():
    n, d = 784, 256
    assert FVSBN(ARConfig()).free_parameters() == n * (n + 1) // 2
    assert NADE(NADEConfig(d=d)).free_parameters() == 2 * n * d + n + d
    assert sum(p.numel() for p in NADE(NADEConfig(d=d)).parameters()) == 2 * n * d + n + d
    assert IndependentBernoulli(IndependentConfig()).free_parameters() == n


def test_independent_closed_form_is_the_mle():
    x = (torch.rand(200, 6, generator=torch.Generator().manual_seed(0)) < 0.3).float()
    m = IndependentBernoulli(IndependentConfig(n=6, shape=(6,)))
    m.fit_closed_form(x, alpha=0.0)
    assert torch.allclose(torch.sigmoid(m.c), x.mean(0), atol=1e-6)


def test_binarize_rule_and_split():
    from core.autoregressive.data import binarize, binarized_split

    assert binarize(torch.tensor([0.0, 0.49, 0.5, 1.0])).tolist() == [0, 0, 1, 1]
    d = binarized_split()
    assert d["train"].shape == (4050, 784) and d["val"].shape == (450, 784)
    assert d["test"].shape == (500, 784)
    assert set(d["test"].unique().tolist()) == {0.0, 1.0}


@pytest.mark.parametrize("name", list(TINY))
def test_prompted_sampling_keeps_the_prompt(name):
    """Inpainting: the first ``start`` steps keep the prompt; fast and generic samplers agree."""
    model = randomise(TINY[name](), seed=3, scale=1.5)
    prompt = (torch.rand(1, model.n, generator=torch.Generator().manual_seed(9)) < 0.5).double()
    start = model.n // 2
    a = model.sample(16, torch.Generator().manual_seed(2), prompt=prompt, start=start)
    b = ARModel.sample(model, 16, torch.Generator().manual_seed(2), prompt=prompt, start=start)
    assert torch.equal(a, b)
    first = model.order[:start]
    assert torch.equal(a.reshape(16, -1)[:, first], prompt.expand(16, -1)[:, first])


def test_nade_fast_trace_equals_the_generic_trace():
    model = randomise(NADE(NADEConfig(n=10, d=4, shape=(10,), ordering="random")), seed=6)
    prompt = torch.ones(1, 10, dtype=torch.float64)
    for start in (0, 4):
        a, pa = model.sample(3, torch.Generator().manual_seed(1), True, prompt, start)
        b, pb = ARModel.sample(model, 3, torch.Generator().manual_seed(1), True, prompt, start)
        assert torch.equal(a, b)
        for k, _ in enumerate(model.order[start:]):  # the pixels not drawn yet at each step
            later = model.order[start + k :]
            assert torch.allclose(pa[:, k, later], pb[:, k, later], atol=1e-12)
