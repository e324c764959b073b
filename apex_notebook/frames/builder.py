"""The typed order frame, built chunk by chunk: :class:`OrdersBuilder` (used by ``tables.orders_frame``).

A snapshot converts each account's reply into a :class:`OrderChunk` as soon as it arrives (while the
other requests are still in flight, and while the reply's objects are still in the CPU cache), then
concatenates the chunks' numpy blocks and builds the DataFrame once. A chunk holds one 2-D block per
dtype group (floats, integers and times, categories, booleans), so a chunk costs a fixed handful of
numpy calls, not one per column.

Fast path: records whose keys are exactly the documented PascalCase fields (checked by length, then by
``itemgetter``) are read with one ``itemgetter`` call each into one object block, and each group is
converted with one vectorised call. A group whose values are not the plain JSON types the schema
expects (None in an id, a numeric string, a bool where an int belongs, ...) falls back, for that chunk
only, to the per-column conversions of ``columns.column`` -- as do records with other keys
(case-insensitive matching, unknown fields kept in ``extras``).

Categories are coded against one dict shared by all chunks of a build; each column's categories are
the values it uses, sorted (as ``str``), with None (and, unless ``raw``, empty text) as missing.

After the build, the not-applicable rules (``not_applicable.py``) run on whole columns, unless
``raw=True`` asks for the values exactly as APEX sent them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from apex_notebook.frames.columns import column, columns_of
from apex_notebook.frames.not_applicable import mask_not_applicable
from apex_notebook.frames.schema import ORDER_FIELDS, ORDER_SCHEMA

__all__ = ["OrderChunk", "OrdersBuilder"]


def _fields(*dtypes: str) -> list[str]:
    return [f for f, (_, dtype) in ORDER_FIELDS.items() if dtype in dtypes]


_FLOATS = _fields("float64")
_INTS = _fields("Int64", "datetime64[ns, UTC]")  # times arrive as integer milliseconds
_CATS = _fields("category")
_BOOLS = _fields("boolean")
_GROUPS = (_FLOATS, _INTS, _CATS, _BOOLS)
_ORDER = [f for group in _GROUPS for f in group]  # the fields in block order
_GET_ALL = itemgetter(*_ORDER)
_COLUMN = {f: column for f, (column, _) in ORDER_FIELDS.items()}
_BOUNDS = np.cumsum([0, *map(len, _GROUPS)])
_INSTRUMENT = _INTS.index("Instrument")
_STOP_MARKET = ("StopMarket", "TrailingStopMarket")
#: Records converted per chunk by ``orders_frame`` (a block stays in the CPU cache while it is read).
CHUNK_ROWS = 2048


class _Codes(dict[Any, int]):
    """value -> category code, shared by the chunks of one build; new values get the next code."""

    def __missing__(self, key: Any) -> int:
        code = self[key] = len(self)
        return code


@dataclass
class OrderChunk:
    """Typed blocks of some order records: ``(rows, fields)`` arrays in the group order above.

    ``ints`` holds the integer fields, then the millisecond times; ``int_mask`` / ``bool_mask`` are
    None when nothing is missing; ``cats`` are codes into the builder's shared dict.
    """

    rows: int
    floats: np.ndarray[Any, np.dtype[np.float64]]
    ints: np.ndarray[Any, np.dtype[np.int64]]
    int_mask: np.ndarray[Any, np.dtype[np.bool_]] | None
    cats: np.ndarray[Any, np.dtype[np.int32]]
    bools: np.ndarray[Any, np.dtype[np.bool_]]
    bool_mask: np.ndarray[Any, np.dtype[np.bool_]] | None
    extras: list[dict[str, Any] | None] | None = None
    unknown: tuple[str, ...] = ()


class OrdersBuilder:
    """Builds one typed ORDER_SCHEMA frame from chunks of APEX order records.

    ``chunk(records)`` may be called as the records arrive (not thread-safe: one thread per builder);
    ``frame(chunks)`` concatenates them in the given order.
    """

    def __init__(self) -> None:
        self._codes = _Codes()

    def chunk(self, records: Sequence[Mapping[str, Any]]) -> OrderChunk:
        """Convert ``records`` (APEX order objects) into typed blocks."""
        n = len(records)
        if n and sum(map(len, records)) == n * len(_ORDER):
            try:  # one object block, (records, fields), without an intermediate list of tuples
                block = np.fromiter(chain.from_iterable(map(_GET_ALL, records)), dtype=object,
                                    count=n * len(_ORDER)).reshape(n, len(_ORDER))
            except (KeyError, TypeError):  # other keys, or not dicts
                pass
            else:
                return self._typed([block[:, a:b] for a, b in pairwise(_BOUNDS)])
        values, extras, unknown = columns_of(records, list(ORDER_FIELDS))
        by_field = dict(zip(ORDER_FIELDS, values, strict=True))
        groups = []
        for group in _GROUPS:
            block = np.empty((n, len(group)), dtype=object)
            for j, f in enumerate(group):
                block[:, j] = by_field[f]
            groups.append(block)
        chunk = self._typed(groups)
        if unknown:
            chunk.extras, chunk.unknown = extras, tuple(unknown)
        return chunk

    def _typed(self, groups: list[np.ndarray[Any, Any]]) -> OrderChunk:
        floats, ints, cats, bools = groups
        int_data, int_mask = _ints(ints)
        bool_data, bool_mask = _bools(bools)
        codes = np.fromiter(map(self._codes.__getitem__, cats.ravel()), dtype=np.int32,
                            count=cats.size).reshape(cats.shape)
        return OrderChunk(len(floats), _floats(floats), int_data, int_mask, codes, bool_data, bool_mask)

    def frame(self, chunks: Iterable[OrderChunk], *, instruments: Mapping[int, str] | None = None,
              quotes: Mapping[int, str] | None = None, raw: bool = False,
              by_instrument: bool = False) -> pd.DataFrame:
        """One DataFrame (ORDER_SCHEMA columns, one block per dtype) from ``chunks``, in order.

        ``instruments`` maps instrument id -> symbol, ``quotes`` instrument id -> quote currency
        (``Product2Symbol``); ``raw=True`` keeps APEX's zeros and sentinels (see ``schema``).
        ``by_instrument=True`` orders the rows by instrument id (missing last), keeping the chunks'
        order within an instrument: each instrument's orders are then contiguous.
        """
        parts = list(chunks) or [self.chunk([])]
        n = sum(c.rows for c in parts)
        ints = np.concatenate([c.ints for c in parts])
        mask = _concat_masks([(c.int_mask, c.ints.shape) for c in parts])
        rows = _instrument_order(ints, mask) if by_instrument else slice(None)  # an index or all rows
        ints, mask = ints[rows], None if mask is None else mask[rows]
        data: dict[str, Any] = {}
        floats = np.asfortranarray(np.concatenate([c.floats for c in parts])[rows])  # columns contiguous
        for j, f in enumerate(_FLOATS):
            data[_COLUMN[f]] = floats[:, j]
        for j, f in enumerate(_INTS):
            column_mask = np.zeros(n, dtype=bool) if mask is None else mask[:, j].copy()
            if ORDER_FIELDS[f][1] == "Int64":
                data[_COLUMN[f]] = pd.arrays.IntegerArray(ints[:, j].copy(), column_mask)
            else:
                data[_COLUMN[f]] = _times(ints[:, j], column_mask)
        codes = np.concatenate([c.cats for c in parts])[rows]
        values = list(self._codes)
        for j, f in enumerate(_CATS):
            data[_COLUMN[f]] = _categorical(codes[:, j], values, empty_is_missing=not raw)
        bools = np.concatenate([c.bools for c in parts])[rows]
        bool_mask = _concat_masks([(c.bool_mask, c.bools.shape) for c in parts])
        bool_mask = None if bool_mask is None else bool_mask[rows]
        for j, f in enumerate(_BOOLS):
            column_mask = np.zeros(n, dtype=bool) if bool_mask is None else bool_mask[:, j].copy()
            data[_COLUMN[f]] = pd.arrays.BooleanArray(bools[:, j].copy(), column_mask)
        if not raw:
            mask_not_applicable(data)
        data["symbol"] = _lookup(data["instrument_id"], instruments or {})
        data["quote_currency"] = _lookup(data["instrument_id"], quotes or {})
        data["notional"] = _notional(data)
        data["extras"] = _extras(parts, n)[rows]
        data = {column: data[column] for column in ORDER_SCHEMA}
        frame = pd.DataFrame(data)  # copies once into one block per dtype (faster row selection)
        frame.attrs["extra_fields"] = sorted({k for c in parts for k in c.unknown})
        return frame

    def frame_of(self, records: Sequence[Mapping[str, Any]], *, instruments: Mapping[int, str] | None = None,
                 quotes: Mapping[int, str] | None = None, raw: bool = False) -> pd.DataFrame:
        """The frame of ``records``, converted :data:`CHUNK_ROWS` at a time."""
        chunks = [self.chunk(records[i:i + CHUNK_ROWS]) for i in range(0, len(records), CHUNK_ROWS)]
        return self.frame(chunks, instruments=instruments, quotes=quotes, raw=raw)


def _floats(block: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    try:  # float(), vectorised: None -> NaN, numeric strings parsed
        return block.astype(np.float64)
    except (TypeError, ValueError):
        return np.column_stack([column(block[:, j].tolist(), "float64") for j in range(block.shape[1])]
                               ).reshape(block.shape)


def _ints(block: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    if set(map(type, block.ravel().tolist())) <= {int}:  # no None, float, str or bool
        try:
            return block.astype(np.int64), None
        except OverflowError:
            pass
    columns = [column(block[:, j].tolist(), "Int64") for j in range(block.shape[1])]
    data = np.column_stack([c.to_numpy(dtype=np.int64, na_value=0) for c in columns]).reshape(block.shape)
    mask = np.column_stack([c.isna() for c in columns]).reshape(block.shape)
    return data, mask


def _bools(block: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    if set(map(type, block.ravel().tolist())) <= {bool}:
        return block.astype(bool), None
    columns = [column(block[:, j].tolist(), "boolean") for j in range(block.shape[1])]
    data = np.column_stack([c.to_numpy(dtype=bool, na_value=False) for c in columns]).reshape(block.shape)
    mask = np.column_stack([c.isna() for c in columns]).reshape(block.shape)
    return data, mask


def _instrument_order(ints: np.ndarray[Any, Any], mask: np.ndarray[Any, Any] | None
                      ) -> np.ndarray[Any, np.dtype[np.intp]]:
    """Row order by instrument id, missing ids last, stable (the chunks' order within an instrument)."""
    ids = ints[:, _INSTRUMENT].copy()
    if mask is not None:
        ids[mask[:, _INSTRUMENT]] = np.iinfo(np.int64).max
    return np.argsort(ids, kind="stable")


def _concat_masks(masks: list[tuple[np.ndarray[Any, Any] | None, tuple[int, ...]]]
                  ) -> np.ndarray[Any, Any] | None:
    if all(m is None for m, _ in masks):
        return None
    return np.concatenate([np.zeros(shape, dtype=bool) if m is None else m for m, shape in masks])


def _times(ms: np.ndarray[Any, Any], mask: np.ndarray[Any, Any]) -> Any:
    """Milliseconds since the epoch -> datetime64[ns, UTC]; 0, negative or missing -> NaT."""
    ns = np.where((ms > 0) & ~mask, ms * 1_000_000, np.iinfo(np.int64).min)
    return pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").array


def _categorical(codes: np.ndarray[Any, Any], values: list[Any], *, empty_is_missing: bool) -> pd.Categorical:
    """Codes into ``values`` -> Categorical of the values used, sorted as ``str``; None (and "") missing."""
    missing = (None, "") if empty_is_missing else (None,)
    used = [i for i in np.flatnonzero(np.bincount(codes, minlength=len(values))) if values[i] not in missing]
    used.sort(key=lambda i: str(values[i]))
    remap = np.full(len(values), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index([values[i] for i in used]))


def _lookup(instrument_ids: pd.arrays.IntegerArray, instruments: Mapping[int, str]) -> Any:
    """A Categorical of ``instruments[id]`` per row (symbol, quote currency); unknown ids missing."""
    categories = sorted(set(instruments.values()))
    if not len(instrument_ids) or not instruments:
        return pd.Categorical.from_codes(np.full(len(instrument_ids), -1, dtype=np.int32),
                                         categories=pd.Index(categories))
    ids = instrument_ids.to_numpy(dtype=np.int64, na_value=-1)
    uniq, inverse = np.unique(ids, return_inverse=True)
    position = {c: i for i, c in enumerate(categories)}
    codes_u = np.array([position.get(instruments.get(int(u), ""), -1) if u >= 0 else -1 for u in uniq],
                       dtype=np.int32)
    return pd.Categorical.from_codes(codes_u[inverse], categories=pd.Index(categories))


def _notional(data: Mapping[str, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Price x remaining quantity; the stop price for stop-market orders (NaN where it does not apply)."""
    order_type: pd.Categorical = data["order_type"]
    stop = [i for i, name in enumerate(order_type.categories) if name in _STOP_MARKET]
    price = np.where(np.isin(order_type.codes, stop), data["stop_price"], data["price"])
    return np.asarray(price * data["quantity"], dtype=np.float64)


def _extras(parts: list[OrderChunk], n: int) -> np.ndarray[Any, np.dtype[np.object_]]:
    out = np.full(n, None, dtype=object)
    start = 0
    for c in parts:
        if c.extras is not None:
            out[start:start + c.rows] = c.extras
        start += c.rows
    return out
