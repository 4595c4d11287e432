"""AppTest of pages/01_Backpropagation.py: every control, training steps, bad inputs."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok
from ui.checks import PASS, WARN

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "01_Backpropagation.py")


def _app():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert_ok(at)
    return at


def _texts(at):
    return " ".join(x.value for x in list(at.warning) + list(at.info) + list(at.error))


def test_playground_controls_and_training():
    at = _app()
    assert any("autograd" in e.label or "Math checks" in e.label for e in at.expander)
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    assert "step 10" in " ".join(c.value for c in at.caption)
    # every data / network / optimiser control, each changed once, training stepped after
    at.selectbox(key="bp_data").set_value("circles").run()
    at.slider(key="bp_noise").set_value(0.2).run()
    at.slider(key="bp_train").set_value(70).run()
    at.slider(key="bp_n").set_value(200).run()
    at.number_input(key="bp_dseed").set_value(3).run()
    at.button(key="bp_regen").click().run()
    assert at.number_input(key="bp_dseed").value == 4
    at.multiselect(key="bp_features").set_value(["x1", "x2", "x1^2", "x2^2"]).run()
    at.slider(key="bp_layers").set_value(3).run()
    at.number_input(key="bp_w1").set_value(6).run()
    at.number_input(key="bp_w2").set_value(5).run()
    at.number_input(key="bp_w3").set_value(3).run()
    at.selectbox(key="bp_act").set_value("relu").run()
    at.selectbox(key="bp_loss").set_value("mse").run()
    at.selectbox(key="bp_reg").set_value("l2").run()
    at.select_slider(key="bp_lam").set_value(0.001).run()
    at.selectbox(key="bp_opt").set_value("adam").run()
    at.select_slider(key="bp_lr").set_value(0.01).run()
    at.slider(key="bp_batch").set_value(20).run()
    at.select_slider(key="bp_speed").set_value(100).run()
    at.select_slider(key="bp_target").set_value(0.2).run()
    assert_ok(at)
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    at.toggle(key="bp_show_test").set_value(False).run()
    at.toggle(key="bp_discrete").set_value(True).run()
    for d in ("gradient norms", "confusion matrix", "hidden neurons"):
        at.radio(key="bp_detail").set_value(d).run()
        assert_ok(at)
    at.button(key="bp_live_play").click().run()  # one playing tick, then pause
    at.button(key="bp_live_play").click().run()
    at.button(key="bp_live_reset").click().run()
    assert_ok(at)
    # 3 classes -> softmax + CE, with the explanation
    at.selectbox(key="bp_data").set_value("spiral3").run()
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    assert "softmax + cross-entropy" in _texts(at)
    # regression, 1-D and 2-D
    for name in ("reg_sin1d", "reg_gaussian"):
        at.selectbox(key="bp_data").set_value(name).run()
        at.button(key="bp_live_step").click().run()
        assert_ok(at)
    # every check passes on the trained network
    assert not any(WARN in e.label for e in at.expander)
    # stop at a target loss: an easy set, Adam, play until the target pauses the run
    at.selectbox(key="bp_data").set_value("two_gaussians").run()
    at.select_slider(key="bp_target").set_value(0.1).run()
    at.select_slider(key="bp_lr").set_value(0.03).run()
    at.button(key="bp_live_play").click().run()
    for _ in range(20):
        if not at.session_state["bp_live"].playing:
            break
        at.run()
    assert_ok(at)
    assert "Reached the target training loss" in _texts(at)
    assert at.session_state["bp_live"].metrics["loss"] <= 0.1


def test_extreme_settings_give_messages_not_exceptions():
    at = _app()
    # learning rate 10 with a deep sigmoid net on a regression set: diverges -> paused
    at.selectbox(key="bp_data").set_value("reg_gaussian").run()
    at.slider(key="bp_layers").set_value(6).run()
    at.selectbox(key="bp_act").set_value("sigmoid").run()
    at.select_slider(key="bp_lr").set_value(10.0).run()
    assert "very large" in _texts(at)
    at.select_slider(key="bp_speed").set_value(1000).run()
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    assert "diverged" in _texts(at).lower()
    # deep sigmoid + lr 10 on classification saturates instead: still no exception
    at.selectbox(key="bp_data").set_value("spiral").run()
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    # 0 hidden layers, then 1 neuron
    at.select_slider(key="bp_lr").set_value(0.03).run()
    at.slider(key="bp_layers").set_value(0).run()
    assert_ok(at)
    assert "0 hidden layers" in _texts(at)
    at.slider(key="bp_layers").set_value(1).run()
    at.number_input(key="bp_w1").set_value(1).run()
    assert_ok(at)
    assert "1 neuron" in _texts(at)
    # the step activation: honest about its zero derivative
    at.selectbox(key="bp_act").set_value("step").run()
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    assert "σ'(z) = 0" in _texts(at)
    # every feature off
    at.multiselect(key="bp_features").set_value([]).run()
    assert_ok(at)
    assert "Every input feature is off" in _texts(at)


def test_csv_upload_good_and_bad():
    at = _app()
    at.selectbox(key="bp_data").set_value("upload CSV").run()
    assert_ok(at)
    bad = {
        "malformed.csv": b"x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n0.5,0.6\n",
        "empty.csv": b"",
        "huge.csv": b"x1,x2,label\n" + b"0.1,0.2,1\n" * 250_000,
        "onelabel.csv": b"x1,x2,label\n0,0,1\n1,1,1\n2,2,1\n",
    }
    for name, content in bad.items():
        at.file_uploader(key="bp_upload").set_value((name, content, "text/csv"))
        at.run()
        assert_ok(at)
        assert any(name in e.value for e in at.error), (name, [e.value for e in at.error])
    rows = "\n".join(
        f"{x:.3f},{y:.3f},{int(x * y > 0)}"
        for x, y in [
            (-1, -1),
            (1, 1),
            (-1, 1),
            (1, -1),
            (-0.5, -0.7),
            (0.6, 0.4),
            (-0.4, 0.8),
            (0.9, -0.3),
        ]
        * 5
    )
    good = ("x1,x2,label\n" + rows).encode()
    at.file_uploader(key="bp_upload").set_value(("good.csv", good, "text/csv"))
    at.run()
    assert_ok(at)
    assert not at.error
    at.button(key="bp_live_step").click().run()
    assert_ok(at)


def test_step_through_perceptron_and_universal_views():
    at = _app()
    at.button(key="bp_live_step").click().run()
    at.radio(key="bp_view").set_value("Backprop step-through").run()
    assert_ok(at)
    n_stages = at.slider(key="bp_stage").max
    for s in (1, n_stages // 2, n_stages):
        at.slider(key="bp_stage").set_value(s).run()
        assert_ok(at)
    at.slider(key="bp_point").set_value(5).run()
    assert_ok(at)
    assert at.table and not any(WARN in e.label for e in at.expander)
    # deeper network -> more stages; the stored stage is clamped, not an exception
    at.slider(key="bp_layers").set_value(0).run()
    assert_ok(at)
    assert at.slider(key="bp_stage").max == 3

    at.radio(key="bp_view").set_value("Perceptron (§1.1)").run()
    assert_ok(at)
    at.slider(key="bp_pc_n").set_value(80).run()
    at.slider(key="bp_pc_margin").set_value(0.1).run()
    at.select_slider(key="bp_pc_eta").set_value(0.1).run()
    at.button(key="bp_pc_live_step").click().run()
    assert_ok(at)
    assert at.session_state["bp_pc_live"].stepper.steps_done == 1
    at.button(key="bp_pc_live_play").click().run()  # play: each tick reveals an update
    for _ in range(30):
        if not at.session_state["bp_pc_live"].playing:
            break
        at.run()
    assert_ok(at)
    live = at.session_state["bp_pc_live"]
    assert live.stepper.steps_done == live.stepper.run.n_updates
    assert "Converged" in _texts(at)
    assert not any(WARN in e.label for e in at.expander)  # within the Novikoff bound
    at.radio(key="bp_pc_data").set_value("xor").run()
    assert_ok(at)
    assert "never converges" in _texts(at)

    at.radio(key="bp_view").set_value("Universal approximation (§1.5)").run()
    assert_ok(at)
    at.selectbox(key="bp_ua_target").set_value("gaussian_bump").run()
    at.selectbox(key="bp_ua_act").set_value("relu").run()
    at.slider(key="bp_ua_n").set_value(32).run()
    at.toggle(key="bp_ua_units").set_value(False).run()
    assert_ok(at)


def test_tiny_or_many_class_upload_and_diverged_step_through():
    """Regressions: a 2-row CSV leaves one training point (the step-through's point slider had
    min == max -> StreamlitInvalidMinMaxError); thousands of distinct labels are refused with a
    message instead of a slow 1000-class softmax; a diverged net's step-through says so."""
    at = _app()
    at.selectbox(key="bp_data").set_value("upload CSV").run()
    at.file_uploader(key="bp_upload").set_value(("two.csv", b"0,0,0\n1,1,1\n", "text/csv"))
    at.run()
    assert_ok(at)
    at.radio(key="bp_view").set_value("Backprop step-through").run()
    assert_ok(at)
    assert at.table and "only one in the training split" in " ".join(c.value for c in at.caption)
    at.radio(key="bp_view").set_value("Playground").run()
    many = "x1,x2,label\n" + "\n".join(f"{i / 50:.2f},{i % 7},{i}" for i in range(50))
    at.file_uploader(key="bp_upload").set_value(("many.csv", many.encode(), "text/csv"))
    at.run()
    assert_ok(at)
    assert "at most 10 classes" in _texts(at)

    at = _app()
    at.selectbox(key="bp_data").set_value("reg_gaussian").run()
    at.slider(key="bp_layers").set_value(6).run()
    at.selectbox(key="bp_act").set_value("relu").run()
    at.select_slider(key="bp_lr").set_value(10.0).run()
    at.select_slider(key="bp_speed").set_value(1000).run()
    at.button(key="bp_live_step").click().run()
    assert "diverged" in _texts(at).lower()
    at.radio(key="bp_view").set_value("Backprop step-through").run()
    assert_ok(at)
    assert "This network diverged in training" in _texts(at)


