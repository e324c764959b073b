"""The WebSocket gateway: APEX's native ``/WSGateway/`` protocol, served beside ``/AP/``.

An ASGI handler for ``websocket`` scopes (``SimulatorApp.websocket_handler``). Each connection:

* **Frames** (:mod:`.ws_frames`): requests ``{"m","i","n","o"}``; replies ``m:1`` echo ``i``
  and ``n`` (as sent) with ``o`` the JSON-encoded reply. Any sequence numbers are accepted.
* **Calls** go through the same :class:`~.dispatch.Dispatcher` as HTTP (same handlers,
  permissions, recording in ``sim.requests``, faults), plus the WebSocket-only calls of
  :mod:`.calls_ws`. Business, permission and login errors are ``m:1`` with the same objects
  the HTTP gateway sends. ``m:5`` (``o`` a standard error object, ``i``/``n`` echoed when they
  can be recovered) answers: text that is not a JSON object, missing or mistyped frame keys,
  frames over ``SimConfig.max_body_bytes`` (1 MiB; frames over uvicorn's 16 MiB ``ws_max_size``
  are closed by the protocol layer with 1009), binary frames, unknown call names (errorcode
  106, as over HTTP; ``m:1`` with ``SimConfig.unknown_call`` ``"m1"`` or ``"error100"``). Bad JSON in
  ``o`` or a non-object ``o`` is errorcode 100 in ``m:1``.
* **Auth is per connection**: a successful AuthenticateUser, WebAuthenticateUser,
  Authenticate2FA or Authenticate attaches its SessionToken to the connection (a 2FA login
  keeps its TwoFAToken for Authenticate2FA); LogOut ends the session and drops the
  connection's subscriptions, as does logging in as a different user.
* **Faults** (``sim.faults``): latency and hangs delay the reply (later frames are still
  served); a malformed fault sends the first half of the reply frame; a rate limit answers
  ``m:5`` with errormsg ``TOO MANY REQUESTS`` (errorcode 429); an injected HTTP status answers
  ``m:5`` with errorcode 102.
* **Events** (:mod:`.events`): frames from engine threads reach the connection through
  ``loop.call_soon_threadsafe`` into a bounded queue drained by one writer task. A client
  that lets ``queue_limit`` frames pile up is disconnected (close code 1013) instead of
  slowing the engine. A periodic task (every ``tick`` seconds while connections exist)
  applies due delayed cancels/fills so their events are pushed without waiting for a call.
* On disconnect, however abrupt, the connection's subscriptions and pending replies go.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .calls_ws import WS_CALLS
from .config import SimConfig
from .context import Credentials
from .dispatch import CALLS, CallSpec, Dispatcher, Outcome
from .events import EventHub
from .market_feed import MarketSubscriptionChange
from .replies import ApiError, standard_error
from .subscriptions import SubscriptionChange
from .ws_frames import ERROR, REPLY, FrameError, decode_payload, encode, parse_frame, salvage

__all__ = ["Connection", "WsGateway"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_LOGIN_CALLS = frozenset({"Authenticate", "AuthenticateUser", "WebAuthenticateUser", "Authenticate2FA"})
_NOT_LOGGED_IN = "Not logged in: call AuthenticateUser or WebAuthenticateUser on this connection first"
_OVERFLOW = 1013


class Connection:
    """One WebSocket connection: its session, its bounded outbound queue, its delayed replies.

    :meth:`deliver` may be called from any thread and never blocks.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, queue_limit: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=queue_limit)
        self.session_token: str | None = None
        self.pending_2fa: str | None = None
        self.user_id: int | None = None
        self.closed = False
        self.overflowed = False
        self.tasks: set[asyncio.Task[None]] = set()

    def deliver(self, frame: str) -> None:
        """Queue ``frame`` for sending (thread-safe)."""
        if self.closed:
            return
        try:
            self.loop.call_soon_threadsafe(self._offer, frame)
        except RuntimeError:  # the event loop is gone: the server stopped
            self.closed = True

    def deliver_later(self, frame: str, delay: float) -> None:
        """Queue ``frame`` after ``delay`` seconds (thread-safe)."""
        if self.closed:
            return
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._start_timer, frame, delay)

    def _start_timer(self, frame: str, delay: float) -> None:
        async def later() -> None:
            await asyncio.sleep(delay)
            self._offer(frame)

        if not self.closed:
            task = self.loop.create_task(later())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _offer(self, frame: str) -> None:
        if self.closed or self.overflowed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)  # the writer closes the connection

    def close(self) -> None:
        """Stop delivering and cancel delayed replies (event loop thread)."""
        self.closed = True
        for task in list(self.tasks):
            task.cancel()

    def __repr__(self) -> str:
        return f"Connection(user_id={self.user_id}, queued={self.queue.qsize()}, closed={self.closed})"


