"""AppTest of pages/07_Transformers.py: every view, its main controls, and bad inputs (empty
prompt, unknown characters, temperature 0, top-k 0, silly URL values)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok
from ui.checks import FAIL, PASS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "07_Transformers.py")


def _checks(at) -> str:
    return " ".join(m.value for ex in at.expander for m in ex.markdown)


@pytest.fixture  # a fresh page per test: a shared one made tests depend on their order
def at():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["tf_gen_n"] = "20"  # short samples keep the generation test quick
    at.run()
    assert_ok(at)
    return at


def _view(at, name):
    at.radio(key="tf_view").set_value(name).run()
    assert_ok(at)


def test_step_through_checks_pass_and_strict_mask_shows_nan(at):
    _view(at, "Step through")
    checks = _checks(at)
    assert checks.count(PASS) >= 2 and FAIL not in checks, checks
    at.selectbox(key="tf_st_mask").set_value("strict").run()
    assert_ok(at)
    assert any("NaN" in w.value for w in at.warning), [w.value for w in at.warning]
    assert FAIL not in _checks(at)  # NaN rows agree with SDPA's
    at.selectbox(key="tf_st_mask").set_value("strict+start").run()
    at.selectbox(key="tf_st_layer").set_value(4).run()
    assert_ok(at)
    assert not any("NaN" in w.value for w in at.warning)
    # bad inputs: empty, unknown characters, too long
    at.text_input(key="tf_st_text").set_value("").run()
    assert_ok(at)
    assert any("at least 1 character" in i.value for i in at.info)
    at.text_input(key="tf_st_text").set_value("héllo ∑ 🙂").run()
    assert_ok(at)
    assert any("not among the model's 96" in w.value for w in at.warning)
    at.text_input(key="tf_st_text").set_value("x" * 60).run()
    assert_ok(at)
    assert any("Only the last 16" in c.value for c in at.caption)


def test_generate_bad_inputs(at):
    _view(at, "Generate")
    assert FAIL not in _checks(at)
    first = at.code[0].value
    at.slider(key="tf_gen_T").set_value(0.0)
    at.number_input(key="tf_gen_k").set_value(0).run()
    assert_ok(at)
    assert any("greedy" in c.value for c in at.caption)
    # the sliders act on the next-character distribution at once, without resampling
    assert any("0.00 bits after T/top-k/top-p, which keep 1 of 96" in c.value for c in at.caption)
    assert at.code[0].value == first
    assert any("press **Generate**" in i.value for i in at.info)
    at.button(key="tf_gen_go").click().run()
    assert_ok(at)
    assert any("(model)" in c.value and "0.00 bits after" in c.value for c in at.caption)
    assert not any("press **Generate**" in i.value for i in at.info)
    greedy = at.code[0].value
    at.number_input(key="tf_gen_k").set_value(1).run()  # top-k = 1 is greedy too: same text
    at.slider(key="tf_gen_T").set_value(1.0)
    at.button(key="tf_gen_go").click().run()
    assert_ok(at)
    assert at.code[0].value == greedy and any("top-k = 1 is greedy" in c.value for c in at.caption)
    at.text_input(key="tf_gen_prompt").set_value("").run()
    assert_ok(at)
    assert any("at least 1 character" in i.value for i in at.info)
    at.button(key="tf_gen_go").click().run()  # Generate with an empty prompt: the same message
    assert_ok(at)
    assert any("at least 1 character" in i.value for i in at.info)
    at.text_input(key="tf_gen_prompt").set_value("Ünïcödé → λ").run()
    at.slider(key="tf_gen_T").set_value(2.0)
    at.slider(key="tf_gen_p").set_value(0.05)
    at.number_input(key="tf_gen_k").set_value(96)
    at.button(key="tf_gen_go").click().run()
    assert_ok(at)
    assert any("not among the model's 96" in w.value for w in at.warning)
    assert at.code[0].value.startswith("?n?c?d? ? ?")
    at.selectbox(key="tf_gen_l").set_value(4).run()  # zoom into the last layer
    assert_ok(at)
    assert FAIL not in _checks(at)


def test_mask_view(at):
    _view(at, "Mask")
    checks = _checks(at)
    assert checks.count(PASS) >= 4 and FAIL not in checks, checks


def test_scaling_view(at):
    _view(at, "Why √d")
    at.select_slider(key="tf_sd_d").set_value(512).run()
    assert_ok(at)
    assert FAIL not in _checks(at), _checks(at)


def test_positions_view(at):
    _view(at, "Positions")
    assert FAIL not in _checks(at), _checks(at)
    at.text_input(key="tf_pos_text").set_value("a").run()
    assert_ok(at)
    assert any("at least 2 characters" in i.value for i in at.info)


def test_recurrence_view(at):
    _view(at, "Attention vs RNN")
    # the LSTM retrained at the GPT's budget (gpt_pair_lstm) makes the comparison at equal data
    assert any(
        "At equal data" in m.value and "3,072,000 characters each" in m.value for m in at.markdown
    ), [m.value for m in at.markdown]
    at.select_slider(key="tf_rec_n").set_value(32).run()
    assert_ok(at)
    assert any("farthest away (distance 31)" in c.value for c in at.caption)
    at.button(key="tf_rec_time_go").click().run()
    assert_ok(at)
    assert any("From n = 256 to 1024" in c.value for c in at.caption)


def test_live_view_steps(at):
    _view(at, "Live training")
    at.button(key="tf_live_step").click().run()
    assert_ok(at)
    assert any("step 20" in c.value for c in at.caption), [c.value for c in at.caption]


def test_silly_url_values():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update(tf_view="nonsense", tf_gen_T="nan", tf_gen_k="-3", tf_st_layer="99")
    at.run()
    assert_ok(at)


def test_live_snapshot_is_light_and_ends_at_the_last_step():
    """A live frame draws at most ~CURVE_POINTS points of the loss curve, the last one being the
    mean of the last 20 losses at the current step (a thinned curve that lags would mislead)."""
    import numpy as np

    from core.transformer.char_lm import CharLMStepper
    from ui.transformer.live import CURVE_POINTS, live_config, snapshot

    s = CharLMStepper(live_config(), seed=0)
    s.losses = [float(v) for v in np.linspace(4.0, 1.0, 2345)]
    curve = snapshot(s)["data"][0]
    assert len(curve["x"]) <= CURVE_POINTS + 1 and curve["x"][-1] == 2345
    assert curve["y"][-1] == pytest.approx(np.mean(s.losses[-20:]), abs=1e-4)
    assert np.all(np.diff(curve["x"]) > 0) and curve["x"][0] <= 2345 - 1500 + 5
