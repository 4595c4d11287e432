"""A classroom load test: N simulated students over Streamlit's own websocket protocol, no browsers.

    python -m benchmarks.load --sessions 30 --duration 120            # a fresh server of its own
    python -m benchmarks.load --sessions 30 --duration 120 --replicas 2   # 2 replicas + nginx
    python -m benchmarks.load --url http://127.0.0.1:8501 --sessions 5   # a running server
    python -m benchmarks.load --sessions 20 --play 10 --duration 150 --record

Each session does what a browser tab does on the wire (Streamlit 1.67, ``/_stcore/stream``):
it loads the page's HTML (cookies: nginx's route cookie, Streamlit's XSRF cookie), opens the
websocket with the ``streamlit`` subprotocol, sends a ``BackMsg.rerun_script`` for a deep link
(``page_name`` = the page's URL path, round-robin over the home page and ``pages/*.py``), and
reads every ``ForwardMsg``: ``new_session``, ``delta`` (elements, widgets and their fragment),
``page_info_changed`` (the query string it must send back), ``auto_rerun`` (the live views'
timers) and ``script_finished``. It then changes one random widget of its page every 1-3 s
(think time), sending the whole widget state as the browser does, with the widget's fragment id
when it sits in an ``st.fragment``. ``--play K`` sessions instead press Play on a live-training
view and keep its ``run_every`` timer firing, as a watching tab does.

Latency is BackMsg sent -> the run's ``script_finished`` (what the user waits for before the
page is whole, less the browser's own drawing). Errors are ``st.exception`` elements, the
error boundary's "Something went wrong" alerts, "page not found" and timeouts. The server's CPU
and RSS are sampled once a second from /proc for every process listening on the server ports.

Before the clock starts each page is opened once (``--no-warmup`` skips it), as a lecturer
would have: the load then meets filled caches; those first runs are reported apart.

Bounded and safe: loopback URLs only, at most ``MAX_SESSIONS`` sessions, ``MAX_DURATION_S``
seconds and ``--max-reruns`` reruns in all; it stops by itself; a session that fails is
counted and closed, never the tool. The client reports no cached message hashes, so the server
sends every element in full (a browser with an empty cache, the heavier case).
Results go to artifacts/benchmarks/load.{json,md}; ``--record`` writes
benchmarks/results/load.{json,md} instead (one entry per scenario ``--name``).
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import http.cookies
import json
import os
import random
import re
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.Checkbox_pb2 import Checkbox
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ARTIFACTS = ROOT / "artifacts" / "benchmarks"
MAX_SESSIONS = 200
MAX_DURATION_S = 1800
SLOWEST = 10  # the slowest reruns reported by page and widget key
BUSY = "The server is busy"  # ui/busy.py's toast
MAX_WAVES = 4
RERUN_TIMEOUT_S = 180  # a rerun with no script_finished by then counts as an error
OPEN_TIMEOUT_S = 300  # the first run of a page (cold caches, a loaded server)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BOUNDARY = "Something went wrong"  # ui.errors.show_exception's message
FINISHED = ForwardMsg.ScriptFinishedStatus
CHANGEABLE = {
    "slider",
    "select_slider",
    "selectbox",
    "radio",
    "checkbox",
    "toggle",
    "number_input",
    "segmented_control",
    "pills",
    "multiselect",
    "button",
}
STATEFUL = {"text_input", "text_area"}  # sent back as the browser does, never changed


# --- widgets as the browser holds them: id -> proto, fragment, current wire value ------------


@dataclass
class Widget:
    id: str
    kind: str
    proto: object
    fragment_id: str
    value: WidgetState | None  # current state in wire form; None: not sent (server default)
    path: tuple[int, ...] = ()  # where it sits in the page (ForwardMsg.metadata.delta_path)

    @property
    def user_key(self) -> str | None:
        key = self.id.split("-", maxsplit=2)[-1]
        return None if key == "None" or not self.id.startswith("$$ID") else key

    @property
    def is_play(self) -> bool:
        return self.kind == "button" and (self.user_key or "").endswith("_play")


def _state(wid: str, **kw) -> WidgetState:
    ws = WidgetState(id=wid)
    for name, v in kw.items():
        target = getattr(ws, name)
        if hasattr(target, "data"):  # the *_array_value messages
            target.data.extend(v)
        else:
            setattr(ws, name, v)
    return ws


def widget_from_element(element, fragment_id: str) -> Widget | None:
    """The widget an element is, with its current value in wire form, or None."""
    kind = element.WhichOneof("type")
    p = getattr(element, kind, None) if kind else None
    if p is None or not hasattr(p, "id") or not p.id:
        return None
    wid, val = p.id, None
    if kind == "slider":
        if p.type == Slider.SELECT_SLIDER:
            kind = "select_slider"
            cur = list(p.raw_value) if p.set_value and len(p.raw_value) else None
            cur = cur or [p.options[int(i)] for i in p.default if 0 <= int(i) < len(p.options)]
            val = _state(wid, string_array_value=cur)
        else:
            val = _state(wid, double_array_value=list(p.value if p.set_value else p.default))
    elif kind in ("selectbox", "radio"):
        if p.set_value and p.HasField("raw_value"):
            val = _state(wid, string_value=p.raw_value)
        elif p.HasField("default") and 0 <= p.default < len(p.options):
            val = _state(wid, string_value=p.options[p.default])
    elif kind == "checkbox":
        kind = "toggle" if p.type == Checkbox.TOGGLE else "checkbox"
        val = _state(wid, bool_value=p.value if p.set_value else p.default)
    elif kind == "number_input":
        v = p.value if p.set_value and p.HasField("value") else p.default
        if p.set_value and p.HasField("value") or p.HasField("default"):
            val = (
                _state(wid, int_value=int(v))
                if p.data_type == NumberInput.INT
                else _state(wid, double_value=v)
            )
    elif kind == "button_group":
        kind = {ButtonGroup.SEGMENTED_CONTROL: "segmented_control", ButtonGroup.PILLS: "pills"}.get(
            p.style, "feedback"
        )
        opts = [o.content for o in p.options]
        cur = list(p.raw_values) if p.set_value else [opts[i] for i in p.default if i < len(opts)]
        val = _state(wid, string_array_value=cur)
    elif kind == "multiselect":
        cur = list(p.raw_values) if p.set_value else [p.options[i] for i in p.default]
        val = _state(wid, string_array_value=cur)
    elif kind in STATEFUL:
        v = p.value if p.set_value else p.default
        val = _state(wid, string_value=v) if isinstance(v, str) else None
    elif kind not in ("button",):
        kind = f"other:{kind}"
    if getattr(p, "disabled", False) and kind in CHANGEABLE:
        kind = f"disabled:{kind}"
    return Widget(wid, kind, p, fragment_id, val)


def change(w: Widget, rng: random.Random) -> WidgetState:
    """A new value for ``w`` as a student's click would give; stored unless it is a trigger."""
    p, wid = w.proto, w.id
    if w.kind == "button":
        return _state(wid, trigger_value=True)
    if w.kind == "select_slider":
        n, cur = len(p.options), list(w.value.string_array_value.data) if w.value else []
        idx = sorted(rng.sample(range(n), 2)) if len(cur) == 2 and n >= 2 else [rng.randrange(n)]
        new = _state(wid, string_array_value=[p.options[i] for i in idx])
    elif w.kind == "slider":  # a value on the slider's grid min + k * step, as a drag gives
        step = p.step if p.step > 0 else (p.max - p.min) / 100 or 1
        n = int((p.max - p.min) / step + 1e-9)

        def on_grid() -> float:
            return round(min(p.min + rng.randint(0, n) * step, p.max), 10)

        cur = list(w.value.double_array_value.data) if w.value else [p.min]
        new_v = sorted([on_grid(), on_grid()]) if len(cur) == 2 else [on_grid()]
        for _ in range(5):  # a different value where the grid has one
            if new_v != cur or n == 0:
                break
            new_v = sorted([on_grid(), on_grid()]) if len(cur) == 2 else [on_grid()]
        new = _state(wid, double_array_value=new_v)
    elif w.kind in ("selectbox", "radio"):
        cur = w.value.string_value if w.value else None
        new = _state(wid, string_value=rng.choice([o for o in p.options if o != cur] or p.options))
    elif w.kind in ("checkbox", "toggle"):
        new = _state(wid, bool_value=not (w.value.bool_value if w.value else p.default))
    elif w.kind == "number_input":
        is_int = p.data_type == NumberInput.INT
        cur = (w.value.int_value if is_int else w.value.double_value) if w.value else p.min
        step = p.step or 1
        v = cur + rng.choice((-1, 1)) * step
        if (p.has_max and v > p.max) or (p.has_min and v < p.min):
            v = cur - (v - cur)
        new = _state(wid, int_value=int(v)) if is_int else _state(wid, double_value=v)
    elif w.kind in ("segmented_control", "pills", "multiselect"):
        opts = [o.content for o in p.options] if w.kind != "multiselect" else list(p.options)
        cur = list(w.value.string_array_value.data) if w.value else []
        multi = w.kind == "multiselect" or p.click_mode == ButtonGroup.MULTI_SELECT
        pick = rng.choice(opts)
        if multi:
            new_v = [o for o in cur if o != pick] if pick in cur else [*cur, pick]
            if w.kind == "multiselect" and p.max_selections and len(new_v) > p.max_selections:
                new_v = new_v[1:]
        else:
            new_v = [rng.choice([o for o in opts if o not in cur] or opts)]
        new = _state(wid, string_array_value=new_v)
    else:
        raise ValueError(f"cannot change a {w.kind}")
    w.value = new
    return new


