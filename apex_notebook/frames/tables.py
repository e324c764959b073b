"""Typed frames from APEX replies: orders, instruments and accounts.

Frames are built column by column (never ``DataFrame(records)``): ids are nullable ``Int64``, prices
and quantities ``float64``, enums and low-cardinality text ``category``, times
``datetime64[ns, UTC]`` from the millisecond fields (0 -> NaT). Unknown fields from a newer gateway
are kept per row in ``extras`` and listed in ``df.attrs["extra_fields"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from apex_notebook.frames.builder import OrdersBuilder
from apex_notebook.frames.columns import column, columns_of
from apex_notebook.frames.schema import ACCOUNT_SCHEMA, INSTRUMENT_FIELDS

__all__ = ["accounts_frame", "empty_orders_frame", "instruments_frame", "orders_frame"]


def orders_frame(records: Sequence[Mapping[str, Any]], *,
                 instruments: Mapping[int, str] | None = None) -> pd.DataFrame:
    """A typed ORDER_SCHEMA frame from APEX order objects (``instruments`` maps id -> symbol)."""
    return OrdersBuilder().frame_of(records, instruments=instruments)


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
