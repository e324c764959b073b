"""One APEX call over HTTP: request, orjson decode, error mapping, bounded read retries.

The one place where httpx and JSON errors become apex_notebook errors (``raise ... from exc``).

* Reads (names starting with ``Get``, plus ``Ping`` and the login calls) are retried on HTTP 429,
  HTTP 5xx and network failures, with exponential backoff, at most ``max_retries`` times.
* Writes (``SendOrder``, ``CancelOrder``, ``CancelAllOrders``, ...) are **never** retried: a write
  that timed out raises :class:`TransportError` saying its outcome is unknown and must be verified.
* A standard object with ``result: false`` raises the class of its errorcode (``errors.py``).
* HTML, empty, non-JSON or wrongly shaped bodies raise :class:`BadResponseError`.
* Refused before any request (``request_guard.py``): a name that is not letters and digits, any
  spelling of ``CancelAllOrders`` unless the caller opts in (only ``Client.send_cancel_all`` does),
  payload keys that are not plain ASCII or that two spellings could confuse; and every call once the
  client is closed (:class:`ClientClosedError`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import orjson

from apex_notebook.wire.errors import (
    ApexError,
    BadResponseError,
    ClientClosedError,
    NotAuthorizedError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    error_class_for,
    mask_secrets,
    next_step,
)
from apex_notebook.wire.request_guard import check_call

__all__ = ["RateLimiter", "Rpc", "Transport", "is_read", "open_http"]

#: What ``Client(transport=...)`` takes: an httpx transport (the simulator's, a mock, a real one).
Transport = httpx.BaseTransport

log = logging.getLogger("apex_notebook.wire.rpc")

_READ_CALLS = frozenset({"ping", "authenticate", "authenticateuser"})
_MAX_RETRY_AFTER = 10.0


def is_read(name: str) -> bool:
    """True for calls that change nothing on the gateway and may be retried (``Get*``, ``Ping``)."""
    return name.startswith("Get") or name.lower() in _READ_CALLS


def open_http(transport: Transport | None, *, timeout: float, max_concurrency: int,
              auth: httpx.Auth) -> httpx.Client:
    """The one connection pool of a session: room for ``max_concurrency`` requests in flight."""
    pool = max_concurrency + 2
    limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
    return httpx.Client(transport=transport, timeout=timeout, auth=auth, limits=limits,
                        headers={"User-Agent": "apex-notebook"})


class RateLimiter:
    """Spaces calls at most ``max_rate`` per second, across threads (``None``: no limit)."""

    def __init__(self, max_rate: float | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        if max_rate is not None and max_rate <= 0:
            raise ValueError(f"max_rate must be a positive number of requests per second, not {max_rate}")
        self.max_rate = max_rate
        self._interval = 0.0 if max_rate is None else 1.0 / max_rate
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call may leave."""
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


class Rpc:
    """Sends APEX calls to ``{base_url}/AP/{name}`` over one shared ``httpx.Client``."""

    def __init__(
        self,
        http: httpx.Client,
        base_url: str,
        *,
        max_retries: int = 3,
        backoff: float = 0.25,
        max_rate: float | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.max_retries = max_retries
        self.backoff = backoff
        self.limiter = RateLimiter(max_rate)
        #: The quickest round trip of any call that got an HTTP 2xx reply, in seconds (inf: none yet).
        self.quickest_reply = math.inf

    def call(
        self,
        name: str,
        payload: Mapping[str, Any] | None = None,
        *,
        method: str = "POST",
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | httpx._client.UseClientDefault | None = httpx.USE_CLIENT_DEFAULT,
        expect: type | None = None,
        _send_cancel_all: bool = False,
    ) -> Any:
        """Send one call and return its decoded JSON; raise an :class:`ApexError` on any failure.

        ``expect`` (``list`` or ``dict``) checks the reply's shape. ``_send_cancel_all`` is the private
        opt-in of ``Client.send_cancel_all``: without it ``CancelAllOrders`` is refused here too.
        """
        check_call(name, payload, cancel_all=_send_cancel_all)
        if self.http.is_closed:
            raise _closed(name)
        read = is_read(name)
        try:
            content = (None if payload is None
                       else orjson.dumps(dict(payload), option=orjson.OPT_SERIALIZE_NUMPY))
        except TypeError as exc:
            raise ApexError(f"{name} was not sent: its payload is not JSON-serializable ({exc})",
                            call=name, payload=payload) from exc
        request_headers = {"Content-Type": "application/json"} if content is not None else {}
        request_headers.update(headers or {})
        url = f"{self.base_url}/AP/{name}"
        attempt = 0
        while True:
            self.limiter.wait()
            started = time.perf_counter()
            try:
                response = self.http.request(method, url, content=content, params=params,
                                             headers=request_headers, auth=auth)
            except RuntimeError as exc:  # httpx: "the client has been closed" (closed meanwhile)
                if self.http.is_closed:
                    raise _closed(name) from exc
                raise
            except httpx.HTTPError as exc:
                if read and attempt < self.max_retries:
                    attempt = self._pause(name, attempt, f"{type(exc).__name__}", None)
                    continue
                raise _transport_error(name, payload, exc, read, attempt) from exc
            status = response.status_code
            elapsed = time.perf_counter() - started
            log.debug("%s -> HTTP %s in %.1f ms", name, status, 1000 * elapsed)
            if status < 300 and elapsed < self.quickest_reply:
                self.quickest_reply = elapsed
            if (status == 429 or status >= 500) and read and attempt < self.max_retries:
                attempt = self._pause(name, attempt, f"HTTP {status}", response.headers.get("Retry-After"))
                continue
            return decode(name, response, payload, expect=expect, attempts=attempt + 1)

    def _pause(self, name: str, attempt: int, why: str, retry_after: str | None) -> int:
        delay = self.backoff * (2**attempt)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(float(retry_after), _MAX_RETRY_AFTER))
        log.warning("%s: %s; retrying read in %.2f s (retry %d of %d)", name, why, delay,
                    attempt + 1, self.max_retries)
        if delay > 0:
            time.sleep(delay)
        return attempt + 1


