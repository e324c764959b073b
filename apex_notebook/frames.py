"""Declared frame schemas and APEX JSON records -> typed pandas DataFrames.

:data:`ORDER_SCHEMA` maps each column to its dtype, in order: every field of the APEX order object
(``apex-api.md`` §3) under a snake_case name, then the derived ``symbol`` (joined from the
instruments), ``notional`` (price x remaining quantity; stop price for stop-market orders) and
``extras``. Frames are built column by column (no ``DataFrame(records)``): ids are nullable
``Int64``, prices and quantities ``float64``, enums and low-cardinality text ``category``, times
``datetime64[ns, UTC]`` from the millisecond fields (0 -> NaT).

Unknown fields from a newer gateway are not dropped and do not break the schema: they are kept per
row in ``extras`` (a dict, or None when the row has none) and listed in
``df.attrs["extra_fields"]``. Keys are matched case-insensitively (``orderId`` == ``OrderId``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACCOUNT_SCHEMA",
    "INSTRUMENT_FIELDS",
    "INSTRUMENT_SCHEMA",
    "ORDER_FIELDS",
    "ORDER_SCHEMA",
    "accounts_frame",
    "empty_orders_frame",
    "instruments_frame",
    "orders_frame",
]

_UTC = pd.DatetimeTZDtype("ns", "UTC")

#: APEX order field -> (column, dtype), in the documented field order.
ORDER_FIELDS: dict[str, tuple[str, str]] = {
    "Side": ("side", "category"),
    "OrderId": ("order_id", "Int64"),
    "Price": ("price", "float64"),
    "Quantity": ("quantity", "float64"),
    "DisplayQuantity": ("display_quantity", "float64"),
    "Instrument": ("instrument_id", "Int64"),
    "Account": ("account_id", "Int64"),
    "AccountName": ("account_name", "category"),
    "OrderType": ("order_type", "category"),
    "ClientOrderId": ("client_order_id", "Int64"),
    "OrderState": ("order_state", "category"),
    "ReceiveTime": ("receive_time", "datetime64[ns, UTC]"),
    "ReceiveTimeTicks": ("receive_time_ticks", "Int64"),
    "LastUpdatedTime": ("last_updated_time", "datetime64[ns, UTC]"),
    "LastUpdatedTimeTicks": ("last_updated_time_ticks", "Int64"),
    "OrigQuantity": ("orig_quantity", "float64"),
    "QuantityExecuted": ("quantity_executed", "float64"),
    "GrossValueExecuted": ("gross_value_executed", "float64"),
    "ExecutableValue": ("executable_value", "float64"),
    "AvgPrice": ("avg_price", "float64"),
    "CounterPartyId": ("counter_party_id", "Int64"),
    "ChangeReason": ("change_reason", "category"),
    "OrigOrderId": ("orig_order_id", "Int64"),
    "OrigClOrdId": ("orig_cl_ord_id", "Int64"),
    "EnteredBy": ("entered_by", "Int64"),
    "UserName": ("user_name", "category"),
    "IsQuote": ("is_quote", "boolean"),
    "InsideAsk": ("inside_ask", "float64"),
    "InsideAskSize": ("inside_ask_size", "float64"),
    "InsideBid": ("inside_bid", "float64"),
    "InsideBidSize": ("inside_bid_size", "float64"),
    "LastTradePrice": ("last_trade_price", "float64"),
    "RejectReason": ("reject_reason", "category"),
    "IsLockedIn": ("is_locked_in", "boolean"),
    "CancelReason": ("cancel_reason", "category"),
    "OrderFlag": ("order_flag", "category"),
    "UseMargin": ("use_margin", "boolean"),
    "StopPrice": ("stop_price", "float64"),
    "PegPriceType": ("peg_price_type", "category"),
    "PegOffset": ("peg_offset", "float64"),
    "PegLimitOffset": ("peg_limit_offset", "float64"),
    "IpAddress": ("ip_address", "category"),
    "IPv6a": ("ipv6a", "Int64"),
    "IPv6b": ("ipv6b", "Int64"),
    "ClientOrderIdUuid": ("client_order_id_uuid", "category"),
    "OMSId": ("oms_id", "Int64"),
}

#: column -> dtype, in column order (the APEX fields, then symbol, notional, extras).
ORDER_SCHEMA: dict[str, str] = {
    **{column: dtype for column, dtype in ORDER_FIELDS.values()},
    "symbol": "category",
    "notional": "float64",
    "extras": "object",
}

#: ``accounts()`` columns.
ACCOUNT_SCHEMA: dict[str, str] = {"account_id": "Int64", "account_name": "string", "permission": "string"}

#: APEX instrument field -> (column, dtype).
INSTRUMENT_FIELDS: dict[str, tuple[str, str]] = {
    "InstrumentId": ("instrument_id", "Int64"),
    "Symbol": ("symbol", "string"),
    "Product1": ("product1", "Int64"),
    "Product1Symbol": ("product1_symbol", "string"),
    "Product2": ("product2", "Int64"),
    "Product2Symbol": ("product2_symbol", "string"),
    "InstrumentType": ("instrument_type", "string"),
    "SessionStatus": ("session_status", "string"),
    "QuantityIncrement": ("quantity_increment", "float64"),
    "PriceIncrement": ("price_increment", "float64"),
    "MinimumQuantity": ("minimum_quantity", "float64"),
    "MinimumPrice": ("minimum_price", "float64"),
    "IsDisable": ("is_disable", "boolean"),
    "OMSId": ("oms_id", "Int64"),
}
#: ``instruments()`` columns.
INSTRUMENT_SCHEMA: dict[str, str] = dict(INSTRUMENT_FIELDS.values())



def _column(values: Sequence[Any], dtype: str) -> Any:
    """One typed column (numpy or pandas array) from a sequence of JSON values."""
    n = len(values)
    if dtype == "float64":
        try:
            return np.fromiter(values, dtype=np.float64, count=n)
        except (TypeError, ValueError):
            pass
        try:  # None -> NaN, numeric strings (28-digit decimals) parsed
            return np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(np.float64)
    if dtype == "Int64":
        if set(map(type, values)) <= {int}:  # no None, float, str or bool: nothing to check per value
            try:
                return pd.arrays.IntegerArray(np.fromiter(values, dtype=np.int64, count=n),
                                              np.zeros(n, dtype=bool))
            except OverflowError:
                pass
        parsed = [_to_int(v) for v in values]
        mask = np.fromiter((v is None for v in parsed), dtype=bool, count=n)
        data = np.array([0 if v is None else v for v in parsed], dtype=np.int64)
        return pd.arrays.IntegerArray(data, mask)
    if dtype == "category":
        return _categorical(values)
    if dtype == "boolean":
        if n and None not in values:
            return pd.arrays.BooleanArray(np.array(values, dtype=bool), np.zeros(n, dtype=bool))
        return pd.array(values, dtype="boolean")
    if dtype == "datetime64[ns, UTC]":
        ms = _column(values, "Int64")
        ns = np.where(ms.to_numpy(dtype=np.int64, na_value=0) > 0,
                      ms.to_numpy(dtype=np.int64, na_value=0) * 1_000_000, np.iinfo(np.int64).min)
        return pd.Series(ns.view("M8[ns]"), copy=False).dt.tz_localize("UTC").array
    if dtype == "string":
        return pd.array([None if v is None else str(v) for v in values], dtype="string")
    out = np.empty(n, dtype=object)
    out[:] = list(values)
    return out


def _to_int(value: Any) -> int | None:
    """An integral JSON value (int, integral float, numeric string) as int; anything else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = int(value.strip())
    try:
        number = value if isinstance(value, int) else float(value)
        return int(number) if number == int(number) and abs(number) < 2**63 else None
    except (TypeError, ValueError, OverflowError):
        return None


