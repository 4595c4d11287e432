"""The live-training fragment: play / pause / step / reset around any `core.training.Stepper`.

    stepper = ui.live_training("bp_live", make_stepper=lambda: Trainer(cfg), signature=cfg,
                               render=draw, steps_per_click=10)

* The stepper lives in ``st.session_state[key]``; a new ``signature`` (the frozen config)
  builds a fresh one and pauses.
* While playing, an ``st.fragment(run_every=...)`` tick advances the stepper in chunks of
  ``chunk`` steps until ``tick_budget_s`` of work is spent (about 100 ms), then calls
  ``render(stepper, metrics)``, so only the training view redraws.
* With ``snapshot=fig_of(stepper)`` the tick is split into ``frames_per_tick`` slices of work;
  after each slice the stepper is drawn (a real snapshot, titled with its step count), and the
  browser plays those frames (``ui.scrub``) while the server trains the next tick. The timer
  fires once per ``frames_per_tick * frame_ms``, so the view changes ~1000/frame_ms times a
  second whatever a server round trip costs. ``render`` still runs once per tick for the rest
  (metrics, curves, checks): keep it light while playing.
* A tick fits its interval: the training budget shrinks to ``FIT`` × the timer interval minus
  the last tick's snapshot and drawing time, since a timer fire during a tick cuts it short;
  and when one slice's chunk alone takes longer than its share, the tick draws fewer frames
  rather than overrun (each slice trains at least one chunk).
* A loaded server: when the last tick outlasted ``FIT`` of its interval, the next one draws
  proportionally fewer snapshots (``frames_this_tick``), so ticks fit their interval again
  instead of being dropped by the next timer run.
* Fair sharing (a classroom on one server, issue 21): the training part of a tick is
  ``tick_budget_s`` divided by the number of sessions of this server process playing at the
  moment (``fair_budget``; never below ``MIN_SHARE`` of it), so ten playing students do not
  starve everyone's slider reruns; a tick never starts before the previous one ended (a
  session's runs are sequential), and a closed tab stops ticking (the browser drives the timer).
* A NaN/inf metric, an exception inside ``step``, ``stop_when(metrics)`` returning a reason, or
  reaching ``max_steps`` pauses the run and shows why. Nothing is lost: the stepper stays as it
  was and Reset starts over. No ``while True`` anywhere.
* Settings that rebuild the stepper (architecture, learning rate, data) sit in their own
  fragment and wait for Apply (``deferred_settings`` / ``applied_settings`` below, issue 12):
  a slider step there reruns only the panel, not the stepper, its checks and figures.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from core.training import Stepper, all_finite
from ui.errors import error_boundary
from ui.scrub import plot_player

_PLAYING: dict[str, float] = {}  # session id -> time of its last playing tick (this process)
_PLAYING_LOCK = threading.Lock()
PLAYING_TTL_S = 5.0  # a session that has not ticked for this long no longer counts
MIN_SHARE = 0.25  # a tick's training budget never falls below this share of its own
# A fragment's run_every timer that fires while the previous tick still runs interrupts it (its
# frames are lost: measured by benchmarks/load.py, 168 of 191 ticks cut short under load). So a
# tick trains for at most FIT of the interval minus what the last tick spent outside training.
FIT = 0.8
MIN_TRAIN_S = 0.02


def fair_budget(budget_s: float, session: str, now: float | None = None) -> float:
    """This session's training budget for one tick: ``budget_s`` shared by the sessions of
    this process that played within ``PLAYING_TTL_S`` (this one included)."""
    now = time.monotonic() if now is None else now
    with _PLAYING_LOCK:
        _PLAYING[session] = now
        for sid, t in list(_PLAYING.items()):
            if now - t > PLAYING_TTL_S:
                del _PLAYING[sid]
        n = len(_PLAYING)
    return budget_s * max(MIN_SHARE, 1.0 / n)


def frames_this_tick(frames_per_tick: int, last_tick_s: float, interval_s: float) -> int:
    """Snapshots to draw this tick: all of them, unless the last tick overran ``FIT`` of its
    interval (a loaded server: the GIL shared by many sessions), then proportionally fewer,
    at least one.

    A tick that outlasts its interval is lost: the timer's next run starts before the
    tick's messages reach the browser, and Streamlit drops them (the load test counted 597 of
    1,439 ticks lost with 10 sessions playing on one process). Fewer snapshots make the tick
    shorter, and the process's total work smaller, until ticks fit again."""
    limit = FIT * interval_s
    if last_tick_s <= limit:
        return frames_per_tick
    return max(1, min(frames_per_tick, int(frames_per_tick * limit / last_tick_s)))


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "bare"


