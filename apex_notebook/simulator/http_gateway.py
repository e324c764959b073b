"""The HTTP gateway: ``/AP/<Name>`` requests -> dispatcher -> HTTP replies (transport-free).

Shared by the in-process httpx transport and the ASGI server, so both behave identically.

* Path ``/AP/<Name>`` (any case, optional trailing slash); anything else is HTTP 404.
* GET with a query string or POST with a JSON-object body (query parameters of a POST are
  merged in; a key given in both is refused). Ambiguous input is refused with errorcode 100
  before anything runs: a query key repeated (in any case or percent-encoding), a JSON object
  at any depth naming a key twice (in any case or backslash-u escape), a non-ASCII key.
  Other methods: HTTP 405, errorcode 100.
* Bodies over ``SimConfig.max_body_bytes`` (default 1 MiB): HTTP 413, errorcode 100. Bodies that
  are not a JSON object: HTTP 200, errorcode 100 with the parse problem in ``detail``.
* Auth headers (any case): ``aptoken``; ``Authorization: Basic``; ``Nonce``, ``APIKey``,
  ``Signature``, ``UserId``; ``Pending2FaToken``.
* Status codes: replies and standard errors 200; missing/expired session or failed login
  ``SimConfig.unauthenticated_status`` (401 or 404) with the JSON body; rate limit 429 with
  plain text ``TOO MANY REQUESTS``; injected statuses with a plain-text reason; malformed
  fault: 200, ``application/json``, the first half of the real reply (so not JSON). Unknown
  call names: 200 with errorcode 106, or 404 ``Not Found`` text when
  ``SimConfig.unknown_call == "http404"``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .config import SimConfig
from .context import Credentials, HmacCredentials
from .dispatch import Dispatcher, Outcome
from .replies import ApiError, dumps_reply
from .strict_json import AmbiguousJsonError, check_key, fold_key, loads_strict

__all__ = ["HttpGateway", "HttpReply", "lower_headers"]

_PATH = re.compile(r"/ap/([^/]+)/?", re.IGNORECASE)
_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_HMAC_HEADERS = ("nonce", "apikey", "signature", "userid")


@dataclass(frozen=True)
class HttpReply:
    """An HTTP reply to send after waiting ``delay`` seconds (``hang``: a hang fault)."""

    status: int
    body: bytes
    content_type: str
    delay: float = 0.0
    hang: bool = False


def lower_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Raw header pairs -> ``{lower-case name: value}`` (the last of repeated headers wins)."""
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in raw}


def _credentials(headers: Mapping[str, str]) -> Credentials:
    problem = None
    basic = None
    authorization = headers.get("authorization", "")
    if authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            username, sep, password = decoded.partition(":")
            basic = (username, password) if sep else None
        except (binascii.Error, UnicodeDecodeError):
            basic = None
        if basic is None:
            problem = "Malformed Basic authorization header"
    quartet = None
    present = [name for name in _HMAC_HEADERS if name in headers]
    if len(present) == len(_HMAC_HEADERS):
        quartet = HmacCredentials(*(headers[name] for name in _HMAC_HEADERS))
    elif present:
        spelled = ("Nonce", "APIKey", "Signature", "UserId")
        missing = ", ".join(name for name in spelled if name.lower() not in headers)
        problem = f"API-key headers incomplete: missing {missing}"
    return Credentials(
        session_token=headers.get("aptoken") or None, basic=basic, hmac=quartet,
        pending_2fa_token=headers.get("pending2fatoken") or None, problem=problem,
    )


def _payload(method: str, query: str, body: bytes, size: int, limit: int) -> dict[str, Any]:
    if size > limit:
        raise ApiError(100, f"request body of {size} bytes exceeds the {limit}-byte limit")
    payload: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        try:
            check_key(key, seen)
        except AmbiguousJsonError as error:
            raise ApiError(100, f"query string: {error.detail}") from None
        payload[key] = value
    if method == "POST" and body.strip():
        try:
            decoded = loads_strict(body)
        except AmbiguousJsonError as error:
            raise ApiError(100, f"ambiguous JSON body: {error.detail}") from None
        except (ValueError, RecursionError) as error:
            raise ApiError(100, f"body is not valid JSON: {str(error)[:120]}") from None
        if not isinstance(decoded, dict):
            raise ApiError(100, f"body must be a JSON object, got {type(decoded).__name__}")
        for key, value in decoded.items():
            if fold_key(key) in seen:
                raise ApiError(100, f"key {key!r} given in both the query string and the body")
            payload[key] = value
    return payload


class HttpGateway:
    """Turns one HTTP request into one :class:`HttpReply` via the dispatcher."""

    def __init__(self, dispatcher: Dispatcher, config: SimConfig) -> None:
        self.dispatcher = dispatcher
        self.config = config

    def handle(self, method: str, path: str, query: bytes | str, headers: Mapping[str, str],  # noqa: PLR0917
               body: bytes, body_size: int | None = None) -> HttpReply:
        """Serve one request; ``headers`` must have lower-case names (see :func:`lower_headers`).

        ``body_size`` is the full body length when ``body`` was cut short by a streaming reader.
        """
        match = _PATH.fullmatch(path)
        if match is None:
            return HttpReply(404, b"Not Found", _TEXT)
        name = match.group(1)
        method = method.upper()
        status_override = None
        rejection = None
        payload: dict[str, Any] = {}
        try:
            text = query.decode("utf-8") if isinstance(query, bytes) else query
            if method not in ("GET", "POST"):
                status_override = 405
                raise ApiError(100, f"HTTP method {method} is not supported; use GET or POST")
            size = len(body) if body_size is None else body_size
            if size > self.config.max_body_bytes:
                status_override = 413
            payload = _payload(method, text, body, size, self.config.max_body_bytes)
        except UnicodeDecodeError:
            rejection = ApiError(100, "query string is not valid UTF-8")
        except ApiError as error:
            rejection = error
        outcome = self.dispatcher.handle(name, payload, _credentials(headers), rejection)
        return self._encode(outcome, status_override)

    def _encode(self, outcome: Outcome, status_override: int | None) -> HttpReply:
        def reply(status: int, body: bytes, content_type: str = _JSON) -> HttpReply:
            return HttpReply(status, body, content_type, outcome.delay, outcome.hang)

        if outcome.kind == "rate_limited":
            return reply(429, b"TOO MANY REQUESTS", _TEXT)
        if outcome.kind == "status":
            return reply(outcome.status or 500, outcome.status_line.encode(), _TEXT)
        if outcome.kind == "malformed":
            whole = dumps_reply(outcome.body)
            return reply(200, whole[: max(1, len(whole) // 2)])
        if outcome.unknown_call and self.config.unknown_call == "http404":
            return reply(404, b"Not Found", _TEXT)
        body = dumps_reply(outcome.body)
        if outcome.kind == "unauthenticated":
            return reply(self.config.unauthenticated_status, body)
        return reply(status_override if outcome.kind == "error" and status_override else 200, body)
