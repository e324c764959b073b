"""Ids on the wire: the explicit ``ALL`` sentinel and the id rule every request follows.

* ``None`` never means "all" (DESIGN §2.1): it is refused with a message pointing to ``apx.ALL``.
* ``0`` is accepted as a synonym of ``ALL`` (it is what APEX itself uses on the wire).
* Bad ids (bool, float -- even ``9.0`` --, negative, str, NaN, non-integral numpy types, ids
  ``>= 2**63``) raise :class:`~apex_notebook.wire.errors.ScopeError` before any request is made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final, TypeAlias

import numpy as np

from apex_notebook.wire.errors import ScopeError

__all__ = ["ALL", "IdOrAll", "check_id", "requested_accounts"]

_MAX_ID: Final = 2**63 - 1


class _AllType:
    """Type of the :data:`ALL` sentinel (a singleton; ``repr`` is ``ALL``; survives pickling)."""

    __slots__ = ()
    _instance: _AllType | None = None

    def __new__(cls) -> _AllType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ALL"

    def __reduce__(self) -> str:
        return "ALL"

    def __copy__(self) -> _AllType:
        return self

    def __deepcopy__(self, memo: object) -> _AllType:
        return self


#: Every account / every instrument. Always pass it explicitly: ``None`` is refused.
ALL: Final = _AllType()

IdOrAll: TypeAlias = "int | _AllType"


def check_id(value: object, what: str, *, allow_all: bool = True) -> int | _AllType:
    """Validate one id; return a Python ``int`` or :data:`ALL` (``0`` becomes ``ALL``).

    Raises :class:`ScopeError` for ``None``, bool, float, str, NaN, negative, too large and
    non-integral numpy values.
    """
    hint = "pass apx.ALL explicitly for every " + ("account" if "account" in what else "instrument")
    if value is None:
        raise ScopeError(f"{what} is required; None never means 'all' ({hint}, or an integer id)")
    if value is ALL:
        if not allow_all:
            raise ScopeError(f"{what} cannot be ALL; give a positive integer")
        return ALL
    if isinstance(value, bool | np.bool_):
        raise ScopeError(f"{what} must be an integer id or apx.ALL, not a bool ({value!r})")
    if isinstance(value, int | np.integer):
        number = int(value)
    else:
        if isinstance(value, float | np.floating) and math.isnan(float(value)):
            raise ScopeError(f"{what} is NaN; give an integer id or apx.ALL")
        raise ScopeError(
            f"{what} must be an integer id or apx.ALL, not {type(value).__name__} ({value!r})"
        )
    if number < 0:
        raise ScopeError(f"{what} must not be negative ({number})")
    if number > _MAX_ID:
        raise ScopeError(f"{what} {number} is out of range (ids are below 2**63)")
    if number == 0:
        if not allow_all:
            raise ScopeError(f"{what} must be a positive integer, not 0")
        return ALL
    return number


def requested_accounts(account_id: object) -> list[int] | _AllType:
    """``ALL`` | id | iterable of ids -> ``ALL`` or validated, de-duplicated ids (no request made)."""
    if account_id is None or isinstance(account_id, int | np.integer | float | str | bytes | _AllType):
        checked = check_id(account_id, "account_id")
        return ALL if checked is ALL else [int(checked)]  # type: ignore[arg-type]
    if not isinstance(account_id, Iterable):
        raise ScopeError(f"account_id must be apx.ALL, an integer id or a list of ids, not "
                         f"{type(account_id).__name__}")
    ids = [int(check_id(a, "account_id in the list", allow_all=False)) for a in account_id]  # type: ignore[arg-type]
    if not ids:
        raise ScopeError("account_id is an empty list: name at least one account, or pass apx.ALL")
    return list(dict.fromkeys(ids))
