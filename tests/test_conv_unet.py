"""U-Net (notes §3.2): the shipped skip model beats its no-skip ablation on held-out IoU,
recomputed here from the weights (not read from the manifests); task and trainer sanity."""

import numpy as np
import pytest
import torch

from core.conv import figures as cf
from core.conv.unet import (
    NOSKIP_CONFIG,
    UNET_CONFIG,
    UNet,
    UNetTrainer,
    heldout_iou,
    heldout_set,
    iou,
    make_cluttered,
)
from core.pretrained import load, read_manifest


def test_clutter_is_seeded_and_target_is_the_digit_mask():
    digits = torch.rand(6, 1, 28, 28)
    a = make_cluttered(digits, digits, UNET_CONFIG, torch.Generator().manual_seed(3))
    b = make_cluttered(digits, digits, UNET_CONFIG, torch.Generator().manual_seed(3))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], (digits > 0.5).float())
    assert a[0].min() >= 0 and a[0].max() <= 1


def test_iou_definition():
    p = torch.tensor([[1, 1, 0, 0]], dtype=torch.bool)
    t = torch.tensor([[1, 0, 1, 0]], dtype=torch.bool)
    assert iou(p, t) == pytest.approx(1 / 3)
    assert iou(torch.zeros(3, dtype=torch.bool), torch.zeros(3, dtype=torch.bool)) == 1.0


def test_architecture_and_skip_ablation_shapes():
    for cfg in (UNET_CONFIG, NOSKIP_CONFIG):
        m = UNet(cfg)
        lv = m.levels(torch.rand(2, 1, 28, 28))
        assert lv["logits"].shape == (2, 1, 28, 28)
        assert lv["bottleneck (7×7)"].shape[-1] == 7
    n_skip = sum(p.numel() for p in UNet(UNET_CONFIG).parameters())
    n_noskip = sum(p.numel() for p in UNet(NOSKIP_CONFIG).parameters())
    assert n_skip > n_noskip  # the decoder blocks read the concatenated channels


def test_trainer_steps_reduce_the_loss():
    torch.manual_seed(0)
    tr = UNetTrainer(UNET_CONFIG, seed=0)
    first = tr.step(1)["loss"]
    last = tr.step(15)["loss"]
    assert tr.steps_done == 16 and np.isfinite(last) and last < first


@pytest.mark.slow
def test_shipped_unet_beats_no_skip_ablation_on_heldout_iou():
    skip, m_skip = load("conv_unet")
    noskip, m_noskip = load("conv_unet_noskip")
    s_skip, s_noskip = heldout_iou(skip), heldout_iou(noskip)  # recomputed on 500 test digits
    x, y = heldout_set()
    baseline = iou(x > 0.5, y)
    assert s_skip["heldout_iou"] > s_noskip["heldout_iou"] + 0.02
    assert s_noskip["heldout_iou"] > baseline + 0.1  # both actually learned the task
    # the manifests hold what the code measures
    assert s_skip["heldout_iou"] == pytest.approx(m_skip["metrics"]["heldout_iou"], abs=1e-4)
    assert s_noskip["heldout_iou"] == pytest.approx(m_noskip["metrics"]["heldout_iou"], abs=1e-4)
    assert read_manifest("conv_unet")["config"]["skips"] is True


def test_figures_are_pure_and_cheap():
    img = np.random.default_rng(0).random((50, 70)).astype(np.float32)
    fig = cf.images_row([img, img - 0.5], ["a", "b"])
    assert len(fig.data) == 2 and fig.data[0].source.startswith("data:image/")
    assert cf.to_rgb(np.array([[-1.0, 0.0, 1.0]]))[0, 1].tolist() == [247, 247, 247]
    g = cf.grid_panel(-np.eye(2))  # the canvas grids' data: numbers as written, no "-0"
    assert g["t"] == ["-1", "0", "0", "-1"] and (g["r"], g["c"]) == (2, 2)
    assert cf.grid_panel(np.array([[0.5, 1]]))["t"] == ["0.50", "1.00"]
    assert cf.grid_boxes({1: [(0, 0, 1, 1, "red")]}) == [[1, 0, 0, 1, 1, "red"]]
    (f,) = cf.grid_frames([{"grids": {2: np.ones((1, 1))}, "taps": (0, 1, 2, 3, 1, "red")}])
    assert f["g"]["2"]["t"] == ["1"] and f["k"] == [0, 1, 2, 3, 1, "red"] and f["b"] == []
    assert cf.latex_matrix(np.array([[1, -2]])) == r"\begin{bmatrix}1 & -2\end{bmatrix}"
    fm = cf.feature_maps({"a": np.random.rand(4, 7, 7), "b": np.random.rand(3, 14, 14)}, n=3)
    assert len(fm.layout.annotations) == 2
    # true relative scale: the 7x7 row is half as tall as the 14x14 row (not stretched to it)
    a, b = (ann["y"] for ann in fm.layout.annotations)  # each row's vertical centre, px
    assert (a, b) == (7, 14 + 3 + 14)  # rows 14 and 28 px tall (one scale: x2), pad 3
