"""Strict JSON decoding: ambiguous objects are refused, never guessed at.

APEX reads request keys case-insensitively (apex-api.md §2.0), so ``{"AccountId": 9,
"accountid": 0}`` — or the same key twice, or once written with ``\\u`` escapes
(``"Account\\u0049d"``) — has no single meaning: Python's ``json`` keeps the last value, a
.NET gateway might keep the first or fail. For a cancel, guessing could widen the scope to
every account, so the simulator refuses such input (errorcode 100) at **every nesting depth**.

Keys are compared after ASCII case folding (:func:`fold_key`, also used by
:class:`~.params.Params`). A key holding any non-ASCII character is refused as well: every
APEX key is ASCII, and case-insensitive matchers disagree about such keys (.NET's
``OrdinalIgnoreCase`` upper-cases the dotless i, U+0131, to ``I`` and the long s, U+017F, to
``S``; Python's ``str.lower`` turns the Kelvin sign, U+212A, into ``k``), so ``AccountId``
spelled with a dotless i might or might not be ``AccountId`` on a real gateway.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["AmbiguousJsonError", "check_key", "fold_key", "loads_strict"]

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_key(key: str) -> str:
    """``key`` with ASCII letters lower-cased and every other character kept as is."""
    return key.translate(_ASCII_LOWER)


class AmbiguousJsonError(ValueError):
    """An object names one key twice (exactly, in another case, or via escapes) or a non-ASCII key."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def check_key(key: str, seen: dict[str, str]) -> None:
    """Refuse ``key`` if it is not ASCII or folds to a key in ``seen``; else add it to ``seen``."""
    if not key.isascii():
        raise AmbiguousJsonError(f"key {key[:60]!r} contains non-ASCII characters; APEX keys are ASCII")
    folded = fold_key(key)
    first = seen.get(folded)
    if first is not None:
        if first == key:
            raise AmbiguousJsonError(f"key {key[:60]!r} is repeated")
        raise AmbiguousJsonError(
            f"keys {first[:60]!r} and {key[:60]!r} differ only in case: the same key repeated; send it once"
        )
    seen[folded] = key


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, str] = {}
    for key, _ in pairs:
        check_key(key, seen)
    return dict(pairs)


def loads_strict(text: str | bytes) -> Any:
    """Decode JSON like :func:`json.loads`, raising :class:`AmbiguousJsonError` for ambiguous objects.

    Other problems raise what :func:`json.loads` raises (``ValueError``, ``RecursionError``).
    """
    return json.loads(text, object_pairs_hook=_pairs_hook)
