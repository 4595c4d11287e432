"""ui helpers driven through Streamlit's AppTest: URL state, live training, error boundary and
uploads."""

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from ui.checks import FAIL, PASS, WARN

TIMEOUT = 60


# ====================================================================== URL query-param state
def url_script():
    import streamlit as st

    import ui

    lr = ui.url_select_slider("learning rate", "t_lr", [0.001, 0.01, 0.1], 0.01)
    n = ui.url_slider("layers", "t_n", 1, 10, 5)
    rng = ui.url_slider("range", "t_rng", 0.0, 1.0, (0.2, 0.8))
    ds = ui.url_selectbox("dataset", "t_ds", ["moons", "xor", "circles"])
    flag = ui.url_checkbox("flag", "t_flag", False)
    tog = ui.url_checkbox("toggle", "t_tog", True, toggle=True)
    k = ui.url_radio("k", "t_k", [1, 2, 3], 2)
    num = ui.url_number("num", "t_num", 0.0, 5.0, 1.5)
    ms = ui.url_multiselect("multi", "t_ms", ["a", "b", "c"], ["a"])
    ir = ui.url_slider("int range", "t_ir", 0, 10, (2, 8))
    st.session_state["VALUES"] = dict(
        lr=lr, n=n, rng=rng, ds=ds, flag=flag, tog=tog, k=k, num=num, ms=ms, ir=ir
    )


DEFAULTS = dict(
    lr=0.01,
    n=5,
    rng=(0.2, 0.8),
    ds="moons",
    flag=False,
    tog=True,
    k=2,
    num=1.5,
    ms=["a"],
    ir=(2, 8),
)
DEFAULT_PARAMS = dict(
    t_lr="0.01",
    t_n="5",
    t_rng="[0.2,0.8]",
    t_ds="moons",
    t_flag="0",
    t_tog="1",
    t_k="2",
    t_num="1.5",
    t_ms='["a"]',
    t_ir="[2,8]",
)


