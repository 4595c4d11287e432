"""The BPTT step-through frames play on the player's fast path (heatmaps as images, fixed axes,
only the path moving), and they show what they say: term k's path and term k's matrix."""

import base64
import io
import json

import numpy as np
from PIL import Image

from core.rnn import elman
from core.rnn import figures as rf
from ui.scrub import _batch


def _frames(T=6, t=5):
    p, xs, ys = elman.toy_problem(T=T, seed=0, scale=1.0)
    r = elman.bptt_terms(p, xs, ys, t, "tanh")
    auto = elman.autograd_grads(p, xs, ys, "tanh", t)["W_h"].numpy()
    return r["terms"].numpy(), rf.bptt_frames(r["terms"].numpy(), auto, T, t)


def _png(src: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))))


def test_bptt_frames_take_the_fast_path_with_two_images_a_frame():
    terms, figs = _frames()
    base, frames = _batch(figs)
    b = json.loads(base)
    assert b["fast"], "a reversed or autoranged axis sends every frame through Plotly.react"
    assert len(b["layout"]["images"]) == 2
    moving = [k for k, s in enumerate(b["static"]) if not s]
    assert moving == [1, 3]  # the path's edges and nodes; labels and grey edges stay put
    imgs = [json.loads(f)["images"] for f in frames]
    assert all(len(i) == 2 for i in imgs)
    assert len({i[0] for i in imgs}) == len(imgs)  # term k differs for every k


def test_term_image_puts_row_0_on_top_with_the_sign_of_the_term():
    terms, figs = _frames()
    _, frames = _batch(figs)
    k = len(frames)  # the first frame is k = t
    px = _png(json.loads(frames[0])["images"][0]).astype(float)  # (d, d, 4), top row first
    M = terms[k - 1]
    red_minus_blue = px[..., 0] - px[..., 2]  # RdBu reversed: red for +, blue for −
    big = np.abs(M) > 0.2 * np.abs(M).max()
    assert big.any()
    assert np.all(np.sign(red_minus_blue[big]) == np.sign(M[big]))


def test_graph_highlights_the_path_of_term_k():
    T, t = 6, 5
    for k in range(1, t + 1):
        g = rf.unrolled_graph(T, t, k)
        hot_x = [x for x in g["data"][3]["x"] if x is not None]
        # h⁽ᵏ⁾ .. h⁽ᵗ⁾, then ŷ⁽ᵗ⁾ and ℓ⁽ᵗ⁾
        assert sorted(hot_x) == sorted(list(range(k, t + 1)) + [t, t])
        path = g["data"][1]
        n_edges = sum(v is None for v in path["x"])
        assert n_edges == (t - k) + 2 + 1  # h chain, h→ŷ→ℓ at t, the W_h edge into h⁽ᵏ⁾
