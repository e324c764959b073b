"""The standalone simulator: an ASGI app served by uvicorn (HTTP and WebSocket, one port).

:class:`SimulatorApp` routes ``/AP/<Name>`` to the HTTP gateway. The engine work runs in a
worker thread (``asyncio.to_thread``) under the engine lock, so one big cancel does not stall
the event loop; latency and hang faults use ``await asyncio.sleep`` and never block other
requests. A WebSocket gateway plugs in by setting ``SimulatorApp.websocket_handler`` (an ASGI
callable for ``websocket`` scopes on ``/WSGateway/``, any case) — same port, same engine.

:class:`ServerHandle` runs the app with ``uvicorn.Server`` in a background thread, optionally
over TLS (``certfile``/``keyfile``: ``https://`` and ``wss://`` on the same port).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from types import TracebackType
from typing import Any

import uvicorn

from .http_gateway import HttpGateway, lower_headers

__all__ = ["ServerHandle", "SimulatorApp"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_WS_PATH = re.compile(r"/wsgateway/?", re.IGNORECASE)


class SimulatorApp:
    """ASGI application of one simulator."""

    def __init__(self, gateway: HttpGateway) -> None:
        self.gateway = gateway
        #: ASGI handler for ``/WSGateway/`` WebSocket connections (None: refused for now).
        self.websocket_handler: AsgiApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            if self.websocket_handler is not None and _WS_PATH.fullmatch(scope["path"]):
                await self.websocket_handler(scope, receive, send)
            else:
                await receive()
                await send({"type": "websocket.close", "code": 1008})
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.gateway.config.max_body_bytes
        chunks: list[bytes] = []
        kept = size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if kept <= limit:
                chunks.append(chunk)
                kept += len(chunk)
            if not message.get("more_body", False):
                break
        reply = await asyncio.to_thread(
            self.gateway.handle, scope["method"], scope["path"], scope.get("query_string", b""),
            lower_headers(scope.get("headers", [])), b"".join(chunks), size,
        )
        if reply.delay > 0:
            await asyncio.sleep(reply.delay)
        await send({
            "type": "http.response.start", "status": reply.status,
            "headers": [(b"content-type", reply.content_type.encode()),
                        (b"content-length", str(len(reply.body)).encode())],
        })
        await send({"type": "http.response.body", "body": reply.body})


class ServerHandle:
    """A uvicorn server running an ASGI app in a background thread; ``url`` is its address.

    With ``certfile`` (PEM certificate chain) and ``keyfile`` (PEM private key; None when the
    key is inside ``certfile``) the same port serves TLS: ``https://`` and ``wss://``.
    """

    def __init__(self, app: AsgiApp, host: str = "127.0.0.1", port: int = 0, *,
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        if keyfile is not None and certfile is None:
            raise ValueError("keyfile needs a certfile")
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=2, ssl_certfile=certfile,
                                ssl_keyfile=keyfile)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="apex-sim-server", daemon=True)
        self.host = host
        self.port = port
        #: True when serving TLS (https:// and wss://).
        self.tls = certfile is not None

    @property
    def url(self) -> str:
        """``http://host:port`` (``https://`` with TLS) of the running server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://host:port/WSGateway/`` (``wss://`` with TLS): the WebSocket gateway."""
        return ("wss" if self.tls else "ws") + self.url[self.url.index(":"):] + "/WSGateway/"

    def start(self, timeout: float = 10.0) -> ServerHandle:
        """Start serving and wait until the socket is listening."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the simulator server failed to start on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator server did not start in time")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving (in-flight requests get a short grace period) and join the thread."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ServerHandle(url={self.url!r})"