class WsGateway:
    """ASGI handler serving ``/WSGateway/`` connections of one simulator."""

    def __init__(self, dispatcher: Dispatcher, hub: EventHub, config: SimConfig, *,
                 queue_limit: int = 20_000, tick: float = 0.05) -> None:
        self.dispatcher = dispatcher
        self.hub = hub
        self.config = config
        self.queue_limit = queue_limit
        self.tick = tick
        self.connections: set[Connection] = set()
        self._ticker: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point for one ``websocket`` scope."""
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        conn = Connection(asyncio.get_running_loop(), self.queue_limit)
        writer = asyncio.create_task(self._write(conn, send))
        self._opened(conn)
        try:
            while not conn.closed:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] != "websocket.receive":
                    continue
                text = message.get("text")
                if text is None:
                    data = message.get("bytes") or b""
                    i, n = salvage(data[:1024].decode("utf-8", "replace"))
                    detail = "binary frames are not supported: send each frame as text (UTF-8 JSON)"
                    conn.deliver(encode(ERROR, i, n, standard_error(100, detail)))
                    continue
                await self._serve(conn, text)
        finally:
            conn.close()
            self.hub.subscriptions.drop(conn)
            self.hub.market.drop(conn)
            writer.cancel()
            self._closed(conn)

    # -- connection bookkeeping ------------------------------------------------------------
    def _opened(self, conn: Connection) -> None:
        self.connections.add(conn)
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick())

    def _closed(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if not self.connections and self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def _tick(self) -> None:
        engine = self.dispatcher.engine
        while self.connections:
            await asyncio.sleep(self.tick)
            if engine.book.pending:
                await asyncio.to_thread(self._apply_due)

    def _apply_due(self) -> None:
        engine = self.dispatcher.engine
        with engine.lock:
            engine.apply_due()

    @staticmethod
    async def _write(conn: Connection, send: Send) -> None:
        try:
            while True:
                frame = await conn.queue.get()
                if frame is None:
                    conn.closed = True
                    reason = "outbound queue full: the client reads too slowly; reconnect and resubscribe"
                    await send({"type": "websocket.close", "code": _OVERFLOW, "reason": reason})
                    return
                await send({"type": "websocket.send", "text": frame})
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away mid-send; the reader sees the disconnect
            conn.closed = True

    # -- calls -----------------------------------------------------------------------------
    async def _serve(self, conn: Connection, text: str) -> None:
        try:
            frame = parse_frame(text, self.config.max_body_bytes)
        except FrameError as error:
            conn.deliver(encode(ERROR, error.i, error.n, standard_error(100, error.detail)))
            return
        payload, rejection = decode_payload(frame.o)
        await asyncio.to_thread(self._call, conn, frame.i, frame.n, payload, rejection)

    def _call(self, conn: Connection, i: int, n: str, payload: dict[str, Any],
              rejection: ApiError | None) -> None:
        """Run one call in a worker thread; reply and bookkeeping happen under the engine lock."""
        key = n.lower()
        spec = CALLS.get(key) or WS_CALLS.get(key)
        credentials = Credentials(session_token=conn.session_token, pending_2fa_token=conn.pending_2fa,
                                  problem=None if spec is not None and spec.public else _NOT_LOGGED_IN)
        engine = self.dispatcher.engine
        with engine.lock:
            outcome = self.dispatcher.handle(n, payload, credentials, rejection, extra_calls=WS_CALLS)
            body = outcome.body
            if spec is not None and outcome.kind in ("ok", "malformed"):
                body = self._bookkeep(conn, spec, i, body)
            reply = self._encode(i, n, spec, outcome, body)
            if outcome.delay > 0:
                conn.deliver_later(reply, outcome.delay)
            else:
                conn.deliver(reply)

    def _bookkeep(self, conn: Connection, spec: CallSpec, i: int, body: Any) -> Any:
        """Apply a successful call to the connection; returns the reply body."""
        if isinstance(body, SubscriptionChange):
            self.hub.subscriptions.apply(conn, body, i)
            return body.reply()
        if isinstance(body, MarketSubscriptionChange):
            self.hub.market.apply(conn, body, i)
            return body.reply
        if spec.name == "LogOut":
            conn.session_token = conn.pending_2fa = conn.user_id = None
            self.hub.subscriptions.drop(conn)
        elif spec.name in _LOGIN_CALLS and isinstance(body, dict) and body.get("Authenticated") is True:
            token, user_id = body.get("SessionToken"), body.get("UserId")
            pending = body.get("TwoFAToken") or body.get("Pending2FaToken")
            if isinstance(token, str) and token:
                if conn.user_id is not None and str(user_id) != str(conn.user_id):
                    self.hub.subscriptions.drop(conn)
                conn.session_token, conn.pending_2fa = token, None
                conn.user_id = int(user_id) if isinstance(user_id, int | str) and str(user_id).isdecimal() else None
            elif isinstance(pending, str) and pending:
                conn.pending_2fa = pending
        return body

    def _encode(self, i: int, n: str, spec: CallSpec | None, outcome: Outcome, body: Any) -> str:
        if outcome.kind == "rate_limited":
            return encode(ERROR, i, n, {"result": False, "errormsg": "TOO MANY REQUESTS", "errorcode": 429,
                                        "detail": "rate limit exceeded (simulated)"})
        if outcome.kind == "status":
            return encode(ERROR, i, n, standard_error(102, f"injected fault: HTTP {outcome.status_line}"))
        if spec is None:
            return encode(REPLY if self.config.unknown_call in ("m1", "error100") else ERROR, i, n, body)
        if outcome.kind == "malformed":
            whole = encode(REPLY, i, n, body)
            return whole[: max(1, len(whole) // 2)]
        return encode(REPLY, i, n, body)

    def __repr__(self) -> str:
        return f"WsGateway(connections={len(self.connections)})"
