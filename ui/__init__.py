"""Streamlit helpers shared by every page (pages stay thin; the math lives in ``core``)."""

from ui.checks import Check, show_checks
from ui.errors import error_boundary, guarded, show_exception
from ui.layout import PageContext, figure, page, page_config, presenting, prose, sidebar
from ui.live import live_training
from ui.pretrained import pretrained
from ui.scrub import image_player, plot_player, png_data_url
from ui.state import (
    url_checkbox,
    url_multiselect,
    url_number,
    url_radio,
    url_select_slider,
    url_selectbox,
    url_slider,
)
from ui.upload import image_upload, points_upload

__all__ = [
    "Check",
    "show_checks",
    "error_boundary",
    "guarded",
    "show_exception",
    "PageContext",
    "figure",
    "page",
    "page_config",
    "presenting",
    "prose",
    "sidebar",
    "live_training",
    "pretrained",
    "image_player",
    "plot_player",
    "png_data_url",
    "url_checkbox",
    "url_multiselect",
    "url_number",
    "url_radio",
    "url_select_slider",
    "url_selectbox",
    "url_slider",
    "image_upload",
    "points_upload",
]
