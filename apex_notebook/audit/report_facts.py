"""The facts of one execution, read from the journal alone, for the report (``report.py``) and the exports.

:func:`gather` reads everything a post-mortem needs about one execution through the
:class:`JournalReader` protocol (the reader methods of ``Journal``): its state rows, outcomes by class,
snapshots by phase, timeline, the refused attempts before it and the journal's integrity verdict.

Prices of outcome rows (:func:`priced`): an outcome row has quantities but no price. The price, the
quote currency and so the notional cancelled come from the first journal snapshot that holds the order:
targets from ``preview`` then ``pre_send``; collateral from ``collateral`` (the orders as read after the
cancel, with their prices) then ``pre_send``; unplanned from an ``unplanned`` snapshot when the journal
has one, then ``pre_send`` (an order that arrived after the pre-send read is in neither: its price
is then *not recorded*, said as such). ``cancelled_quantity`` is what was left of the order when it was
cancelled (``orig_quantity - quantity_executed``); ``notional`` is that times the price (the stop price
for a stop-market order). ``price_source`` names the snapshot used.

Snapshot rows rebuilt from order history (``post_verify``) may lack the symbol and quote currency: they
are filled in from the execution's other snapshots, by instrument id.

Refused attempts "before" an execution are those journalled after the previous execution's intent (or
from the journal's start) and before this one's intent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import pandas as pd

from apex_notebook.audit.integrity import Verdict

__all__ = ["KINDS", "SNAPSHOT_PHASES", "Facts", "JournalReader", "arrivals_and_departures", "gather", "priced",
           "quote_currencies"]

#: The outcome classes, in report order.
KINDS: Final = ("target", "unplanned", "collateral")
#: Snapshot phases read for a report (``unplanned`` only when the journal records it).
SNAPSHOT_PHASES: Final = ("preview", "pre_send", "post_verify", "collateral", "unplanned")
_PRICE_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "target": ("preview", "pre_send"), "collateral": ("collateral", "pre_send"), "unplanned": ("unplanned", "pre_send")}


class JournalReader(Protocol):
    """The reader side of :class:`~apex_notebook.audit.journal.Journal` that reports and exports use."""

    path: str

    def executions(self, *, all_states: bool = False) -> pd.DataFrame:
        """Execution rows (latest state, or every state row)."""

    def outcomes(self, execution_id: str | None = None, *, kind: str = "target") -> pd.DataFrame:
        """Per-order outcomes of one class."""

    def snapshot(self, execution_id: str, phase: str) -> pd.DataFrame:
        """The orders of one snapshot phase."""

    def timeline(self, execution_id: str) -> pd.DataFrame:
        """The events of one execution."""

    def refusals(self) -> pd.DataFrame:
        """Refused execute attempts."""

    def verify(self) -> Verdict:
        """The integrity verdict of the whole journal."""


@dataclass(frozen=True)
class Facts:
    """Everything the report says about one execution (each frame as the journal holds it)."""

    execution_id: str
    path: str
    record: dict[str, Any]
    states: pd.DataFrame
    outcomes: dict[str, pd.DataFrame]
    snapshots: dict[str, pd.DataFrame | None]
    timeline: pd.DataFrame
    refusals: pd.DataFrame
    verdict: Verdict

    @property
    def summary(self) -> dict[str, Any]:
        """The execution's verified summary (empty while it is not done)."""
        value = self.record.get("summary")
        return dict(value) if isinstance(value, Mapping) else {}


def _snapshot(journal: JournalReader, eid: str, phase: str) -> pd.DataFrame | None:
    try:
        return journal.snapshot(eid, phase)
    except (KeyError, ValueError):  # not written, or a phase this journal does not know
        return None


def quote_currencies(frames: Iterable[pd.DataFrame | None]) -> dict[int, str]:
    """instrument id -> quote currency, from every snapshot that records it (older journals do not)."""
    out: dict[int, str] = {}
    for frame in frames:
        if frame is not None and len(frame) and "quote_currency" in frame:
            pairs = frame[["instrument_id", "quote_currency"]].dropna().drop_duplicates("instrument_id")
            out.update({int(i): str(c) for i, c in zip(pairs["instrument_id"], pairs["quote_currency"], strict=True)})
    return out


