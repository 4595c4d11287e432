"""Serving a classroom: 2 replicas behind nginx on loopback, driven by the load tool's client.

Each simulated tab (benchmarks/load.py's ``Session``, Streamlit's own websocket protocol) loads
the page's HTML through the proxy, opens the websocket, runs the page and moves widgets, then
reconnects as a tab does after a network blip. nginx names the replica that answered every
request in ``X-Upstream`` (deploy/nginx.conf.template); the test asserts that one tab's HTML
load, websocket and reconnect all hit the same replica, that the reconnect resumes the same
Streamlit session there, that different tabs spread over both replicas, and that no rerun
raised. Skips where nginx is missing (Debian: apt-get install nginx), except under CI, where
``./dev.sh test`` installs it and its absence fails.
"""

from __future__ import annotations

import asyncio
import os
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.load import RERUN_TIMEOUT_S, Session, Stats
from deploy.replicas import find_nginx, replicas_with_nginx

MAX_TABS = 16  # new tabs until both replicas have served one: P(all on one) = 2 ** -15
MOVES = 2


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    if find_nginx() is None:
        msg = "nginx is missing (Debian: apt-get install nginx); ./dev.sh test installs it"
        if os.environ.get("CI"):
            pytest.fail(msg + " - required under CI")
        pytest.skip(msg)
    with replicas_with_nginx(2, tmp_path_factory.mktemp("classroom")) as d:
        yield d


def _run(coro):
    """``asyncio.run`` on a thread of its own: where this test process also runs browser tests,
    Playwright's sync API holds the main thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _tab(sid: int, base: str, stats: Stats) -> Session:
    """One tab on the home page: HTML, websocket, first run, a few widget moves, a reconnect."""
    s = Session(sid, base, {"name": "home", "path": ""}, stats, random.Random(sid))
    await asyncio.to_thread(s.load_html)
    await s.connect()
    await s.open_page()
    for _ in range(MOVES):
        assert await s.move_widget(), "the home page shows no widget to move"
    first_id = s.session_id
    await s.ws.close()
    s.reader.cancel()
    await asyncio.to_thread(s.load_html)  # a reload's HTML request, with the route cookie
    await s.connect(reconnect=True)
    await s.rerun(s._client_state(), RERUN_TIMEOUT_S)
    s.resumed = s.session_id == first_id
    await s.move_widget()
    await s.close()
    return s


def test_tabs_stick_to_their_replica(deployment):
    stats = Stats()
    replicas = {f"127.0.0.1:{p}" for p in deployment.ports}

    async def drive():
        tabs = []
        while len(tabs) < MAX_TABS:
            # two tabs at a time, so that the replicas also serve concurrent sessions
            tabs += await asyncio.gather(*(_tab(len(tabs) + k, deployment.base, stats)
                                           for k in range(2)))  # fmt: skip
            seen = {next(iter(stats.upstreams[t.sid])) for t in tabs}
            if len(tabs) >= 4 and seen == replicas:
                break
        return tabs

    tabs = _run(drive())
    assert not stats.errors, stats.errors
    for t in tabs:
        ups = stats.upstreams[t.sid]
        assert len(ups) == 1, f"tab {t.sid}: its requests reached {sorted(ups)}"
        assert ups <= replicas, f"tab {t.sid}: X-Upstream {ups} is no replica of {replicas}"
        assert t.resumed, f"tab {t.sid}: the reconnect got a new Streamlit session"
    served = {next(iter(stats.upstreams[t.sid])) for t in tabs}
    assert served == replicas, f"{len(tabs)} tabs all landed on {served}"
    assert stats.total_reruns >= len(tabs) * MOVES


def test_warm_opens_each_declared_view_of_a_page_on_a_replica(deployment):
    """deploy.warm (run on every replica by `./dev.sh serve N`): the page's default view and each
    of its declared views run once on that replica, without an error; a non-loopback URL is a
    clear exit 2."""
    from deploy.warm import declared_views, main, warm

    views = declared_views("Generative_Models")
    assert views[0] == "" and "?gen_view=Sample+a+model" in views
    lines: list[str] = []
    r = _run(warm(f"http://127.0.0.1:{deployment.ports[0]}", "Generative_Models",
                  log=lines.append))  # fmt: skip
    assert r["errors"] == [] and r["views"] == len(views) == len(lines)
    assert main(["http://example.com"]) == 2
