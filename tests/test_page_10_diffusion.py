"""AppTest of pages/10_Diffusion.py: every control, bad uploads, T / S / rho extremes, and the
live math checks of every view in their passing (✅) state. The step sliders are client-side
players now (ui.image_player / ui.plot_player): their start comes from the URL, never a rerun."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.pretrained import PRETRAINED_DIR
from tests.apptest import assert_ok
from ui.checks import FAIL, PASS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "10_Diffusion.py")
HAVE_UNET = (PRETRAINED_DIR / "diffusion_unet_mnist.json").exists()
HAVE_LATENT = (PRETRAINED_DIR / "diffusion_latent_mnist.json").exists()


def _app(view: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["dif_view"] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _checks_pass(at: AppTest, at_least: int = 1) -> list[str]:
    """The view's math checks are shown and every one is ✅ (none ❌)."""
    checks = [m.value for m in at.markdown if m.value.startswith((f"{PASS} **", f"{FAIL} **"))]
    assert len(checks) >= at_least, checks
    assert all(c.startswith(PASS) for c in checks), checks
    assert all(e.label.startswith(PASS) for e in at.expander if "Math checks" in e.label)
    return checks


def test_forward_process_controls_and_bad_upload():
    at = _app("Forward process")
    assert any("Math checks" in e.label for e in at.expander), [e.label for e in at.expander]
    checks = _checks_pass(at, 3)
    assert any("every t = 1..1000" in c for c in checks), checks
    at.selectbox(key="dif_schedule").set_value("linear")
    at.select_slider(key="dif_T").set_value(1).run()
    assert_ok(at)
    assert any("not pure noise" in w.value for w in at.warning)  # T extreme
    _checks_pass(at, 3)
    at.select_slider(key="dif_T").set_value(100).run()
    assert_ok(at)
    for sched in ("linear", "quadratic"):
        at.selectbox(key="dif_schedule").set_value(sched).run()
        assert_ok(at)
        _checks_pass(at, 3)
    at.selectbox(key="dif_source").set_value("MNIST digit").run()
    at.slider(key="dif_digit").set_value(42).run()
    _checks_pass(at, 3)
    assert_ok(at)
    at.selectbox(key="dif_source").set_value("2-D points").run()
    at.selectbox(key="dif_fwd_target").set_value("checkerboard").run()
    assert_ok(at)
    _checks_pass(at, 3)
    at.selectbox(key="dif_source").set_value("upload").run()
    at.file_uploader(key="dif_upload").set_value(
        ("fake.png", b"this is not a png", "image/png")
    ).run()
    assert_ok(at)
    assert any("Cannot use" in e.value for e in at.error)
    # every closed-form-vs-chain check passes on the page
    assert not any(FAIL in m.value for m in at.markdown)


@pytest.mark.parametrize(
    "query",
    [{"dif_t": "abc"}, {"dif_t": "-5"}, {"dif_t": "1e9"}, {"dif_T": "7", "dif_t": "nan"}],
)
def test_forward_player_start_from_a_bad_url_is_clamped(query):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params["dif_view"] = "Forward process"
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert_ok(at)
    _checks_pass(at, 3)


def test_reverse_2d_training_step_and_controls():
    at = _app("2-D reverse process")
    at.selectbox(key="dif2_target").set_value("8gaussians")
    at.select_slider(key="dif2_T").set_value(2).run()
    assert_ok(at)
    assert any("very few steps" in w.value for w in at.warning)
    at.select_slider(key="dif2_T").set_value(500)
    at.select_slider(key="dif2_lr").set_value(0.1).run()
    assert_ok(at)
    assert any("high for Adam" in w.value for w in at.warning)
    at.select_slider(key="dif2_lr").set_value(3e-3)
    at.select_slider(key="dif2_T").set_value(20).run()
    _checks_pass(at, 3)  # Algorithm 3's steps rebuilt: valid before any training
    at.button(key="dif2_live_step").click().run()
    assert_ok(at)
    assert any("step 200" in c.value for c in at.caption)
    _checks_pass(at, 3)
    at.checkbox(key="dif2_field").set_value(False).run()
    at.slider(key="dif2_paths").set_value(0).run()
    at.selectbox(key="dif2_schedule").set_value("cosine").run()
    assert_ok(at)
    at.selectbox(key="dif2_target").set_value("upload CSV").run()
    at.file_uploader(key="dif2_csv").set_value(
        ("p.csv", b"x1,x2\n1,2\nfoo,bar\n", "text/csv")
    ).run()
    assert_ok(at)
    assert at.error and any("p.csv" in e.value for e in at.error)
    good = "x1,x2\n" + "\n".join(f"{i % 7},{(i * 3) % 11}" for i in range(60))
    at.file_uploader(key="dif2_csv").set_value(("ok.csv", good.encode(), "text/csv")).run()
    assert_ok(at)


