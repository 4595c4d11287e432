"""AppTest of pages/04_Recurrent_Networks.py: every view, its main controls and bad inputs
(lag 0, a huge lag, temperature 0, an empty or unknown-character prompt, silly URL values)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "04_Recurrent_Networks.py")


@pytest.fixture  # a fresh page per test: a shared one made tests depend on their order
def at():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert_ok(at, checks=True)
    return at


def _view(at, name):
    at.radio(key="rnn_view").set_value(name).run()
    assert_ok(at, checks=True)


def test_bptt_view_and_its_checks(at):
    _view(at, "BPTT step-through")
    at.slider(key="rnn_bptt_T").set_value(4).run()
    assert_ok(at, checks=True)
    at.slider(key="rnn_bptt_t").set_value(9).run()  # past the end: clamped with a message
    assert_ok(at, checks=True)
    assert any("past the sequence's end" in i.value for i in at.info)
    at.selectbox(key="rnn_bptt_act").set_value("linear")
    at.slider(key="rnn_bptt_scale").set_value(3.0).run()
    assert_ok(at, checks=True)
    text = " ".join(m.value for m in at.markdown)
    assert "autograd" in text and "finite differences" in text


def test_spectrum_view_flags_the_non_normal_case(at):
    _view(at, "Spectrum lab")
    at.selectbox(key="rnn_sp_kind").set_value("non_normal")
    at.selectbox(key="rnn_sp_act").set_value("linear").run()
    assert_ok(at, checks=True)
    assert any("eigenvalue 'bound' fails" in w.value for w in at.warning)
    at.selectbox(key="rnn_sp_kind").set_value("orthogonal").run()
    assert_ok(at, checks=True)
    assert not any("eigenvalue 'bound' fails" in w.value for w in at.warning)
    at.slider(key="rnn_sp_rho").set_value(2.0)
    at.selectbox(key="rnn_sp_act").set_value("tanh").run()  # exploding regime
    assert_ok(at, checks=True)


def test_gates_view(at):
    _view(at, "Leaky unit & LSTM")
    at.slider(key="rnn_g_bf").set_value(-3.0)
    at.slider(key="rnn_g_alpha").set_value(0.99)
    at.selectbox(key="rnn_g_input").set_value("pulse").run()
    assert_ok(at, checks=True)
    at.slider(key="rnn_g_T").set_value(5).run()
    assert_ok(at, checks=True)


def test_clipping_view(at):
    _view(at, "Gradient clipping")
    at.select_slider(key="rnn_cl_k").set_value(0.1)
    at.select_slider(key="rnn_cl_lr").set_value(0.2)
    at.slider(key="rnn_cl_steps").set_value(200).run()
    assert_ok(at, checks=True)
    assert any("longest clipped step" in str(m.label) for m in at.metric)
    if (ROOT / "pretrained" / "rnn_clip_norms.json").exists():  # the training-norm histogram
        assert any("Plain: median" in c.value and "% of steps above your k = 0.1" in c.value
                   for c in at.caption)  # fmt: skip


def test_char_lstm_bad_prompts_and_temperature_zero(at):
    _view(at, "Char-level LSTM")
    if not at.text_input:  # the model is not trained: the page says how to build it
        assert any("rebuild it with" in e.value for e in at.error)
        return
    at.slider(key="rnn_lm_temp").set_value(0.0).run()
    assert_ok(at, checks=True)
    assert any("greedy" in i.value for i in at.info)
    at.text_input(key="rnn_lm_prompt").set_value("").run()
    assert_ok(at, checks=True)
    assert any("Empty prompt" in i.value for i in at.info)
    at.text_input(key="rnn_lm_prompt").set_value("naïve ☃ → ").run()
    assert_ok(at, checks=True)
    assert any("vocabulary has no" in w.value for w in at.warning)
    at.slider(key="rnn_lm_temp").set_value(2.0)
    at.slider(key="rnn_lm_n").set_value(1000)
    at.number_input(key="rnn_lm_unit").set_value(179)
    at.selectbox(key="rnn_lm_gate").set_value("f").run()
    assert_ok(at, checks=True)


def test_lstmvis_span_search(at):
    _view(at, "Char-level LSTM")
    if not at.text_input:
        return
    at.text_input(key="rnn_lm_prompt").set_value("The value of the ").run()
    assert_ok(at, checks=True)
    at.slider(key="rnn_lv_thr").set_value(0.1)
    at.slider(key="rnn_lv_span").set_value((4, 8)).run()  # "value"
    assert_ok(at, checks=True)
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "cells kept" in html and "<mark" in html
    at.selectbox(key="rnn_lv_state").set_value("c").run()
    assert_ok(at, checks=True)
    # a whole sentence at a high threshold: no cell stays on, said plainly
    at.slider(key="rnn_lv_thr").set_value(0.95)
    at.slider(key="rnn_lv_span").set_value((0, 16)).run()
    assert_ok(at, checks=True)
    assert any("No cell stays above" in i.value for i in at.info)
    at.text_input(key="rnn_lm_prompt").set_value("").run()  # a shorter text: span clamped
    assert_ok(at, checks=True)


def test_memory_view_rejects_silly_lags(at):
    _view(at, "Long-range memory")
    for bad in (0, 10_000):
        at.number_input(key="rnn_mem_lag").set_value(bad).run()
        assert_ok(at, checks=True)
        assert any("Pick a lag" in w.value for w in at.warning), bad
    at.number_input(key="rnn_mem_lag").set_value(4).run()
    assert_ok(at, checks=True)
    at.button(key="rnn_mem_live_step").click().run()
    assert_ok(at, checks=True)
    assert any("accuracy" in c.value for c in at.caption)


def test_silly_url_values_fall_back():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update(rnn_view="Nope", rnn_sp_rho="nan", rnn_bptt_T="-4",
                           rnn_lm_temp="1e9", rnn_cl_k="banana")  # fmt: skip
    at.run()
    assert_ok(at, checks=True)