def _closed(name: str) -> ClientClosedError:
    return ClientClosedError(f"{name} was not sent: this apex_notebook Client is closed (close() was called, "
                             "or its with block ended). Nothing was sent; create a new Client to go on.",
                             call=name)


def _transport_error(name: str, payload: Mapping[str, Any] | None, exc: httpx.HTTPError,
                     read: bool, attempt: int) -> TransportError:
    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if read:
        tries = f" after {attempt + 1} attempts" if attempt else ""
        msg = (f"{name} failed{tries}: the network failed ({what}). Nothing was changed (a read); "
               "check the gateway URL and connectivity, then try again.")
    elif isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        msg = (f"{name} was NOT sent: could not connect ({what}). Nothing was changed; "
               "check connectivity before trying again.")
    else:
        msg = (f"{name} outcome UNKNOWN: the request may have reached the gateway but no reply "
               f"came back ({what}). Do NOT re-send it: verify first (e.g. open_orders() / "
               "GetOrderStatus) what actually happened. Writes are never retried automatically.")
    return TransportError(msg, call=name, payload=payload)


def _snippet(body: bytes) -> str:
    text = " ".join(body[:160].decode("utf-8", "replace").split())
    return text + ("..." if len(body) > 160 else "")


def decode(
    name: str,
    response: httpx.Response,
    payload: Mapping[str, Any] | None = None,
    *,
    expect: type | None = None,
    attempts: int = 1,
) -> Any:
    """Decode one reply; raise the matching :class:`ApexError` for HTTP or APEX errors."""
    status = response.status_code
    body = response.content
    shown = mask_secrets(payload)
    tried = f" (after {attempts} attempts)" if attempts > 1 else ""
    if status == 429:
        raise RateLimitedError(
            f"{name} was refused by the gateway's rate limit (HTTP 429 {_snippet(body)!r}){tried}. "
            "Wait, then try again more slowly (Client(max_rate=...))"
            + ("." if is_read(name) else "; the write was most likely not processed: verify, then re-send."),
            call=name, payload=payload)
    data: Any = None
    decoded = False
    if body.strip():
        try:
            data = orjson.loads(body)
            decoded = True
        except orjson.JSONDecodeError as exc:
            if status < 400:
                kind = "HTML" if body.lstrip()[:1] == b"<" else "non-JSON text"
                raise BadResponseError(
                    f"{name}: the gateway answered {kind} instead of JSON (HTTP {status}: "
                    f"{_snippet(body)!r}). Check that the base URL points at an APEX gateway "
                    "(host root, calls go to /AP/<Name>).", call=name, payload=payload) from exc
    if decoded and isinstance(data, dict) and _is_error_object(data):
        code = _int_or_none(data.get("errorcode"))
        cls = NotAuthorizedError if status == 401 else error_class_for(code)
        if code is None and status >= 500:
            cls = ServerError
        msg_text, detail = data.get("errormsg"), data.get("detail")
        extra = f", detail: {detail!r}" if detail else ""
        raise cls(f"{name} failed: APEX said {msg_text!r} (errorcode {code}{extra}, HTTP {status}); "
                  f"request {shown}. Next: {next_step(cls)}.",
                  call=name, errorcode=code, errormsg=msg_text, detail=detail, payload=payload)
    if status >= 400:
        if status >= 500:
            cls, hint = ServerError, "the gateway failed; retry a read later, verify a write first"
        elif status == 401:
            cls, hint = NotAuthorizedError, "the session is not valid; log in again"
        elif status == 404:
            cls, hint = NotFoundError, ("check the base URL (host root) and the call name; some gateways "
                                        "also answer 404 for an invalid session")
        else:
            cls, hint = BadResponseError, "check the request"
        said = data.get("errormsg") if decoded and isinstance(data, dict) else None  # e.g. a refused login
        raise cls(f"{name} failed with HTTP {status} ({_snippet(body)!r}){tried}. Next: {hint}.",
                  call=name, errormsg=str(said) if said else None, payload=payload)
    if not decoded:
        raise BadResponseError(f"{name}: the gateway answered an empty body (HTTP {status}). Try "
                               "again; if it persists the gateway is unhealthy.", call=name, payload=payload)
    if expect is not None and not isinstance(data, expect):
        want = "a JSON array" if expect is list else "a JSON object" if expect is dict else expect.__name__
        raise BadResponseError(f"{name}: expected {want}, got {_shape(data)}. The reply does not match "
                               "the APEX API; nothing was assumed from it.", call=name, payload=payload)
    return data


def _is_error_object(data: dict[str, Any]) -> bool:
    if data.get("result") is False:
        return True
    code = _int_or_none(data.get("errorcode"))
    return bool(code) and str(data.get("status", "")).lower() == "rejected"


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        keys = ", ".join(list(map(str, data))[:6])
        return f"an object with keys [{keys}]"
    if isinstance(data, list):
        return f"an array of {len(data)} items"
    return f"a JSON {type(data).__name__} ({str(data)[:40]!r})"
