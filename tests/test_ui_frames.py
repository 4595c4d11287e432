"""ui.frames: heatmaps coloured on the server must match plotly's own colour scales, and the
fixed axes must cover every frame (else points would leave the chart during fast playback)."""

from __future__ import annotations

import base64
import io
import warnings

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from plotly.colors import sample_colorscale, unlabel_rgb

from ui.frames import fix_ranges, heatmaps_to_images, prepare, values


def _pixels(url: str) -> np.ndarray:
    raw = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGBA"))


def _heat(z, **kw) -> dict:
    return go.Figure(go.Heatmap(z=z, **kw)).to_plotly_json()["data"][0] | {"type": "heatmap"}


OURS = [[0, "#E69F00"], [0.5, "#f7f7f7"], [1, "#0072B2"]]  # the backprop decision map's scale


@pytest.mark.parametrize("scale", ["RdBu", "Viridis", OURS])
def test_heatmap_colours_match_plotly_colorscale(scale):
    rng = np.random.default_rng(0)
    z = rng.uniform(-2, 3, size=(5, 7))
    x, y = np.linspace(0, 1, 7), np.linspace(-1, 1, 5)
    frames = [[_heat(z, x=x, y=y, colorscale=scale, zmin=-2.0, zmax=3.0)]]
    ((img,),) = heatmaps_to_images(frames, {})
    pix = _pixels(img["source"])
    assert pix.shape == (5, 7, 4)
    t = (z - -2.0) / 5.0
    for r in range(5):
        for c in range(7):
            want = unlabel_rgb(sample_colorscale(scale, [t[r, c]], colortype="rgb")[0])
            # image row 0 is the TOP of the plot, i.e. the last row of z
            assert np.abs(pix[4 - r, c, :3] - np.array(want)).max() <= 1.5, (r, c)
    # the image covers the cells exactly: edges half a cell beyond the centres
    assert img["x"] == pytest.approx(-1 / 12) and img["sizex"] == pytest.approx(1 + 1 / 6)
    assert img["y"] == pytest.approx(1.25) and img["sizey"] == pytest.approx(2.5)
    stub = frames[0][0]  # the trace keeps its colour bar range, drawn invisibly
    assert stub["zmin"] == -2.0 and stub["zmax"] == 3.0 and stub["opacity"] == 0


def test_batch_shares_one_colour_range_when_the_trace_sets_none():
    frames = [[_heat(np.full((2, 2), v), x=[0, 1], y=[0, 1])] for v in (0.0, 4.0)]
    imgs = heatmaps_to_images(frames, {})
    lo, hi = _pixels(imgs[0][0]["source"]), _pixels(imgs[1][0]["source"])
    # the same colorscale end points as plotly's default for heatmaps (Plasma) at 0 and 1
    assert np.abs(lo[0, 0, :3] - unlabel_rgb(sample_colorscale("Plasma", [0.0])[0])).max() <= 1
    assert np.abs(hi[0, 0, :3] - unlabel_rgb(sample_colorscale("Plasma", [1.0])[0])).max() <= 1


def test_uneven_or_annotated_heatmaps_stay_heatmaps():
    uneven = [[_heat(np.ones((2, 3)), x=[0, 1, 3], y=[0, 1])]]
    texted = [[_heat(np.ones((2, 2)), x=[0, 1], y=[0, 1], texttemplate="%{z}")]]
    for frames in (uneven, texted):
        assert heatmaps_to_images(frames, {}) == [[]]
        assert values(frames[0][0]["z"]).shape in ((2, 3), (2, 2))  # untouched


def test_fixed_ranges_cover_every_frame_and_keep_explicit_ones():
    frames = [
        [{"type": "scatter", "x": [0, 1], "y": [0.5, 0.7]}],
        [{"type": "scatter", "x": [0, 5], "y": [0.2, 0.6], "xaxis": "x"}],
    ]
    layout = {"yaxis": {"range": [0, 1]}, "xaxis": {"rangemode": "tozero"}}
    assert fix_ranges(frames, layout, [[], []])
    lo, hi = layout["xaxis"]["range"]
    assert lo <= 0 and hi >= 5 and hi < 5.5
    assert layout["yaxis"]["range"] == [0, 1]


def test_typed_arrays_decode_like_plotly_writes_them():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    enc = go.Figure(go.Heatmap(z=a)).to_plotly_json()["data"][0]["z"]
    d = {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode(), "shape": "2, 3"}
    assert np.array_equal(values(d), a)
    assert np.array_equal(values(enc), a)
    assert values(["a", "b"]) is None