@dataclass
class LiveState:
    stepper: Stepper
    signature: Hashable
    playing: bool = False
    message: str | None = None  # why the run paused (divergence, target reached, ...)
    metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0  # wall time spent inside step()
    ticks: int = 0
    overhead_s: float = 0.0  # the last playing tick's time outside step(): snapshots, drawing
    tick_s: float = 0.0  # the last playing tick's wall time
    stop_timer: int = 0  # paused by the button: 1 in the click's run, 2 armed (see tick)


def _advance(
    s: LiveState,
    n_max: int,
    budget_s: float,
    chunk: int,
    stop_when: Callable[[dict], str | None] | None,
    max_steps: int | None,
) -> None:
    """Advance up to ``n_max`` steps in chunks, within ``budget_s``; pause on trouble.

    At least one chunk; then no chunk that would overrun the budget, judged by the last one's
    time. (Stopping only once the budget was spent overshot by up to a chunk: a tick of 8 slices
    of 2-3 chunks then ran out of budget after 5-6 slices and drew 5-6 frames, not 8.)"""
    t0 = time.perf_counter()
    done = 0
    while done < n_max:
        n = min(chunk, n_max - done)
        if max_steps is not None:
            n = min(n, max_steps - s.stepper.steps_done)
            if n <= 0:
                s.playing, s.message = False, f"Reached the step limit ({max_steps:,} steps)."
                break
        t_chunk = time.perf_counter()
        try:
            metrics = s.stepper.step(n)
        except Exception as e:  # noqa: BLE001 - a training failure pauses, it does not crash
            s.playing = False
            s.message = f"Training stopped: {type(e).__name__}: {e}"
            break
        done += n
        s.metrics = metrics
        if not all_finite(metrics):
            bad = ", ".join(
                k
                for k, v in metrics.items()
                if isinstance(v, (int, float)) and not math.isfinite(v)
            )
            s.playing = False
            s.message = (
                f"Training diverged at step {s.stepper.steps_done:,} ({bad} is NaN or "
                "infinite). Paused: lower the learning rate and press Reset."
            )
            break
        reason = stop_when(metrics) if stop_when else None
        if reason:
            s.playing, s.message = False, reason
            break
        now = time.perf_counter()
        last = now - t_chunk  # the next chunk is expected to take as long as this one
        if now - t0 + last > budget_s:  # it would overrun: stop short of it
            break
    s.seconds += time.perf_counter() - t0


