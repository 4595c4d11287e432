"""The home page (app.py, ui/home.py): the chapter map of the notes (issue 13).

A card per chapter, a link per existing page, and for every built page a thumbnail of its main
visual drawn from the real models: a 360x240 PNG that is not a flat colour.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.thumbnails import THUMB_SHAPE
from ui import home

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p for p in (ROOT / "pages").glob("*.py") if not p.name.startswith("_"))


def _url_path(script: Path) -> str:
    from streamlit.source_util import page_icon_and_name

    return page_icon_and_name(script)[1]


def _blocks(node):
    """Every block below ``node`` (depth first)."""
    for child in getattr(node, "children", {}).values():
        if hasattr(child, "children"):
            yield child
            yield from _blocks(child)


@pytest.fixture(scope="module", params=[False, True], ids=["normal", "presentation"])
def app(request):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["presentation"] = request.param
    at.run()
    return at


def test_renders_without_exception(app):
    assert not app.exception, [e.value for e in app.exception]
    assert "Machine Perception Playground" in app.title[0].value


def test_a_card_per_chapter(app):
    cards = [
        b for b in _blocks(app.main) if b.type == "flex_container" and b.proto.flex_container.border
    ]
    assert len(cards) == len(home.CHAPTERS)
    text = " ".join(m.value for m in app.markdown)
    for ch in home.CHAPTERS:
        assert f"{ch.section} {ch.title}" in text


def test_a_link_per_existing_page(app):
    linked = {link.proto.page for link in app.get("page_link")}
    for page in PAGES:
        assert _url_path(page) in linked, f"no card links {page.name}"


def test_every_page_has_a_chapter_with_a_thumbnail():
    """A new page cannot escape the map: it needs a chapter card and a thumbnail builder."""
    by_page = {ch.page: ch for ch in home.CHAPTERS}
    for page in PAGES:
        assert page.name in by_page, f"{page.name} has no chapter card in ui/home.py"
        assert by_page[page.name].thumbnail in home.THUMBNAILS, f"{page.name}: no thumbnail"


def test_an_image_per_built_chapter(app):
    built = [ch for ch in home.CHAPTERS if ch.built]
    assert len(app.get("image")) == len(built)


def test_chapters_without_a_page_say_what_is_coming(app):
    unbuilt = [ch for ch in home.CHAPTERS if not ch.built]
    captions = [c.value for c in app.caption]
    text = " ".join(m.value for m in app.markdown) + " ".join(captions)
    assert "not built" not in text and "TODO" not in text
    if app.session_state["presentation"]:  # prose hidden: the tile says "coming"
        assert sum("coming</span>" in m.value for m in app.markdown) == len(unbuilt)
    else:
        for ch in unbuilt:
            assert f"Coming: {ch.coming}" in captions


@pytest.mark.parametrize("key", home.THUMBNAILS)
def test_thumbnail_is_a_real_image_of_the_expected_size(app, key):
    png, why = home.thumbnail(key)  # cached by the app run above: no second computation
    assert png is not None, why
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    assert img.shape == (*THUMB_SHAPE, 4)
    shown = img[img[..., 3] > 0][:, :3].astype(np.float64)  # opaque pixels (RGB)
    assert len(shown) > 0.5 * THUMB_SHAPE[0] * THUMB_SHAPE[1]
    assert shown.std(axis=0).max() > 20, "a flat thumbnail"
    assert len(np.unique(shown.astype(np.uint8), axis=0)) >= 16


def test_unknown_thumbnail_is_refused_loudly():
    with pytest.raises(ValueError, match="unknown thumbnail"):
        home._build("nope")
