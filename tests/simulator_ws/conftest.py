"""Fixtures for the WebSocket gateway tests: a real server per test and a small frame client.

The client speaks raw APEX frames with the ``websockets`` sync client. Receives carry a
generous timeout only so that a bug fails the test instead of hanging it; no assertion
depends on timing.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.simulator.server import ServerHandle

WAIT = 10.0  # seconds before a missing frame fails a test (never reached when it passes)


class WsClient:
    """One WebSocket connection speaking APEX frames; events are kept aside while waiting for replies."""

    def __init__(self, url: str, seq: str = "npm") -> None:
        self.ws: ClientConnection = connect(url, max_size=None).__enter__()  # closed by close()
        # npm alphapoint-apex-api: 0, 2, 4, ...; ccxt / hummingbot: 1, 2, 3, ...
        self._seq = itertools.count(0, 2) if seq == "npm" else itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, name: str, payload: Any = None, *, m: int = 0, i: int | None = None) -> int:
        """Send one request frame; returns its ``i``."""
        seq = next(self._seq) if i is None else i
        self.ws.send(json.dumps({"m": m, "i": seq, "n": name, "o": json.dumps(payload or {})}))
        return seq

    def frame(self) -> dict[str, Any]:
        """The next frame, decoded."""
        decoded = json.loads(self.ws.recv(timeout=WAIT))
        assert isinstance(decoded, dict)
        return decoded

    def reply(self, seq: int) -> dict[str, Any]:
        """The next reply/error frame (events received meanwhile go to ``events``); checks its ``i``."""
        while True:
            frame = self.frame()
            if frame["m"] == 3:
                self.events.append(frame)
                continue
            assert frame["i"] == seq, frame
            return frame

    def call(self, name: str, payload: Any = None, *, m: int = 0) -> Any:
        """Send a call, expect ``m:1``, return the decoded ``o``."""
        frame = self.reply(self.send(name, payload, m=m))
        assert frame["m"] == 1, frame
        return json.loads(frame["o"])

    def raw(self, text: str | bytes) -> dict[str, Any]:
        """Send raw text or bytes and return the next non-event frame."""
        self.ws.send(text)
        while True:
            frame = self.frame()
            if frame["m"] != 3:
                return frame
            self.events.append(frame)

    def event(self) -> dict[str, Any]:
        """The next event frame (already received ones first), with ``o`` decoded."""
        frame = self.events.pop(0) if self.events else self.frame()
        assert frame["m"] == 3, frame
        return {**frame, "o": json.loads(frame["o"])}

    def drain_events(self) -> list[dict[str, Any]]:
        """Every event that arrived before the reply to a Ping sent now (ordering, not timing)."""
        self.call("Ping")
        events = [{**frame, "o": json.loads(frame["o"])} for frame in self.events]
        self.events.clear()
        return events

    def login(self, user: str) -> dict[str, Any]:
        reply = self.call("AuthenticateUser", {"UserName": user, "Password": "demo"})
        assert reply["Authenticated"] is True, reply
        return dict(reply)

    def close(self) -> None:
        self.ws.close()


Connect = Callable[..., WsClient]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=8, clock=clock)


class SwitchableApp:
    """An ASGI app forwarding to the current test's ``sim.app()``.

    Stopping uvicorn takes ~0.2 s, so most tests share one server and swap the app behind it;
    the event and connection tests use ``sim.serve()`` itself (:func:`serve_for_real`).
    """

    def __init__(self) -> None:
        self.app: Any = FakeOMS.seeded(seed=1, accounts=12, orders_per_account=0).app()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="session")
def shared_server() -> Iterator[tuple[ServerHandle, SwitchableApp]]:
    switch = SwitchableApp()
    with ServerHandle(switch, "127.0.0.1", 0).start() as handle:
        yield handle, switch


def serve_for_real(sim: FakeOMS) -> Iterator[ServerHandle]:
    """Body of a ``server`` fixture running ``sim.serve()`` (a server of its own)."""
    with sim.serve(host="127.0.0.1", port=0) as handle:
        yield handle


@pytest.fixture
def server(sim: FakeOMS, shared_server: tuple[ServerHandle, SwitchableApp]) -> ServerHandle:
    handle, switch = shared_server
    switch.app = sim.app()
    return handle


@pytest.fixture
def ws_connect(server: ServerHandle) -> Iterator[Connect]:
    clients: list[WsClient] = []

    def make(user: str | None = None, seq: str = "npm", path: str = "/WSGateway/") -> WsClient:
        client = WsClient(server.url.replace("http://", "ws://") + path, seq)
        clients.append(client)
        if user is not None:
            client.login(user)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def http(server: ServerHandle) -> Iterator[Callable[[str], httpx.Client]]:
    clients: list[httpx.Client] = []

    def make(user: str) -> httpx.Client:
        client = httpx.Client(base_url=server.url, timeout=WAIT)
        token = client.get("/AP/Authenticate", auth=(user, "demo")).json()["SessionToken"]
        client.headers["aptoken"] = token
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until true (fails after WAIT seconds: a bug, not a timing check)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def error_of(frame_o: Any, errorcode: int) -> None:
    """Assert a decoded ``o`` is the standard error object with ``errorcode``."""
    assert isinstance(frame_o, dict) and list(frame_o) == ["result", "errormsg", "errorcode", "detail"], frame_o
    assert frame_o["result"] is False and frame_o["errorcode"] == errorcode, frame_o
