"""Cancel scopes: the explicit ``ALL`` sentinel and :class:`CancelScope`.

A scope names exactly which working orders a ``CancelAllOrders`` call would hit: one account or
``ALL`` accounts, one instrument or ``ALL`` instruments, on one OMS.

* ``None`` never means "all" (DESIGN §2.1): it is refused with a message pointing to ``apx.ALL``.
* ``0`` is accepted as a documented synonym of ``ALL`` (it is what APEX itself uses on the wire) and is
  normalised at construction, so ``CancelScope(0, 1) == CancelScope(ALL, 1)`` and both carry the same
  warnings and the same confirmation phrase.
* Bad ids (bool, float -- even ``9.0`` --, negative, str, NaN, non-integral numpy types, ids
  ``>= 2**63``) raise :class:`~apex_notebook.wire.errors.ScopeError` before any request is made.

:meth:`CancelScope.select` is the pure matching rule, identical to the simulator's (and APEX's)
``CancelAllOrders`` semantics: the orders in a working state whose account and instrument match.
:meth:`CancelScope.to_payload` always carries ``OMSId`` and ``AccountId`` explicitly (``0`` only for
``ALL``) and the instrument under both spellings, ``InstrumentId`` and ``IntrumentId`` (DESIGN §2.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from apex_notebook.wire.errors import ScopeError
from apex_notebook.wire.ids import ALL, IdOrAll, _AllType, check_id

__all__ = ["ALL", "INSTRUMENT_KEYS", "WORKING_STATES", "CancelScope", "IdOrAll", "cancel_all_payload", "check_id"]

#: Order states that ``GetOpenOrders`` returns and ``CancelAllOrders`` cancels.
WORKING_STATES: Final[frozenset[str]] = frozenset({"Working"})
#: Both spellings of the instrument key (the seed's examples vs. its table).
INSTRUMENT_KEYS: Final[tuple[str, str]] = ("InstrumentId", "IntrumentId")


def cancel_all_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A raw ``CancelAllOrders`` payload made safe, or :class:`ScopeError` before any request.

    ``AccountId`` and the instrument (either spelling) must be given explicitly and pass
    :func:`check_id` (``0`` = all, as on the wire); the instrument is then sent under *both*
    spellings (DESIGN §2.3). Keys are matched case-insensitively; two spellings of one key, or two
    different instrument values, are refused.
    """
    out: dict[str, Any] = {}
    found: dict[str, tuple[str, Any]] = {}
    for key, value in payload.items():
        low = str(key).lower()
        if low in found:
            raise ScopeError(f"CancelAllOrders: {found[low][0]!r} and {key!r} are the same key; give it once")
        found[low] = (key, value)
        if low not in {"accountid", "instrumentid", "intrumentid"}:
            out[key] = value
    if "accountid" not in found or found["accountid"][1] is None:
        raise ScopeError("CancelAllOrders without AccountId cancels EVERY account on the OMS: pass "
                         "AccountId explicitly (0 means all accounts), or use preview()/execute()")
    instruments = {k: v for k, v in found.values() if k.lower() in {"instrumentid", "intrumentid"}}
    if not instruments or any(v is None for v in instruments.values()):
        raise ScopeError("CancelAllOrders without InstrumentId cancels EVERY instrument: pass "
                         "InstrumentId explicitly (0 means all instruments)")
    checked = {k: check_id(v, "CancelAllOrders InstrumentId") for k, v in instruments.items()}
    if len(set(checked.values())) > 1:
        raise ScopeError(f"CancelAllOrders: the instrument spellings disagree ({instruments}); give one value")
    account = check_id(found["accountid"][1], "CancelAllOrders AccountId")
    instrument = next(iter(checked.values()))
    out["AccountId"] = 0 if account is ALL else account
    out.update(dict.fromkeys(INSTRUMENT_KEYS, 0 if instrument is ALL else instrument))
    return out


