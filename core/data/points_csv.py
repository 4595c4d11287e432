"""Validation of user-uploaded 2-D point sets (CSV with columns x1, x2 and optionally label).

`parse_points_csv` never lets a bad file through and never crashes on one: every problem it
finds is collected into one `DataError` whose message lists them, so a page can show it as is.
"""

from __future__ import annotations

import io

import numpy as np


class DataError(ValueError):
    """A user-supplied dataset is unusable; ``str(err)`` is a message fit to show the user."""


def parse_points_csv(
    data: bytes,
    *,
    require_label: bool = False,
    min_rows: int = 2,
    max_rows: int = 20_000,
    max_bytes: int = 2_000_000,
    max_abs: float = 1e6,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Parse CSV bytes into X (n, 2) float32 and labels (n,) int64 (or None without a label column).

    Accepts a header ``x1,x2[,label]`` (any case) or no header. Labels must be integers >= 0.
    Raises `DataError` listing what is wrong (not UTF-8, too big, wrong columns, non-numbers,
    NaN/inf, too few or too many rows, coordinates beyond ``max_abs``, one class only).
    """
    if len(data) > max_bytes:
        raise DataError(f"file is {len(data):,} bytes; the limit is {max_bytes:,}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(
            "file is not UTF-8 text; expected a CSV with columns x1, x2[, label]"
        ) from None
    lines = [ln.strip() for ln in io.StringIO(text) if ln.strip()]
    if not lines:
        raise DataError("file is empty; expected a CSV with columns x1, x2[, label]")
    first = [c.strip().lower() for c in lines[0].split(",")]
    if not _is_number(first[0]):
        lines = lines[1:]  # a header row
    problems: list[str] = []
    rows: list[list[float]] = []
    widths = {3 if require_label else 2}
    if not require_label:
        widths.add(3)
    for k, ln in enumerate(lines, start=1):
        cells = [c.strip() for c in ln.split(",")]
        if len(cells) not in widths:
            problems.append(
                f"row {k}: {len(cells)} columns, expected "
                f"{'3 (x1, x2, label)' if require_label else '2 or 3 (x1, x2[, label])'}"
            )
        elif not all(_is_number(c) for c in cells):
            problems.append(f"row {k}: not a number in {ln[:60]!r}")
        else:
            rows.append([float(c) for c in cells])
        if len(problems) >= 5:
            problems.append("... (stopped after 5 problems)")
            break
    if not problems and len({len(r) for r in rows}) > 1:
        problems.append("rows mix 2 and 3 columns")
    if not problems:
        if len(rows) < min_rows:
            problems.append(f"{len(rows)} data rows; at least {min_rows} are needed")
        if len(rows) > max_rows:
            problems.append(f"{len(rows):,} data rows; at most {max_rows:,} are allowed")
    if problems:
        raise DataError("cannot use this CSV: " + "; ".join(problems))
    A = np.asarray(rows, dtype=np.float64)
    X = A[:, :2]
    if not np.isfinite(X).all():
        raise DataError("cannot use this CSV: coordinates contain NaN or infinity")
    if np.abs(X).max() > max_abs:
        raise DataError(f"cannot use this CSV: coordinates beyond +-{max_abs:g}")
    y = None
    if A.shape[1] == 3:
        lab = A[:, 2]
        if not np.isfinite(lab).all() or (lab != np.round(lab)).any() or (lab < 0).any():
            raise DataError("cannot use this CSV: labels must be whole numbers >= 0")
        y = lab.astype(np.int64)
        if require_label and len(np.unique(y)) < 2:
            raise DataError("cannot use this CSV: every point has the same label; need 2 classes")
    elif require_label:
        raise DataError("cannot use this CSV: a label column is required")
    return X.astype(np.float32), y


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False