def _categorical(values: Sequence[Any]) -> pd.Categorical:
    """Categorical with sorted categories; factorize once, then remap the (few) categories."""
    obj = np.empty(len(values), dtype=object)
    obj[:] = values
    codes, uniques = pd.factorize(obj, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if len(uniques) > 1:
        order = np.argsort(uniques.astype(str), kind="stable")
        remap = np.empty(len(order), dtype=codes.dtype)
        remap[order] = np.arange(len(order), dtype=codes.dtype)
        codes = np.where(codes >= 0, remap[codes], -1)
        uniques = uniques[order]
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques))


def _columns_slow(records: Sequence[Mapping[str, Any]], fields: Sequence[str]
                  ) -> tuple[list[list[Any]], list[dict[str, Any] | None], list[str]]:
    """Columns matching keys case-insensitively; unknown keys go to per-row ``extras``."""
    by_lower = {f.lower(): f for f in fields}
    all_keys: set[str] = set().union(*records) if records else set()
    canonical = {k: by_lower.get(str(k).lower()) for k in all_keys}
    unknown = sorted(k for k, c in canonical.items() if c is None)
    aliases: dict[str, list[str]] = {f: [] for f in fields}
    for key, field in canonical.items():
        if field is not None:
            aliases[field].append(key)
    columns: list[list[Any]] = []
    for field in fields:
        keys = aliases[field]
        if len(keys) == 1:
            key = keys[0]
            columns.append([r.get(key) for r in records])
        else:
            columns.append([next((r[k] for k in keys if k in r), None) for r in records])
    extras: list[dict[str, Any] | None] = [None] * len(records)
    if unknown:
        extras = [{k: r[k] for k in unknown if k in r} or None for r in records]
    return columns, extras, unknown


def orders_frame(records: Sequence[Mapping[str, Any]], *,
                 instruments: Mapping[int, str] | None = None) -> pd.DataFrame:
    """A typed ORDER_SCHEMA frame from APEX order objects (``instruments`` maps id -> symbol)."""
    from apex_notebook.frames_build import OrdersBuilder  # it imports this module's schema

    return OrdersBuilder().frame_of(records, instruments=instruments)


def empty_orders_frame() -> pd.DataFrame:
    """Zero rows, every ORDER_SCHEMA column with its declared dtype."""
    return orders_frame([])


def _typed(records: Sequence[Mapping[str, Any]], field_map: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    raw, _, _ = _columns_slow(records, list(field_map))
    data = {column: _column(values, dtype)
            for (column, dtype), values in zip(field_map.values(), raw, strict=True)}
    return pd.DataFrame(data, copy=False)


def instruments_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A typed INSTRUMENT_SCHEMA frame from GetInstruments replies."""
    return _typed(records, INSTRUMENT_FIELDS)


def accounts_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A typed ACCOUNT_SCHEMA frame from ``{"account_id", "account_name", "permission"}`` rows."""
    fields = {k: (k, dtype) for k, dtype in ACCOUNT_SCHEMA.items()}
    return _typed(rows, fields)
