"""WebSocket frames of the APEX gateway (apex-api.md §1.1): parse requests, encode replies.

Every message, both ways, is one JSON object ``{"m": type, "i": sequence, "n": name,
"o": payload}`` whose ``o`` is the payload **JSON-encoded as a string**. Types: 0 request,
1 reply, 2 subscribe, 3 event, 4 unsubscribe, 5 error.

What this module accepts from a client (everything else raises :class:`FrameError`, which
the gateway answers with ``m:5``):

* a text frame of at most ``limit`` bytes holding a JSON object with all four keys;
* ``m`` 0, 2 or 4 (any of them for any call; clients send subscriptions with ``m:0``);
* ``i`` any integer in the signed 64-bit range (0, 1, 2, ... and 0, 2, 4, ... alike; never
  checked for order or reuse); ``n`` a non-empty string; ``o`` a string.

Ambiguous JSON (a key twice in one object, in any case or backslash-u escape, or a non-ASCII key;
see :mod:`.strict_json`) is refused at every depth: in the frame itself (two ``n`` or two
``o``) as a broken frame (``m:5``), inside ``o`` as a bad payload (``m:1``, errorcode 100).

The payload inside ``o`` is decoded separately (:func:`decode_payload`): a bad payload is a
business error (``m:1`` with errorcode 100, as the HTTP gateway answers a bad body), not a
bad frame. When a frame is broken, :func:`salvage` recovers ``i`` and ``n`` from its text
where it can, so the ``m:5`` still reaches the right caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeGuard

import orjson

from .replies import ApiError, dumps_reply
from .strict_json import AmbiguousJsonError, loads_strict

__all__ = [
    "CLIENT_TYPES", "ERROR", "EVENT", "REPLY", "REQUEST", "SUBSCRIBE", "UNSUBSCRIBE", "Frame", "FrameError",
    "decode_payload", "encode", "encode_text", "parse_frame", "salvage",
]

REQUEST, REPLY, SUBSCRIBE, EVENT, UNSUBSCRIBE, ERROR = 0, 1, 2, 3, 4, 5
#: Message types a client may send.
CLIENT_TYPES = frozenset({REQUEST, SUBSCRIBE, UNSUBSCRIBE})
_MIN_SEQ, _MAX_SEQ = -(2**63), 2**63 - 1
_SALVAGE_CHARS = 512
_SEQ = re.compile(r'"i"\s*:\s*(-?[0-9]{1,19})(?![0-9.eE])')
_NAME = re.compile(r'"n"\s*:\s*"([A-Za-z0-9_]{1,100})"')


@dataclass(frozen=True)
class Frame:
    """One well-formed client frame; ``o`` is still the JSON text of the payload."""

    m: int
    i: int
    n: str
    o: str


class FrameError(Exception):
    """A frame that cannot be served; ``i`` and ``n`` are what could be recovered (else 0, "")."""

    def __init__(self, detail: str, i: int = 0, n: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        self.i = i
        self.n = n


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def salvage(text: str) -> tuple[int, str]:
    """Best-effort ``(i, n)`` of a broken frame, read from its first few hundred characters."""
    head = text[:_SALVAGE_CHARS]
    seq = _SEQ.search(head)
    name = _NAME.search(head)
    i = int(seq.group(1)) if seq else 0
    return (i if _MIN_SEQ <= i <= _MAX_SEQ else 0), (name.group(1) if name else "")


def parse_frame(text: str, limit: int) -> Frame:
    """Parse one text frame; raise :class:`FrameError` if it is too big or not a valid frame."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise FrameError(f"frame of {size} bytes exceeds the {limit}-byte limit", *salvage(text))
    try:
        decoded = loads_strict(text)
    except AmbiguousJsonError as error:
        raise FrameError(f"ambiguous frame: {error.detail}", *salvage(text)) from None
    except (ValueError, RecursionError) as error:
        raise FrameError(f"frame is not valid JSON: {str(error)[:120]}", *salvage(text)) from None
    if not isinstance(decoded, dict):
        raise FrameError(f"frame must be a JSON object, got {type(decoded).__name__}", *salvage(text))
    seq = decoded.get("i")
    i: int = seq if _is_int(seq) and _MIN_SEQ <= seq <= _MAX_SEQ else 0
    name = decoded.get("n")
    n = name if isinstance(name, str) else ""
    missing = [key for key in ("m", "i", "n", "o") if key not in decoded]
    if missing:
        raise FrameError(f"frame lacks key(s) {', '.join(missing)}; send m, i, n and o", i, n)
    m = decoded["m"]
    if not _is_int(m) or m not in CLIENT_TYPES:
        raise FrameError(f"m must be 0 (request), 2 (subscribe) or 4 (unsubscribe), got {m!r:.40}", i, n)
    if not _is_int(seq):
        raise FrameError(f"i must be an integer, got {type(seq).__name__}", 0, n)
    if i != seq:
        raise FrameError("i is outside the signed 64-bit range", 0, n)
    if not isinstance(name, str) or not name.strip():
        raise FrameError("n must be a non-empty string naming the call", i, "")
    payload = decoded["o"]
    if not isinstance(payload, str):
        raise FrameError(f"o must be the payload JSON-encoded as a string, got {type(payload).__name__}", i, n)
    return Frame(m, i, n, payload)


def decode_payload(o: str) -> tuple[dict[str, Any], ApiError | None]:
    """The payload object in ``o`` (empty text means ``{}``), or ``({}, error 100)`` if it is not one."""
    if not o.strip():
        return {}, None
    try:
        decoded = loads_strict(o)
    except AmbiguousJsonError as error:
        return {}, ApiError(100, f"ambiguous payload in o: {error.detail}")
    except (ValueError, RecursionError) as error:
        return {}, ApiError(100, f"o is not valid JSON: {str(error)[:120]}")
    if not isinstance(decoded, dict):
        return {}, ApiError(100, f"o must encode a JSON object, got {type(decoded).__name__}")
    return decoded, None


def encode_text(m: int, i: int, n: str, o_text: str) -> str:
    """A frame whose ``o`` is the given JSON text."""
    return orjson.dumps({"m": m, "i": i, "n": n, "o": o_text}).decode()


def encode(m: int, i: int, n: str, body: Any) -> str:
    """A frame whose ``o`` is ``body`` JSON-encoded."""
    return encode_text(m, i, n, dumps_reply(body).decode())
