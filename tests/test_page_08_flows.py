"""AppTest of pages/08_Normalizing_Flows.py: every control, live training, divergence, bad CSVs."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok
from ui.checks import FAIL, PASS, WAIT

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "08_Normalizing_Flows.py")


def _app():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _checks_pass(at):
    texts = [m.value for m in at.markdown]
    assert any(f"{PASS} **2-D: max |f⁻¹(f(z)) − z|" in t for t in texts), texts
    assert not [t for t in texts if t.startswith(FAIL)], [t for t in texts if FAIL in t]


def _apply(at):
    """Apply the changed live settings: the panel offers Apply whenever they differ from the run."""
    at.button(key="nf_settings_apply").click().run()
    assert_ok(at)
    assert "nf_settings_apply" not in [b.key for b in at.button]


def test_pretrained_views_and_sections():
    at = _app()
    assert_ok(at)
    _checks_pass(at)
    assert any(c.value.startswith("**Warping view**") for c in at.caption)
    for view in ("logdet", "samples", "density"):
        at.radio(key="nf_view").set_value(view).run()
        assert_ok(at)
    at.radio(key="nf_direction").set_value("normalize").run()
    assert_ok(at)
    at.selectbox(key="nf_target").set_value("checkerboard").run()
    assert_ok(at)
    _checks_pass(at)
    assert any("entropy ln 32" in m.value for m in at.markdown)
    at.radio(key="nf_section").set_value("1d").run()
    assert_ok(at)
    for name in ("bimodal", "tanh"):
        at.selectbox(key="nf_map").set_value(name).run()
        assert_ok(at)
    assert any(f"{PASS} **1-D" in m.value for m in at.markdown)
    at.radio(key="nf_section").set_value("images").run()
    assert_ok(at)
    at.slider(key="nf_digit").set_value(7).run()
    at.radio(key="nf_parity").set_value(1).run()
    assert_ok(at)


def test_live_training_controls_and_divergence():
    at = _app()
    at.radio(key="nf_source").set_value("live").run()
    assert_ok(at)
    at.selectbox(key="nf_kind").set_value("nice").run()
    at.slider(key="nf_steps").set_value(3).run()
    at.select_slider(key="nf_hidden").set_value(16).run()
    at.selectbox(key="nf_perm").set_value("none").run()
    assert_ok(at)
    assert any("x_B is copied through every step" in w.value for w in at.warning)
    at.selectbox(key="nf_perm").set_value("random").run()
    at.selectbox(key="nf_kind").set_value("glow").run()
    _apply(at)
    at.button(key="nf_live_step").click().run()
    assert_ok(at)
    assert any(c.value.startswith("step 50") for c in at.caption), [c.value for c in at.caption]
    assert any("held-out NLL" in c.value for c in at.caption)
    assert any("live Glow" in c.value and "step 50" in c.value for c in at.caption)
    _checks_pass(at)
    # a huge learning rate diverges: the run pauses and says why
    at.select_slider(key="nf_lr").set_value(10.0).run()
    _apply(at)
    at.button(key="nf_live_step").click().run()
    assert_ok(at)
    assert any("diverged" in w.value.lower() for w in at.warning), [w.value for w in at.warning]
    # regression: the NaN flow's views and checks used to show four ❌ "nan" checks (as if the
    # log-det maths were wrong); now the page says why there is nothing to draw
    if any("NaN or infinite" in w.value for w in at.warning):
        assert any("NaN or infinite after the divergence" in i.value for i in at.info), [
            i.value for i in at.info
        ]
        assert not [m.value for m in at.markdown if m.value.startswith(FAIL)]
    at.select_slider(key="nf_lr").set_value(3e-3).run()
    _apply(at)
    assert_ok(at)
    at.radio(key="nf_view").set_value("logdet").run()  # the views are back after Reset
    assert_ok(at)


def test_csv_upload_refuses_bad_files_and_trains_on_good_ones():
    at = _app()
    at.selectbox(key="nf_target").set_value("upload").run()
    assert_ok(at)
    assert any("Upload a CSV" in i.value for i in at.info)
    bad = {
        "nan.csv": (b"x1,x2\n" + b"0.1,0.2\n" * 30 + b"nan,1.0\n", "NaN"),
        "text.csv": (b"x1,x2\n0.1,0.2\nhello,world\n" + b"0.3,0.4\n" * 30, "not a number"),
        "one.csv": (b"x1,x2\n0.5,0.5\n", "at least 20 are needed"),
    }
    for name, (data, expected) in bad.items():
        at.file_uploader(key="nf_upload").set_value((name, data, "text/csv")).run()
        assert_ok(at)
        assert any(expected in e.value for e in at.error), (name, [e.value for e in at.error])
    rng = __import__("numpy").random.default_rng(0)
    pts = rng.normal(size=(200, 2)) * [2.0, 0.5]
    good = ("x1,x2\n" + "\n".join(f"{a:.4f},{b:.4f}" for a, b in pts)).encode()
    at.file_uploader(key="nf_upload").set_value(("mine.csv", good, "text/csv")).run()
    assert_ok(at)
    assert not at.error
    assert any("no pretrained flow for your points" in i.value for i in at.info)
    at.button(key="nf_live_step").click().run()
    assert_ok(at)
    assert any(c.value.startswith("step 50") for c in at.caption)


def test_upload_in_pixel_units_trains_and_degenerate_points_are_refused():
    """Regression: points in large units (x ~ 640) started ~40,000 nats from the N(0, I) base
    and the first Step reported "Training diverged" at the default learning rate; they are now
    standardised. Points on a line or one repeated point are refused with a message."""
    import numpy as np

    at = _app()
    at.selectbox(key="nf_target").set_value("upload").run()
    pts = np.random.default_rng(0).normal(size=(300, 2)) * [120.0, 40.0] + [640.0, 360.0]
    csv = ("x1,x2\n" + "\n".join(f"{a:.4f},{b:.4f}" for a, b in pts)).encode()
    at.file_uploader(key="nf_upload").set_value(("pixels.csv", csv, "text/csv")).run()
    assert_ok(at)
    assert any("standardised" in c.value for c in at.caption), [c.value for c in at.caption]
    at.button(key="nf_live_step").click().run()
    assert_ok(at)
    assert not any("diverged" in w.value.lower() for w in at.warning), [w.value for w in at.warning]
    assert any(c.value.startswith("step 50") for c in at.caption)
    bad = {
        "same.csv": (b"x1,x2\n" + b"1.0,2.0\n" * 25, "distinct"),
        "line.csv": (
            ("x1,x2\n" + "\n".join(f"{t},{2 * t + 1}" for t in range(30))).encode(),
            "line",
        ),
    }
    for name, (data, expected) in bad.items():
        at.file_uploader(key="nf_upload").set_value((name, data, "text/csv")).run()
        assert_ok(at)
        assert any(expected in e.value for e in at.error), (name, [e.value for e in at.error])


def test_a_new_upload_with_the_same_sums_restarts_live_training():
    """Regression: the live run was keyed on (n, Σx, Σx²) of the upload, so the same file with
    its columns swapped kept training the flow fitted to the old points."""
    import numpy as np

    at = _app()
    at.selectbox(key="nf_target").set_value("upload").run()
    pts = np.random.default_rng(1).normal(size=(200, 2)) * [2.0, 0.5]

    def upload(name, p):
        csv = ("x1,x2\n" + "\n".join(f"{a:.4f},{b:.4f}" for a, b in p)).encode()
        at.file_uploader(key="nf_upload").set_value((name, csv, "text/csv")).run()
        assert_ok(at)

    upload("a.csv", pts)
    at.button(key="nf_live_step").click().run()
    assert any(c.value.startswith("step 50") for c in at.caption), [c.value for c in at.caption]
    upload("swapped.csv", pts[:, ::-1])
    assert any(c.value.startswith("step 0") for c in at.caption), [c.value for c in at.caption]


def test_nll_axis_shows_the_latest_value_after_a_divergence():
    """Issue 13: after a divergence the curve was clipped at lo + 6 (28) while the value was 92."""
    from core.flows.figures import curve_range, fig_training_curve

    train = [3.0, 2.8, 2.7, 92.0]
    test = [3.1, 2.9, 2.8, 91.0]
    lo, hi = curve_range(train, test)
    assert hi >= 92.0 and lo <= 2.7
    fig = fig_training_curve([1, 2, 3, 4], train, test)
    assert fig.layout.yaxis.range[1] >= 92.0
    lo, hi = curve_range([40.0, 3.0, 2.5], [41.0, 3.1, 2.6])  # a curve that starts high
    assert hi < 10.0  # keeps the interesting part


def test_every_part_shows_passing_checks():
    """Issue 14: each part shows its live checks and they are ✅ (an untrained live flow's
    integral check is neutral ⏳, not ❌)."""
    at = _app()
    blocks = [e for e in at.expander if "Math checks" in e.label]
    assert blocks and PASS in blocks[0].label, [e.label for e in at.expander]
    for part in ("1d", "images"):
        at.radio(key="nf_section").set_value(part).run()
        assert_ok(at)
        blocks = [e for e in at.expander if "Math checks" in e.label]
        assert blocks and PASS in blocks[0].label, (part, [e.label for e in at.expander])
    at.radio(key="nf_section").set_value("2d").run()
    at.radio(key="nf_source").set_value("live").run()
    assert_ok(at)
    texts = [m.value for m in at.markdown]
    assert not [t for t in texts if t.startswith(FAIL)], texts
    assert any(t.startswith(WAIT) and "needs training" in t for t in texts) or any(
        f"{PASS} **2-D: 1 − ∫ p_X" in t for t in texts
    )
    blocks = [e for e in at.expander if "Math checks" in e.label]
    assert blocks and PASS in blocks[0].label, [e.label for e in at.expander]


def test_live_settings_wait_for_apply():
    """A settings step keeps the live run (no trainer, warping frames or checks rebuilt) and
    says what differs; Apply starts a new run with them; a bookmark applies at once."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["nf_source"] = "live"
    at.run()
    at.button(key="nf_live_step").click().run()
    run = at.session_state["nf_live"].stepper
    at.slider(key="nf_steps").set_value(4).run()
    assert_ok(at)
    assert at.session_state["nf_live"].stepper is run and run.steps_done == 50
    note = " ".join(i.value for i in at.info)
    assert "Not applied yet" in note and "n_steps: 6 → 4" in note, note
    at.slider(key="nf_steps").set_value(6).run()  # back to the run's own: nothing pending
    assert "nf_settings_apply" not in [b.key for b in at.button]
    at.select_slider(key="nf_lr").set_value(1e-3).run()
    _apply(at)
    new = at.session_state["nf_live"].stepper
    assert new is not run and new.steps_done == 0 and new.train_config.lr == 1e-3
    assert at.query_params["nf_lr"] == "0.001"
    at.select_slider(key="nf_hidden").set_value(16).run()  # Reset also starts from the panel
    at.button(key="nf_live_reset").click().run()
    assert_ok(at)
    assert at.session_state["nf_live"].stepper.config.hidden == 16
    assert "nf_settings_apply" not in [b.key for b in at.button]

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["nf_source"] = "live"
    at.query_params["nf_steps"] = "3"
    at.run()
    assert_ok(at)
    assert at.session_state["nf_live"].stepper.flow.n_steps == 3
    assert "nf_settings_apply" not in [b.key for b in at.button]
