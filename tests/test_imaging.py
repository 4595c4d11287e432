"""core.imaging: the upload gate (decode_image), MNIST-style preprocessing, grids and PNG bytes."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from core.imaging import (
    MAX_PIXELS,
    ImageError,
    decode_image,
    make_grid,
    to_mnist_style,
    to_png_bytes,
)


def _encode(arr: np.ndarray, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt, **kw)
    return buf.getvalue()


def _rgb(h=24, w=32, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _png_chunk(tag: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + tag
        + payload
        + struct.pack(">I", zlib.crc32(tag + payload) & 0xFFFFFFFF)
    )


def _png_bomb(width: int, height: int, real_rows: int = 0) -> bytes:
    """A valid-looking 8-bit greyscale PNG of width x height built from a few KB.

    With ``real_rows`` = 0 the IDAT holds one compressed row only (a header-level bomb);
    otherwise it holds ``real_rows`` full rows of zeros, which zlib squeezes ~1000:1.
    """
    header = b"\x89PNG\r\n\x1a\n" + _png_chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    )
    raw = (b"\x00" + b"\x00" * width) * max(real_rows, 1)  # filter byte + pixels per row
    return header + _png_chunk(b"IDAT", zlib.compress(raw, 9)) + _png_chunk(b"IEND", b"")


# ------------------------------------------------------------------ accepted
def test_png_rgb_round_trip_is_lossless():
    a = _rgb()
    out = decode_image(_encode(a, "PNG"))
    assert out.dtype == np.uint8 and out.shape == (24, 32, 3)
    np.testing.assert_array_equal(out, a)


def test_png_greyscale_and_rgba_convert():
    g = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    out = decode_image(_encode(g, "PNG"), mode="L")
    assert out.shape == (8, 8)
    np.testing.assert_array_equal(out, g)
    rgba = np.dstack([_rgb(8, 8), np.full((8, 8), 255, np.uint8)])
    assert decode_image(_encode(rgba, "PNG")).shape == (8, 8, 3)


def test_jpeg_accepted():
    a = np.full((40, 50, 3), 128, np.uint8)
    out = decode_image(_encode(a, "JPEG", quality=95))
    assert out.shape == (40, 50, 3)
    assert np.abs(out.astype(int) - 128).max() <= 3  # lossy but close


# ------------------------------------------------------------------ refused, always as ImageError
def test_refuses_empty_and_non_image():
    with pytest.raises(ImageError, match="empty"):
        decode_image(b"")
    with pytest.raises(ImageError, match="not a PNG or JPEG"):
        decode_image(b"%PDF-1.7 this is not an image at all" * 10)


def test_refuses_text_file_renamed_png():
    text = b"x1,x2\n0,1\n2,3\n"  # what a user uploads when they pick 'points.csv.png'
    with pytest.raises(ImageError, match="not a PNG or JPEG"):
        decode_image(text)


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_refuses_truncated_png(keep):
    data = _encode(_rgb(64, 64), "PNG")
    with pytest.raises(ImageError, match="corrupt or truncated"):
        decode_image(data[: int(len(data) * keep)])


def test_refuses_truncated_jpeg():
    data = _encode(_rgb(64, 64), "JPEG")
    with pytest.raises(ImageError, match="corrupt or truncated"):
        decode_image(data[: len(data) // 2])


def test_refuses_png_with_corrupt_pixel_data():
    data = bytearray(_encode(_rgb(32, 32), "PNG"))
    start = data.index(b"IDAT") + 20
    data[start : start + 40] = b"\xff" * 40  # garbage in the deflate stream (CRC now wrong too)
    with pytest.raises(ImageError):
        decode_image(bytes(data))


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_refuses_other_formats(fmt):
    data = _encode(_rgb(8, 8), fmt)
    with pytest.raises(ImageError, match="upload a PNG or JPEG"):
        decode_image(data)


def test_refuses_too_many_bytes():
    data = _encode(_rgb(64, 64), "PNG")
    with pytest.raises(ImageError, match="limit"):
        decode_image(data, max_bytes=len(data) - 1)


def test_refuses_decompression_bomb_over_our_pixel_cap():
    """5,000 x 5,000 = 25 M pixels (> the 16.8 M cap) in ~25 kB: refused from the header."""
    bomb = _png_bomb(5000, 5000, real_rows=5000)
    assert len(bomb) < 100_000 and 5000 * 5000 > MAX_PIXELS
    with pytest.raises(ImageError, match="decompression-bomb|decompression bomb"):
        decode_image(bomb)


def test_refuses_huge_dimension_bomb_from_the_header():
    """A 100,000 x 100,000 PNG header (10 G pixels) in a few hundred bytes: never expanded."""
    bomb = _png_bomb(100_000, 100_000)
    assert len(bomb) < 1000
    with pytest.raises(ImageError, match="too large|decompression"):
        decode_image(bomb)


def test_pixel_cap_is_a_parameter():
    data = _encode(_rgb(20, 20), "PNG")
    with pytest.raises(ImageError, match="limit is 399"):
        decode_image(data, max_pixels=399)
    assert decode_image(data, max_pixels=400).shape == (20, 20, 3)


# ------------------------------------------------------------------ MNIST-style preprocessing
def _drawn_digit(h=120, w=90) -> np.ndarray:
    """A black 'L' stroke on white paper, off-centre, like a photographed drawing (uint8)."""
    img = np.full((h, w), 255, np.uint8)
    img[10:90, 10:22] = 0  # vertical bar
    img[78:90, 10:60] = 0  # foot
    return img


def test_to_mnist_style_inverts_centres_and_boxes():
    out = to_mnist_style(_drawn_digit())
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() == pytest.approx(1.0, abs=0.02)
    assert out[0].max() == 0 and out[:, 0].max() == 0  # background is black (inverted)
    rows, cols = np.flatnonzero(out.max(1) > 0.1), np.flatnonzero(out.max(0) > 0.1)
    assert rows[-1] - rows[0] + 1 <= 20 and cols[-1] - cols[0] + 1 <= 20  # fits the 20x20 box
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 >= 19  # and fills it
    yy, xx = np.mgrid[0:28, 0:28]
    cy, cx = (yy * out).sum() / out.sum(), (xx * out).sum() / out.sum()
    assert abs(cy - 14) < 1.0 and abs(cx - 14) < 1.0  # centred by centre of mass


def test_to_mnist_style_dark_background_and_float_input_agree():
    ink_white = 255 - _drawn_digit()  # white on black already: no inversion needed
    a = to_mnist_style(ink_white)
    b = to_mnist_style(_drawn_digit().astype(np.float32) / 255.0)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_to_mnist_style_blank_image_is_all_zero():
    np.testing.assert_array_equal(
        to_mnist_style(np.full((50, 50), 255, np.uint8)), np.zeros((28, 28), np.float32)
    )


def test_to_mnist_style_of_a_real_digit_keeps_its_class():
    """A real held-out digit, upscaled and inverted like a scan, is judged the same class."""
    from core.data import mnist_split
    from core.judge import predict
    from core.pretrained import load

    s = mnist_split()
    judge, _ = load("judge")
    idx = [int(np.flatnonzero(s.y_test == c)[0]) for c in range(10)]
    scans = [
        255 - np.kron((s.x_test[i, 0] * 255).astype(np.uint8), np.ones((4, 4), np.uint8))
        for i in idx
    ]  # 112x112 black-on-white
    import torch

    x = torch.from_numpy(np.stack([to_mnist_style(im) for im in scans])[:, None])
    probs, _ = predict(judge, x)
    assert (probs.argmax(1).numpy() == np.arange(10)).mean() >= 0.9


# ------------------------------------------------------------------ grids and PNG bytes
def test_make_grid_grey_layout():
    x = np.stack([np.full((3, 4), k / 10, np.float32) for k in range(5)])  # (5, 3, 4)
    g = make_grid(x, nrow=3, pad=1, pad_value=1.0)
    assert g.shape == (2 * (3 + 1) + 1, 3 * (4 + 1) + 1)
    for k in range(5):
        r, q = divmod(k, 3)
        np.testing.assert_array_equal(
            g[1 + r * 4 : 1 + r * 4 + 3, 1 + q * 5 : 1 + q * 5 + 4], np.float32(k / 10)
        )
    assert g[0].min() == 1.0 and g[-4:-1, -5:-1].min() == 1.0  # padding and the empty 6th cell


def test_make_grid_default_square_and_colour():
    g = make_grid(np.zeros((9, 1, 2, 2), np.float32), pad=0)
    assert g.shape == (6, 6)
    rgb = make_grid(np.random.default_rng(0).random((4, 3, 5, 5), dtype=np.float32), pad=2)
    assert rgb.shape == (2 * 7 + 2, 2 * 7 + 2, 3)


def test_to_png_bytes_round_trip_and_scale():
    a = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    data = to_png_bytes(a, scale=3)
    out = decode_image(data, mode="L")
    assert out.shape == (9, 12)
    np.testing.assert_array_equal(out[::3, ::3], (a * 255).round().astype(np.uint8))
    clipped = decode_image(to_png_bytes(np.array([[-1.0, 2.0]])), mode="L")
    assert clipped.tolist() == [[0, 255]]