def live_training(
    key: str,
    make_stepper: Callable[[], Stepper],
    *,
    signature: Hashable,
    render: Callable[[Stepper, dict], Any],
    steps_per_click: int = 1,
    chunk: int = 1,
    tick_budget_s: float = 0.1,
    run_every_s: float = 0.2,
    max_steps: int | None = None,
    stop_when: Callable[[dict], str | None] | None = None,
    max_steps_per_tick: int = 100_000,
    snapshot: Callable[[Stepper], go.Figure | dict] | None = None,  # dict: plotly JSON form
    frames_per_tick: int = 8,
    frame_ms: int = 80,
    figure_height: int | None = None,  # the snapshot figure's height in px
    controls: Any = None,  # a horizontal container for the buttons (e.g. beside a settings popover)
) -> Stepper:
    """Render the controls and the live view; return the current stepper (see module docstring).

    ``controls``: where the Play / Step / Reset buttons go; by default a new row. A view passes the
    row that holds its "Training settings" popover, so settings and buttons share one line and the
    live figure starts higher (on a 1366x768 projector in presentation mode it started below the
    first screen).
    """
    s: LiveState | None = st.session_state.get(key)
    if s is None or s.signature != signature:
        s = LiveState(stepper=make_stepper(), signature=signature)
        st.session_state[key] = s

    def play(to: bool):  # idempotent: a click replayed in a coalesced rerun must not undo it
        cur = st.session_state.get(key, s)
        cur.stop_timer = 1 if cur.playing and not to else 0
        cur.playing, cur.message = to, None

    def step_once():
        s.playing, s.message = False, None
        _advance(s, steps_per_click, float("inf"), chunk, stop_when, max_steps)

    def reset():
        st.session_state[key] = LiveState(stepper=make_stepper(), signature=signature)

    # one row of buttons sized to their labels: in equal columns, presentation-size text broke
    # "Reset" mid-word in a half-width view
    row = st.container(horizontal=True) if controls is None else controls
    row.button("Pause" if s.playing else "Play", key=f"{key}_play", on_click=play,
               args=(not s.playing,),
               icon=":material/pause:" if s.playing else ":material/play_arrow:",
               type="primary")  # fmt: skip
    row.button(f"Step ×{steps_per_click}", key=f"{key}_step", on_click=step_once,
               icon=":material/skip_next:")  # fmt: skip
    row.button("Reset", key=f"{key}_reset", on_click=reset, icon=":material/restart_alt:")

    if snapshot is not None:  # the browser plays a tick's frames while the next one trains
        run_every_s = frames_per_tick * frame_ms / 1000

    def titled(fig: go.Figure | dict, steps: int) -> go.Figure | dict:
        if isinstance(fig, dict):  # a frame in plotly's JSON form (see ui.scrub.plot_player)
            lay = fig.setdefault("layout", {})
            t = lay.get("title")
            title = t.get("text") if isinstance(t, dict) else t
            lay["title"] = {"text": f"{title} · step {steps:,}" if title else f"step {steps:,}"}
            return fig
        title = fig.layout.title.text
        return fig.update_layout(title=f"{title} · step {steps:,}" if title else f"step {steps:,}")

    def title_of(fig: go.Figure | dict) -> str:
        return fig["layout"]["title"]["text"] if isinstance(fig, dict) else fig.layout.title.text

    @st.fragment(run_every=run_every_s if s.playing else None)
    def tick():
        cur: LiveState = st.session_state[key]
        # Pause reruns only the enclosing fragment and the tick keeps its timer (measured: a
        # rerun request every 0.64 s while paused). The next timer run stops it with a full
        # run; not the click's own run, whose rerun would replay the click (Play again).
        if cur.stop_timer == 2 and not cur.playing:
            cur.stop_timer = 0
            st.rerun(scope="app")
        cur.stop_timer = 2 if cur.stop_timer else 0
        was_playing = cur.playing
        frames: list[go.Figure] = []
        t_tick, trained0 = time.perf_counter(), cur.seconds
        budget = fair_budget(tick_budget_s, _session_id()) if cur.playing else tick_budget_s
        if cur.playing:  # the tick must end before its timer fires again (a fire cuts it short)
            budget = min(budget, max(MIN_TRAIN_S, FIT * run_every_s - cur.overhead_s))
        if cur.playing and snapshot is not None:
            n_frames = frames_this_tick(frames_per_tick, cur.tick_s, run_every_s)
            for _ in range(n_frames):
                before = cur.seconds
                _advance(cur, max_steps_per_tick, budget / n_frames, chunk,
                         stop_when, max_steps)  # fmt: skip
                with error_boundary("the training view"):
                    frames.append(titled(snapshot(cur.stepper), cur.stepper.steps_done))
                if not cur.playing:
                    break
                # A slice trains at least one chunk; when chunks are slow (a loaded server, a
                # big model) fewer slices fit: stop before the next would overrun the budget,
                # so the tick ends before its timer fires (which would cut it and lose frames).
                if (cur.seconds - trained0) + (cur.seconds - before) > budget:
                    break
            cur.ticks += 1
        elif cur.playing:
            _advance(cur, max_steps_per_tick, budget, chunk, stop_when, max_steps)
            cur.ticks += 1
        st.caption(
            f"step {cur.stepper.steps_done:,}" + (" · running" if cur.playing else " · paused")
        )
        if cur.message:
            st.warning(cur.message)
        if snapshot is not None:
            with error_boundary("the training view"):
                if not frames:
                    frames = [titled(snapshot(cur.stepper), cur.stepper.steps_done)]
                labels = [title_of(f) for f in frames]
                plot_player(frames, labels, key=f"{key}_anim", frame_ms=frame_ms,
                            autoplay=len(frames) > 1, controls=False,
                            height=figure_height or 450)  # fmt: skip
        with error_boundary("the training view"):
            render(cur.stepper, cur.metrics)
        if was_playing:
            cur.tick_s = time.perf_counter() - t_tick
            cur.overhead_s = cur.tick_s - (cur.seconds - trained0)
        if was_playing and not cur.playing:
            st.rerun(scope="app")  # stop the timer and flip the Play button

    tick()
    return st.session_state[key].stepper


