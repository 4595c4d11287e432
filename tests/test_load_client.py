"""The load tool's simulated tab keeps the page's widgets as the browser does (benchmarks/load.py).

After a fragment run the frontend drops what the fragment's part of the page no longer shows,
nested fragments included. A client that kept such a widget sent reruns for a fragment the
server no longer held; Streamlit ignores those without a reply, and the simulated student then
waited for the rest of the run (seen on the Flows page: its settings panel is a fragment nested
in the section's, and disappears when the section switches to the pretrained flow).
"""

from __future__ import annotations

import json
import random

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.load import BUSY, FINISHED, Session, Stats


def _new_session(fragment_ids=()) -> ForwardMsg:
    m = ForwardMsg()
    m.new_session.initialize.session_id = "s"
    m.metadata.run.fragment_ids.extend(fragment_ids)
    return m


def _checkbox(wid: str, path: tuple[int, ...], fragment_id: str = "") -> ForwardMsg:
    m = ForwardMsg()
    m.metadata.delta_path.extend(path)
    m.delta.fragment_id = fragment_id
    m.delta.new_element.checkbox.id = wid
    m.delta.new_element.checkbox.label = wid
    return m


def _markdown(path: tuple[int, ...], fragment_id: str = "") -> ForwardMsg:
    m = ForwardMsg()
    m.metadata.delta_path.extend(path)
    m.delta.fragment_id = fragment_id
    m.delta.new_element.markdown.body = "text"
    return m


def _finished(status) -> ForwardMsg:
    m = ForwardMsg()
    m.script_finished = status
    return m


def _tab() -> Session:
    """A tab after a full run: `a` in fragment F (its part of the page is main/1), `b` in
    fragment G nested in F, `c` outside both, `d` in F, sent by a later run of F only."""
    s = Session(0, "http://127.0.0.1:1", {"name": "p", "path": "p"}, Stats(), random.Random(0))
    for m in (
        _new_session(),
        _checkbox("a", (0, 1, 0), "F"),
        _checkbox("b", (0, 1, 2, 0), "G"),
        _checkbox("c", (0, 5)),
        _finished(FINISHED.FINISHED_SUCCESSFULLY),
    ):
        s._on_msg(m)
    assert set(s.widgets) == {"a", "b", "c"}
    return s


def test_a_fragment_run_drops_what_its_part_of_the_page_no_longer_shows():
    s = _tab()
    for m in (
        _new_session(["F"]),
        _checkbox("a", (0, 1, 0), "F"),
        _markdown((0, 1, 1), "F"),  # where G's container was: G is gone
        _finished(FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY),
    ):
        s._on_msg(m)
    assert set(s.widgets) == {"a", "c"}  # b (nested fragment G) dropped; c is outside F


def test_a_fragment_run_keeps_what_it_sends_again_and_what_lies_outside():
    s = _tab()
    for m in (
        _new_session(["F"]),
        _checkbox("a", (0, 1, 0), "F"),
        _checkbox("d", (0, 1, 1), "F"),
        _checkbox("b", (0, 1, 2, 0), "G"),
        _finished(FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY),
    ):
        s._on_msg(m)
    assert set(s.widgets) == {"a", "b", "c", "d"}
    assert s.widgets["b"].path == (0, 1, 2, 0)


def test_a_full_run_keeps_only_what_it_sent():
    s = _tab()
    for m in (
        _new_session(),
        _checkbox("c", (0, 5)),
        _finished(FINISHED.FINISHED_SUCCESSFULLY),
    ):
        s._on_msg(m)
    assert set(s.widgets) == {"c"}


def test_the_client_counts_busy_toasts_and_the_frames_a_live_tick_brings():
    s = _tab()
    toast = ForwardMsg()
    toast.delta.new_element.toast.body = BUSY + ": 9 pages are computing at once on 2 CPU cores."
    other = ForwardMsg()
    other.delta.new_element.toast.body = "Saved."
    tick, scrub = ForwardMsg(), ForwardMsg()
    tick.delta.new_element.bidi_component.json = json.dumps(
        {"frames": [{}, {}, {}], "autoplay": True}
    )
    scrub.delta.new_element.bidi_component.json = json.dumps(
        {"frames": [{}] * 9, "autoplay": False}
    )
    for m in (toast, other, tick, scrub):
        s._on_msg(m)
    assert s.stats.busy[0] == 1
    assert [n for _, n in s.stats.frames[0]] == [3]  # a scrubbed sequence is not a live tick
