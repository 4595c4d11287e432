"""Every flow layer and composite: invertible to float precision, log|det J| equal to the
determinant of the autograd Jacobian (notes §8.2–8.5)."""

import pytest
import torch

from core.flows.layers import (
    ActNorm,
    AdditiveCoupling,
    AffineCoupling,
    InvertibleLinear,
    Permute,
    Scaling,
    brute_force_log_det,
)
from core.flows.models import FLOW_BUILDERS, FlowConfig, build_flow


def _perturb(module, scale=0.3, seed=0):
    """Move every parameter off its (identity) initialisation so the test is not trivial."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def _layers():
    m = torch.tensor([0.0, 1.0])
    return {
        "additive_coupling": lambda: AdditiveCoupling(m, hidden=16),
        "scaling": lambda: Scaling(2),
        "affine_coupling": lambda: AffineCoupling(1 - m, hidden=16),
        "actnorm": lambda: ActNorm(2),
        "invertible_linear_lu": lambda: InvertibleLinear(2, seed=3),
        "permute_reverse": lambda: Permute.reverse(2),
        "nice": lambda: build_flow(FlowConfig(kind="nice", n_steps=4, hidden=16)),
        "realnvp": lambda: build_flow(FlowConfig(kind="realnvp", n_steps=4, hidden=16)),
        "glow": lambda: build_flow(FlowConfig(kind="glow", n_steps=3, hidden=16)),
        "realnvp_random_perm": lambda: build_flow(
            FlowConfig(kind="realnvp", n_steps=3, hidden=16, permutation="random", seed=5)
        ),
    }


LAYERS = _layers()


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
def test_invertible(name, dtype, tol):
    layer = _perturb(LAYERS[name]().to(dtype)).eval()
    x = torch.randn(256, 2, dtype=dtype, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        z, ldj = layer(x)
        x_back, ildj = layer.inverse(z)
    assert (x_back - x).abs().max().item() < tol
    # the inverse's log-determinant is minus the forward one at the same point
    assert (ildj + ldj).abs().max().item() < tol * 10
    assert z.dtype == dtype and ldj.shape == (256,)


@pytest.mark.parametrize("name", list(LAYERS))
def test_log_det_matches_autograd_jacobian(name):
    layer = _perturb(LAYERS[name]().double(), seed=2).eval()
    x = 1.5 * torch.randn(24, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    _, ldj = layer(x)
    ref = brute_force_log_det(lambda v: layer(v)[0], x)
    assert (ldj.detach() - ref).abs().max().item() < 1e-10
    # and in the generative direction
    _, ildj = layer.inverse(x)
    ref_inv = brute_force_log_det(lambda v: layer.inverse(v)[0], x)
    assert (ildj.detach() - ref_inv).abs().max().item() < 1e-10
    if name not in ("additive_coupling", "permute_reverse"):
        assert ldj.abs().max() > 1e-3  # a non-trivial volume change was checked


def test_additive_coupling_is_volume_preserving_and_copies_x_b():
    layer = _perturb(AdditiveCoupling(torch.tensor([0.0, 1.0]), hidden=16))
    x = torch.randn(64, 2)
    z, ldj = layer(x)
    assert torch.equal(z[:, 1], x[:, 1])  # x_B copied through
    assert not torch.allclose(z[:, 0], x[:, 0])
    assert torch.count_nonzero(ldj) == 0


def test_affine_scale_is_bounded():
    layer = AffineCoupling(torch.tensor([1.0, 0.0]), hidden=8, scale_bound=2.0)
    _perturb(layer, scale=50.0)
    _, ldj = layer(torch.randn(512, 2) * 10)
    assert ldj.abs().max() <= 2.0 and torch.isfinite(ldj).all()  # tanh saturates at c


def test_actnorm_data_dependent_init():
    layer = ActNorm(2).train()
    x = torch.randn(4096, 2) * torch.tensor([3.0, 0.2]) + torch.tensor([5.0, -1.0])
    z, _ = layer(x)
    assert torch.allclose(z.mean(0), torch.zeros(2), atol=1e-4)
    assert torch.allclose(z.std(0), torch.ones(2), atol=1e-3)
    assert int(layer.initialized) == 1
    z2, _ = layer(x * 100)  # initialised once only
    assert not torch.allclose(z2.std(0), torch.ones(2), atol=0.1)


def test_invertible_linear_lu_parameterisation():
    layer = _perturb(InvertibleLinear(2, seed=0).double())
    W = layer.weight()
    assert torch.allclose(torch.linalg.slogdet(W)[1], layer.log_s.sum(), atol=1e-12)
    P = layer.P
    assert torch.equal(P @ P.T, torch.eye(2, dtype=P.dtype))  # a permutation matrix


def test_none_permutation_leaves_one_coordinate_gaussian_input():
    flow = _perturb(build_flow(FlowConfig(kind="realnvp", n_steps=4, hidden=8, permutation="none")))
    x = torch.randn(32, 2)
    z, _ = flow(x)
    assert torch.equal(z[:, 1], x[:, 1])  # x_B is never transformed


def test_registry_fails_loudly():
    assert set(FLOW_BUILDERS) == {"nice", "realnvp", "glow"}
    with pytest.raises(ValueError, match="unknown flow: 'maf'; choose from nice, realnvp, glow"):
        build_flow(FlowConfig(kind="maf"))
    with pytest.raises(ValueError, match="unknown permutation"):
        build_flow(FlowConfig(permutation="shuffle"))