def test_swapped_upload_starts_a_new_run():
    """Regression: the upload's data key was (n, Σx, Σlabel), so the same CSV with x1 and x2
    swapped kept training (and showing) the network fitted to the old points."""
    at = _app()
    at.selectbox(key="bp_data").set_value("upload CSV").run()
    pts = [(-1.0, -0.2), (1.0, 0.3), (-0.8, 0.1), (0.9, -0.1), (-0.6, 0.4), (0.7, 0.2)] * 4
    csv = "x1,x2,label\n" + "\n".join(f"{a},{b},{int(a > 0)}" for a, b in pts)
    swapped = "x1,x2,label\n" + "\n".join(f"{b},{a},{int(a > 0)}" for a, b in pts)
    at.file_uploader(key="bp_upload").set_value(("a.csv", csv.encode(), "text/csv"))
    at.run()
    at.button(key="bp_live_step").click().run()
    assert_ok(at)
    assert at.session_state["bp_live"].stepper.steps_done == 10
    at.file_uploader(key="bp_upload").set_value(("b.csv", swapped.encode(), "text/csv"))
    at.run()
    assert_ok(at)
    live = at.session_state["bp_live"]
    assert live.stepper.steps_done == 0
    assert abs(live.stepper.data.X_all[:, 0]).max() < 0.5  # the swapped points are in use