def test_degenerate_csv_checks_stay_finite():
    # regression: points on a line (zero spread in x2) made the std-ratio check divide by 0 -> inf
    at = _app("2-D reverse process")
    at.select_slider(key="dif2_T").set_value(20)
    at.selectbox(key="dif2_target").set_value("upload CSV").run()
    line = "x1,x2\n" + "\n".join(f"{i},0" for i in range(60))
    at.file_uploader(key="dif2_csv").set_value(("line.csv", line.encode(), "text/csv")).run()
    assert_ok(at)
    for _ in range(5):  # 1,000 steps: the checks appear
        at.button(key="dif2_live_step").click().run()
    assert_ok(at)
    checks = [m.value for m in at.markdown if "samples vs data" in m.value]
    assert any("std ratio" in c for c in checks), checks
    assert not any(": inf" in c or ": nan" in c for c in checks), checks


def test_leaving_the_2d_view_pauses_its_training():
    # regression (found in Chromium with Playwright): switching views while the 2-D model was
    # playing left the 2-D widget keys behind, and on return the browser reset T / learning
    # rate / ε̂ field to their first options; the view radio's callback now pauses the run and
    # drops the URL-widget keys so ui.state restores them (the browser part needs Chromium)
    at = _app("2-D reverse process")
    at.select_slider(key="dif2_T").set_value(20).run()
    at.button(key="dif2_live_play").click().run()
    assert at.session_state["dif2_live"].playing
    at.radio(key="dif_view").set_value("Forward process").run()
    assert_ok(at)
    assert not at.session_state["dif2_live"].playing
    at.radio(key="dif_view").set_value("2-D reverse process").run()
    assert_ok(at)
    assert at.select_slider(key="dif2_T").value == 20


def test_real_digit_frechet_comes_from_the_judge_manifest():
    from core.pretrained import read_manifest

    src = (ROOT / "ui" / "diffusion" / "mnist.py").read_text()  # the view behind the page
    assert "≈ 67" not in src and "real_digits_frechet()" in src
    assert read_manifest("judge")["metrics"]["real_train500_frechet"] > 0


@pytest.mark.skipif(not HAVE_UNET, reason="pretrained/diffusion_unet_mnist.json not built")
def test_pretrained_mnist_controls_and_extremes():
    at = _app("Pretrained MNIST")
    assert any("judge says" in c.value for c in at.caption)
    assert any("DDIM update rebuilt" in c for c in _checks_pass(at, 1))
    assert any("500 real training digits score" in m.value for m in at.markdown)
    at.slider(key="dif_S").set_value(1).run()
    assert_ok(at)
    assert any("S = 1" in w.value for w in at.warning)  # S extreme
    at.slider(key="dif_rho").set_value(10.0).run()
    assert_ok(at)
    assert any("very strong guidance" in w.value for w in at.warning)  # rho extreme
    at.slider(key="dif_rho").set_value(0.0)
    at.slider(key="dif_eta").set_value(1.0)
    at.slider(key="dif_S").set_value(100).run()
    assert_ok(at)
    at.number_input(key="dif_seed").set_value(5)
    at.selectbox(key="dif_class").set_value("unconditional")
    at.radio(key="dif_sampler").set_value("DDPM").run()
    assert_ok(at)
    # DDPM: S and eta do not apply and are hidden; its steps are stochastic, so the check is
    # on the residuals z = (x_{t-1} - mean) / sigma_t (mean 0, std 1)
    assert not [s for s in at.slider if s.key in ("dif_S", "dif_eta")]
    checks = _checks_pass(at, 2)
    assert any("std z" in c for c in checks), checks


@pytest.mark.skipif(not HAVE_UNET, reason="pretrained/diffusion_unet_mnist.json not built")
def test_pretrained_mnist_stochastic_ddim_checks_pass():
    at = AppTest.from_file(PAGE, default_timeout=120)
    for k, v in {"dif_view": "Pretrained MNIST", "dif_S": "10", "dif_eta": "1.0",
                 "dif_step": "999"}.items():  # fmt: skip
        at.query_params[k] = v
    at.run()
    assert_ok(at)
    checks = _checks_pass(at, 3)  # deterministic last step + residual mean and std
    assert any("|mean z|" in c for c in checks), checks


@pytest.mark.skipif(not HAVE_LATENT, reason="pretrained/diffusion_latent_mnist.json not built")
def test_latent_diffusion_controls():
    at = _app("Latent diffusion")
    at.number_input(key="dif_lat_seed").set_value(3)
    at.selectbox(key="dif_lat_class").set_value("7")
    at.slider(key="dif_lat_rho").set_value(10.0).run()
    assert_ok(at)
    assert any("faster" in c.value for c in at.caption)
    assert any("DDIM update rebuilt" in c for c in _checks_pass(at, 1))
    # issue 13: the reconstruction accuracy is not called a ceiling when samples score higher
    assert not any("(its ceiling)" in m.value for m in at.markdown)
