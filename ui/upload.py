"""Safe uploads: images (PNG/JPEG only, byte- and pixel-capped, bombs refused) and 2-D point CSVs.

Both return ``None`` when nothing usable was uploaded; a bad file shows a clear ``st.error`` and
the rest of the page keeps working.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.data.points_csv import DataError, parse_points_csv
from core.imaging import MAX_BYTES, MAX_PIXELS, ImageError, decode_image


@st.cache_data(max_entries=8, show_spinner=False)
def _decode(data: bytes, max_bytes: int, max_pixels: int, mode: str) -> np.ndarray:
    """`decode_image` once per distinct file: reruns reuse the pixels (keyed on the bytes)."""
    return decode_image(data, max_bytes=max_bytes, max_pixels=max_pixels, mode=mode)


def image_upload(
    label: str,
    key: str,
    *,
    mode: str = "RGB",
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    help: str | None = None,
) -> np.ndarray | None:
    """An uploaded PNG/JPEG as uint8 (H, W, 3) ('RGB') or (H, W) ('L'), or None."""
    f = st.file_uploader(
        label,
        type=["png", "jpg", "jpeg"],
        key=key,
        help=help or f"PNG or JPEG, at most {max_bytes // 2**20} MB and {max_pixels:,} pixels",
    )
    if f is None:
        return None
    try:
        return _decode(f.getvalue(), max_bytes, max_pixels, mode)
    except ImageError as e:
        st.error(f"Cannot use {f.name!r}: {e}")
        return None


def points_upload(
    label: str, key: str, *, require_label: bool = False, min_rows: int = 2, max_rows: int = 20_000
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """An uploaded CSV of 2-D points (x1, x2[, label]) as (X, y), or None."""
    f = st.file_uploader(
        label,
        type=["csv", "txt"],
        key=key,
        help="CSV with columns x1, x2" + (", label" if require_label else "[, label]"),
    )
    if f is None:
        return None
    try:
        return parse_points_csv(
            f.getvalue(), require_label=require_label, min_rows=min_rows, max_rows=max_rows
        )
    except DataError as e:
        st.error(f"{f.name}: {e}")
        return None
