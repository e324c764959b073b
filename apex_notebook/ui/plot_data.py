"""Shaping frames for the plots: pure pandas, no matplotlib (the drawing is in :mod:`apex_notebook.ui.plots`).

Column checks with clear errors, readable labels for accounts and instruments, key x side tables,
UTC times, top-N caps, and short texts of journal details.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["SIDE_ORDER", "account_labels", "by_side", "capped", "collateral_count", "detail_text",
           "instrument_labels", "labels", "orders_of", "require", "utc"]

#: Sides sort first in this order in the key x side tables; anything else follows alphabetically.
SIDE_ORDER = ("Buy", "Sell")


def require(frame: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    """``frame`` itself, after checking it is a DataFrame (TypeError) with ``columns`` (ValueError)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what}() needs a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}() needs column(s) {', '.join(map(repr, missing))}; "
            f"the frame has {', '.join(map(str, frame.columns)) or 'no columns'}"
        )
    return frame


def labels(frame: pd.DataFrame, id_col: str, name_col: str, *, name_first: bool) -> dict[Any, str]:
    """id -> readable label ("9 Alpha Fund" / "BTCUSD"), from the first row of each id."""
    firsts = frame.drop_duplicates(id_col)
    names = firsts[name_col] if name_col in frame.columns else pd.Series(pd.NA, index=firsts.index)
    out: dict[Any, str] = {}
    for ident, name in zip(firsts[id_col], names, strict=True):
        has_name = not pd.isna(name) and str(name) != ""
        if name_first:
            out[ident] = str(name) if has_name else f"#{ident}"
        else:
            out[ident] = f"{ident} {name}" if has_name else str(ident)
    return out


def account_labels(frame: pd.DataFrame) -> dict[Any, str]:
    """Account id -> "9 Alpha Desk" style labels for the accounts in ``frame``."""
    return labels(frame, "account_id", "account_name", name_first=False)


def instrument_labels(frame: pd.DataFrame) -> dict[Any, str]:
    """Instrument id -> "BTCUSD (1)" style labels for the instruments in ``frame``."""
    return labels(frame, "instrument_id", "symbol", name_first=True)


def orders_of(obj: object, what: str) -> pd.DataFrame:
    """A frame itself, or the ``.orders`` frame of a CancelPlan / CancelResult."""
    if isinstance(obj, pd.DataFrame):
        return obj
    orders = getattr(obj, "orders", None)
    if isinstance(orders, pd.DataFrame):
        return orders
    raise TypeError(
        f"{what}() needs a DataFrame or an object with an .orders DataFrame, got {type(obj).__name__}"
    )


def by_side(frame: pd.DataFrame, key: pd.Series, values: pd.Series | None = None) -> pd.DataFrame:
    """key x side table (counts, or sums of ``values``), rows sorted by total descending."""
    side = frame["side"].astype("string").fillna("?") if "side" in frame.columns else None
    data = pd.DataFrame({"key": key.to_numpy(), "v": 1.0 if values is None else values.to_numpy()})
    data["side"] = "orders" if side is None else side.to_numpy()
    table = data.pivot_table(index="key", columns="side", values="v", aggfunc="sum", fill_value=0.0,
                             observed=True)
    table = table.reindex(columns=sorted(table.columns, key=lambda s: (s not in SIDE_ORDER, str(s))))
    table.columns.name = "side" if side is not None else None
    return table.loc[table.sum(axis=1).sort_values(ascending=False, kind="stable").index]


def utc(series: pd.Series) -> pd.Series:
    """``series`` as UTC datetimes (naive values are taken to be UTC)."""
    times = pd.to_datetime(series)
    if times.dt.tz is None:
        return times.dt.tz_localize("UTC")
    return times.dt.tz_convert("UTC")


def capped(table: pd.DataFrame, limit: int, noun: str) -> tuple[pd.DataFrame, str]:
    """The first ``limit`` rows and a title suffix saying how many were left out."""
    if len(table) <= limit:
        return table, ""
    return table.iloc[:limit], f" (top {limit} of {len(table)} {noun})"


def collateral_count(result: object) -> int:
    """How many collateral orders a CancelResult (or similar object) reports."""
    collateral = getattr(result, "collateral", None)
    if isinstance(collateral, pd.DataFrame):
        return len(collateral)
    summary = getattr(result, "summary", None)
    value = summary.get("collateral") if isinstance(summary, dict) else getattr(summary, "collateral", None)
    if isinstance(value, pd.DataFrame):
        return len(value)
    return int(value) if isinstance(value, int | float) and not pd.isna(value) else 0


def detail_text(detail: Any, limit: int = 48) -> str:
    """A short one-line text of a journal event's detail (a dict, a string or nothing)."""
    if detail is None or (isinstance(detail, float | str | type(pd.NA) | type(pd.NaT)) and pd.isna(detail)):
        return ""
    if isinstance(detail, dict):
        text = ", ".join(f"{k}={v}" for k, v in detail.items() if v is not None and not isinstance(v, dict))
    else:
        text = str(detail)
    return (text[: limit - 3] + "...") if len(text) > limit else text