# --- statistics -------------------------------------------------------------------------------


def pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    return s[lo] + (s[min(lo + 1, len(s) - 1)] - s[lo]) * (k - lo)


def summary(xs: list[float]) -> dict:
    r = {"n": len(xs)}
    for q in (50, 95, 99):
        v = pct(xs, q)
        r[f"p{q}"] = None if v is None else round(v, 3)
    r["max"] = round(max(xs), 3) if xs else None
    return r


@dataclass
class Stats:
    reruns: dict = field(default_factory=lambda: defaultdict(list))  # (page, kind) -> [s]
    opens: dict = field(default_factory=lambda: defaultdict(list))  # page -> [s]
    ticks: dict = field(default_factory=lambda: defaultdict(list))  # session -> [t finished]
    ticks_cut: dict = field(default_factory=lambda: defaultdict(int))  # session -> ticks stopped
    frames: dict = field(default_factory=lambda: defaultdict(list))  # session -> [(t, n frames)]
    busy: dict = field(default_factory=lambda: defaultdict(int))  # session -> busy toasts seen
    errors: list = field(default_factory=list)  # (session, page, what)
    disconnects: int = 0
    failed_sessions: int = 0
    upstreams: dict = field(default_factory=lambda: defaultdict(set))  # session -> {upstream}
    widgets_seen: dict = field(default_factory=dict)  # page -> {kind: count}
    total_reruns: int = 0
    pending: dict = field(default_factory=dict)  # session -> (t sent, page, kind) of its rerun
    unfinished: list = field(default_factory=list)  # (page, kind, waited s) when time was up
    slowest: list = field(default_factory=list)  # (s, page, "kind key"): the 10 slowest reruns

    def error(self, sid: int, page: str, what: str) -> None:
        self.errors.append((sid, page, what[:300]))


