"""core.data.points_csv: uploaded 2-D point sets are parsed; a bad file gets a clear DataError."""

import numpy as np
import pytest

from core.data import DataError, parse_points_csv


def test_header_two_columns():
    X, y = parse_points_csv(b"x1,x2\n0,1\n2.5,-3\n1e-3,4\n")
    assert X.dtype == np.float32 and X.shape == (3, 2) and y is None
    np.testing.assert_allclose(X, [[0, 1], [2.5, -3], [1e-3, 4]], rtol=1e-6)


def test_no_header_with_labels_bom_blank_lines_and_spaces():
    data = "\ufeff0, 0, 0\n\n1 ,1, 1\r\n2,2,0\n".encode("utf-8")
    X, y = parse_points_csv(data)
    assert X.shape == (3, 2)
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 0]


def test_upper_case_header_and_float_labels():
    X, y = parse_points_csv(b"X1,X2,LABEL\n0,0,0.0\n1,1,2.0\n", require_label=True)
    assert y.tolist() == [0, 2]


@pytest.mark.parametrize(
    "data, kw, fragment",
    [
        (b"", {}, "empty"),
        (b"\n \n", {}, "empty"),
        (b"\xff\xfe\x00bad", {}, "not UTF-8"),
        (b"x1,x2\n" + b"1,2\n" * 10, dict(max_bytes=20), "limit"),
        (b"x1,x2\n1,2,3,4\n5,6,7,8\n", {}, "4 columns"),
        (b"x1,x2\n1\n2\n", {}, "1 columns"),
        (b"x1,x2\n1,abc\n3,4\n", {}, "not a number"),
        (b"x1,x2\n1,\n3,4\n", {}, "not a number"),
        (b"x1,x2\n1,2\n3,4,1\n", {}, "mix 2 and 3"),
        (b"x1,x2\nnan,2\n3,4\n", {}, "NaN or infinity"),
        (b"x1,x2\n1,inf\n3,4\n", {}, "NaN or infinity"),
        (b"x1,x2\n1,2\n", {}, "at least 2"),
        (b"x1,x2\n", {}, "0 data rows"),
        (b"1,2\n3,4\n5,6\n", dict(max_rows=2), "at most 2"),
        (b"1,2\n3,4e9\n", {}, "beyond"),
        (b"1,2,0.5\n3,4,1\n", {}, "whole numbers"),
        (b"1,2,-1\n3,4,1\n", {}, "whole numbers"),
        (b"1,2,nan\n3,4,1\n", {}, "whole numbers"),
        (b"1,2\n3,4\n", dict(require_label=True), "3 (x1, x2, label)"),
        (b"1,2,1\n3,4,1\n", dict(require_label=True), "same label"),
    ],
)
def test_bad_files_raise_clear_data_error(data, kw, fragment):
    with pytest.raises(DataError) as e:
        parse_points_csv(data, **kw)
    assert fragment in str(e.value)
    assert isinstance(e.value, ValueError)  # callers may catch ValueError as well


def test_problems_are_collected_and_capped():
    bad = b"x1,x2\n" + b"a,b\n" * 50
    with pytest.raises(DataError) as e:
        parse_points_csv(bad)
    msg = str(e.value)
    assert msg.count("not a number") == 5 and "stopped after 5 problems" in msg
    assert "row 1" in msg and "row 6" not in msg


def test_round_trip_of_a_toy_dataset():
    from core.data import make_toy

    d = make_toy("moons", 200, seed=0)
    text = "x1,x2,label\n" + "\n".join(
        f"{a!r},{b!r},{c}" for (a, b), c in zip(d.X.tolist(), d.y, strict=False)
    )
    X, y = parse_points_csv(text.encode(), require_label=True)
    np.testing.assert_array_equal(X, d.X)
    np.testing.assert_array_equal(y, d.y)
