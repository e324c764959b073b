"""Typed frames from APEX replies: orders, instruments and accounts.

Frames are built column by column (never ``DataFrame(records)``): ids are nullable ``Int64``, prices
and quantities ``float64``, enums and low-cardinality text ``category``, times
``datetime64[ns, UTC]`` from the millisecond fields (0 -> NaT); not-applicable numbers are missing,
never 0 (``schema.NOT_APPLICABLE``). Unknown fields from a newer gateway are kept per row in
``extras`` and listed in ``df.attrs["extra_fields"]``. :func:`instrument_maps` gives the id -> symbol
and id -> quote currency lookups of an instruments frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from apex_notebook.frames.builder import OrdersBuilder
from apex_notebook.frames.columns import column, columns_of
from apex_notebook.frames.schema import ACCOUNT_SCHEMA, INSTRUMENT_FIELDS

__all__ = ["accounts_frame", "empty_orders_frame", "instrument_maps", "instruments_frame", "orders_frame"]


def orders_frame(records: Sequence[Mapping[str, Any]], *, instruments: Mapping[int, str] | None = None,
                 quotes: Mapping[int, str] | None = None, raw: bool = False) -> pd.DataFrame:
    """A typed ORDER_SCHEMA frame from APEX order objects.

    ``instruments`` maps instrument id -> symbol, ``quotes`` instrument id -> quote currency
    (``Product2Symbol``, the currency of ``notional``). Not-applicable numbers are missing
    (``schema.NOT_APPLICABLE``); ``raw=True`` keeps the values exactly as APEX sent them.
    """
    return OrdersBuilder().frame_of(records, instruments=instruments, quotes=quotes, raw=raw)


def empty_orders_frame() -> pd.DataFrame:
    """Zero rows, every ORDER_SCHEMA column with its declared dtype."""
    return orders_frame([])


def _typed(records: Sequence[Mapping[str, Any]], field_map: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    raw, _, _ = columns_of(records, list(field_map))
    data = {name: column(values, dtype) for (name, dtype), values in zip(field_map.values(), raw, strict=True)}
    return pd.DataFrame(data, copy=False)


def instruments_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A typed INSTRUMENT_SCHEMA frame from GetInstruments replies."""
    return _typed(records, INSTRUMENT_FIELDS)


def accounts_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A typed ACCOUNT_SCHEMA frame from ``{"account_id", "account_name", "permission"}`` rows."""
    fields = {k: (k, dtype) for k, dtype in ACCOUNT_SCHEMA.items()}
    return _typed(rows, fields)


def instrument_maps(instruments: pd.DataFrame) -> tuple[dict[int, str], dict[int, str]]:
    """``(id -> symbol, id -> quote currency)`` of an INSTRUMENT_SCHEMA frame (rows without them skipped)."""
    maps: tuple[dict[int, str], dict[int, str]] = ({}, {})
    ids = instruments["instrument_id"]
    for target, name in zip(maps, ("symbol", "product2_symbol"), strict=True):
        for ident, value in zip(ids, instruments[name], strict=True):
            if not pd.isna(ident) and not pd.isna(value) and str(value):
                target[int(ident)] = str(value)
    return maps
