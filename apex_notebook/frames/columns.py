"""Converting JSON values into typed columns, one column (or one record set) at a time.

The slow-but-general path of the frame builder (``builder.py``): per-column conversions that accept
every shape a gateway may send (None, numeric strings, integral floats), and the case-insensitive
matching of record keys onto schema fields, with unknown fields kept per row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["categorical", "column", "columns_of", "to_int"]


def column(values: Sequence[Any], dtype: str) -> Any:
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
        parsed = [to_int(v) for v in values]
        mask = np.fromiter((v is None for v in parsed), dtype=bool, count=n)
        data = np.array([0 if v is None else v for v in parsed], dtype=np.int64)
        return pd.arrays.IntegerArray(data, mask)
    if dtype == "category":
        return categorical(values)
    if dtype == "boolean":
        if n and None not in values:
            return pd.arrays.BooleanArray(np.array(values, dtype=bool), np.zeros(n, dtype=bool))
        return pd.array(values, dtype="boolean")
    if dtype == "datetime64[ns, UTC]":
        ms = column(values, "Int64")
        ns = np.where(ms.to_numpy(dtype=np.int64, na_value=0) > 0,
                      ms.to_numpy(dtype=np.int64, na_value=0) * 1_000_000, np.iinfo(np.int64).min)
        return pd.Series(ns.view("M8[ns]"), copy=False).dt.tz_localize("UTC").array
    if dtype == "string":
        return pd.array([None if v is None else str(v) for v in values], dtype="string")
    out = np.empty(n, dtype=object)
    out[:] = list(values)
    return out


def to_int(value: Any) -> int | None:
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


def categorical(values: Sequence[Any]) -> pd.Categorical:
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


def columns_of(records: Sequence[Mapping[str, Any]], fields: Sequence[str]
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
