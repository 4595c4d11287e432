"""§7 Autoregressive models: rerun latency of the views, and the measured ladder."""

from __future__ import annotations

from benchmarks.harness import Interaction, Row, in_view

PAGE = "pages/07_Autoregressive_Models.py"


def _in_view(view, key, kind, values):
    return in_view(
        "ar_view",
        view,
        lambda at, i: getattr(at, kind)(key=key).set_value(values[i % len(values)]),
    )


INTERACTIONS = [
    Interaction("MADE builder: inputs n", _in_view("MADE masks", "ar_md_n", "slider", [5, 7])),
    Interaction(
        "MADE builder: break a mask",
        _in_view(
            "MADE masks", "ar_md_break", "selectbox", ["output mask uses ≤ instead of <", "none"]
        ),
    ),
    Interaction("MADE ensemble: masks K", _in_view("MADE masks", "ar_md_k", "slider", [4, 8])),
    Interaction("blind spot: row r", _in_view("Blind spot", "ar_bs_r", "slider", [12, 14])),
    Interaction("WaveNet: kernel k", _in_view("WaveNet", "ar_wn_k", "slider", [3, 2])),
    Interaction(
        "teacher forcing: rows kept", _in_view("Chain rule", "ar_tf_rows", "slider", [10, 14])
    ),
    Interaction(
        "VRNN: prompt length", _in_view("Variational RNN", "ar_vr_prompt", "slider", [56, 48])
    ),
]


def extra() -> list[Row]:
    """The ladder as its manifests recorded it (measured at training time by the code)."""
    from core.autoregressive.pretrained import CONFIGS, LABELS
    from core.pretrained import PretrainedError, read_manifest

    rows: list[Row] = []
    for name in CONFIGS:  # the ladder, NADE and FVSBN in raster and random order included
        try:
            mm = read_manifest(name)["metrics"]
        except PretrainedError:
            continue
        rows.append(
            Row(
                f"held-out NLL, {LABELS[name]}",
                mm["test_nll_nats"],
                "nats/image",
                "",
                None,
                f"{mm['test_bits_per_dim']:.4f} bits/dim, {int(mm['free_parameters']):,} "
                f"free parameters, sample 16 in {mm['sample_16_s']:.2f} s",
            )
        )
    try:
        m = read_manifest("ar_vrnn")
    except PretrainedError:
        return rows
    mm, k = m["metrics"], m["config"]["iw_samples"]
    rows.append(
        Row(
            "held-out ELBO, variational RNN",
            mm["test_elbo_per_step"],
            "nats/step",
            "",
            None,
            f"IWAE_{k} {mm[f'test_iwae{k}_per_step']:.3f}, KL {mm['test_kl_per_step']:.3f}; "
            f"plain RNN log p {mm['rnn_test_log_prob_per_step']:.3f} nats/step",
        )
    )
    return rows


NOTES = """
Every §7 model is trained on the binarised shared split (x = 1{pixel >= 1/2}, 4,050 training
digits, 450 for early stopping) and scored on the 500 held-out digits; rebuild one with
`python -m core.pretrained train ar_nade`. The published NLLs (NADE 88.3, EoNADE-5 84.7,
PixelCNN 81.3, PixelRNN 79.2 nats) use the stochastically binarised 60k/10k MNIST: reference
lines only.
"""

# ---------------------------------------------------------------- browser (benchmarks/browser.py)
BROWSER_VIEWS = [
    "?ar_view=MADE+masks",
    "?ar_view=Blind+spot",
    "?ar_view=WaveNet",
    "?ar_view=Chain+rule",
    "?ar_view=Variational+RNN",
]
BROWSER_SCRUB = ["?ar_view=Chain+rule"]
