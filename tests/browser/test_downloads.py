"""The §5 page's download buttons really download, in Chromium (issue 16).

Open ``/Generative_Models`` on the "Sample a model" view with a model, N and seed in the URL,
click "Sample", then click each download button: the PNG must open as an image of the grid's
size, and the .npz must hold the samples (N, 1, 28, 28) in [0, 1] and the seed; the PNG is
the grid of exactly those samples.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from tests.browser.helpers import IDLE, new_tab
from tests.browser.test_browser import PAGE_RUN_MS

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_pages")]

N, SEED = 12, 5


def _download(page, label: str) -> tuple[bytes, str]:
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name=label).click()
    path = info.value.path()
    assert info.value.failure() is None
    with open(path, "rb") as f:
        return f.read(), info.value.suggested_filename


def test_png_grid_and_npz_download_and_open(server, context):
    base, _ = server
    page, errors = new_tab(context, height=900)  # the shared context accepts downloads
    try:
        url = f"{base}/Generative_Models?gen_view=Sample+a+model&gen_model=vae_16d&gen_n={N}"
        page.goto(f"{url}&gen_seed={SEED}", wait_until="domcontentloaded", timeout=60_000)
        page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)
        page.get_by_role("button", name="Sample").click()
        page.get_by_role("button", name="Download PNG").wait_for(timeout=PAGE_RUN_MS)
        page.wait_for_selector(IDLE, timeout=PAGE_RUN_MS)

        png, name = _download(page, "Download PNG")
        assert name == f"vae_16d_n{N}_seed{SEED}.png"
        im = Image.open(io.BytesIO(png))
        im.load()  # a truncated or non-PNG file raises here
        assert im.format == "PNG" and min(im.size) >= 2 * 28  # at least one upscaled digit
        assert np.asarray(im.convert("L")).std() > 5  # not a blank image

        raw, name = _download(page, "Download .npz")
        assert name == f"vae_16d_n{N}_seed{SEED}.npz"
        with np.load(io.BytesIO(raw)) as z:
            x = z["samples"]
            assert x.shape == (N, 1, 28, 28) and x.dtype == np.float32
            assert 0.0 <= x.min() and x.max() <= 1.0 and x.std() > 0.05
            assert int(z["seed"]) == SEED
        from core.generative.render import samples_png

        same = Image.open(io.BytesIO(samples_png("vae_16d", x)))
        assert np.array_equal(np.asarray(same), np.asarray(im)), "the PNG is not these samples"
        assert not errors, errors
    finally:
        page.close()
