"""AppTest of pages/06_Autoencoders_and_VAE.py: every view, every main control, bad uploads."""

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok
from ui.checks import FAIL, PASS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "06_Autoencoders_and_VAE.py")


def _png(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture  # a fresh page per test: a shared one made tests depend on their order
def at():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert_ok(at)
    return at


def _view(at, name):
    at.radio(key="vae_view").set_value(name).run()
    assert_ok(at)


def test_latent_map_sliders_and_uploads(at):
    _view(at, "Latent map")
    at.slider(key="vae_z1").set_value(1.5)
    at.slider(key="vae_z2").set_value(-2.0).run()
    assert_ok(at)
    assert any("z = (1.50, -2.00)" in c.value for c in at.caption), [c.value for c in at.caption]

    up = at.get("file_uploader")
    assert up, "the page offers an upload"
    bad = {
        "notes.png": (b"this is not an image at all", "not a PNG or JPEG"),
        "broken.png": (_png(np.full((40, 40), 200, np.uint8))[:60], "corrupt or truncated"),
        "huge.png": (_png(np.zeros((4200, 4200), np.uint8)), "limit is"),
    }
    for name, (data, message) in bad.items():
        at.file_uploader(key="vae_upload").set_value((name, data, "image/png")).run()
        assert_ok(at)
        assert any(message in e.value for e in at.error), (name, [e.value for e in at.error])

    at.file_uploader(key="vae_upload").set_value(
        ("blank.png", _png(np.full((64, 64), 255, np.uint8)), "image/png")
    ).run()
    assert_ok(at)
    assert any("empty" in w.value for w in at.warning), [w.value for w in at.warning]

    from core.data import mnist_split

    digit = (np.array(mnist_split().x_test[7, 0]) * 255).astype(np.uint8)
    big = np.array(Image.fromarray(255 - digit).resize((112, 112)))  # dark ink on white paper
    at.file_uploader(key="vae_upload").set_value(("seven.png", _png(big), "image/png")).run()
    assert_ok(at)
    assert any("Encoded at μ" in c.value for c in at.caption), [c.value for c in at.caption]


def test_interpolation_controls(at):
    _view(at, "Interpolation")
    at.selectbox(key="vae_int_a").set_value(3)
    at.number_input(key="vae_int_ia").set_value(4)
    at.selectbox(key="vae_int_b").set_value(8)
    at.number_input(key="vae_int_ib").set_value(2)
    at.slider(key="vae_int_n").set_value(6).run()
    assert_ok(at)
    at.radio(key="vae_int_path").set_value("spherical").run()
    assert_ok(at)
    assert any("confidence" in c.value for c in at.caption)


def test_sampling_controls(at):
    _view(at, "Sampling")
    for label in at.selectbox(key="vae_smp_model").options:
        at.selectbox(key="vae_smp_model").set_value(label).run()
        assert_ok(at)
    at.selectbox(key="vae_smp_n").set_value(16).run()
    at.button(key="vae_smp_resample").click().run()
    assert_ok(at)
    at.slider(key="vae_smp_temp").set_value(0.0).run()
    assert any("identical" in i.value for i in at.info)
    at.slider(key="vae_smp_temp").set_value(1.9).run()
    assert_ok(at)
    assert any("outside" in w.value for w in at.warning)
    at.slider(key="vae_smp_temp").set_value(1.0).run()


def test_reparameterisation_controls_and_kl_check(at):
    _view(at, "Reparameterisation")
    at.number_input(key="vae_rep_idx").set_value(42)
    at.slider(key="vae_rep_neps").set_value(4).run()
    at.button(key="vae_rep_resample").click().run()
    assert_ok(at)
    checks = [e for e in at.expander if "Math checks" in e.label]
    assert checks and PASS in checks[0].label, [e.label for e in at.expander]
    assert any("KL closed form vs Monte-Carlo" in m.value for m in at.markdown)


def test_beta_controls(at):
    _view(at, "β-VAE")
    for beta in (0.25, 4.0, 8.0, 1.0):
        at.select_slider(key="vae_beta").set_value(beta).run()
        assert_ok(at)
    at.number_input(key="vae_trav_idx").set_value(10)
    at.slider(key="vae_trav_range").set_value(2.0).run()
    assert_ok(at)


def test_linear_ae_vs_pca_view(at):
    _view(at, "Linear AE vs PCA")
    assert any("largest principal angle" in m.value and PASS in m.value for m in at.markdown)


def test_live_training(at):
    _view(at, "Live training")
    at.select_slider(key="vae_live_beta").set_value(0.5)
    at.selectbox(key="vae_live_width").set_value(256).run()
    at.button(key="vae_live_step").click().run()
    assert_ok(at)
    assert any("step 35" in c.value for c in at.caption), [c.value for c in at.caption]
    at.select_slider(key="vae_live_lr").set_value(0.1).run()
    assert_ok(at)
    assert any("diverge" in w.value for w in at.warning)


def test_drawing_on_a_transparent_background_is_encoded_like_the_opaque_one(at):
    """Regression: a digit drawn in black on a transparent background (what drawing apps export)
    was converted to grey without its alpha, came out all black and was refused as "empty"."""
    _view(at, "Latent map")
    from core.data import mnist_split

    digit = (np.array(mnist_split().x_test[7, 0]) * 255).astype(np.uint8)
    ink = np.array(Image.fromarray(digit).resize((112, 112)))
    opaque = np.dstack([255 - ink] * 3)  # dark ink on white
    transparent = np.dstack([np.zeros_like(ink)] * 3 + [ink])  # black ink, alpha = ink

    def encoded(name, a):
        buf = io.BytesIO()
        Image.fromarray(a).save(buf, format="PNG")
        at.file_uploader(key="vae_upload").set_value((name, buf.getvalue(), "image/png")).run()
        assert_ok(at)
        assert not any("empty" in w.value for w in at.warning), [w.value for w in at.warning]
        got = [c.value for c in at.caption if "Encoded at μ" in c.value]
        assert got, [c.value for c in at.caption]
        return np.array(re.findall(r"-?\d+\.\d+", got[0])[:2], float)

    want = encoded("opaque.png", opaque)
    np.testing.assert_allclose(encoded("transparent.png", transparent), want, atol=0.05)


def test_two_large_uploads_that_differ_only_off_streamlits_hash_sample_encode_differently(at):
    """Regression: the per-upload cache was keyed on the decoded array, which Streamlit hashes by
    sampling 100,000 of its values once it has >= 500,000: two same-size photos differing only
    off that sample shared one cache entry. The key is now a hash of the file's bytes."""
    _view(at, "Latent map")
    h = w = 1000  # LA: 2,000,000 values
    sampled = np.zeros(h * w * 2, bool)
    sampled[np.random.RandomState(0).choice(h * w * 2, size=100_000)] = True  # Streamlit's draw
    free = ~sampled.reshape(h, w, 2).any(-1)  # pixels never sampled
    a = np.full((h, w), 255, np.uint8)
    a[150:850, 450:550] = 0  # a "1"
    b = a.copy()
    block = np.zeros((h, w), bool)
    block[150:300, 150:850] = True  # a bar on top: a "T"
    b[block & free] = 0

    def encoded(name, g):
        buf = io.BytesIO()
        Image.fromarray(g).save(buf, format="PNG")
        at.file_uploader(key="vae_upload").set_value((name, buf.getvalue(), "image/png")).run()
        assert_ok(at)
        got = [c.value for c in at.caption if "Encoded at μ" in c.value]
        assert got, [c.value for c in at.caption]
        return got[0]

    assert encoded("one.png", a) != encoded("tee.png", b)


def test_changing_the_global_seed_restarts_the_live_run(at):
    """Regression: the live 2-D VAE was keyed on its config only, so after a new global seed the
    page kept showing (and training) the run started with the old seed."""
    _view(at, "Live training")
    at.button(key="vae_live_reset").click().run()
    at.button(key="vae_live_step").click().run()
    assert any(c.value.startswith("step 35") for c in at.caption), [c.value for c in at.caption]
    at.sidebar.number_input(key="_w_global_seed").set_value(7).run()
    assert_ok(at)
    assert any(c.value.startswith("step 0") for c in at.caption), [c.value for c in at.caption]
    at.sidebar.number_input(key="_w_global_seed").set_value(0).run()


def _checks_ok(at):
    blocks = [e for e in at.expander if "Math checks" in e.label]
    assert blocks and PASS in blocks[0].label, [e.label for e in at.expander]
    assert not [m.value for m in at.markdown if m.value.startswith(FAIL)]


@pytest.mark.parametrize("view", ["Latent map", "Interpolation", "Sampling", "Reparameterisation",
                                  "β-VAE", "Linear AE vs PCA", "Live training"])  # fmt: skip
def test_every_view_shows_passing_checks(at, view):
    """Issue 14: every view runs at least one live check of its maths, and it is ✅."""
    _view(at, view)
    _checks_ok(at)


def test_latent_map_pick_decodes_the_clicked_point(at):
    """Issue 13: a click on the map reports z = (x, y); it becomes the sliders' z (clipped to
    the map, rounded to their step), and bad events change nothing; the image follows."""
    from ui.vae.latent_map import z_from_pick

    assert z_from_pick({"x": 1.234, "y": -9.0}) == (1.23, -3.0)
    for bad in (None, {}, {"x": "a", "y": 1}, {"x": float("nan"), "y": 0.0}, [1, 2]):
        assert z_from_pick(bad) is None, bad
    _view(at, "Latent map")
    at.session_state["vae_z1"], at.session_state["vae_z2"] = z_from_pick({"x": 1.234, "y": -2.5})
    at.run()
    assert_ok(at)
    assert any("z = (1.23, -2.50)" in c.value for c in at.caption), [c.value for c in at.caption]


def test_class_colours_are_distinct_and_none_is_the_marker_colour():
    from core.vae import figures as vf

    assert len(set(vf.DIGIT_COLOURS)) == 10
    assert vf.MARKER_COLOUR not in vf.DIGIT_COLOURS


def test_live_map_axes_hold_every_code():
    from core.vae import figures as vf

    z = np.array([[0.1, -6.3], [2.0, 1.0]])
    e = vf.live_extent(z)
    assert e >= 6.3 and e == vf.live_extent(z)  # holds the farthest code
    assert vf.live_extent(np.zeros((3, 2))) == 3.0  # never smaller than the pretrained map
    assert vf.live_extent(np.array([[np.nan, 1.0]])) == 3.0