def _checks_ok(at):
    """Every live-check expander on the view is green (issue 14)."""
    labels = [e.label for e in at.expander if "Math checks" in e.label]
    assert labels and all(lab.startswith(PASS) for lab in labels), labels


def test_relu_kinks_never_show_a_red_check():
    """Issue 13: a fresh 4-layer ReLU net had units exactly at the kink z = 0 and the finite-
    difference check went red (0.226 vs 1e-6) for correct maths. Perturbations that straddle a
    kink are now detected and said, not compared; new layers default to 4 units."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in dict(
        bp_view="Backprop step-through",
        bp_layers="4",
        bp_act="relu",
        bp_point="5",
        bp_stage="3",
        bp_w2="2",
        bp_w3="2",
        bp_w4="2",
    ).items():
        at.query_params[k] = v
    at.run()
    assert_ok(at)
    _checks_ok(at)
    text = " ".join(m.value for e in at.expander for m in e.markdown)
    assert "cross a kink" in text, text
    # the same net with the new default widths trains (no dead layer), checks green
    at2 = AppTest.from_file(PAGE, default_timeout=120)
    at2.query_params["bp_layers"] = "4"
    at2.query_params["bp_act"] = "relu"
    at2.run()
    assert [at2.number_input(key=f"bp_w{i}").value for i in range(1, 5)] == [4, 4, 4, 4]
    assert not any("dead ReLUs" in w.value for w in at2.warning)
    _checks_ok(at2)


def test_every_view_shows_green_checks():
    at = _app()
    _checks_ok(at)
    for view in ("Backprop step-through", "Perceptron (§1.1)", "Universal approximation (§1.5)"):
        at.radio(key="bp_view").set_value(view).run()
        assert_ok(at)
        _checks_ok(at)
    at.radio(key="bp_view").set_value("Perceptron (§1.1)").run()
    at.radio(key="bp_pc_data").set_value("xor").run()
    _checks_ok(at)
