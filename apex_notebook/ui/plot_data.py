"""Shaping frames for the plots: pure pandas, no matplotlib (the drawing is in :mod:`apex_notebook.ui.plots`).

Column checks with clear errors, readable labels for accounts and instruments, key x side tables,
UTC times, top-N caps, quote currencies, and journal events and details in words (``intent
journalled``, ``75 canceled, 0 pending, 29 s left``), never raw dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from apex_notebook.frames.display import UNKNOWN_CURRENCY

__all__ = ["EVENT_WORDS", "SIDE_ORDER", "account_labels", "by_side", "capped", "collateral_count", "currencies",
           "detail_text", "event_words", "instrument_labels", "labels", "orders_of", "require", "utc"]

#: Sides sort first in this order in the key x side tables; anything else follows alphabetically.
SIDE_ORDER = ("Buy", "Sell")
#: Journal event kinds in words (others: the kind with spaces).
EVENT_WORDS: dict[str, str] = {
    "preview": "preview", "intent": "intent journalled", "send": "request sent", "acked": "acknowledged",
    "ack": "acknowledgement", "ack_unknown": "reply lost", "ack_error": "refused by APEX",
    "cancel_order_ack": "CancelOrder answered", "poll": "verification poll", "verify": "verification",
    "collateral": "collateral check", "done": "verified outcome", "outcome": "outcome",
    "reconcile": "reconcile", "refusal": "refused before sending", "drift": "drift found",
}
#: Keys of an event's detail shown first, with their words (others: ``key value``; nested values left out).
_DETAIL_WORDS: tuple[tuple[str, str], ...] = (
    ("previewed", "{} previewed"), ("orders", "{} orders"), ("canceled", "{} canceled"),
    ("pending", "{} pending"), ("still_open", "{} still open"), ("collateral", "{} collateral"),
    ("unplanned", "{} unplanned"), ("seconds_left", "{:.0f} s left"), ("targets", "{} targets"),
)


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


def currencies(frame: pd.DataFrame) -> pd.Series:
    """Each row's quote currency as text (:data:`UNKNOWN_CURRENCY` when missing or not in the frame)."""
    if "quote_currency" not in frame.columns:
        return pd.Series(UNKNOWN_CURRENCY, index=frame.index, dtype="string")
    return frame["quote_currency"].astype("string").fillna(UNKNOWN_CURRENCY)


def event_words(kind: object) -> str:
    """A journal event kind in words: ``acked`` -> ``acknowledged``."""
    text = str(kind)
    return EVENT_WORDS.get(text, text.replace("_", " "))


def _scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, dict | list | tuple) and not (
        isinstance(value, float) and pd.isna(value))


def _dict_words(detail: dict[str, Any]) -> str:
    ack = detail.get("ack", detail if "status" in detail else None)
    if isinstance(ack, dict):
        status = ack.get("status")
        if status == "ok":
            return "acknowledged"
        said = ack.get("errormsg") or status
        code = f" (errorcode {ack['errorcode']})" if ack.get("errorcode") not in (None, 0) else ""
        return f"{said}{code}"
    payload = detail.get("payload")
    words = []
    if isinstance(payload, dict) and "AccountId" in payload:
        account = payload["AccountId"]
        words.append("ALL accounts" if account in (0, "0") else f"account {account}")
    summary = detail.get("summary")
    source = {**summary, **detail} if isinstance(summary, dict) else detail
    used = {"ack", "payload", "summary", "poll", "check", "requests", "note", "state", "terminal"}
    for key, form in _DETAIL_WORDS:
        value = source.get(key)
        if _scalar(value):
            words.append(form.format(value))
            used.add(key)
    words += [f"{str(k).replace('_', ' ')} {v}" for k, v in detail.items() if k not in used and _scalar(v)]
    return ", ".join(words)


def detail_text(detail: Any, limit: int = 48) -> str:
    """A short one-line text in words of a journal event's detail (a dict, a string or nothing)."""
    if detail is None or (isinstance(detail, float | str | type(pd.NA) | type(pd.NaT)) and pd.isna(detail)):
        return ""
    text = _dict_words(detail) if isinstance(detail, dict) else str(detail)
    return (text[: limit - 3] + "...") if len(text) > limit else text
