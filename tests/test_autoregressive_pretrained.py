"""The shipped §7 manifests: their held-out NLLs reproduce from the weights, their parameter
counts match the notes' formulas, their samples decode."""

import pytest
import torch

from core.autoregressive.base import mean_nll
from core.autoregressive.data import binarized_split
from core.autoregressive.made import MADE
from core.autoregressive.pretrained import CONFIGS, hex_bits
from core.pretrained import load, manifest_path

torch.set_num_threads(1)
SHIPPED = [n for n in CONFIGS if manifest_path(n).exists()]


@pytest.mark.parametrize("name", SHIPPED)
def test_manifest_nll_reproduces_from_the_weights(name):
    model, m = load(name)
    x = binarized_split()["test"]
    with torch.no_grad():
        if isinstance(model, MADE) and model.cfg.num_masks > 1:
            nll = float(-model.log_prob_ensemble(x).mean())
        else:
            nll = mean_nll(model, x)
    mm = m["metrics"]
    assert abs(nll - mm["test_nll_nats"]) < 1e-3 * max(1.0, nll / 100), (nll, mm)
    assert mm["free_parameters"] == model.free_parameters()
    if not name.startswith(("ar_made", "ar_pixelcnn", "ar_gated")):
        assert mm["free_parameters"] == mm["formula_parameters"]  # n, n(n+1)/2, 2nd + n + d
    s = hex_bits(m["samples_hex"], m["samples_n"])
    assert s.shape == (m["samples_n"], 1, 28, 28) and 0 < s.mean() < 0.5


def test_wavenet_manifest_reproduces():
    if not manifest_path("ar_wavenet").exists():
        pytest.skip("ar_wavenet not trained")
    from core.autoregressive.wavenet import N_TEST, mu_law_encode, signals

    model, m = load("ar_wavenet")
    x = mu_law_encode(signals(N_TEST, model.cfg.length, 2), model.cfg.q)
    with torch.no_grad():
        nll = float(model.nll(x))
    assert abs(nll - m["metrics"]["test_nll_nats_per_sample"]) < 1e-4