# ------------------------------------------------------------ settings that wait for Apply
# A live view's settings (architecture, learning rate, data) rebuild its stepper, and with it
# every figure and check of the view: ~0.5-0.8 s input→paint in Chromium per slider step
# (issue 12). So the settings panel is its own ``st.fragment``: a change reruns only the panel,
# which says what differs from the run shown and offers Apply; the view keeps drawing the
# applied settings. In the view's code:
#
#     @st.fragment
#     def settings_panel():
#         cfg = Config(lr=ui.url_select_slider(...), ...)       # the widgets, in the URL
#         deferred_settings("xx_settings", cfg, cfg)            # note + Apply when it differs
#
#     settings_panel()
#     cfg = applied_settings("xx_settings")                     # what the stepper is built from
#
# A session's first run (a bookmark) applies the chosen settings at once, as does
# ``apply_now=True`` (e.g. a new global seed); the view's Reset calls ``apply_settings`` first,
# so Reset, like Apply, starts a new run from what the panel shows.


def setting_changes(old: Any, new: Any) -> list[str]:
    """``field: old → new`` for each field that differs between two dataclass configs (nested
    dataclasses dotted), or one ``old → new`` for other values."""
    from dataclasses import asdict, is_dataclass

    if not (is_dataclass(old) and is_dataclass(new)):
        return [] if old == new else [f"{old} → {new}"]

    def flat(d: dict, pre: str = "") -> dict:
        out: dict = {}
        for k, v in d.items():
            out.update(flat(v, f"{pre}{k}.") if isinstance(v, dict) else {pre + k: v})
        return out

    a, b = flat(asdict(old)), flat(asdict(new))
    return [f"{k}: {a.get(k)} → {v}" for k, v in b.items() if a.get(k) != v]


def deferred_settings(
    key: str,
    value: Any,
    signature: Hashable,
    describe: Callable[[Any, Any], list[str]] = setting_changes,
) -> None:
    """Inside the settings panel's fragment: record the chosen ``value`` (compared by its
    ``signature``) and, when it differs from the applied one, list ``describe(applied, value)``
    and an Apply button that applies it and reruns the page."""
    st.session_state[key + "_chosen"] = (signature, value)
    applied = st.session_state.get(key + "_applied")
    if applied is None or applied[0] == signature:
        return

    diff = describe(applied[1], value) or ["the settings"]
    with st.container(horizontal=True, vertical_alignment="center"):
        st.info(
            "**Not applied yet:** " + "; ".join(diff) + ". The run shown keeps its own "
            "settings (Play and Step continue it); **Apply** or Reset starts a new run with these.",
            icon=":material/pending:",
        )
        if st.button("Apply", key=key + "_apply", type="primary", icon=":material/check:",
                     on_click=apply_settings, args=(key,)):  # fmt: skip
            st.rerun(scope="app")  # the view and whatever depends on the run draw the new one


def apply_settings(key: str) -> None:
    """Apply the chosen settings now: the Apply button, and a view's Reset (a new run starts
    from what the panel shows; call it before the panel so the panel has nothing pending)."""
    if key + "_chosen" in st.session_state:
        st.session_state[key + "_applied"] = st.session_state[key + "_chosen"]


def applied_settings(key: str, *, apply_now: bool = False) -> Any:
    """The applied settings' value; the chosen one on the session's first run or with
    ``apply_now`` (call after the panel's fragment, which records the chosen ones)."""
    chosen = st.session_state[key + "_chosen"]
    if apply_now or key + "_applied" not in st.session_state:
        st.session_state[key + "_applied"] = chosen
    return st.session_state[key + "_applied"][1]
