"""Image helpers shared by pages and the CLI: safe decoding of uploads, grids, PNG bytes.

`decode_image` is the single gate for user images: PNG or JPEG only (judged by the bytes, not
the file name), a byte cap, a pixel cap checked from the header *before* decoding (so a
decompression bomb is refused without being expanded), and a full decode that turns a truncated
or corrupt file into an `ImageError` with a clear message.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = ("PNG", "JPEG")
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 4096 * 4096


class ImageError(ValueError):
    """An image cannot be used; ``str(err)`` is a message fit to show the user."""


def decode_image(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS, mode: str = "RGB"
) -> np.ndarray:
    """Decode PNG/JPEG bytes to a uint8 array, (H, W, 3) for mode 'RGB' or (H, W) for 'L'."""
    if not data:
        raise ImageError("the file is empty")
    if len(data) > max_bytes:
        raise ImageError(
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB"
        )
    try:
        with Image.open(io.BytesIO(data)) as im:  # reads the header only
            if im.format not in ALLOWED_FORMATS:
                raise ImageError(
                    f"{im.format or 'unknown'} images are not accepted; upload a PNG or JPEG"
                )
            w, h = im.size
            if w * h > max_pixels:
                raise ImageError(
                    f"the image is {w}x{h} = {w * h:,} pixels; the limit is "
                    f"{max_pixels:,} (a very large or decompression-bomb image)"
                )
            if w < 1 or h < 1:
                raise ImageError("the image has no pixels")
            im.load()  # full decode: truncated/corrupt data raises here
            return np.asarray(im.convert(mode)).copy()
    except ImageError:
        raise
    except UnidentifiedImageError as e:
        raise ImageError(
            "this file is not a PNG or JPEG image (its content is not an image)"
        ) from e
    except Image.DecompressionBombError as e:
        raise ImageError("the image is too large (refused as a possible decompression bomb)") from e
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageError(f"the image is corrupt or truncated ({e})") from e


def make_grid(
    images: np.ndarray, nrow: int | None = None, pad: int = 1, pad_value: float = 1.0
) -> np.ndarray:
    """Tile (N, H, W) or (N, C, H, W) images into one (H', W') or (H', W', C) array."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[:, None]
    n, c, h, w = x.shape
    nrow = nrow or int(np.ceil(np.sqrt(n)))
    ncol_rows = int(np.ceil(n / nrow))
    grid = np.full((c, ncol_rows * (h + pad) + pad, nrow * (w + pad) + pad), pad_value, np.float32)
    for k in range(n):
        r, q = divmod(k, nrow)
        grid[
            :,
            pad + r * (h + pad) : pad + r * (h + pad) + h,
            pad + q * (w + pad) : pad + q * (w + pad) + w,
        ] = x[k]
    return grid[0] if c == 1 else grid.transpose(1, 2, 0)


def to_png_bytes(img: np.ndarray, scale: int = 1) -> bytes:
    """A float [0, 1] or uint8 (H, W) / (H, W, 3) array as PNG bytes (nearest-neighbour upscale)."""
    a = np.asarray(img)
    if a.dtype != np.uint8:
        a = (np.clip(a, 0.0, 1.0) * 255).round().astype(np.uint8)
    im = Image.fromarray(a)
    if scale > 1:
        im = im.resize((im.width * scale, im.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def to_mnist_style(gray: np.ndarray) -> np.ndarray:
    """Turn a user's digit image (H, W) in [0, 1] into an MNIST-like 28x28 float32 array.

    MNIST digits are white on black, fit in a 20x20 box and are centred by their centre of
    mass in a 28x28 frame. A light background is inverted first.
    """
    g = np.asarray(gray, dtype=np.float32)
    if g.max() > 1.0:
        g = g / 255.0
    if np.median(g) > 0.5:
        g = 1.0 - g
    g = np.clip(g - np.median(g), 0, None)
    if g.max() <= 1e-6:
        return np.zeros((28, 28), np.float32)
    g = g / g.max()
    rows, cols = np.flatnonzero(g.max(1) > 0.1), np.flatnonzero(g.max(0) > 0.1)
    g = g[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = g.shape
    s = 20.0 / max(h, w)
    im = Image.fromarray((g * 255).astype(np.uint8)).resize(
        (max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR
    )
    small = np.asarray(im, dtype=np.float32) / 255.0
    out = np.zeros((28, 28), np.float32)
    hh, ww = small.shape
    yy, xx = np.mgrid[0:hh, 0:ww]
    m = small.sum()
    cy, cx = (yy * small).sum() / m, (xx * small).sum() / m
    top = int(np.clip(round(14 - cy), 0, 28 - hh))
    left = int(np.clip(round(14 - cx), 0, 28 - ww))
    out[top : top + hh, left : left + ww] = small
    return out
