"""The compact storage of order frames in the journal: zlib-compressed columnar JSON.

:func:`encode_frame` keeps the :data:`SNAPSHOT_COLUMNS` of an orders frame; :func:`decode_frame` gives
them back typed. :func:`plain` turns one cell into a JSON-able Python scalar.
"""

from __future__ import annotations

import math
import zlib
from typing import Any, Final

import numpy as np
import orjson
import pandas as pd

__all__ = ["SNAPSHOT_COLUMNS", "decode_frame", "encode_frame", "plain"]

#: Columns of an orders frame kept in journal snapshots.
SNAPSHOT_COLUMNS: Final[dict[str, Any]] = {
    "order_id": "Int64", "account_id": "Int64", "instrument_id": "Int64", "symbol": "string",
    "side": "string", "order_type": "string", "order_state": "string", "price": "float64",
    "stop_price": "float64", "quantity": "float64", "orig_quantity": "float64",
    "quantity_executed": "float64", "notional": "float64", "quote_currency": "string", "change_reason": "string",
    "client_order_id": "Int64", "receive_time": "datetime64[ns, UTC]",
    "last_updated_time": "datetime64[ns, UTC]",
}


def plain(value: Any) -> Any:
    """A JSON-able Python scalar for one cell (NA -> None, Timestamp -> ISO, numpy -> Python)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _json_column(values: pd.Series) -> list[Any]:
    """One column as JSON-able Python values, converted a whole column at a time (NA -> None)."""
    missing = values.isna().to_numpy()
    if str(values.dtype).startswith("datetime64"):
        stamps = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
        text = np.char.add(np.datetime_as_string(stamps, unit="us"), "+00:00").astype(object)
    else:
        text = values.to_numpy(dtype=object, copy=True)
    text[missing] = None
    converted: list[Any] = text.tolist()
    return converted


def encode_frame(frame: pd.DataFrame) -> bytes:
    """Compact storage of the SNAPSHOT_COLUMNS of an orders frame: zlib(JSON columnar).

    Whole columns are converted at once and serialised by orjson: a 100,000-order snapshot is written
    in a fraction of a second, so journalling the intent never delays an urgent cancel.
    """
    data = {column: _json_column(frame[column]) for column in SNAPSHOT_COLUMNS if column in frame}
    return zlib.compress(orjson.dumps(data), 1)


def decode_frame(blob: bytes) -> pd.DataFrame:
    """Inverse of :func:`encode_frame`: a typed frame with the SNAPSHOT_COLUMNS."""
    data = orjson.loads(zlib.decompress(blob))
    n = len(next(iter(data.values()))) if data else 0
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for column, dtype in SNAPSHOT_COLUMNS.items():
        values = data.get(column, [None] * n)
        if str(dtype).startswith("datetime64"):
            out[column] = pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")
        else:
            out[column] = pd.Series(values, dtype="object").astype(dtype)
    return out