def priced(outcomes: pd.DataFrame, sources: list[tuple[str, pd.DataFrame | None]],
           currencies: Mapping[int, str] | None = None) -> pd.DataFrame:
    """``outcomes`` plus ``price``, ``quote_currency``, ``cancelled_quantity``, ``notional``, ``price_source``.

    ``currencies`` (instrument id -> quote currency) fills the quote currency where the priced snapshot lacks it.
    """
    out = outcomes.copy()
    price = pd.Series(float("nan"), index=out.index, dtype="float64")
    currency = pd.Series(pd.NA, index=out.index, dtype="string")
    source = pd.Series(pd.NA, index=out.index, dtype="string")
    ids = out["order_id"].astype("Int64")
    for phase, frame in sources:
        if frame is None or not len(frame):
            continue
        known = frame.drop_duplicates("order_id", keep="last").set_index("order_id")
        usable = known["price"].astype("float64").fillna(known["stop_price"].astype("float64"))
        missing = source.isna() & ids.isin(known.index)
        if not missing.any():
            continue
        price[missing] = ids[missing].map(usable).astype("float64")
        if "quote_currency" in known:
            currency[missing] = ids[missing].map(known["quote_currency"]).astype("string")
        source[missing] = phase
    if currencies:
        by_instrument = [None if pd.isna(i) else currencies.get(int(i)) for i in out["instrument_id"]]
        currency = currency.fillna(pd.Series(by_instrument, index=out.index, dtype="string"))
    left = out["orig_quantity"].astype("float64") - out["quantity_executed"].astype("float64").fillna(0.0)
    out["price"] = price
    out["quote_currency"] = currency
    out["cancelled_quantity"] = left.clip(lower=0.0)
    out["notional"] = (price * out["cancelled_quantity"]).astype("float64")
    out["price_source"] = source
    return out


def _refusals_before(journal: JournalReader, eid: str) -> pd.DataFrame:
    states = journal.executions(all_states=True)
    starts = states.drop_duplicates("execution_id", keep="first")[["execution_id", "recorded_at"]]
    order = list(starts["execution_id"])
    start = starts["recorded_at"].iloc[order.index(eid)]
    previous = starts["recorded_at"].iloc[order.index(eid) - 1] if order.index(eid) > 0 else None
    refusals = journal.refusals()
    keep = refusals["at"] < start
    if previous is not None:
        keep &= refusals["at"] >= previous
    return pd.DataFrame(refusals[keep]).reset_index(drop=True)


def _filled_in(snapshots: dict[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame | None]:
    """Symbols and quote currencies that one snapshot lacks (rows rebuilt from order history carry only the
    instrument id) taken from the others, by instrument id."""
    frames = [f for f in snapshots.values() if f is not None and len(f)]
    for column in ("symbol", "quote_currency"):
        known: dict[int, str] = {}
        for frame in frames:
            pairs = frame[["instrument_id", column]].dropna().drop_duplicates("instrument_id")
            known.update({int(i): str(v) for i, v in zip(pairs["instrument_id"], pairs[column], strict=True)})
        for frame in frames:
            lookup = [None if pd.isna(i) else known.get(int(i)) for i in frame["instrument_id"]]
            frame[column] = frame[column].fillna(pd.Series(lookup, index=frame.index, dtype="string"))
    return snapshots


def gather(journal: JournalReader, execution_id: str, *, verdict: Verdict | None = None) -> Facts:
    """Read every fact of one execution (``KeyError`` naming the journal when there is no such execution).

    ``verdict``: the journal's integrity verdict when the caller already has it (else ``journal.verify()``).
    """
    states = journal.executions(all_states=True)
    mine = states[states["execution_id"] == execution_id].reset_index(drop=True)
    if mine.empty:
        known = ", ".join(map(str, states["execution_id"].drop_duplicates().tail(5)))
        raise KeyError(f"no execution {execution_id!r} in {journal.path} (latest: {known or 'none'}); "
                       "`apex-notebook journal list PATH` lists them")
    snapshots = _filled_in({phase: _snapshot(journal, execution_id, phase) for phase in SNAPSHOT_PHASES})
    currencies = quote_currencies(snapshots.values())
    outcomes = {kind: priced(journal.outcomes(execution_id, kind=kind),
                             [(p, snapshots[p]) for p in _PRICE_SOURCES[kind]], currencies) for kind in KINDS}
    record = {str(k): None if v is pd.NA or v is pd.NaT else v for k, v in mine.iloc[-1].items()}
    return Facts(execution_id=execution_id, path=str(journal.path), record=record, states=mine,
                 outcomes=outcomes, snapshots=snapshots, timeline=journal.timeline(execution_id),
                 refusals=_refusals_before(journal, execution_id),
                 verdict=verdict if verdict is not None else journal.verify())


def arrivals_and_departures(facts: Facts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(late, left)``: orders open after verification that were not open before the send (late
    arrivals), and orders open before the send that are in no outcome class and not open after (they
    left the book some other way: filled, expired, cancelled by someone else).
    """
    pre, post = facts.snapshots["pre_send"], facts.snapshots["post_verify"]
    if pre is None or post is None:
        empty = pre.iloc[0:0] if pre is not None else (post.iloc[0:0] if post is not None else pd.DataFrame())
        return empty, empty
    accounted = set().union(*(set(frame["order_id"].dropna()) for frame in facts.outcomes.values()))
    late = post[~post["order_id"].isin(set(pre["order_id"]))]
    left = pre[~pre["order_id"].isin(set(post["order_id"]) | accounted)]
    return pd.DataFrame(late).reset_index(drop=True), pd.DataFrame(left).reset_index(drop=True)
