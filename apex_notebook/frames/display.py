"""Numbers and times for people: the formatting used by the reprs, the HTML tables and the panel.

The data keeps full precision; only what is *shown* is formatted:

* prices (and notional) to the instrument's precision, from its ``price_increment`` (0.01 -> 2
  decimals, 0.000001 -> 6); without it, to the decimals the values need (at most 8);
* quantities without trailing noise (``0.3``, not ``0.300000`` or ``0.30000000000000004``);
* times to the second, in UTC (``2026-11-30 07:25:41``);
* missing values blank, never ``nan`` / ``<NA>`` / ``NaT`` / ``0.000000``;
* money per quote currency (``USD 13,056,190.00 · EUR 4,494,288.00``), never summed across them.

Where the precision comes from, first found: the ``instruments`` argument (an instruments frame, or
instrument id -> decimals), ``orders.attrs["price_decimals"]`` (set by the snapshots), the values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["MAX_DECIMALS", "PRICE_COLUMNS", "QUANTITY_COLUMNS", "UNKNOWN_CURRENCY", "currency_decimals",
           "display_frame", "format_money", "format_price", "format_quantity", "format_time", "increment_decimals",
           "money_text", "notional_by_currency", "price_decimals"]

#: How a missing quote currency is named (in per-currency totals and in text).
UNKNOWN_CURRENCY: Final = "(unknown currency)"
#: Most decimals ever shown for a price or quantity.
MAX_DECIMALS: Final = 8
#: Columns shown to the instrument's price precision.
PRICE_COLUMNS: Final = ("price", "stop_price", "avg_price", "inside_ask", "inside_bid", "last_trade_price",
                        "peg_offset", "peg_limit_offset", "notional", "gross_value_executed", "executable_value")
#: Columns shown as quantities (no trailing zeros).
QUANTITY_COLUMNS: Final = ("quantity", "display_quantity", "orig_quantity", "quantity_executed",
                           "inside_ask_size", "inside_bid_size")
_TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def increment_decimals(increment: object) -> int | None:
    """Decimals of a price increment (0.01 -> 2, 0.25 -> 2, 1 -> 0); None when unknown or not positive."""
    if _missing(increment):
        return None
    try:
        number = Decimal(repr(float(increment))).normalize()  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number > 0:
        return None
    exponent = number.as_tuple().exponent
    return min(MAX_DECIMALS, max(0, -exponent)) if isinstance(exponent, int) else None


def price_decimals(instruments: pd.DataFrame | Mapping[int, int] | None) -> dict[int, int]:
    """instrument id -> decimals, from an instruments frame (``price_increment``) or a ready mapping."""
    if instruments is None:
        return {}
    if isinstance(instruments, pd.DataFrame):
        if not {"instrument_id", "price_increment"} <= set(instruments.columns):
            return {}
        out: dict[int, int] = {}
        for ident, increment in zip(instruments["instrument_id"], instruments["price_increment"], strict=True):
            decimals = increment_decimals(increment)
            if not _missing(ident) and decimals is not None:
                out[int(ident)] = decimals
        return out
    return {int(k): int(v) for k, v in instruments.items()}


def _needed_decimals(value: float) -> int:
    """Decimals ``value`` needs (at most :data:`MAX_DECIMALS`), ignoring float noise."""
    text = f"{value:.{MAX_DECIMALS}f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def format_quantity(value: object) -> str:
    """A quantity without trailing noise: ``1,234.5``, ``0.0162``; blank when missing."""
    if _missing(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:,.{MAX_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_price(value: object, decimals: int | None = None) -> str:
    """A price to ``decimals`` places (thousands separated); without ``decimals`` as a quantity."""
    if _missing(value):
        return ""
    if decimals is None:
        return format_quantity(value)
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def format_time(value: object) -> str:
    """A time to the second in UTC (``2026-11-30 07:25:41``); blank when missing."""
    if _missing(value):
        return ""
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime(_TIME_FORMAT)


def format_money(amount: object, currency: object, decimals: int | None = None) -> str:
    """``13,056,190.00 USD``; an unknown currency is said as such, never left out."""
    code = UNKNOWN_CURRENCY if _missing(currency) or not str(currency) else str(currency)
    if _missing(amount):
        return f"- {code}"
    places = 2 if decimals is None else decimals
    return f"{float(amount):,.{places}f} {code}"  # type: ignore[arg-type]


def currency_decimals(orders: pd.DataFrame, instruments: pd.DataFrame | Mapping[int, int] | None = None
                      ) -> dict[str, int]:
    """quote currency -> decimals for totals: the coarsest price precision among its instruments in ``orders``.

    (USD quoted at 0.01 and at 0.001 -> 2: a total of many orders reads best at the common precision.)
    """
    if "quote_currency" not in orders or "instrument_id" not in orders or orders.empty:
        return {}
    decimals = _decimals_for(orders, instruments)
    pairs = orders[["quote_currency", "instrument_id"]].dropna().drop_duplicates()
    out: dict[str, int] = {}
    for currency, ident in zip(pairs["quote_currency"], pairs["instrument_id"], strict=True):
        places = decimals.get(int(ident))
        if places is not None:
            out[str(currency)] = min(out.get(str(currency), places), places)
    return out


def notional_by_currency(orders: pd.DataFrame) -> pd.Series:
    """Notional per quote currency (index: ``USD``, ``EUR`` ... or :data:`UNKNOWN_CURRENCY`), sorted by currency.

    Amounts in different currencies are never added together; orders without a notional add nothing.
    """
    if "notional" not in orders or not len(orders):
        return pd.Series(dtype="float64", name="notional")
    currency = (orders["quote_currency"].astype("string").fillna(UNKNOWN_CURRENCY) if "quote_currency" in orders
                else pd.Series(UNKNOWN_CURRENCY, index=orders.index))
    totals = orders["notional"].astype("float64").groupby(currency.to_numpy()).sum()
    totals.index.name = "quote_currency"
    return totals.rename("notional").sort_index()


def money_text(totals: pd.Series, decimals: Mapping[str, int] | None = None, *, sep: str = " · ") -> str:
    """Per-currency amounts in one line, largest first: ``13,056,190.00 USD · 32.453990 BTC``."""
    if totals.empty:
        return "nothing"
    places = decimals or {}
    ordered = totals.sort_values(ascending=False, kind="stable")
    return sep.join(format_money(v, k, places.get(str(k), 2)) for k, v in ordered.items())


def _decimals_for(orders: pd.DataFrame, instruments: pd.DataFrame | Mapping[int, int] | None) -> dict[int, int]:
    decimals = price_decimals(instruments)
    if not decimals:
        known = orders.attrs.get("price_decimals")
        decimals = {int(k): int(v) for k, v in known.items()} if isinstance(known, Mapping) else {}
    if "instrument_id" in orders and "price" in orders:
        for key, prices in orders.groupby("instrument_id", observed=True)["price"]:
            ident: Any = key
            if int(ident) not in decimals:
                values = prices.dropna().to_numpy(dtype=np.float64)
                decimals[int(ident)] = max((_needed_decimals(v) for v in values), default=2)
    return decimals


def _row_decimals(orders: pd.DataFrame, decimals: Mapping[int, int]) -> list[int | None]:
    if "instrument_id" not in orders:
        return [None] * len(orders)
    return [None if _missing(i) else decimals.get(int(i)) for i in orders["instrument_id"]]


def _text(value: object) -> str:
    if isinstance(value, float) and math.isnan(value):
        return ""
    return "" if _missing(value) else str(value)


def display_frame(orders: pd.DataFrame, instruments: pd.DataFrame | Mapping[int, int] | None = None
                  ) -> pd.DataFrame:
    """A copy of ``orders`` with every cell as text for people (same columns, same index).

    Prices to the instrument's precision, quantities without trailing zeros, times to the second,
    missing values blank. For showing only: compute on ``orders`` itself.
    """
    decimals = _decimals_for(orders, instruments)
    per_row = _row_decimals(orders, decimals)
    out = pd.DataFrame(index=orders.index)
    for column in orders.columns:
        values = orders[column]
        if column in PRICE_COLUMNS:
            out[column] = [format_price(v, d) for v, d in zip(values, per_row, strict=True)]
        elif column in QUANTITY_COLUMNS:
            out[column] = [format_quantity(v) for v in values]
        elif isinstance(values.dtype, pd.DatetimeTZDtype) or str(values.dtype).startswith("datetime64"):
            out[column] = [format_time(v) for v in values]
        elif pd.api.types.is_float_dtype(values.dtype):
            out[column] = [format_quantity(v) for v in values]
        else:
            out[column] = [_text(v) for v in values]
    return out
