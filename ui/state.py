"""Widgets whose values live in the URL (``st.query_params``) so a configured demo is a bookmark.

Each ``url_*`` widget:

1. on its first run in the session takes its value from the query string when that parses and
   is valid (bad or hostile values silently fall back to the default, never an exception),
   otherwise from the value it had when the user last left the page, otherwise the default;
2. renders the ordinary Streamlit widget under ``key``;
3. writes the current value back to the query string.

Keys are prefixed per page by the caller (``"bp_lr"``), and double as query-parameter names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

_KEEP = "_keep_"  # session_state[_KEEP + key]: the value to restore after a page switch


def _encode(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (list, tuple)):
        return json.dumps(list(v), separators=(",", ":"))
    return str(v)


def _decode(raw: str, like: Any) -> Any:
    """Parse ``raw`` to the type of ``like``; raise ValueError when it does not parse."""
    if isinstance(like, bool):
        if raw in ("1", "true", "True"):
            return True
        if raw in ("0", "false", "False"):
            return False
        raise ValueError(raw)
    if isinstance(like, int):
        f = float(raw)
        if f != f or f in (float("inf"), float("-inf")) or f != int(f):
            raise ValueError(raw)
        return int(f)
    if isinstance(like, float):
        f = float(raw)
        if f != f or f in (float("inf"), float("-inf")):
            raise ValueError(raw)
        return f
    if isinstance(like, (list, tuple)):
        v = json.loads(raw)
        if not isinstance(v, list):
            raise ValueError(raw)
        if like and isinstance(like[0], (bool, int, float)):  # (2, 8) stays ints, (0.2, 0.8) floats
            v = [_decode(str(x), like[0]) for x in v]
        return type(like)(v)
    return raw


def _initial(
    key: str, default: Any, valid: Callable[[Any], Any], repair: Callable[[Any], Any] | None = None
) -> None:
    """Put the starting value for widget ``key`` into session_state (see module docstring).

    A value that stopped being valid because the widget's range or options changed (a slider
    whose maximum depends on other controls) is repaired (e.g. clamped) or reset to the default,
    instead of letting Streamlit raise.
    """

    def fix(v):
        try:
            return valid(v)
        except (ValueError, TypeError, OverflowError):
            try:
                return valid(repair(v)) if repair else default
            except (ValueError, TypeError, OverflowError):
                return default

    if key in st.session_state:
        current = st.session_state[key]
        fixed = fix(current)
        if fixed is not current and fixed != current:
            st.session_state[key] = fixed
        return
    value = fix(st.session_state.get(_KEEP + key, default))
    raw = st.query_params.get(key)
    if raw is not None:
        try:
            value = valid(_decode(raw, default))
        except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
            pass
    st.session_state[key] = value


def _publish(key: str, value: Any) -> Any:
    st.session_state[_KEEP + key] = value
    enc = _encode(value)
    if st.query_params.get(key) != enc:
        st.query_params[key] = enc
    return value


def _in_range(lo, hi):
    def check(v):
        if isinstance(v, (list, tuple)):
            if len(v) != 2 or not all(lo <= x <= hi for x in v) or v[0] > v[1]:
                raise ValueError(v)
        elif not lo <= v <= hi:
            raise ValueError(v)
        return v

    return check


def _one_of(options: Sequence[Any]):
    def check(v):
        for o in options:  # compare by text so "3" from the URL finds the option 3
            if o == v or str(o) == str(v):
                return o
        raise ValueError(v)

    return check


def _clamp(lo, hi):
    def repair(v):
        if isinstance(v, (list, tuple)):
            a, b = sorted(min(max(x, lo), hi) for x in v)
            return type(v)((a, b))
        return min(max(v, lo), hi)

    return repair


def url_slider(label: str, key: str, min_value, max_value, value, step=None, **kw):
    """``st.slider`` mirrored in the URL; ``value`` may be a (lo, hi) tuple for a range.

    When ``min_value``/``max_value`` change between reruns the current value is clamped.
    """
    _initial(key, value, _in_range(min_value, max_value), _clamp(min_value, max_value))
    v = st.slider(label, min_value=min_value, max_value=max_value, step=step, key=key, **kw)
    return _publish(key, v)


def url_select_slider(label: str, key: str, options: Sequence[Any], value, **kw):
    """``st.select_slider`` (e.g. a log-spaced learning rate) mirrored in the URL."""
    _initial(key, value, _one_of(options))
    return _publish(key, st.select_slider(label, options=list(options), key=key, **kw))


def url_selectbox(label: str, key: str, options: Sequence[Any], value=None, **kw):
    """``st.selectbox`` mirrored in the URL (``value`` defaults to the first option)."""
    _initial(key, options[0] if value is None else value, _one_of(options))
    return _publish(key, st.selectbox(label, options=list(options), key=key, **kw))


def url_radio(label: str, key: str, options: Sequence[Any], value=None, **kw):
    _initial(key, options[0] if value is None else value, _one_of(options))
    return _publish(key, st.radio(label, options=list(options), key=key, **kw))


def url_checkbox(label: str, key: str, value: bool = False, toggle: bool = False, **kw) -> bool:
    _initial(key, bool(value), bool)
    widget = st.toggle if toggle else st.checkbox
    return _publish(key, widget(label, key=key, **kw))


def url_number(label: str, key: str, min_value, max_value, value, step=None, **kw):
    _initial(key, value, _in_range(min_value, max_value), _clamp(min_value, max_value))
    v = st.number_input(label, min_value=min_value, max_value=max_value, step=step, key=key, **kw)
    return _publish(key, v)


def url_multiselect(label: str, key: str, options: Sequence[Any], value: Sequence[Any], **kw):
    def valid(v):
        return [_one_of(options)(x) for x in v]

    _initial(key, list(value), valid)
    return _publish(key, st.multiselect(label, options=list(options), key=key, **kw))
