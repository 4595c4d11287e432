"""The 2-D GAN stepper: unrolling restores D, seeded runs reproduce, slow motion, snapshots."""

from dataclasses import replace

import numpy as np
import torch

from core.gan import views
from core.gan.models import MLPConfig
from core.gan.trainer import GANConfig, GANTrainer

SMALL = MLPConfig(g_width=32, g_depth=2, d_width=32, d_depth=2)


def _cfg(**kw):
    return replace(GANConfig(model=SMALL, batch_size=64, snapshot_every=5, n_data=2000), **kw)


def test_unrolled_g_step_restores_d_and_its_optimizer():
    t = GANTrainer(_cfg(objective="unrolled", unroll=3))
    t.step(3)
    before = {k: v.clone() for k, v in t.D.state_dict().items()}
    opt_before = {
        k: {n: (x.clone() if torch.is_tensor(x) else x) for n, x in v.items()}
        for k, v in t.opt_d.state_dict()["state"].items()
    }
    g_before = [p.clone() for p in t.G.parameters()]
    t.g_step()
    for k, v in t.D.state_dict().items():
        assert torch.equal(v, before[k]), k
    for k, v in t.opt_d.state_dict()["state"].items():
        for n, x in v.items():
            assert torch.equal(torch.as_tensor(x), torch.as_tensor(opt_before[k][n]))
    assert any(not torch.equal(a, b) for a, b in zip(g_before, t.G.parameters(), strict=False))


def test_unrolled_gradient_differs_from_plain():
    """The unrolled G update is taken against D_k, not D: G moves differently."""
    a = GANTrainer(_cfg(objective="unrolled", unroll=5))
    b = GANTrainer(_cfg(objective="non-saturating"))
    for t in (a, b):
        t.step(2)
    b.G.load_state_dict(a.G.state_dict())
    b.D.load_state_dict(a.D.state_dict())
    a.gen.manual_seed(7)
    b.gen.manual_seed(7)
    a.g_step()
    b.g_step()
    diff = max(
        (p - q).abs().max().item() for p, q in zip(a.G.parameters(), b.G.parameters(), strict=False)
    )
    assert diff > 0


def test_seeded_runs_reproduce_and_seeds_differ():
    m1 = GANTrainer(_cfg(objective="r1", seed=4)).step(12)
    m2 = GANTrainer(_cfg(objective="r1", seed=4)).step(12)
    m3 = GANTrainer(_cfg(objective="r1", seed=5)).step(12)
    assert m1 == m2
    assert m1 != m3


def test_slow_motion_and_snapshots():
    t = GANTrainer(_cfg(objective="pacgan", pack=3, d_steps=2))
    d0 = t.d_updates
    t.d_step()
    assert t.d_updates == d0 + 1 and t.steps_done == 0
    t.g_step()
    assert t.steps_done == 1
    m = t.step(9)
    assert t.steps_done == 10 and t.d_updates == d0 + 1 + 18
    assert [s.step for s in t.snapshots] == [0, 5, 10]
    assert {"modes", "hq_pct", "reverse_kl", "js", "loss_d", "loss_g"} <= set(m)
    G, D = t.models_at(1)
    assert not torch.equal(next(G.parameters()), next(t.G.parameters()))


def test_every_objective_runs_and_views_are_finite():
    for obj in (
        "minimax",
        "non-saturating",
        "least-squares",
        "wgan",
        "wgan-gp",
        "r1",
        "unrolled",
        "pacgan",
    ):
        t = GANTrainer(_cfg(objective=obj, dataset="grid25", unroll=2))
        m = t.step(3)
        assert all(np.isfinite(v) for v in m.values()), (obj, m)
        box = views.bounds(t.data_np)
        xs, ys, Z = views.d_field(t.D, t.obj.loss, box, res=12)
        pts, g = views.generator_arrows(t.G, t.D, t.obj.loss, t.z_eval[:20])
        sheet = views.manifold(t.G, n_lines=3, n_pts=5)
        assert Z.shape == (12, 12) and np.isfinite(Z).all() and np.isfinite(g).all()
        assert sheet.shape == (6 * 6, 2)


def test_page_self_checks_pass():
    from core.gan.checks import self_checks

    for name, value, tol, detail in self_checks():
        assert value <= tol, (name, value, detail)