# --- /proc sampling of the server processes ---------------------------------------------------


def listening_pids(ports: list[int]) -> list[int]:
    """Pids of the processes holding a listening TCP socket on one of ``ports`` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) in ports:  # 0A: LISTEN
                inodes.add(f[9])
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            for fd in (d / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.append(int(d.name))
                    break
        except OSError:
            continue
    return sorted(pids)


def cpu_rss(pid: int) -> tuple[float, float]:
    """(CPU seconds used, RSS in MB) of one process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    f = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    rss = int(f[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return cpu, rss


async def sample_servers(pids: list[int], stop: asyncio.Event, out: dict) -> None:
    """Every second: CPU % (of one core) and RSS of each pid, summed over them; and our own."""
    prev = {}
    me = os.getpid()
    t0 = time.monotonic()
    while True:
        now = time.monotonic()
        cpu_total, rss_total, own = 0.0, 0.0, None
        for pid in [*pids, me]:
            try:
                cpu, rss = cpu_rss(pid)
            except (OSError, ValueError, IndexError):
                continue
            if pid in prev:
                pct_ = 100 * (cpu - prev[pid][0]) / max(now - prev[pid][1], 1e-6)
                if pid == me:
                    own = pct_
                else:
                    cpu_total += pct_
            prev[pid] = (cpu, now)
            if pid != me:
                rss_total += rss
        if own is not None:
            out["samples"].append((round(now - t0, 1), round(cpu_total, 1), round(rss_total)))
            out["own_cpu"].append(own)
        if "rss_start" not in out:
            out["rss_start"] = round(rss_total)
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
            return
        except TimeoutError:
            pass


# --- one session --------------------------------------------------------------------------------


class Session:
    """One simulated browser tab: a websocket, the widgets on its page, its reruns."""

    def __init__(self, sid: int, base: str, page: dict, stats: Stats, rng: random.Random):
        self.sid, self.base, self.page, self.stats, self.rng = sid, base, page, stats, rng
        self.name = page["name"]
        self.widgets: dict[str, Widget] = {}
        self.run_widgets: set[str] = set()
        self.frag_widgets: set[str] = set()  # widgets and delta paths sent by a fragment run
        self.frag_paths: list[tuple[int, ...]] = []
        self.query_string = ""
        self.page_hash = ""
        self.session_id = ""
        self.cookies: dict[str, str] = {}
        self.finished: asyncio.Queue = asyncio.Queue()
        self.timers: dict[str, asyncio.Task] = {}
        self.timer_intervals: dict[str, float] = {}
        self.ws = None
        self.upstream = None

    # the HTML load a tab does first: cookies (nginx route, Streamlit XSRF) and the upstream
    def load_html(self) -> None:
        url = f"{self.base}/{self.page['path']}"
        req = urllib.request.Request(url, headers=self._cookie_header())
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            self._take_cookies(r.headers.get_all("Set-Cookie") or [])
            self._note_upstream(r.headers.get("X-Upstream"))

    def _cookie_header(self) -> dict:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _take_cookies(self, headers: list[str]) -> None:
        for h in headers:
            c = http.cookies.SimpleCookie()
            c.load(h)
            self.cookies.update({k: m.value for k, m in c.items()})

    def _note_upstream(self, up: str | None) -> None:
        if up:
            self.upstream = up
            self.stats.upstreams[self.sid].add(up)

    async def connect(self, reconnect: bool = False) -> None:
        ws_url = "ws" + self.base[4:] + "/_stcore/stream"
        proto = ["streamlit", self.cookies.get("_streamlit_xsrf", "PLACEHOLDER_AUTH_TOKEN")]
        if reconnect and self.session_id:
            proto.append(self.session_id)
        self.ws = await websockets.connect(
            ws_url,
            subprotocols=proto,
            additional_headers=self._cookie_header(),
            max_size=None,
            open_timeout=60,
            ping_interval=20,
            ping_timeout=120,
        )
        self._note_upstream(self.ws.response.headers.get("X-Upstream"))
        self.reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        for t in self.timers.values():
            t.cancel()
        if self.ws is not None:
            await self.ws.close()
        if getattr(self, "reader", None):
            self.reader.cancel()

    # --- receiving
    async def _read(self) -> None:
        try:
            async for data in self.ws:
                msg = ForwardMsg()
                try:
                    msg.ParseFromString(data)
                    self._on_msg(msg)
                except Exception as e:  # noqa: BLE001 - count it, keep reading
                    self.stats.error(self.sid, self.name, f"client: {type(e).__name__}: {e}")
        except websockets.ConnectionClosed:
            pass
        finally:
            self.finished.put_nowait(None)  # wake a waiting rerun: the connection is gone

    def _on_msg(self, msg: ForwardMsg) -> None:
        t = msg.WhichOneof("type")
        if t == "new_session":  # a run starts: what it sends is collected anew
            self.frag_widgets, self.frag_paths = set(), []
        if t == "navigation":  # the page this run shows (new_session's hash is the main script's)
            self.page_hash = msg.navigation.page_script_hash
        elif t == "new_session" and not msg.metadata.run.fragment_ids:  # a full run starts
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.run_widgets = set()
            for task in self.timers.values():  # the frontend drops timers on a full run
                task.cancel()
            self.timers.clear()
            self.timer_intervals.clear()
        elif t == "delta":
            d = msg.delta
            self.frag_paths.append(tuple(msg.metadata.delta_path))
            if d.WhichOneof("type") != "new_element":
                return
            el = d.new_element
            kind = el.WhichOneof("type")
            if kind == "exception":
                self.stats.error(
                    self.sid, self.name, f"exception: {el.exception.type}: {el.exception.message}"
                )
            elif kind == "alert" and el.alert.body.startswith(BOUNDARY):
                self.stats.error(self.sid, self.name, f"boundary: {el.alert.body}")
            if kind == "toast" and el.toast.body.startswith(BUSY):
                self.stats.busy[self.sid] += 1  # ui.busy's signal: the student sees why
            if kind == "bidi_component" and el.bidi_component.json:
                data = json.loads(el.bidi_component.json)
                if isinstance(data, dict) and data.get("autoplay"):
                    # a live tick's batch of snapshots (ui.scrub.plot_player), played in the browser
                    self.stats.frames[self.sid].append((time.monotonic(), len(data["frames"])))
            w = widget_from_element(el, d.fragment_id)
            if w is not None:
                w.path = tuple(msg.metadata.delta_path)
                self.frag_widgets.add(w.id)
                old = self.widgets.get(w.id)
                if old is not None and not getattr(w.proto, "set_value", False):
                    w.value = old.value or w.value  # the browser keeps what the user set
                self.widgets[w.id] = w
                self.run_widgets.add(w.id)
        elif t == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif t == "page_not_found":
            self.stats.error(self.sid, self.name, f"page not found: {msg.page_not_found}")
        elif t == "auto_rerun":
            a = msg.auto_rerun
            if self.timer_intervals.get(a.fragment_id) == a.interval:
                return  # as the frontend: the same timer keeps running
            old = self.timers.pop(a.fragment_id, None)
            if old:
                old.cancel()
            self.timer_intervals[a.fragment_id] = a.interval
            self.timers[a.fragment_id] = asyncio.create_task(self._timer(a.interval, a.fragment_id))
        elif t == "stop_auto_rerun":
            for fid in msg.stop_auto_rerun.fragment_ids:
                self.timer_intervals.pop(fid, None)
                task = self.timers.pop(fid, None)
                if task:
                    task.cancel()
        elif t == "script_finished":
            status = msg.script_finished
            if status == FINISHED.FINISHED_SUCCESSFULLY:  # forget widgets the run dropped
                self.widgets = {k: w for k, w in self.widgets.items() if k in self.run_widgets}
            if status == FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self.stats.ticks[self.sid].append(time.monotonic())
                self._forget_dropped_in_fragment()
            elif status == FINISHED.FINISHED_EARLY_FOR_RERUN and msg.metadata.run.fragment_ids:
                self.stats.ticks_cut[self.sid] += 1  # a tick stopped by the next timer fire
            if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                self.stats.error(self.sid, self.name, "script compile error")
            if status != FINISHED.FINISHED_EARLY_FOR_RERUN:
                self.finished.put_nowait(status)

    def _forget_dropped_in_fragment(self) -> None:
        """As the frontend after a fragment run: the widgets inside the fragment's part of the
        page that the run did not send again are gone, and so are the fragments nested there
        (a Flows section switched from live training to pretrained drops its settings panel).
        Kept, such a widget's change names a fragment the server no longer holds, and the
        server ignores that rerun without a word (``AppSession.request_rerun``): the session
        then waited for ever."""
        if len(self.frag_paths) < 2:  # one delta: the fragment's extent is not known
            return
        n = 0  # the fragment's part of the page: the delta paths' common prefix
        for parts in zip(*self.frag_paths, strict=False):
            if any(x != parts[0] for x in parts):
                break
            n += 1
        pre = self.frag_paths[0][:n]
        self.widgets = {
            k: w
            for k, w in self.widgets.items()
            if k in self.frag_widgets or w.path[:n] != pre or len(w.path) <= n
        }

    async def _timer(self, interval: float, fragment_id: str) -> None:
        while True:  # the frontend's setInterval: fires whether or not the last tick is done
            await asyncio.sleep(max(interval, 0.05))
            try:
                await self._send(self._client_state(fragment_id=fragment_id, is_auto_rerun=True))
            except websockets.ConnectionClosed:
                return  # the reader reports the disconnect

    # --- sending
    def _client_state(self, *, page_name="", fragment_id="", extra=None, is_auto_rerun=False):
        cs = ClientState(
            query_string=self.query_string,
            page_script_hash=self.page_hash,
            page_name=page_name,
            fragment_id=fragment_id,
            is_auto_rerun=is_auto_rerun,
        )
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/{self.page['path']}"
        states = {w.id: w.value for w in self.widgets.values() if w.value is not None}
        if extra is not None:
            states[extra.id] = extra
        cs.widget_states.widgets.extend(states.values())
        return cs

    async def _send(self, cs: ClientState) -> None:
        msg = BackMsg()
        msg.rerun_script.CopyFrom(cs)
        await self.ws.send(msg.SerializeToString())

    async def rerun(self, cs: ClientState, timeout: float) -> tuple[float, object]:
        while not self.finished.empty():
            self.finished.get_nowait()
        t0 = time.monotonic()
        await self._send(cs)
        status = await asyncio.wait_for(self.finished.get(), timeout)
        return time.monotonic() - t0, status

    async def open_page(self, query: str = "") -> float:
        cs = self._client_state(page_name=self.page["path"])
        cs.query_string = query.lstrip("?")
        dt, status = await self.rerun(cs, OPEN_TIMEOUT_S)
        if status is None:
            raise ConnectionError("websocket closed during the first run")
        if self.page.get("hash") and self.page_hash != self.page["hash"]:
            self.stats.error(
                self.sid,
                self.name,
                f"deep link /{self.page['path']} ran page "
                f"{self.page_hash}, not {self.page['hash']}",
            )
        self.stats.opens[self.name].append(dt)
        kinds: dict[str, int] = defaultdict(int)
        for w in self.widgets.values():
            kinds[w.kind] += 1
        self.stats.widgets_seen.setdefault(self.name, dict(kinds))
        return dt

    def candidates(self, play: bool) -> list[Widget]:
        ws = [w for w in self.widgets.values() if w.kind in CHANGEABLE]
        if play:
            return [w for w in ws if w.is_play and w.proto.label == "Play"]
        return [w for w in ws if not w.is_play]

    async def move_widget(self) -> bool:
        ws = self.candidates(play=False)
        if not ws:
            return False
        w = self.rng.choice(ws)
        new = change(w, self.rng)
        cs = self._client_state(fragment_id=w.fragment_id, extra=new)
        self.stats.pending[self.sid] = (time.monotonic(), self.name, f"{w.kind} {w.user_key}")
        dt, status = await self.rerun(cs, RERUN_TIMEOUT_S)
        del self.stats.pending[self.sid]
        if status is None:
            raise ConnectionError("websocket closed during a rerun")
        self.stats.reruns[(self.name, w.kind)].append(dt)
        heapq.heappush(self.stats.slowest, (dt, self.name, f"{w.kind} {w.user_key}"))
        if len(self.stats.slowest) > SLOWEST:
            heapq.heappop(self.stats.slowest)
        self.stats.total_reruns += 1
        return True


# --- the scenario ---------------------------------------------------------------------------


async def discover_pages(base: str) -> list[dict]:
    """The app's pages as the server lists them (ForwardMsg.navigation): name, URL path, hash."""
    probe = Session(-1, base, {"name": "home", "path": ""}, Stats(), random.Random(0))
    pages: list[dict] = []
    await probe.connect()
    try:
        orig = probe._on_msg

        def grab(msg):
            if msg.WhichOneof("type") == "navigation" and not pages:
                for p in msg.navigation.app_pages:
                    if not p.is_hidden and not p.external_url:
                        pages.append(
                            {
                                "name": "home" if p.is_default else p.page_name,
                                "path": p.url_pathname,
                                "hash": p.page_script_hash,
                            }
                        )
            orig(msg)

        probe._on_msg = grab
        await probe.rerun(probe._client_state(), OPEN_TIMEOUT_S)
    finally:
        await probe.close()
    if not pages:
        raise RuntimeError("the server listed no pages")
    return pages


async def run_session(sid, base, page, stats, rng, stop, budget, play=False, pages=()):
    s = Session(sid, base, page, stats, rng)
    try:
        await asyncio.to_thread(s.load_html)
        await s.connect()
        await s.open_page()
        if play:  # a live view: find its Play button, on this page or the next ones
            for nxt in [page, *pages]:
                if nxt is not page:
                    await s.close()
                    s = Session(sid, base, nxt, stats, rng)
                    await asyncio.to_thread(s.load_html)
                    await s.connect()
                    await s.open_page()
                btn = s.candidates(play=True)
                if btn:
                    await s.rerun(s._client_state(extra=change(btn[0], rng)), RERUN_TIMEOUT_S)
                    s.stats.widgets_seen.setdefault("_play", {})[sid] = s.name
                    break
            else:
                stats.error(sid, page["name"], "no Play button on any page")
            await stop.wait()  # the timers do the rest
            return
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), rng.uniform(1.0, 3.0))  # think time
                break
            except TimeoutError:
                pass
            if budget["left"] <= 0:
                stop.set()
                break
            budget["left"] -= 1
            if not await s.move_widget():
                await stop.wait()  # a page with no widget: an idle reader
    except TimeoutError:
        stats.error(sid, s.name, f"no script_finished within {RERUN_TIMEOUT_S} s")
    except (ConnectionError, websockets.ConnectionClosed, websockets.InvalidHandshake) as e:
        stats.disconnects += 1
        stats.error(sid, s.name, f"disconnected: {type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001 - a bad session never crashes the tool
        stats.failed_sessions += 1
        stats.error(sid, s.name, f"session failed: {type(e).__name__}: {e}")
    finally:
        try:
            await s.close()
        except Exception:  # noqa: BLE001
            pass


async def scenario(base, args, server_pids) -> dict:
    pages = await discover_pages(base)
    if args.pages:
        pages = [p for p in pages if p["name"] in args.pages or p["path"] in args.pages]
        if not pages:
            raise SystemExit(f"--pages {args.pages}: no such page (names or URL paths)")
    warm = {}
    if args.warmup:  # a lecturer has opened each page before the class: caches filled, not timed
        wstats = Stats()
        for p in pages:
            w = Session(-1, base, p, wstats, random.Random(0))
            try:
                await asyncio.to_thread(w.load_html)
                await w.connect()
                warm[p["name"]] = round(await w.open_page(), 2)
            finally:
                await w.close()
        print(f"load: warm-up, first run of each page (s): {warm}", flush=True)
    stats, stop = Stats(), asyncio.Event()
    budget = {"left": args.max_reruns}
    sample = {"samples": [], "own_cpu": []}
    sampler = asyncio.create_task(sample_servers(server_pids, stop, sample))
    t0 = time.monotonic()
    tasks = []
    n_move = args.sessions - args.play
    for i in range(args.sessions):
        rng = random.Random(args.seed * 1000 + i)
        play = i >= n_move
        page = pages[i % len(pages)]
        rest = [pages[(i + k) % len(pages)] for k in range(1, len(pages))]
        tasks.append(
            asyncio.create_task(
                run_session(i, base, page, stats, rng, stop, budget, play=play, pages=rest)
            )
        )
        await asyncio.sleep(args.ramp / max(args.sessions, 1))
    try:
        await asyncio.wait_for(stop.wait(), max(args.duration - (time.monotonic() - t0), 0))
    except TimeoutError:
        pass
    stop.set()
    elapsed = time.monotonic() - t0
    now = time.monotonic()  # reruns still waiting when the time is up: the latency's censored tail
    stats.unfinished = [(p, k, round(now - t, 1)) for t, p, k in stats.pending.values()]
    done, pending = await asyncio.wait(tasks, timeout=30)
    for t in pending:
        t.cancel()
    await sampler
    result = report(args, pages, stats, sample, elapsed, server_pids)
    result["warmup_open_s"] = warm
    return result


def report(args, pages, stats: Stats, sample: dict, elapsed: float, pids) -> dict:
    all_lat = [x for xs in stats.reruns.values() for x in xs]
    per_page, per_kind = defaultdict(list), defaultdict(list)
    for (page, kind), xs in stats.reruns.items():
        per_page[page] += xs
        per_kind[kind] += xs
    cpu = [c for _, c, _ in sample["samples"]]
    rss = [r for _, _, r in sample["samples"]]
    n_move = args.sessions - args.play
    ticks = {sid: ts for sid, ts in stats.ticks.items() if sid >= n_move}
    tick_rates, frame_rates = [], []
    for ts in ticks.values():
        if len(ts) >= 2:
            tick_rates.append((len(ts) - 1) / (ts[-1] - ts[0]))
    for sid, fs in stats.frames.items():  # frames the browser gets to play, per second
        if sid >= n_move and len(fs) >= 2:
            frame_rates.append(sum(n for _, n in fs[1:]) / (fs[-1][0] - fs[0][0]))
    return {
        "name": args.name,
        "command": "python -m benchmarks.load " + " ".join(sys.argv[1:]),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "sessions": args.sessions,
        "play": args.play,
        "replicas": args.replicas,
        "duration_s": round(elapsed, 1),
        "cpus": os.cpu_count(),
        "load_avg_before": args.load_before,
        "reruns": len(all_lat),
        "errors": len(stats.errors),
        "error_samples": stats.errors[:20],
        "disconnects": stats.disconnects,
        "unfinished_at_end": stats.unfinished,
        "busy_toasts": sum(stats.busy.values()),
        "sessions_shown_busy": len(stats.busy),
        "slowest": [(p, k, round(t, 2)) for t, p, k in sorted(stats.slowest, reverse=True)],
        "failed_sessions": stats.failed_sessions,
        "latency_s": summary(all_lat),
        "open_s": {p: summary(xs) for p, xs in sorted(stats.opens.items())},
        "by_page": {p: summary(xs) for p, xs in sorted(per_page.items())},
        "by_kind": {k: summary(xs) for k, xs in sorted(per_kind.items())},
        "live": {
            "sessions": args.play,
            "playing": len(stats.widgets_seen.get("_play", {})),
            "ticks_per_s_each": summary(tick_rates),
            "frames_per_s_each": summary(frame_rates),
            "frames_per_s_min": round(min(frame_rates), 2) if frame_rates else None,
            "ticks_done": sum(len(ts) for ts in ticks.values()),
            "ticks_cut_short": sum(n for sid, n in stats.ticks_cut.items() if sid >= n_move),
        },
        "server": {
            "pids": pids,
            "cpu_pct_mean": round(sum(cpu) / len(cpu), 1) if cpu else None,
            "cpu_pct_max": max(cpu) if cpu else None,
            "rss_mb_start": sample.get("rss_start"),
            "rss_mb_end": rss[-1] if rss else None,
            "rss_mb_max": max(rss) if rss else None,
            "cpu_pct_of": 100 * (os.cpu_count() or 1),
        },
        "tool_cpu_pct_mean": round(sum(sample["own_cpu"]) / len(sample["own_cpu"]), 1)
        if sample["own_cpu"]
        else None,
        "upstreams_per_session": {str(k): sorted(v) for k, v in stats.upstreams.items()},
        "widgets_seen": {k: v for k, v in stats.widgets_seen.items() if k != "_play"},
        "pages": [p["name"] for p in pages],
    }


async def client_widgets(base: str, page: dict) -> tuple[dict, int]:
    """{user key: kind} of the widgets one fresh session sees on ``page``, and its errors."""
    stats = Stats()
    s = Session(0, base, page, stats, random.Random(0))
    await asyncio.to_thread(s.load_html)
    await s.connect()
    try:
        await s.open_page()
    finally:
        await s.close()
    return {w.user_key: w.kind for w in s.widgets.values() if w.user_key}, len(stats.errors)


def validate(base: str, pages: list[dict]) -> list[str]:
    """Compare, page by page, the widgets this client sees with what Chromium draws.

    Streamlit gives a keyed element's container the class ``st-key-<key>``; every widget key
    the client parsed from the deltas must be one in Chromium's DOM, and both must see no
    exception. Returns the mismatches (empty: the client sees the page as a browser does).
    """
    from playwright.sync_api import sync_playwright

    from benchmarks.serve import CHROMIUM, CHROMIUM_ARGS

    problems = []
    client = {p["path"]: asyncio.run(client_widgets(base, p)) for p in pages}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for page in pages:
            keys, client_errors = client[page["path"]]
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.goto(f"{base}/{page['path']}", timeout=120_000)
            tab.wait_for_selector(
                "[data-testid=stApp][data-test-script-state=notRunning]", timeout=300_000
            )
            tab.wait_for_timeout(500)
            dom_keys = set(
                tab.evaluate(
                    "() => [...document.querySelectorAll('[class*=st-key-]')].flatMap("
                    "e => [...e.classList].filter(c => c.startsWith('st-key-'))"
                    ".map(c => c.slice(7)))"
                )
            )
            dom_errors = tab.locator("[data-testid=stException]").count()
            tab.close()
            # Streamlit writes a key into a class name with other characters as "-"
            missing = sorted(k for k in keys if re.sub(r"[^\w-]", "-", k) not in dom_keys)
            print(
                f"validate: {page['name'] or 'home'}: {len(keys)} keyed widgets in the client, "
                f"{len(keys) - len(missing)} of them in Chromium's DOM; exceptions client "
                f"{client_errors}, Chromium {dom_errors}",
                flush=True,
            )
            if missing:
                problems.append(f"{page['name']}: not in Chromium: {missing}")
            if client_errors or dom_errors:
                problems.append(
                    f"{page['name']}: errors client {client_errors}, Chromium {dom_errors}"
                )
        browser.close()
    return problems


def fmt(v) -> str:
    return "-" if v is None else f"{v:.2f}"


def markdown(results: dict) -> str:
    out = [
        "# Classroom load (benchmarks/load.py)",
        "",
        "Rerun latency = BackMsg sent -> script_finished, over Streamlit's websocket, no "
        "browser. Server CPU is % of one core, summed over the server processes.",
        "",
        "| scenario | reruns | errors | disconnects | p50 / p95 / p99 (s) | server CPU mean "
        "| RSS start -> max (MB) | live ticks/s each (p50) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results.values():
        lat, srv = r["latency_s"], r["server"]
        out.append(
            f"| {r['name']} | {r['reruns']} | {r['errors']} | {r['disconnects']} | "
            f"{fmt(lat['p50'])} / {fmt(lat['p95'])} / {fmt(lat['p99'])} | "
            f"{srv['cpu_pct_mean']} % of {srv['cpu_pct_of']} % | "
            f"{srv['rss_mb_start']} -> {srv['rss_mb_max']} | "
            f"{fmt(r['live']['ticks_per_s_each']['p50']) if r['play'] else '-'} |"
        )
    for r in results.values():
        out += [
            "",
            f"## {r['name']}",
            "",
            f"`{r['command']}` ({r['when']}, "
            f"{r['duration_s']} s, load average before {r['load_avg_before']}, "
            f"tool's own CPU {r['tool_cpu_pct_mean']} %)",
            "",
            "| page or widget kind | n | p50 | p95 | p99 | max |",
            "|---|---|---|---|---|---|",
        ]
        for group in ("by_page", "by_kind"):
            for k, s in r[group].items():
                out.append(
                    f"| {k} | {s['n']} | {fmt(s['p50'])} | {fmt(s['p95'])} | "
                    f"{fmt(s['p99'])} | {fmt(s['max'])} |"
                )
        opens = ", ".join(f"{p} {fmt(s['p50'])}" for p, s in r["open_s"].items())
        out += ["", f"First run of a page during the load, p50 (s): {opens}."]
        if r.get("warmup_open_s"):
            warm = ", ".join(f"{p} {v:.2f}" for p, v in r["warmup_open_s"].items())
            out += ["", f"Warm-up before the clock, one page at a time (s): {warm}."]
        if r.get("busy_toasts") is not None:
            out += [
                "",
                f"Busy signal (ui/busy.py's toast): shown {r['busy_toasts']} times, to "
                f"{r['sessions_shown_busy']} of {r['sessions']} sessions.",
            ]
        if r.get("slowest"):
            slow = ", ".join(f"{p}/{k} {t:.2f}" for p, k, t in r["slowest"])
            out += ["", f"The {len(r['slowest'])} slowest reruns (s): {slow}."]
        if r.get("unfinished_at_end"):
            waits = ", ".join(f"{p}/{k} {w} s" for p, k, w in r["unfinished_at_end"])
            out += ["", f"Reruns still waiting when the time was up (not in the table): {waits}."]
        srv = r["server"]
        if srv.get("rss_mb_before_wave") is not None and srv.get("rss_mb_max") is not None:
            grow = (srv["rss_mb_max"] - srv["rss_mb_before_wave"]) / max(r["sessions"], 1)
            after = srv.get("rss_mb_after")
            out += [
                "",
                f"Memory (RSS of the server processes): {srv['rss_mb_before_wave']} MB before "
                f"these sessions opened, {srv['rss_mb_max']} MB at most while they ran "
                f"({grow:.1f} MB per session"
                + (
                    "; the models and caches loaded by the warm-up included)"
                    if r.get("warmup_open_s")
                    else ")"
                )
                + (f", {after} MB once they had closed." if after is not None else "."),
            ]
        live = r["live"]
        if r["play"]:
            out += [
                "",
                f"Live: {live['playing']} of {live['sessions']} sessions playing; "
                f"{live['ticks_done']} ticks done, {live['ticks_cut_short']} cut short by "
                f"the next timer fire; ticks/s per session p50 "
                f"{fmt(live['ticks_per_s_each']['p50'])}; snapshot frames/s per session "
                f"(what the browser plays) min {fmt(live.get('frames_per_s_min'))}, p50 "
                f"{fmt((live.get('frames_per_s_each') or {}).get('p50'))}.",
            ]
        if r["error_samples"]:
            out += ["", "Errors (first ones):", ""]
            out += [f"- session {s} on {p}: {w}" for s, p, w in r["error_samples"][:10]]
    return "\n".join(out) + "\n"


def write(result: dict, record: bool) -> Path:
    out_dir = RESULTS if record else ARTIFACTS
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "load.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[result["name"]] = result
    path.write_text(json.dumps(results, indent=1) + "\n")
    (out_dir / "load.md").write_text(markdown(results))
    return path


def check_loopback(url: str) -> str:
    u = urllib.parse.urlparse(url)
    if u.scheme != "http" or u.hostname not in LOOPBACK:
        raise SystemExit(f"--url must be http:// on loopback ({', '.join(LOOPBACK)}), got {url}")
    return url.rstrip("/")


def parse(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--sessions", type=int, default=30, help="simulated tabs (default 30)")
    ap.add_argument("--play", type=int, default=0, help="of which press Play on a live view")
    ap.add_argument("--duration", type=float, default=120, help="seconds of load (default 120)")
    ap.add_argument("--max-reruns", type=int, default=100_000, help="widget reruns in all")
    ap.add_argument("--ramp", type=float, default=10, help="seconds over which sessions start")
    ap.add_argument("--url", help="a running server or proxy on loopback (default: start one)")
    ap.add_argument(
        "--replicas",
        type=int,
        default=0,
        help="start N replicas behind nginx (deploy/replicas.py), not one server",
    )
    ap.add_argument(
        "--server-ports",
        default="",
        help="ports whose listeners are sampled (default: the server's)",
    )
    ap.add_argument("--pages", nargs="*", help="page names or URL paths (default: all)")
    ap.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="skip opening each page once before the clock starts (cold caches in the figures)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--waves",
        type=int,
        default=1,
        help="run the scenario K times on the same server, new sessions each time (memory)",
    )
    ap.add_argument(
        "--gap",
        type=float,
        default=0,
        help="seconds between waves (Streamlit keeps a closed tab's session for 2 min)",
    )
    ap.add_argument("--name", help="scenario name in the results (default from the arguments)")
    ap.add_argument("--record", action="store_true", help="write benchmarks/results/load.*")
    ap.add_argument(
        "--validate",
        action="store_true",
        help="only compare each page's widgets as seen here and in Chromium",
    )
    args = ap.parse_args(argv)
    if not 1 <= args.sessions <= MAX_SESSIONS:
        ap.error(f"--sessions must be 1..{MAX_SESSIONS}")
    if not 0 <= args.play <= args.sessions:
        ap.error("--play must be 0..--sessions")
    if not 0 < args.duration <= MAX_DURATION_S:
        ap.error(f"--duration must be in (0, {MAX_DURATION_S}] s")
    if not 1 <= args.waves <= MAX_WAVES or not 0 <= args.gap <= MAX_DURATION_S:
        ap.error(f"--waves must be 1..{MAX_WAVES} and --gap 0..{MAX_DURATION_S} s")
    if args.url and args.replicas:
        ap.error("--url and --replicas exclude each other")
    if args.name is None:
        moving = args.sessions - args.play
        args.name = (
            f"{moving} sessions moving widgets"
            + (f", {args.play} playing live training" if args.play else "")
            + (f", {args.replicas} replicas + nginx" if args.replicas else ", one server")
        )
    args.load_before = round(os.getloadavg()[0], 2)
    return args


def main(argv=None) -> int:
    args = parse(argv)
    log_dir = ARTIFACTS / "load-logs"
    with ExitStack() as stack:
        if args.url:
            base = check_loopback(args.url)
            ports = [urllib.parse.urlparse(base).port or 80]
        elif args.replicas:
            from deploy.replicas import replicas_with_nginx

            d = stack.enter_context(replicas_with_nginx(args.replicas, log_dir))
            base, ports = d.base, d.ports
        else:
            from benchmarks.serve import streamlit_server

            base = stack.enter_context(streamlit_server(log_dir / "server.log"))
            ports = [urllib.parse.urlparse(base).port]
        if args.server_ports:
            ports = [int(p) for p in args.server_ports.split(",")]
        if args.validate:
            problems = validate(base, asyncio.run(discover_pages(base)))
            print("validate: " + ("; ".join(problems) if problems else "client matches Chromium"))
            return 1 if problems else 0
        pids = listening_pids(ports)
        print(
            f"load: {args.name} against {base} (server pids {pids}), {args.duration:.0f} s",
            flush=True,
        )
        results, name = [], args.name
        for k in range(args.waves):
            if k:
                print(f"load: {args.gap:.0f} s until the next wave", flush=True)
                time.sleep(args.gap)
            rss_before = round(sum(cpu_rss(p)[1] for p in pids))
            if args.waves > 1:
                args.name = f"{name}, wave {k + 1} of {args.waves}"
            results.append(asyncio.run(scenario(base, args, pids)))
            results[-1]["server"]["rss_mb_before_wave"] = rss_before
            args.warmup = False  # the caches stay filled from the first wave
        time.sleep(2)  # the last wave's sessions closed: what the server holds now
        results[-1]["server"]["rss_mb_after"] = round(sum(cpu_rss(p)[1] for p in pids))
    for result in results:
        path = write(result, args.record)
        report_line(result, path)
    return 0


def report_line(result: dict, path: Path) -> None:
    lat = result["latency_s"]
    print(
        f"load: {result['reruns']} reruns, {result['errors']} errors, "
        f"{result['disconnects']} disconnects; p50/p95/p99 {fmt(lat['p50'])} / "
        f"{fmt(lat['p95'])} / {fmt(lat['p99'])} s; server CPU {result['server']['cpu_pct_mean']}"
        f" %, RSS {result['server']['rss_mb_start']} -> {result['server']['rss_mb_max']} MB"
        f" (before the wave {result['server'].get('rss_mb_before_wave')}, after the last "
        f"{result['server'].get('rss_mb_after', '-')}) -> {path.with_suffix('.md')}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
