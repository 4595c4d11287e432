"""`warp_trajectory` (one pass through the steps) gives every k's points exactly as `warp_points`
(k steps from scratch) does, in both directions, and `warp_views` is built from it."""

import numpy as np
import pytest
import torch

from core.flows import density as D
from core.flows.models import FlowConfig, build_realnvp


def _random_flow():
    """A RealNVP with random weights (a fresh one is the identity: zero-initialised outputs)."""
    torch.manual_seed(0)
    flow = build_realnvp(FlowConfig()).eval()
    with torch.no_grad():
        for p in flow.parameters():
            p.normal_(0.0, 0.3)
    return flow


@pytest.mark.parametrize("direction", ["generate", "normalize"])
def test_trajectory_equals_each_k_from_scratch(direction):
    flow = _random_flow()
    pts = np.random.default_rng(1).standard_normal((64, 2)).astype(np.float32)
    traj = D.warp_trajectory(flow, pts, direction)
    assert len(traj) == flow.n_steps + 1
    for k, got in enumerate(traj):
        want = D.warp_points(flow, pts, k, direction)
        np.testing.assert_array_equal(got, want)
    assert not np.allclose(traj[0], traj[-1])  # the steps do move the points


def test_warp_views_frames_match_warp_points():
    flow = _random_flow()
    x_show = np.random.default_rng(2).standard_normal((50, 2)).astype(np.float32)
    box = (-2.0, 2.0, -2.0, 2.0)
    v = D.warp_views(flow, box, x_show, seed=0, n_base=40)
    m = flow.n_steps
    np.testing.assert_array_equal(v["nrm_pts"][m], D.warp_points(flow, x_show, m, "normalize"))
    lines = D.grid_lines(box, 15, 100)
    np.testing.assert_array_equal(v["nrm_lines"][2], D.warp_lines(flow, lines, 2, "normalize"))
    with pytest.raises(ValueError):
        D.warp_trajectory(flow, x_show, "sideways")
