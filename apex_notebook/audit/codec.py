"""The compact storage of order frames in the journal: zlib-compressed columnar JSON.

:func:`encode_frame` keeps the :data:`SNAPSHOT_COLUMNS` of an orders frame; :func:`decode_frame` gives
them back typed. :func:`plain` turns one cell into a JSON-able Python scalar.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any, Final

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


def encode_frame(frame: pd.DataFrame) -> bytes:
    """Compact storage of the SNAPSHOT_COLUMNS of an orders frame: zlib(JSON columnar)."""
    data: dict[str, list[Any]] = {}
    for column in SNAPSHOT_COLUMNS:
        if column in frame:
            values = frame[column]
            if str(values.dtype).startswith("datetime64"):
                data[column] = [None if pd.isna(v) else v.isoformat() for v in values]
            else:
                data[column] = [plain(v) for v in values.astype("object")]
    return zlib.compress(json.dumps(data).encode(), 6)


def decode_frame(blob: bytes) -> pd.DataFrame:
    """Inverse of :func:`encode_frame`: a typed frame with the SNAPSHOT_COLUMNS."""
    data = json.loads(zlib.decompress(blob))
    n = len(next(iter(data.values()))) if data else 0
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for column, dtype in SNAPSHOT_COLUMNS.items():
        values = data.get(column, [None] * n)
        if str(dtype).startswith("datetime64"):
            out[column] = pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")
        else:
            out[column] = pd.Series(values, dtype="object").astype(dtype)
    return out
