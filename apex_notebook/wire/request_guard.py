"""What may leave at all: the checks every call passes before a request is built (``Rpc.call``).

* **The name** is a URL path segment, so letters and digits only (``"CancelAllOrders?"`` would reach
  the gateway as a ``CancelAllOrders`` without ``AccountId``: every account of the OMS).
* **No raw cancel-all.** Any spelling of ``CancelAllOrders`` (case, padding, ``/AP/`` prefixes,
  separators, full-width or other look-alikes that NFKC folds to it) is refused with a
  :class:`ScopeError`: the only way out is ``Client.send_cancel_all(plan)``, used by ``execute``,
  which passes the private opt-in ``cancel_all=True``.
* **Keys say one thing.** A payload key with leading or trailing white space, a control or non-ASCII
  character, or two keys equal after case folding, at any depth, are refused: a gateway may not
  recognise the key (a missing ``AccountId`` means every account) or may pick either of two values.

All refusals are :class:`ScopeError` (raised before any request): each one is about what the request
would hit, and DESIGN §2.1 names ``ScopeError`` for requests refused before they leave.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from apex_notebook.wire.errors import ApexError, ScopeError

__all__ = ["check_call", "check_keys", "is_cancel_all"]

_CALL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CANCEL_ALL = "cancelallorders"
_MAX_DEPTH = 32


def is_cancel_all(name: object) -> bool:
    """True if ``name`` is ``CancelAllOrders`` under any spelling, case, padding or look-alike."""
    folded = unicodedata.normalize("NFKC", str(name)).casefold()
    return _CANCEL_ALL in "".join(ch for ch in folded if ch.isalnum())


def check_call(name: object, payload: Mapping[str, Any] | None, *, cancel_all: bool = False) -> None:
    """Raise (before any request) unless ``name`` and ``payload`` may be sent as they are."""
    if is_cancel_all(name) and not (cancel_all and name == "CancelAllOrders"):
        raise ScopeError(
            f"call() never sends CancelAllOrders (asked as {name!a}): it can cancel every order "
            "of every account, and its reply does not say which. Nothing was sent. Preview it instead: "
            "plan = apex.preview(apx.CancelScope(account_id=..., instrument_id=...)) shows exactly "
            "which orders it would hit; then apex.execute(plan, reason=..., "
            "confirm=plan.confirmation_phrase) sends it once, journalled and verified.",
            call="CancelAllOrders")
    if not isinstance(name, str) or not _CALL_NAME.fullmatch(name):
        raise ApexError(f"{name!a} is not an APEX call name (letters and digits only, e.g. "
                        "'GetOpenOrders'); nothing was sent. Give the payload as keyword arguments, "
                        "e.g. call('GetOpenOrders', AccountId=9)", call=str(name))
    if payload is not None:
        check_keys(name, payload)


def check_keys(name: str, payload: Any, depth: int = 0) -> None:
    """Refuse keys that a gateway could misread, at every depth of ``payload`` (see module doc)."""
    if depth > _MAX_DEPTH:
        raise ScopeError(f"{name} was not sent: its payload is nested more than {_MAX_DEPTH} levels "
                         "deep.", call=name)
    if isinstance(payload, Mapping):
        seen: dict[str, str] = {}
        for key in payload:
            _check_key(name, key)
            folded = key.casefold()
            if folded in seen:
                raise ScopeError(
                    f"{name} was not sent: the payload keys {seen[folded]!r} and {key!r} are one key "
                    "written twice (they differ only in case) and the gateway may read either value. "
                    "Nothing was sent; give each key once.", call=name)
            seen[folded] = key
        for value in payload.values():
            check_keys(name, value, depth + 1)
    elif isinstance(payload, list | tuple):
        for item in payload:
            check_keys(name, item, depth + 1)


def _check_key(name: str, key: object) -> None:
    if not isinstance(key, str) or not key:
        problem = "is empty" if key == "" else f"is a {type(key).__name__}, not a string"
    elif key != key.strip():
        problem = "has leading or trailing white space"
    elif not key.isascii() or not key.isprintable():
        problem = "holds a control or non-ASCII character"
    else:
        return
    raise ScopeError(
        f"{name} was not sent: the payload key {key!a} {problem}. A gateway may not recognise it "
        "and act as if the key were missing (a missing AccountId means every account). Nothing was "
        "sent; write the key exactly as APEX names it, e.g. 'AccountId'.", call=name)
