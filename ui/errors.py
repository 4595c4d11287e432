"""Error boundary: an unexpected exception becomes a friendly message plus a collapsed traceback.

Streamlit's own control-flow exceptions (``st.rerun``, ``st.stop``) pass through untouched.
"""

from __future__ import annotations

import contextlib
import functools
import traceback

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from core.data.points_csv import DataError
from core.imaging import ImageError
from core.pretrained import PretrainedError

# Exceptions whose message is already written for the user: shown without a traceback.
USER_FACING = (DataError, ImageError, PretrainedError)


def show_exception(e: BaseException, what: str = "this part of the page") -> None:
    if isinstance(e, USER_FACING):
        st.error(str(e))
        return
    st.error(
        f"Something went wrong in {what}: {type(e).__name__}: {e}. "
        "The rest of the page still works; change a setting or press Reset to continue."
    )
    with st.expander("Technical details", expanded=False):
        st.code("".join(traceback.format_exception(e)), language="text")


@contextlib.contextmanager
def error_boundary(what: str = "this part of the page"):
    """``with error_boundary("the training plot"): ...`` shows errors instead of a traceback."""
    try:
        yield
    except ScriptControlException:
        raise
    except Exception as e:  # noqa: BLE001 - the point of a boundary
        show_exception(e, what)


def guarded(what: str):
    """Decorator form of `error_boundary` for section functions and fragments."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with error_boundary(what):
                return fn(*args, **kwargs)

        return wrapper

    return deco
