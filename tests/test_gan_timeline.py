"""The shipped recorded GAN run (core.gan.timeline): its weights are what the trainer produces
from the seed, and its manifest's metrics are what its last frame's weights measure."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.gan.metrics import dataset_mode_metrics
from core.gan.timeline import TIMELINE_NAME, RecordedRun, TimelineConfig, record, replay_matches
from core.gan.trainer import GANTrainer
from core.pretrained import load


@pytest.fixture(scope="module")
def shipped():
    return load(TIMELINE_NAME)


def test_the_recording_replays_from_its_seed(shipped):
    run, manifest = shipped
    cfg = TimelineConfig()
    assert manifest["config"]["frame_steps"] == list(cfg.frame_steps)
    assert replay_matches(run, cfg, n_frames=3) == 0.0  # steps 0, 25, 50 bit for bit


def test_manifest_metrics_are_measured_on_the_shipped_weights(shipped):
    run, manifest = shipped
    t = GANTrainer(TimelineConfig().gan)  # the fixed evaluation noise of the recorded config
    with torch.no_grad():
        x = run.G[-1](t.z_eval).numpy()
    mm = dataset_mode_metrics(x, "ring8").as_dict()
    for k in ("modes", "hq_pct", "reverse_kl"):
        assert mm[k] == pytest.approx(manifest["metrics"][k], rel=1e-5, abs=1e-6), k
    tl = manifest["timeline"]
    assert tl["steps"] == list(range(0, 2001, 25))
    assert tl["modes"][-1] == manifest["metrics"]["modes"]
    assert np.all(np.sum(tl["counts"], 1) <= 2500)


def test_frame_steps_must_be_snapshots():
    bad = replace(TimelineConfig(), frame_steps=(0, 30))
    with pytest.raises(ValueError, match="multiples of 25"):
        record(bad, 0)
    with pytest.raises(ValueError, match="rise from 0"):
        record(replace(TimelineConfig(), frame_steps=(25, 0)), 0)
    assert len(RecordedRun().G) == len(TimelineConfig().frame_steps)