@dataclass(frozen=True, slots=True)
class CancelScope:
    """Which working orders a ``CancelAllOrders`` call hits.

    ``CancelScope(account_id=9, instrument_id=apx.ALL)``: every working order of account 9.
    ``CancelScope(account_id=apx.ALL, instrument_id=1)``: every working order of instrument 1 in
    every account of the OMS. Both ids are required; ``0`` is a synonym of ``ALL``.
    """

    # The None defaults exist only so that a forgotten id gets check_id's clear "None never means
    # 'all'; pass apx.ALL" message instead of Python's bare missing-argument TypeError.
    account_id: int | _AllType = None  # type: ignore[assignment]
    instrument_id: int | _AllType = None  # type: ignore[assignment]
    oms_id: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "account_id", check_id(self.account_id, "account_id"))
        object.__setattr__(self, "instrument_id", check_id(self.instrument_id, "instrument_id"))
        object.__setattr__(self, "oms_id", check_id(self.oms_id, "oms_id", allow_all=False))

    # -- words ---------------------------------------------------------------------------------
    @property
    def all_accounts(self) -> bool:
        """True when the scope covers every account of the OMS (the dangerous case)."""
        return self.account_id is ALL

    @property
    def all_instruments(self) -> bool:
        """True when the scope covers every instrument."""
        return self.instrument_id is ALL

    def instrument_words(self, symbols: Mapping[int, str] | None = None) -> str:
        """``"all instruments"`` or ``"instrument BTCUSD (1)"`` (``"instrument 7"`` if unknown)."""
        if self.instrument_id is ALL:
            return "all instruments"
        symbol = (symbols or {}).get(_num(self.instrument_id))
        return f"instrument {symbol} ({self.instrument_id})" if symbol else f"instrument {self.instrument_id}"

    def describe(self, symbols: Mapping[int, str] | None = None) -> str:
        """The scope in plain words, e.g. ``every order of every account on OMS 1, instrument BTCUSD (1)``."""
        who = "every account" if self.account_id is ALL else f"account {self.account_id}"
        return f"every order of {who} on OMS {self.oms_id}, {self.instrument_words(symbols)}"

    def __repr__(self) -> str:
        return (f"CancelScope(account_id={self.account_id!r}, instrument_id={self.instrument_id!r}, "
                f"oms_id={self.oms_id})")

    # -- wire ----------------------------------------------------------------------------------
    def to_payload(self) -> dict[str, int]:
        """The ``CancelAllOrders`` request: OMSId, AccountId (0 only for ALL), both instrument keys."""
        account = 0 if self.account_id is ALL else _num(self.account_id)
        instrument = 0 if self.instrument_id is ALL else _num(self.instrument_id)
        payload = {"OMSId": int(self.oms_id), "AccountId": account}
        payload.update(dict.fromkeys(INSTRUMENT_KEYS, instrument))
        return payload

    # -- matching ------------------------------------------------------------------------------
    def mask(self, frame: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Boolean numpy mask of the rows of an ORDER_SCHEMA frame that this scope cancels."""
        keep = _state_mask(frame["order_state"])
        if self.account_id is not ALL:
            keep = keep & _id_mask(frame["account_id"], _num(self.account_id))
        if self.instrument_id is not ALL:
            keep = keep & _id_mask(frame["instrument_id"], _num(self.instrument_id))
        return keep

    def select(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` (ORDER_SCHEMA columns) this scope cancels; the input is not modified."""
        keep = self.mask(frame)
        if keep.all():
            return frame.copy(deep=False)
        rows = np.flatnonzero(keep)
        if len(rows) and rows[-1] - rows[0] + 1 == len(rows):  # one run of rows (a snapshot's instrument)
            return frame.iloc[rows[0]:rows[-1] + 1]  # a slice, not a copy (pandas copies on write)
        return frame.take(rows)


def _num(value: int | _AllType) -> int:
    if not isinstance(value, int):
        raise ScopeError("ALL has no numeric id")
    return value


def _state_mask(states: pd.Series) -> np.ndarray[Any, np.dtype[np.bool_]]:
    if isinstance(states.dtype, pd.CategoricalDtype):
        categories = list(states.cat.categories)
        codes = [i for i, name in enumerate(categories) if name in WORKING_STATES]
        raw = states.cat.codes.to_numpy()
        if len(codes) == 1:
            return np.asarray(raw == codes[0])
        return np.isin(raw, codes)
    return np.asarray(states.isin(list(WORKING_STATES)).to_numpy(dtype=bool, na_value=False))


def _id_mask(ids: pd.Series, value: int) -> np.ndarray[Any, np.dtype[np.bool_]]:
    array = ids.array
    if isinstance(array, pd.arrays.IntegerArray):
        return np.asarray(array.to_numpy(dtype="int64", na_value=-1) == value)
    return np.asarray((ids == value).to_numpy(dtype=bool, na_value=False))
