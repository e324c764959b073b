"""Request payloads: case-insensitive keys and forgiving-but-strict value coercion.

APEX treats request keys case-insensitively (apex-api.md §2.0) and HTTP GET query strings
carry every value as text, so ``"AccountId": "9"`` means 9. Anything that is not cleanly a
value of the expected type is refused with errorcode 100 and a ``detail`` naming the key:
booleans for ids, fractional or negative ids, ids above 2**63 - 1, NaN/infinite numbers.
Two keys differing only in case (``AccountId`` and ``accountid``) are refused too: which one a
real gateway would use is unknowable, and guessing could widen a cancel. So are non-ASCII keys
(see :mod:`.strict_json`). Numbers written as text must use ASCII digits only: Python's
``int``/``float`` accept ``"\u0669"`` (Arabic-Indic nine) and ``"1_000"``, a gateway may not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .replies import ApiError
from .strict_json import AmbiguousJsonError, check_key, fold_key

__all__ = ["MAX_ID", "Params", "ascii_int"]

#: Largest id accepted (a signed 64-bit long, as APEX ids are).
MAX_ID = 2**63 - 1
_ASCII_SPACE = " \t\r\n"
_INT_TEXT = re.compile(r"[ \t\r\n]*[+-]?[0-9]+[ \t\r\n]*")
_NUMBER_TEXT = re.compile(r"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*")


class Params:
    """A request payload with case-insensitive access and typed getters."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._values: dict[str, tuple[str, Any]] = {}
        seen: dict[str, str] = {}
        for key, value in raw.items():
            if not isinstance(key, str):
                raise ApiError(100, f"payload key {key!r} is not a string")
            try:
                check_key(key, seen)
            except AmbiguousJsonError as error:
                raise ApiError(100, error.detail) from None
            self._values[fold_key(key)] = (key, value)

    def with_defaults(self, defaults: Mapping[str, Any]) -> Params:
        """A copy in which keys absent (or null) here take their value from ``defaults``."""
        merged = {original: value for original, value in self._values.values() if value is not None}
        folded = {fold_key(key) for key in merged}
        merged.update({key: value for key, value in defaults.items() if fold_key(key) not in folded})
        return Params(merged)

    def has(self, key: str) -> bool:
        """True if ``key`` is present with a non-null value."""
        return self.get(key) is not None

    def get(self, key: str) -> Any:
        """The raw value of ``key`` (any case), or None."""
        entry = self._values.get(fold_key(key))
        return None if entry is None else entry[1]

    def id(self, key: str, *, required: bool = False) -> int | None:
        """An id (0 <= id <= 2**63 - 1); None when absent and not ``required``."""
        value = self.get(key)
        if value is None:
            if required:
                raise ApiError(100, f"{key} is required")
            return None
        return _as_id(key, value)

    def required_id(self, key: str) -> int:
        """An id that must be present."""
        value = self.id(key, required=True)
        assert value is not None
        return value

    def number(self, key: str, *, default: float | None = None) -> float | None:
        """A finite number (int, float or numeric string); ``default`` when absent."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            raise ApiError(100, f"{key} must be a number, got a boolean")
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            if not _NUMBER_TEXT.fullmatch(value):
                raise ApiError(100, f"{key} must be a finite number in ASCII digits, got {value[:40]!r}")
            number = float(value)
        else:
            raise ApiError(100, f"{key} must be a number, got {type(value).__name__}")
        if not math.isfinite(number):
            raise ApiError(100, f"{key} must be a finite number, got {value!r}")
        return number

    def text(self, key: str) -> str | None:
        """A string value (numbers are converted to text); None when absent."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ApiError(100, f"{key} must be a string, got {type(value).__name__}")
        return str(value)

    def enum(self, key: str, names: tuple[str, ...], *, default: int | None = None) -> int:
        """An enum given as its number or its name (any case); returns the number."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise ApiError(100, f"{key} is required")
            return default
        if isinstance(value, str) and not _INT_TEXT.fullmatch(value):
            lowered = [name.lower() for name in names]
            folded = fold_key(value.strip(_ASCII_SPACE))
            if folded in lowered:
                return lowered.index(folded)
            raise ApiError(100, f"{key} must be one of {', '.join(names)}; got {value[:40]!r}")
        number = _as_id(key, value)
        if number >= len(names):
            raise ApiError(100, f"{key} {number} is not a valid value (0..{len(names) - 1})")
        return number

    def flag(self, key: str, *, default: bool = False) -> bool:
        """A boolean (true/false, 1/0, or their text forms)."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        folded = fold_key(value.strip(_ASCII_SPACE)) if isinstance(value, str) else ""
        if folded in ("true", "false", "1", "0"):
            return folded in ("true", "1")
        raise ApiError(100, f"{key} must be a boolean, got {value!r}")

    def require_oms(self, oms_id: int) -> None:
        """Check that ``OMSId`` is present and names this OMS."""
        value = self.id("OMSId", required=True)
        if value != oms_id:
            raise ApiError(100, f"OMSId {value} does not exist (this OMS is {oms_id})")


def ascii_int(text: str) -> int | None:
    """``text`` as an int if it is ASCII digits (optional sign, ASCII blanks around), else None."""
    if not _INT_TEXT.fullmatch(text) or len(text) > 40:
        return None
    return int(text)


def _as_id(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ApiError(100, f"{key} must be an integer id, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise ApiError(100, f"{key} must be an integer id, got {value!r}")
        number = int(value)
    elif isinstance(value, str):
        if not _INT_TEXT.fullmatch(value):
            raise ApiError(100, f"{key} must be an integer id, got {value[:40]!r}")
        if len(value.strip(_ASCII_SPACE).lstrip("+-")) > 30:
            raise ApiError(100, f"{key} is out of range (max 2**63 - 1)")
        number = int(value)
    else:
        raise ApiError(100, f"{key} must be an integer id, got {type(value).__name__}")
    if number < 0:
        raise ApiError(100, f"{key} must not be negative, got {number}")
    if number > MAX_ID:
        raise ApiError(100, f"{key} {number} is out of range (max 2**63 - 1)")
    return number
