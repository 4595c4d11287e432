"""AppTest of pages/02_Convolution_and_Upsampling.py: every part, main control, bad upload."""

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_ok
from ui.checks import PASS

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "02_Convolution_and_Upsampling.py")


def _ok(at):
    assert_ok(at)
    for ex in at.expander:  # the live math checks all pass
        if "Math checks" in ex.label:
            assert ex.label.startswith(PASS), [m.value for m in ex.markdown]


def _part(at, name):
    at.radio(key="conv_part").set_value(name)
    at.run()
    _ok(at)


def _chunk(tag: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + tag
        + payload
        + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
    )


def _huge_1bit_png(side: int = 20_000) -> bytes:
    """A complete, valid 1-bit 20000x20000 PNG (all black): ~50 MB of pixels in a few tens of KB."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)  # filter byte + packed bits
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")
    )


def _png(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def at():
    """A fresh page per test. It was one per module, shared: under xdist the tests of this
    file split over the workers, and test_sliding_window_and_matrix then ran right after
    test_explorer_controls on the same page, with its MNIST digit and p = 0, instead of the
    defaults it checks (the china photo): a flaky failure in full runs, never alone."""
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.run()
    _ok(app)
    return app


def test_explorer_controls(at):
    _part(at, "Explorer")
    for src in ["photo: flower", "pattern: impulse", "MNIST digit"]:
        at.selectbox(key="conv_input").set_value(src)
        at.run()
        _ok(at)
    at.slider(key="conv_digit").set_value(7)
    at.run()
    _ok(at)
    for preset in ["Gaussian", "emboss", "Laplacian", "shift (asymmetric)"]:
        at.selectbox(key="conv_kernel").set_value(preset)
        at.run()
        _ok(at)
    at.selectbox(key="conv_kernel").set_value("box blur").run()
    at.slider(key="conv_ksize").set_value(5).run()
    _ok(at)
    at.toggle(key="conv_flip").set_value(True).run()
    at.slider(key="conv_stride").set_value(3).run()
    at.slider(key="conv_pad").set_value(2).run()
    at.radio(key="conv_padmode").set_value("reflect").run()
    at.slider(key="conv_dil").set_value(2).run()
    _ok(at)
    assert any("actual output shape" in m.value for m in at.markdown)
    # extreme: a 5x5 kernel with dilation 6 spans 25 px; with padding 0 it still fits 28 px,
    # with a 7x7 box it spans 37 px > 28 + 2p: a clear warning, no exception
    at.slider(key="conv_ksize").set_value(7).run()
    at.slider(key="conv_dil").set_value(6).run()
    at.slider(key="conv_pad").set_value(0).run()
    _ok(at)
    assert any("no valid position" in w.value for w in at.warning), [w.value for w in at.warning]
    at.slider(key="conv_dil").set_value(1).run()
    at.slider(key="conv_ksize").set_value(3).run()
    at.radio(key="conv_padmode").set_value("zeros").run()
    at.slider(key="conv_stride").set_value(1).run()
    _ok(at)


def test_uploads_are_refused_with_a_message_or_used(at):
    _part(at, "Explorer")
    at.selectbox(key="conv_input").set_value("upload").run()
    _ok(at)
    good = _png((np.random.default_rng(0).random((40, 50, 3)) * 255).astype(np.uint8))
    bad = {
        "corrupt.png": good[:60] + b"\x00garbage" * 20,
        "notes.png": b"this is a text file, not an image\n" * 10,
        "huge.png": _huge_1bit_png(),
    }
    for name, content in bad.items():
        at.file_uploader(key="conv_upload").set_value((name, content, "image/png"))
        at.run()
        _ok(at)
        msgs = [e.value for e in at.error]
        assert any("Cannot use" in m and name in m for m in msgs), (name, msgs)
        if name == "huge.png":
            assert any("too large" in m for m in msgs), msgs
    at.file_uploader(key="conv_upload").set_value(("ok.png", good, "image/png"))
    at.run()
    _ok(at)
    assert not at.error
    # the formulas now use the uploaded image's 40 x 50 size
    assert any("{40 + 2" in l.value for l in at.latex) and any(
        "{50 + 2" in l.value for l in at.latex
    )
    at.selectbox(key="conv_input").set_value("photo: china").run()
    _ok(at)


def test_sliding_window_and_matrix(at):
    _part(at, "Sliding window")
    # the window on the real image is drawn client-side; its conv is checked live
    checks = " ".join(m.value for ex in at.expander for m in ex.markdown)
    assert "F.conv2d on the 16×24 image" in checks, checks  # china, longer side 24 px
    for side in (8, 64):
        at.slider(key="conv_sw_side").set_value(side).run()
        _ok(at)
    # one position, number by number: every position is a frame of a client-side player
    at.slider(key="conv_pad").set_value(1)
    for n, dil in ((8, 1), (4, 1), (9, 5), (4, 5), (4, 1)):  # (4, 5): the kernel does not fit
        at.slider(key="conv_sw_n").set_value(n)
        at.slider(key="conv_dil").set_value(dil)
        at.run()
        _ok(at)
    assert not [s for s in at.slider if s.key == "conv_pos"]
    grids = [c for c in at.get("bidi_component") if "mp_conv_grids" in str(c.proto)]
    assert grids and "z[3,3] = " in str(grids[0].proto)  # 4×4 + p = 1, k = 3: 16 positions
    checks = " ".join(m.value for ex in at.expander for m in ex.markdown)
    assert "at all 16 positions" in checks, checks
    assert any("z[i,j]" in l.value for l in at.latex)
    _part(at, "As a matrix")
    for mode in ("valid", "full"):
        at.radio(key="conv_tmode").set_value(mode).run()
        _ok(at)
    at.slider(key="conv_tsize").set_value(5).run()
    _ok(at)


def test_layers_and_backprop(at):
    _part(at, "Layers & backprop")
    at.slider(key="conv_cin").set_value(8).run()
    at.slider(key="conv_cout").set_value(32).run()
    at.slider(key="conv_lk").set_value(5).run()
    at.checkbox(key="conv_bias").set_value(False).run()
    _ok(at)
    assert any("= 6,400" in l.value for l in at.latex), [l.value for l in at.latex]
    at.slider(key="conv_bp_pad").set_value(2).run()
    _ok(at)


def test_pooling_and_transposed(at):
    _part(at, "Pooling & unpooling")
    for inp in ["random 6×6", "random 8×8", "notes' toy 4×4"]:
        at.radio(key="conv_pool_input").set_value(inp).run()
        _ok(at)
    at.slider(key="conv_pool_k").set_value(3).run()
    at.slider(key="conv_pool_s").set_value(1).run()
    _ok(at)
    at.slider(key="conv_pool_k").set_value(2).run()
    at.slider(key="conv_pool_s").set_value(2).run()
    _part(at, "Transposed conv")
    # the "Input and kernel" sidebar does not apply here: it is not shown
    assert "conv_kernel" not in [w.key for w in at.selectbox]
    assert "conv_stride" not in [w.key for w in at.slider]
    for kname in ["tent 1-2-1 (3×3)", "ones 2×2", "ones 3×3"]:
        at.selectbox(key="conv_tc_kernel").set_value(kname).run()
        _ok(at)
    at.slider(key="conv_tc_s").set_value(3).run()
    at.slider(key="conv_tc_p").set_value(1).run()
    at.slider(key="conv_tc_op").set_value(2).run()
    _ok(at)
    at.slider(key="conv_tc_s").set_value(1).run()  # output padding 2 >= stride 1
    _ok(at)
    assert any("Output padding must be smaller" in w.value for w in at.warning)
    for k, s in [(4, 2), (3, 2), (1, 3)]:
        at.slider(key="conv_cb_k").set_value(k)
        at.slider(key="conv_cb_s").set_value(s)
        at.run()
        _ok(at)
    assert any("k mod s = 1" in i.value for i in at.info)


def test_receptive_field(at):
    _part(at, "Receptive field")
    for preset in [
        "three 3×3 convs",
        "dilated 3×3, d = 1, 2, 4, 8",
        "strided 5×5 convs",
        "VGG-style (conv, conv, pool) × 2",
    ]:
        at.selectbox(key="conv_rf_preset").set_value(preset).run()
        _ok(at)
    at.slider(key="conv_rf_y").set_value(0).run()
    at.slider(key="conv_rf_x").set_value(100).run()
    _ok(at)


def test_real_networks(at):
    _part(at, "Judge CNN")
    at.slider(key="conv_judge_idx").set_value(123).run()
    _ok(at)
    # ui.figure draws through the in-place plot player (a bidi component), not st.plotly_chart
    assert any("prediction" in str(c.proto) for c in at.get("bidi_component"))
    _part(at, "U-Net")
    assert "conv_kernel" not in [w.key for w in at.selectbox]
    # the default example is the one where the skips help most (measured, said in a caption)
    assert any("raise the per-digit IoU" in c.value for c in at.caption)
    top = at.select_slider(key="conv_unet_top")
    assert len(top.options) == 12 and "(+0." in str(top.options[0]), top.options
    at.radio(key="conv_unet_pick").set_value("any digit").run()
    at.slider(key="conv_unet_idx").set_value(42).run()
    at.radio(key="conv_unet_maps").set_value("no skips").run()
    _ok(at)
    assert [m.label for m in at.metric][:2] == [
        "U-Net held-out IoU (500 digits)",
        "no-skip held-out IoU",
    ]


def _edited(key: str, part: str, **edits) -> AppTest:
    """A fresh page on ``part`` whose data_editor ``key`` carries the given edits."""
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["conv_part"] = part
    app.session_state[key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits}
    app.run()
    return app


def test_hostile_table_edits():
    """Regressions: a kernel weight of 1e300 became inf in float32 and every live check failed
    on NaN (now clipped with a warning); a receptive-field row with p = 1e9 hung the page (the
    check's unit scan ran over ~1e9 units); a dilated pool failed the gradient-support check
    (avg_pool2d has no dilation)."""
    app = _edited("conv_kgrid_Sobel x_3", "Sliding window", edited_rows={0: {"0": 1e300}})
    _ok(app)
    assert any("clipped" in w.value for w in app.warning)
    for part in ("Explorer", "As a matrix", "Layers & backprop"):
        _part(app, part)
    app = _edited("conv_rf_table_judge CNN", "Receptive field", edited_rows={0: {"p": 10**9}})
    _ok(app)
    assert any("too large" in w.value for w in app.warning)
    app = _edited(
        "conv_rf_table_judge CNN",
        "Receptive field",
        added_rows=[{"kind": "pool", "k": 2, "s": 2, "p": 3, "d": 3}],
    )
    _ok(app)
    assert any("Math checks" in e.label for e in app.expander)
