"""AppTest of pages/07_Autoregressive_Models.py: every view, its main controls, bad URL values,
a broken MADE mask that must turn the live checks red."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.pretrained import manifest_path
from tests.apptest import assert_ok
from ui.checks import FAIL, PASS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "07_Autoregressive_Models.py")


def _checks(at) -> str:
    return " ".join(m.value for e in at.expander for m in e.markdown)


@pytest.fixture  # a fresh page per test: a shared one made tests depend on their order
def at():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert_ok(at)
    return at


def _view(at, name):
    at.radio(key="ar_view").set_value(name).run()
    assert_ok(at)


def test_ladder_table_and_reproduced_nll(at):
    _view(at, "Ladder")
    assert at.table, "the ladder table"
    text = at.table[0].value.to_string()
    assert "FVSBN" in text and "307,720" in text  # n(n+1)/2 for n = 784
    assert PASS in _checks(at) and FAIL not in _checks(at)


def test_made_builder_checks_pass_then_fail_when_broken(at):
    _view(at, "MADE masks")
    for n, layers, order, deg in ((4, 1, "raster", "deterministic"), (7, 2, "random", "random")):
        at.slider(key="ar_md_n").set_value(n)
        at.radio(key="ar_md_layers").set_value(layers)
        at.radio(key="ar_md_order").set_value(order)
        at.radio(key="ar_md_deg").set_value(deg).run()
        assert_ok(at)
        assert "strictly lower-triangular" in _checks(at) and FAIL not in _checks(at)
    for broken in ("output mask uses ≤ instead of <", "first hidden mask all ones"):
        at.selectbox(key="ar_md_break").set_value(broken).run()
        assert_ok(at)
        assert FAIL in _checks(at), broken
    at.selectbox(key="ar_md_break").set_value("none").run()
    at.slider(key="ar_md_k").set_value(1).run()
    assert_ok(at)
    assert FAIL not in _checks(at)


def test_blind_spot_view(at):
    _view(at, "Blind spot")
    at.slider(key="ar_bs_r").set_value(10)
    at.slider(key="ar_bs_c").set_value(27).run()
    assert_ok(at)
    text = _checks(at)
    assert "causality" in text and FAIL not in text, text
    assert any("have zero gradient" in c.value for c in at.caption)


def test_wavenet_editor_checks_and_bad_dilations(at):
    _view(at, "WaveNet")
    assert "receptive field" in _checks(at) and FAIL not in _checks(at)
    at.text_input(key="ar_wn_d").set_value("1, 2, 4, 8, 16").run()
    at.slider(key="ar_wn_k").set_value(3).run()
    assert_ok(at)
    assert FAIL not in _checks(at)
    at.radio(key="ar_wn_pad").set_value("same (both sides)").run()
    assert_ok(at)
    assert FAIL in _checks(at)  # symmetric padding lets later inputs in
    at.radio(key="ar_wn_pad").set_value("causal (left)")
    at.text_input(key="ar_wn_d").set_value("1, 8").run()
    assert any("holes" in w.value for w in at.warning)
    for bad in ("", "one, two", "0, 1", "1000"):
        at.text_input(key="ar_wn_d").set_value(bad).run()
        assert_ok(at)
        assert at.error, bad
    at.text_input(key="ar_wn_d").set_value("1, 2, 4, 8").run()
    assert_ok(at)


@pytest.mark.skipif(not manifest_path("ar_nade").exists(), reason="ar_nade not trained")
def test_chain_rule_and_teacher_forcing(at):
    _view(at, "Chain rule")
    at.selectbox(key="ar_ch_stride").set_value(28).run()
    assert_ok(at)
    at.slider(key="ar_tf_rows").set_value(20).run()
    assert_ok(at)
    assert any("log p(x) of this sample" in c.value for c in at.caption)
    assert PASS in _checks(at) and FAIL not in _checks(at)


@pytest.mark.skipif(not manifest_path("ar_nade").exists(), reason="ar_nade not trained")
def test_nade_recursion_view(at):
    _view(at, "NADE O(nd)")
    at.select_slider(key="ar_nade_b").set_value(1).run()
    assert_ok(at)
    assert "recursion vs naive" in _checks(at) and FAIL not in _checks(at)


@pytest.mark.skipif(not manifest_path("ar_nade").exists(), reason="ar_nade not trained")
def test_inpainting_with_nade():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params.update(ar_view="Inpainting", ar_in_model="ar_nade", ar_in_rows="20")
    at.run()
    assert_ok(at)
    assert any("completions below row 20" in c.value for c in at.caption)


@pytest.mark.skipif(not manifest_path("ar_vrnn").exists(), reason="ar_vrnn not trained")
def test_vrnn_view_terms_rollouts_and_checks(at):
    _view(at, "Variational RNN")
    text = _checks(at)
    assert "kl_divergence" in text and "ELBO ≤ IWAE" in text and "deterministic" in text
    assert PASS in text and FAIL not in text, text
    assert any("VRNN ELBO" in m.label for m in at.metric)
    at.number_input(key="ar_vr_idx").set_value(5)
    at.slider(key="ar_vr_prompt").set_value(96).run()
    assert_ok(at)
    assert FAIL not in _checks(at)
    at.number_input(key="ar_vr_seed").set_value(3).run()
    assert_ok(at)


@pytest.mark.parametrize(
    "params",
    [
        {"ar_view": "MADE masks", "ar_md_n": "999", "ar_md_width": "-3", "ar_md_k": "nan"},
        {"ar_view": "Blind spot", "ar_bs_r": "1e9", "ar_bs_c": "abc"},
        {"ar_view": "Chain rule", "ar_ch_seed": "-1", "ar_ch_stride": "0", "ar_tf_idx": "100000"},
        {"ar_view": "Inpainting", "ar_in_model": "ar_nope", "ar_in_idx": "-7"},
        {"ar_view": "NADE O(nd)", "ar_nade_b": "1000000"},
        {"ar_view": "Variational RNN", "ar_vr_idx": "999", "ar_vr_prompt": "-5", "ar_vr_seed": "x"},
        {"ar_view": "no such view"},
    ],
)
def test_silly_url_values_fall_back(params):
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params.update(params)
    at.run()
    assert_ok(at)