def test_prepare_marks_only_scatter_batches_fast():
    pts = [{"type": "scatter", "x": [0, 1], "y": [1, 2]}]
    heat = _heat(np.ones((3, 3)), x=[0, 1, 2], y=[0, 1, 2])
    frames = [[dict(heat), *pts], [dict(heat), *pts]]
    layout: dict = {}
    images, fast = prepare(frames, layout)
    assert fast and len(images[1]) == 1 and len(layout["images"]) == 1
    bars = [[{"type": "bar", "x": [0, 1], "y": [1, 2]}] for _ in range(2)]
    assert not prepare(bars, {})[1]


def test_image_traces_become_layout_images_with_the_same_pixel_grid():
    from ui.scrub import png_data_url

    pics = [png_data_url(np.full((4, 6), v, np.uint8)) for v in (0, 255)]
    frames = [[{"type": "image", "source": p, "xaxis": "x3", "yaxis": "y3"}] for p in pics]
    layout: dict = {}
    images, fast = prepare(frames, layout)
    assert fast and [im[0]["source"] for im in images] == pics
    im = images[0][0]
    # plotly puts pixel centres at 0..5 and 0..3, y downwards: edges half a pixel beyond
    assert (im["x"], im["y"], im["sizex"], im["sizey"]) == (-0.5, -0.5, 6.0, 4.0)
    assert layout["xaxis3"]["range"] == [-0.5, 5.5] and layout["yaxis3"]["range"] == [3.5, -0.5]
    assert frames[1][0]["type"] == "scatter" and frames[1][0]["x"] == []


def test_moving_marker_clouds_go_to_the_canvas_and_static_ones_do_not():
    from ui.frames import CANVAS_MIN_POINTS, canvas_traces

    rng = np.random.default_rng(1)
    n = CANVAS_MIN_POINTS // 2 + 1  # two classes of half the threshold each: together enough

    def cloud():
        return {"type": "scatter", "mode": "markers", "x": rng.normal(size=n).tolist(),
                "y": rng.normal(size=n).tolist()}  # fmt: skip

    real = cloud()

    def line(k):
        return {"type": "scatter", "mode": "lines", "x": [0, k], "y": [0, k]}

    frames = [[dict(real), cloud(), cloud(), line(k)] for k in (1, 2)]
    layout: dict = {}
    _, fast = prepare(frames, layout)
    from ui.frames import signature

    static, _, _ = signature(frames, layout)
    assert fast and static == [True, False, False, False]
    assert canvas_traces(frames, static) == [1, 2]  # not the static cloud, not the line
    small = [[{**t, "x": t["x"][:3], "y": t["y"][:3]} for t in f[1:3]] for f in frames]
    assert canvas_traces(small, [False, False]) == []


def test_zmid_centres_the_colour_range_like_plotly():
    z = np.array([[-1.0, 3.0], [0.5, 1.0]])
    frames = [[_heat(z, x=[0, 1], y=[0, 1], zmid=0.0, colorscale="RdBu")] for _ in range(2)]
    heatmaps_to_images(frames, {})
    stub = frames[0][0]  # plotly: zmid = 0 and max |z| = 3 give the range [-3, 3]
    assert (stub["zmin"], stub["zmax"]) == (-3.0, 3.0)


def test_presentation_raises_every_trace_text_of_dict_and_figure_frames():
    """Projector: cell values, labels and arrows drawn as trace text reach 18 px, whether the
    frame is a plotly-JSON dict (per-point sizes too) or a go.Figure; other traces untouched."""
    import plotly.graph_objects as go

    from core.theme import PRESENT_FONT, apply_theme, present_trace_text

    small = PRESENT_FONT - 2
    fig = {"data": [{"type": "scatter", "text": ["S", "G"], "textfont": {"size": [11, 9]}},
                    {"type": "heatmap", "z": [[1]], "texttemplate": "%{z}",
                     "textfont": {"size": 17}},
                    {"type": "scatter", "x": [0]}], "layout": {}}  # fmt: skip
    out = present_trace_text(fig)
    assert out["data"][0]["textfont"]["size"] == [small, small]
    assert out["data"][1]["textfont"]["size"] == small
    assert "textfont" not in out["data"][2] and fig["data"][0]["textfont"]["size"] == [11, 9]
    g = apply_theme(go.Figure(go.Scatter(x=[0, 1], y=[0, 1], text=["a", "b"],
                                         textfont={"size": [11, 30]})), True)  # fmt: skip
    assert list(g.data[0].textfont.size) == [small, 30]


def test_nan_cells_of_a_diverged_run_are_transparent_and_raise_no_warning():
    z = np.array([[0.0, np.nan], [1.0, np.inf]])
    frames = [[_heat(z, x=[0, 1], y=[0, 1], colorscale="Viridis", zmin=0.0, zmax=1.0)]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in cast"
        ((img,),) = heatmaps_to_images(frames, {})
    pix = _pixels(img["source"])  # image row 0 is the last row of z
    assert pix[1, 1, 3] == 0 and pix[0, 1, 3] == 0  # NaN and inf: nothing drawn
    assert pix[1, 0, 3] == 255 and pix[0, 0, 3] == 255