def _url_app(params=None) -> AppTest:
    at = AppTest.from_function(url_script, default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _values(at):
    v = dict(at.session_state["VALUES"])
    v["rng"], v["ir"] = tuple(v["rng"]), tuple(v["ir"])
    return v


def test_url_defaults_are_written_to_the_query_string():
    at = _url_app()
    assert _values(at) == DEFAULTS
    assert {k: at.query_params[k] for k in DEFAULT_PARAMS} == DEFAULT_PARAMS


def test_url_valid_params_are_taken():
    params = dict(
        t_lr="0.1",
        t_n="7",
        t_rng="[0.1,0.5]",
        t_ds="xor",
        t_flag="1",
        t_tog="0",
        t_k="3",
        t_num="2.5",
        t_ms='["b","c"]',
        t_ir="[0,10]",
    )
    at = _url_app(params)
    assert _values(at) == dict(
        lr=0.1,
        n=7,
        rng=(0.1, 0.5),
        ds="xor",
        flag=True,
        tog=False,
        k=3,
        num=2.5,
        ms=["b", "c"],
        ir=(0, 10),
    )
    assert at.slider(key="t_n").value == 7 and at.selectbox(key="t_ds").value == "xor"
    assert at.select_slider(key="t_lr").value == 0.1 and at.radio(key="t_k").value == 3
    assert {k: at.query_params[k] for k in params} == params  # unchanged, already canonical


def test_url_equivalent_spellings_are_accepted():
    at = _url_app(
        dict(t_lr="1e-3", t_n="7.0", t_flag="true", t_k="1", t_rng="[0,1]", t_ir="[1.0,3]")
    )
    v = _values(at)
    assert (v["lr"], v["n"], v["flag"], v["k"]) == (0.001, 7, True, 1)
    assert at.query_params["t_lr"] == "0.001" and at.query_params["t_n"] == "7"
    # element types follow the default: a float range stays float, an int range int
    assert v["rng"] == (0.0, 1.0) and all(type(x) is float for x in v["rng"])
    assert v["ir"] == (1, 3) and all(type(x) is int for x in v["ir"])
    assert at.query_params["t_rng"] == "[0.0,1.0]" and at.query_params["t_ir"] == "[1,3]"


@pytest.mark.parametrize(
    "params",
    [
        dict(
            t_lr="0.5",
            t_n="99",
            t_rng="[0.9,0.1]",
            t_ds="<script>alert(1)</script>",
            t_flag="maybe",
            t_tog="2",
            t_k="7",
            t_num="nan",
            t_ms='["z"]',
            t_ir="[1.5,2]",
        ),
        dict(
            t_lr="abc",
            t_n="7.5",
            t_rng="[0.1,0.2,0.3]",
            t_ds="",
            t_flag="",
            t_tog="yes",
            t_k="two",
            t_num="inf",
            t_ms="not json",
            t_ir="[1,2,3]",
        ),
        dict(
            t_lr="",
            t_n="-1e400",
            t_rng='{"a":1}',
            t_ds="MOONS",
            t_flag="[1]",
            t_tog="1.0",
            t_k="2.5",
            t_num="9",
            t_ms='"a"',
            t_ir="[1e400,2]",
        ),
        dict(t_n="1e400", t_ir="[true,3]", t_rng="[null,0.5]", t_ms='[["a"]]', t_num="1e400"),
    ],
)
def test_url_invalid_params_fall_back_to_defaults(params):
    at = _url_app(params)
    assert _values(at) == DEFAULTS
    assert {k: at.query_params[k] for k in DEFAULT_PARAMS} == DEFAULT_PARAMS  # repaired URL


def shrinking_slider_script():
    import streamlit as st

    import ui

    hi = ui.url_slider("size", "t_size", 2, 20, 20)
    pos = ui.url_slider("position (max depends on size)", "t_pos", 0, hi - 1, 0)
    choice = ui.url_selectbox("choice", "t_choice", ["a", "b", "c"][: max(1, hi // 6)])
    st.session_state["VALUES"] = dict(pos=pos, choice=choice)


def test_url_slider_clamps_when_its_range_shrinks():
    at = AppTest.from_function(shrinking_slider_script, default_timeout=TIMEOUT).run()
    at.slider(key="t_pos").set_value(18)
    at.selectbox(key="t_choice").set_value("c")
    at.run()
    assert at.session_state["VALUES"] == dict(pos=18, choice="c")
    at.slider(key="t_size").set_value(5).run()  # positions 0..4 now; "c" no longer offered
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["VALUES"] == dict(pos=4, choice="a")


def test_url_widget_change_is_written_back():
    at = _url_app()
    at.slider(key="t_n").set_value(3)
    at.selectbox(key="t_ds").set_value("circles")
    at.checkbox(key="t_flag").check()
    at.multiselect(key="t_ms").select("c")
    at.run()
    assert not at.exception
    assert _values(at)["n"] == 3
    assert at.query_params["t_n"] == "3" and at.query_params["t_ds"] == "circles"
    assert at.query_params["t_flag"] == "1" and at.query_params["t_ms"] == '["a","c"]'
    at.run()  # a plain rerun keeps the user's values (the URL no longer overrides them)
    assert _values(at)["n"] == 3 and _values(at)["ds"] == "circles"


# ====================================================================== live training
def live_script(kind="ok", max_steps=None):
    import streamlit as st

    import ui

    class Toy:
        """A stepper whose loss is 1/steps; 'nan' diverges at step 4, 'boom' raises."""

        def __init__(self):
            self.steps_done = 0

        def step(self, n=1):
            if kind == "boom" and self.steps_done >= 2:
                raise RuntimeError("exploded on purpose")
            self.steps_done += n
            if kind == "nan" and self.steps_done >= 4:
                return {"loss": float("nan"), "acc": 0.5}
            return {"loss": 1.0 / self.steps_done, "acc": 0.5}

    width = st.number_input("width", key="width", value=4)

    def render(stepper, metrics):
        st.markdown(f"RENDER steps={stepper.steps_done} loss={metrics.get('loss')}")
        if metrics.get("loss") == 0.5:
            raise ValueError("a broken plot")  # must stay inside the training view

    ui.live_training(
        "toy", Toy, signature=("toy", width), render=render, steps_per_click=2, max_steps=max_steps
    )


def _live_app(**kwargs) -> AppTest:
    at = AppTest.from_function(live_script, default_timeout=TIMEOUT, kwargs=kwargs)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _steps(at) -> int:
    return at.session_state["toy"].stepper.steps_done


def _caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("step "))


def test_live_step_advances_and_reset():
    at = _live_app()
    assert _steps(at) == 0 and _caption(at) == "step 0 · paused"
    for expected in (2, 4):
        at.button(key="toy_step").click().run()
        assert not at.exception
        assert _steps(at) == expected
    assert _caption(at) == "step 4 · paused"
    assert any("RENDER steps=4 loss=0.25" in m.value for m in at.markdown)
    at.button(key="toy_reset").click().run()
    assert _steps(at) == 0 and not at.warning


def test_live_render_error_is_contained():
    at = _live_app()
    at.button(key="toy_step").click().run()  # loss = 1/2: render raises
    assert not at.exception
    assert any(
        "went wrong in the training view" in e.value and "a broken plot" in e.value
        for e in at.error
    )
    assert at.button(key="toy_step").label.startswith("Step")  # the controls are still there


def test_live_nan_pauses_with_divergence_message():
    at = _live_app(kind="nan")
    at.button(key="toy_step").click().run()
    assert not at.warning
    at.button(key="toy_step").click().run()
    assert not at.exception
    assert _steps(at) == 4
    msg = at.warning[0].value
    assert "diverged at step 4" in msg and "loss" in msg and "acc" not in msg
    assert "lower the learning rate" in msg
    assert at.session_state["toy"].playing is False


def test_live_play_pauses_on_nan():
    at = _live_app(kind="nan")
    at.button(key="toy_play").click().run()
    assert not at.exception
    s = at.session_state["toy"]
    assert s.playing is False and "diverged" in s.message
    assert at.button(key="toy_play").label == "Play"
    assert "diverged" in at.warning[0].value


def test_live_exception_in_step_pauses_with_message():
    at = _live_app(kind="boom")
    at.button(key="toy_step").click().run()
    at.button(key="toy_step").click().run()
    assert not at.exception
    assert _steps(at) == 2
    assert "Training stopped: RuntimeError: exploded on purpose" in at.warning[0].value
    at.button(key="toy_reset").click().run()
    assert _steps(at) == 0 and not at.warning


def test_live_play_runs_until_the_step_limit():
    at = _live_app(max_steps=30)
    at.button(key="toy_play").click().run()
    assert not at.exception
    assert _steps(at) == 30
    assert "step limit (30 steps)" in at.warning[0].value
    assert at.button(key="toy_play").label == "Play"


def test_live_new_signature_builds_a_fresh_stepper():
    at = _live_app()
    at.button(key="toy_step").click().run()
    assert _steps(at) == 2
    at.number_input(key="width").set_value(8).run()
    assert not at.exception and _steps(at) == 0
    at.button(key="toy_step").click().run()
    assert _steps(at) == 2


# ====================================================================== error boundary
def boundary_script():
    import streamlit as st

    import ui
    from core.data import DataError

    with ui.error_boundary("the broken view"):
        st.markdown("before the failure")
        raise ZeroDivisionError("division by zero in a figure")
    st.markdown("after the boundary")
    with ui.error_boundary("the data view"):
        raise DataError("cannot use this CSV: 1 data rows; at least 2 are needed")

    @ui.guarded("the decorated section")
    def section():
        raise KeyError("missing")

    section()
    if st.button("stop here", key="stop"):
        with ui.error_boundary("the stopping view"):
            st.stop()  # control flow passes through the boundary
    st.markdown("END")


def test_error_boundary_shows_a_friendly_message():
    at = AppTest.from_function(boundary_script, default_timeout=TIMEOUT).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 3
    assert errors[0].startswith(
        "Something went wrong in the broken view: ZeroDivisionError: division by zero in a figure"
    )
    assert "rest of the page still works" in errors[0]
    assert errors[1] == "cannot use this CSV: 1 data rows; at least 2 are needed"  # user-facing
    assert "the decorated section: KeyError" in errors[2]
    md = [m.value for m in at.markdown]
    assert "before the failure" in md and "after the boundary" in md and "END" in md
    # the traceback sits in a collapsed expander, not on the page
    details = [x for x in at.expander if x.label == "Technical details"]
    assert len(details) == 2
    assert "ZeroDivisionError" in details[0].code[0].value
    assert "Traceback" in details[0].code[0].value


def test_error_boundary_lets_st_stop_through():
    at = AppTest.from_function(boundary_script, default_timeout=TIMEOUT).run()
    at.button(key="stop").click().run()
    assert not at.exception
    assert "END" not in [m.value for m in at.markdown]
    assert not any("stopping view" in e.value for e in at.error)


# ====================================================================== uploads
def upload_script():
    import streamlit as st

    import ui

    img = ui.image_upload("digit", key="up", mode="L")
    if img is not None:
        st.markdown(f"IMAGE {img.shape[0]}x{img.shape[1]}")
    pts = ui.points_upload("points", key="pts", require_label=True)
    if pts is not None:
        st.markdown(f"POINTS {len(pts[0])} classes={len(set(pts[1].tolist()))}")
    st.markdown("PAGE END")


def _png(h=20, w=30) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.zeros((h, w), np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _upload_app() -> AppTest:
    at = AppTest.from_function(upload_script, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    return at


def _md(at):
    return [m.value for m in at.markdown]


def test_image_upload_accepts_a_png():
    at = _upload_app()
    at.file_uploader(key="up").set_value(("digit.png", _png(), "image/png")).run()
    assert not at.exception and not at.error
    assert "IMAGE 20x30" in _md(at)


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("notes.png", b"this is a text file renamed to .png\n", "not a PNG or JPEG"),
        ("cut.png", _png(64, 64)[:60], "corrupt or truncated"),
        ("empty.jpg", b"", "empty"),
    ],
)
def test_image_upload_refuses_bad_files_with_an_error(name, data, fragment):
    at = _upload_app()
    at.file_uploader(key="up").set_value((name, data, "image/png")).run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"Cannot use {name!r}:") and fragment in at.error[0].value
    assert not [m for m in _md(at) if m.startswith("IMAGE")]
    assert "PAGE END" in _md(at)  # the rest of the page still renders


def test_points_upload_good_and_bad():
    at = _upload_app()
    at.file_uploader(key="pts").set_value(
        ("p.csv", b"x1,x2,label\n0,0,0\n1,1,1\n2,2,1\n", "text/csv")
    ).run()
    assert not at.error and "POINTS 3 classes=2" in _md(at)
    at.file_uploader(key="pts").set_value(("p.csv", b"x1,x2\n0,0\n1,1\n", "text/csv")).run()
    assert not at.exception
    assert at.error[0].value.startswith("p.csv: cannot use this CSV")
    assert "PAGE END" in _md(at)


# ====================================================================== page shell
def shell_script():
    import streamlit as st

    import ui

    ctx = ui.page("Test page", "🧪", section="§0", intuition="PROSE PARAGRAPH", equation="a=b")
    ui.prose("MORE PROSE")
    st.session_state["CTX"] = (ctx.seed, str(ctx.device), ctx.presentation)
    ui.show_checks([ui.Check("hand vs autograd", 3e-16, 1e-10), ui.Check("bad", float("nan"), 1)])


def test_page_shell_sidebar_and_presentation_mode():
    at = AppTest.from_function(shell_script, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "Test page"  # no emoji: projector PCs may lack the font
    assert at.session_state["CTX"] == (0, "cpu", False)
    assert "PROSE PARAGRAPH" in _md(at) and "MORE PROSE" in _md(at)
    assert any(c.value.startswith("Device: **cpu") for c in at.sidebar.caption)
    # the checks expander opens itself when a check fails (NaN never passes)
    checks = at.expander[0]
    assert checks.label.startswith(WARN)
    assert any(m.value.startswith(f"{PASS} **hand vs autograd**") for m in checks.markdown)
    assert any(m.value.startswith(f"{FAIL} **bad**") for m in checks.markdown)
    at.sidebar.toggle[0].set_value(True)
    at.sidebar.number_input[0].set_value(42)
    at.run()
    assert not at.exception
    assert at.session_state["CTX"] == (42, "cpu", True)
    assert "PROSE PARAGRAPH" not in _md(at) and "MORE PROSE" not in _md(at)
    assert "a=b" in at.latex[0].value  # the equation stays in presentation mode


def test_presentation_and_seed_come_from_and_go_to_the_url():
    """?present=1&seed=7 restores both (a bookmarked lecture demo); silly values fall back."""
    at = AppTest.from_function(shell_script, default_timeout=TIMEOUT)
    at.query_params["present"] = "1"
    at.query_params["seed"] = "7"
    at.run()
    assert not at.exception
    assert at.session_state["CTX"] == (7, "cpu", True)
    at.sidebar.toggle[0].set_value(False)
    at.sidebar.number_input[0].set_value(0)
    at.run()
    assert at.session_state["CTX"] == (0, "cpu", False)
    assert "present" not in at.query_params and "seed" not in at.query_params
    at.sidebar.toggle[0].set_value(True)
    at.sidebar.number_input[0].set_value(12)
    at.run()
    assert at.query_params["present"] == "1" and at.query_params["seed"] == "12"

    for present, seed in (("maybe", "-3"), ("2", "1e99"), ("", "nan"), ("1", "4.5")):
        at = AppTest.from_function(shell_script, default_timeout=TIMEOUT)
        at.query_params["present"], at.query_params["seed"] = present, seed
        at.run()
        assert not at.exception
        assert at.session_state["CTX"] == (0, "cpu", present == "1")


# ====================================================================== pretrained models
def pretrained_script():
    import streamlit as st

    import ui

    judge = ui.pretrained("judge", "cpu")
    st.markdown(f"JUDGE {judge[1]['metrics']['heldout_accuracy']}" if judge else "NO JUDGE")
    missing = ui.pretrained("ui_test_missing", "cpu")
    st.markdown("MISSING IS NONE" if missing is None else "MISSING LOADED")


def test_ui_pretrained_loads_or_names_the_rebuild_command(monkeypatch):
    import dataclasses

    import core.pretrained as P

    judge_spec = P.get_spec("judge")
    ghost = dataclasses.replace(judge_spec, name="ui_test_missing")  # registered, never trained
    monkeypatch.setattr(P, "registry", lambda: {"judge": judge_spec, "ui_test_missing": ghost})
    at = AppTest.from_function(pretrained_script, default_timeout=TIMEOUT).run()
    assert not at.exception
    md = _md(at)
    assert any(m.startswith("JUDGE 0.9") for m in md) and "MISSING IS NONE" in md
    assert len(at.error) == 1
    assert "python -m core.pretrained train ui_test_missing" in at.error[0].value
    from ui.pretrained import _load  # the shared judge stays frozen and in eval mode

    shared, _ = _load("judge", "cpu")
    assert not shared.training and not any(p.requires_grad for p in shared.parameters())


def test_live_training_budget_is_shared_by_the_playing_sessions():
    from ui import live

    live._PLAYING.clear()
    assert live.fair_budget(0.4, "a", now=100.0) == pytest.approx(0.4)  # alone: all of it
    assert live.fair_budget(0.4, "b", now=100.5) == pytest.approx(0.2)  # two playing
    for k in "cdefgh":
        live.fair_budget(0.4, k, now=101.0)
    assert live.fair_budget(0.4, "a", now=101.0) == pytest.approx(0.4 * live.MIN_SHARE)
    # the others stopped (closed tabs, paused): after the time-out "a" has the budget again
    assert live.fair_budget(0.4, "a", now=101.0 + live.PLAYING_TTL_S + 1) == pytest.approx(0.4)
    live._PLAYING.clear()


def unkeyed_figures_script():
    import plotly.graph_objects as go
    import streamlit as st

    import ui

    for k in range(2):  # the same call site twice in one run: keys _1 and _2
        ui.figure(go.Figure(go.Scatter(x=[0, 1], y=[k, 1 - k])))
    st.text(repr(sorted(st.session_state["_fig_sites"][1].items())))


def test_unkeyed_figures_get_stable_call_site_keys():
    """ui.figure without key= numbers its call site within the run (it crashed with an
    AttributeError on Streamlit 1.67), and a rerun starts the count again, so the charts keep
    their keys and stay mounted."""
    at = AppTest.from_function(unkeyed_figures_script, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    first = at.text[-1].value
    at.run()
    assert not at.exception and at.text[-1].value == first
    assert "2)" in first and "3)" not in first  # counted twice, not carried over


def slow_live_script(step_s: float = 0.1):
    """A live view whose every step() call takes step_s, drawn as snapshots (8 per tick)."""
    import time

    import ui

    class Slow:
        def __init__(self):
            self.steps_done, self.calls = 0, 0

        def step(self, n=1):
            time.sleep(step_s)
            self.steps_done, self.calls = self.steps_done + n, self.calls + 1
            return {"loss": 1.0 / self.steps_done}

    def snapshot(stepper):
        return {"data": [{"type": "scatter", "x": [0, 1], "y": [0, stepper.steps_done]}],
                "layout": {"title": {"text": "slow"}}}  # fmt: skip

    ui.live_training("slow", Slow, signature="slow", render=lambda s, m: None,
                     snapshot=snapshot, frames_per_tick=8, frame_ms=50)  # fmt: skip


def test_slow_chunks_draw_fewer_frames_and_the_tick_fits_its_timer():
    """8 frames of 50 ms: the timer fires every 0.4 s and a tick may train FIT x 0.4 = 0.32 s.
    With 0.1 s per step() call, 8 slices would take 0.8 s (cut short by the next fire); the
    tick stops adding slices before the budget would overrun: 3 calls, not 8."""
    at = AppTest.from_function(slow_live_script, default_timeout=TIMEOUT)
    at.run()
    at.button(key="slow_play").click().run()
    assert not at.exception, [e.value for e in at.exception]
    s = at.session_state["slow"]
    assert s.ticks == 1 and 1 <= s.stepper.calls <= 3, s.stepper.calls
    assert s.seconds < 0.4


def test_advance_stops_before_a_chunk_that_would_overrun_its_budget():
    """A slice of a tick (ui.live._advance) with 30-ms chunks and a 50-ms budget trains one
    chunk: a second would end at ~60 ms. Stopping only once the budget was spent ran two, and
    8 such slices overran a tick's budget after 5-6 frames."""
    import time

    from ui.live import LiveState, _advance

    class Sleepy:
        steps_done = calls = 0

        def step(self, n=1):
            time.sleep(0.03)
            self.steps_done += n
            self.calls += 1
            return {"loss": 1.0}

    s = LiveState(stepper=Sleepy(), signature="x", playing=True)
    _advance(s, n_max=100, budget_s=0.05, chunk=1, stop_when=None, max_steps=None)
    assert s.stepper.calls == 1 and s.seconds < 0.05
    _advance(s, n_max=100, budget_s=0.2, chunk=1, stop_when=None, max_steps=None)
    assert 4 <= s.stepper.calls - 1 <= 6  # ~0.2 s of 30-ms chunks, never one past the budget


def test_a_tick_draws_fewer_snapshots_after_one_that_overran_its_interval():
    from ui import live

    fit = live.FIT * 0.64  # 8 frames of 80 ms: the tick must end within FIT of 0.64 s
    assert live.frames_this_tick(8, 0.0, 0.64) == 8  # the first tick
    assert live.frames_this_tick(8, fit, 0.64) == 8  # on time: all of them
    assert live.frames_this_tick(8, 2 * fit, 0.64) == 4  # twice too long: half
    assert live.frames_this_tick(8, 3.0, 0.64) == 1  # a very loaded server: one, never 0
    assert live.frames_this_tick(6, 1.19 * live.FIT * 0.6, 0.6) == 5  # 6 / 1.19 = 5.04
