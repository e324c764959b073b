"""An ``httpx`` transport that serves requests from the simulator in process.

``httpx.Client(transport=sim.transport(), base_url=sim.url)`` talks to the same HTTP gateway
the standalone server uses, without sockets. Latency and hang faults sleep in the calling
thread (other threads keep being served); if the wait reaches the request's read timeout the
transport sleeps for the timeout and raises ``httpx.ReadTimeout``, as a real socket would.
"""

from __future__ import annotations

import time

import httpx

from .http_gateway import HttpGateway, lower_headers

__all__ = ["SimTransport"]


class SimTransport(httpx.BaseTransport):
    """Synchronous in-process transport; safe to share between threads."""

    def __init__(self, gateway: HttpGateway) -> None:
        self._gateway = gateway

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request through the HTTP gateway."""
        body = request.read()
        reply = self._gateway.handle(
            request.method, request.url.path, request.url.query, lower_headers(request.headers.raw), body
        )
        if reply.delay > 0:
            timeouts = request.extensions.get("timeout") or {}
            read_timeout = timeouts.get("read")
            if read_timeout is not None and reply.delay >= read_timeout:
                time.sleep(read_timeout)
                raise httpx.ReadTimeout(f"no reply within {read_timeout} s (simulated)", request=request)
            time.sleep(reply.delay)
        return httpx.Response(
            reply.status, headers={"content-type": reply.content_type}, content=reply.body, request=request
        )

    def __repr__(self) -> str:
        return "SimTransport()"
