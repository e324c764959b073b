"""Not applicable is missing: the rules of ``schema.NOT_APPLICABLE`` applied to a built order frame.

APEX fills fields that do not apply with 0 or with ``9223372036.854775807`` (a limit price of 0 for
a stop-market order, a stop price of 0 for a limit order, an average price of 0 before any fill).
:func:`mask_not_applicable` turns them into NaN / ``<NA>`` on whole columns at once (numpy masks from
the order type's category codes; never a loop over rows), before the DataFrame is assembled.
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping
from typing import Any

import numpy as np
import pandas as pd

from apex_notebook.frames.schema import DECIMAL_SENTINEL, NO_BOOK_TYPES, NO_STOP_TYPES, TRAILING_TYPES, ZERO_IS_NONE

__all__ = ["FLOAT_COLUMNS", "mask_not_applicable"]

#: The float columns whose values may be the no-value sentinel.
FLOAT_COLUMNS = ("price", "quantity", "display_quantity", "orig_quantity", "quantity_executed",
                 "gross_value_executed", "executable_value", "avg_price", "inside_ask", "inside_ask_size",
                 "inside_bid", "inside_bid_size", "last_trade_price", "stop_price", "peg_offset",
                 "peg_limit_offset")
#: Values at or above this are APEX's sentinel (compared with a margin for float rounding).
_SENTINEL_FROM = DECIMAL_SENTINEL * (1 - 1e-12)


def _is(categorical: pd.Categorical, names: Collection[str]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows whose category is one of ``names``: one table lookup per row code (missing, -1, is False)."""
    table = np.zeros(len(categorical.categories) + 1, dtype=bool)  # the last entry answers code -1
    table[[i for i, name in enumerate(categorical.categories) if name in names]] = True
    rows: np.ndarray[Any, np.dtype[np.bool_]] = table[np.asarray(categorical.codes)]
    return rows


def _nan_where(data: MutableMapping[str, Any], column: str, mask: np.ndarray[Any, Any]) -> None:
    values = data[column]
    if not (isinstance(values, np.ndarray) and values.dtype == np.float64 and values.flags.writeable):
        values = data[column] = np.array(values, dtype=np.float64)
    np.copyto(values, np.nan, where=mask)


def mask_not_applicable(data: MutableMapping[str, Any]) -> None:
    """Apply the not-applicable rules in place to ``data`` (column -> array, ORDER_FIELDS columns).

    Float columns are numpy arrays (changed in place: the builder's own blocks), ids ``IntegerArray``,
    ``order_type`` / ``peg_price_type`` Categoricals. Each rule is one numpy operation over a column.
    """
    for column in FLOAT_COLUMNS:
        values = data[column]
        sentinel = values >= _SENTINEL_FROM
        if sentinel.any():
            _nan_where(data, column, sentinel)
    order_type: pd.Categorical = data["order_type"]
    no_book = _is(order_type, NO_BOOK_TYPES)
    _nan_where(data, "price", no_book)
    _nan_where(data, "display_quantity", no_book)
    _nan_where(data, "stop_price", _is(order_type, NO_STOP_TYPES))
    _nan_where(data, "avg_price", np.asarray(data["quantity_executed"]) == 0)
    peg: pd.Categorical = data["peg_price_type"]
    not_pegged = (peg.codes < 0) | _is(peg, {"Unknown"})
    not_pegged &= ~_is(order_type, TRAILING_TYPES)
    _nan_where(data, "peg_offset", not_pegged)
    _nan_where(data, "peg_limit_offset", not_pegged)
    for side in ("inside_ask", "inside_bid"):
        absent = ~(np.asarray(data[side]) > 0)  # 0, negative or already NaN
        _nan_where(data, side, absent)
        _nan_where(data, f"{side}_size", absent)
    _nan_where(data, "last_trade_price", ~(np.asarray(data["last_trade_price"]) > 0))
    for column in ZERO_IS_NONE:
        ids: pd.arrays.IntegerArray = data[column]
        values = ids.to_numpy(dtype=np.int64, na_value=0)
        data[column] = pd.arrays.IntegerArray(values, values == 0)
