"""Verification after a cancel: don't trust the ack (DESIGN §2.4), flag collateral (DESIGN §2.3).

:func:`verify_orders` polls until every targeted order is terminal or the time budget ends. The first
poll starts at once and polls follow ``poll_interval`` apart. Per poll it sends at most one
``GetOpenOrders`` per touched account that still has pending orders; an order that left the open set
gets its final state from ``GetOrderStatus`` (few orders) or one ``GetOrdersHistory`` of its account
(many), and is classified ``canceled`` / ``filled_before_cancel`` / ``still_open`` / ``unknown``
(``result.outcome_for``). A failed read never counts as terminal: its orders stay pending and end
``unknown``.

Polls run at a fixed rate: poll ``n`` starts ``n x poll_interval`` after the first (a poll's own work
does not stretch the period), or at once when a poll took longer than the interval.

Collateral (``collateral.py``) is watched over the *execution window*, from the send until
verification ends. The window closes when every target is terminal, ``collateral_watch`` seconds
have passed since the send, and:

* if the send *can widen* (``may_widen``: a CancelAllOrders naming one instrument, whose instrument
  key a gateway may ignore -- DESIGN §2.3), twice as long as the last observed cancel took to land
  (targets or collateral), so a widened cancel whose cancels land spread over time keeps the window
  open while it lands;
* otherwise (all instruments -- the AccountId is always honoured --, or one CancelOrder per order)
  at once: one collateral check still runs, for cancels made by others during the window.

The budget's end closes it too. A collateral check runs when the window is about to close; one that
finds new collateral keeps it open (by one more poll interval at least).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from apex_notebook.cancel.collateral import CollateralWatch, GatewayClock
from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.cancel.result import outcome_for, typed_result
from apex_notebook.cancel.scope import CancelScope
from apex_notebook.frames.tables import orders_frame
from apex_notebook.wire.errors import ApexError

__all__ = ["Verification", "verify_orders"]

#: Above this many newly gone orders in one account, one GetOrdersHistory replaces GetOrderStatus calls.
STATUS_LOOKUP_LIMIT = 5
_TOLERANCE = 1e-6  # seconds; below this the budget is spent (float clocks cannot move by less)
_TERMINAL = frozenset({"Canceled", "FullyExecuted", "Rejected", "Expired"})


@dataclass
class Verification:
    """What polling found: result rows, collateral rows, the open orders seen last, request counts."""

    orders: pd.DataFrame
    collateral: pd.DataFrame
    post_open: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    collateral_orders: pd.DataFrame | None = None


def _low(record: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in record.items()}


class _Poller:
    """The calls of one verification, counted."""

    def __init__(self, client: CancelClient, oms_id: int) -> None:
        self.client, self.oms_id = client, oms_id
        self.counts = {"open_orders_requests": 0, "history_requests": 0, "status_requests": 0}
        self.workers = max(1, client.max_concurrency)

    def _call(self, kind: str, name: str, **payload: Any) -> Any:
        self.counts[kind] += 1
        return self.call(name, **payload)

    def call(self, name: str, **payload: Any) -> Any:
        """One raw call on this OMS (not counted here)."""
        return self.client.call(name, OMSId=self.oms_id, **payload)

    def open_orders(self, accounts: Iterable[int]) -> dict[int, list[dict[str, Any]] | None]:
        """Raw open orders per account (lower-cased keys); ``None`` where the read failed."""
        def one(account: int) -> list[dict[str, Any]] | None:
            try:
                reply = self._call("open_orders_requests", "GetOpenOrders", AccountId=account)
            except ApexError:
                return None
            return [_low(r) for r in reply] if isinstance(reply, list) else None

        accounts = sorted(accounts)
        if len(accounts) <= 1:
            return {a: one(a) for a in accounts}
        with ThreadPoolExecutor(max_workers=min(self.workers, len(accounts))) as pool:
            return dict(zip(accounts, pool.map(one, accounts), strict=True))

    def final_states(self, account: int, order_ids: list[int], since: pd.Timestamp | None = None
                     ) -> dict[int, dict[str, Any]]:
        """The latest known order object of each gone order (missing where unreadable).

        ``since`` (the oldest ReceiveTime among them) bounds the history read; it is sent in POSIX
        *seconds*, rounded down, which is correct whether the gateway reads seconds or milliseconds.
        """
        found: dict[int, dict[str, Any]] = {}
        wanted = set(order_ids)
        if len(order_ids) > STATUS_LOOKUP_LIMIT:
            window = {} if since is None or pd.isna(since) else {"StartTimestamp": int(since.timestamp())}
            try:
                reply = self._call("history_requests", "GetOrdersHistory", AccountId=account,
                                   Depth=max(1000, 4 * len(order_ids)), **window)
            except ApexError:
                reply = []
            for rec in map(_low, reply if isinstance(reply, list) else []):
                oid = int(rec.get("orderid", -1))
                if oid in wanted and oid not in found:  # newest first: keep the first seen
                    found[oid] = rec
        for oid in [o for o in order_ids if o not in found][: max(STATUS_LOOKUP_LIMIT, 50)]:
            try:
                reply = self._call("status_requests", "GetOrderStatus", AccountId=account, OrderId=oid)
            except ApexError:
                continue
            if isinstance(reply, dict):
                found[oid] = _low(reply)
        return found


def _oldest(info: Mapping[int, Mapping[str, Any]], order_ids: list[int]) -> pd.Timestamp | None:
    times = [info[o].get("receive_time") for o in order_ids]
    known = [t for t in times if isinstance(t, pd.Timestamp) and not pd.isna(t)]
    return min(known) if len(known) == len(times) and known else None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _row(target: Mapping[str, Any], rec: Mapping[str, Any] | None, outcome: str, when: pd.Timestamp
         ) -> dict[str, Any]:
    row = {k: target.get(k) for k in ("order_id", "account_id", "instrument_id", "symbol", "side",
                                       "order_type", "orig_quantity", "quantity", "quantity_executed")}
    row["previewed"] = bool(target.get("previewed", True))
    if rec is not None:
        row["orig_quantity"] = rec.get("origquantity", row["orig_quantity"])
        row["quantity"] = rec.get("quantity", row["quantity"])
        row["quantity_executed"] = rec.get("quantityexecuted", row["quantity_executed"])
        row["final_state"], row["change_reason"] = rec.get("orderstate"), rec.get("changereason")
    for key in ("side", "order_type", "symbol"):
        row[key] = None if pd.isna(row[key]) else str(row[key])
    row.update(outcome=outcome, verified_at=when)
    return row


def verify_orders(client: CancelClient, *, scope: CancelScope, targets: pd.DataFrame, timeout: float,
                  poll_interval: float, clock: GatewayClock, execution_id: str = "",
                  collateral: str = "visible", collateral_watch: float = 0.0,
                  symbols: Mapping[int, str] | None = None, watch_collateral: bool = True,
                  on_poll: Callable[[dict[str, Any]], None] | None = None,
                  sleep: Callable[[float], object] = time.sleep,
                  monotonic: Callable[[], float] = time.monotonic,
                  may_widen: bool | None = None) -> Verification:
    """Poll the targets until terminal or ``timeout``; watch for collateral until the window closes.

    ``clock`` relates gateway timestamps to ``monotonic`` (its ``sent_at`` is the send); ``sleep`` and
    ``monotonic`` must be the same clock (tests pass a ManualClock's ``advance`` and ``now``).
    ``may_widen``: whether the send could have hit orders outside the scope through an ignored
    instrument key (default: the scope names one instrument); False closes the window early.
    """
    poller = _Poller(client, scope.oms_id)
    info = {int(r["order_id"]): r for r in _records(targets)}
    pending: dict[int, int] = {oid: int(r["account_id"]) for oid, r in info.items()}
    watch = CollateralWatch(client, scope, mode=collateral, touched=set(pending.values()),
                            target_ids=info, clock=clock, symbols=symbols,
                            call=poller.call)
    rows: dict[int, dict[str, Any]] = {}
    last_open: dict[int, dict[str, Any]] = {}
    last_records: dict[int, list[dict[str, Any]]] = {}
    started, polls, max_per_poll = monotonic(), 0, 0
    origin = started if clock.sent_at is None else clock.sent_at
    t_target, t_found = 0.0, None  # seconds after the send: last target settled / last new collateral
    widen = (not scope.all_instruments) if may_widen is None else may_widen
    while True:
        if pending:
            polls += 1
            before, settled = poller.counts["open_orders_requests"], len(rows)
            replies = poller.open_orders(set(pending.values()))
            max_per_poll = max(max_per_poll, poller.counts["open_orders_requests"] - before)
            for account, recs in replies.items():
                if recs is not None:
                    clock.observe(recs, monotonic())
                    last_records[account] = recs
                    _settle(poller, clock, account, recs, info=info, pending=pending, rows=rows,
                            last_open=last_open, monotonic=monotonic)
            if len(rows) > settled:
                t_target = monotonic() - origin
            if on_poll is not None:
                on_poll({"poll": polls, "pending": len(pending), "terminal": len(rows),
                         "requests": dict(poller.counts)})
        elapsed, remaining = monotonic() - origin, timeout - (monotonic() - started)
        close_at = _close_at(collateral_watch, t_target, t_found, poll_interval, widen=widen)
        if remaining <= _TOLERANCE or (not pending and elapsed + _TOLERANCE >= close_at):
            if not watch_collateral:
                break
            new = watch.check(monotonic)
            if on_poll is not None:
                on_poll({"kind": "collateral", "check": watch.checks, "new_order_ids": new,
                         "found": len(watch.found), "unchecked": watch.unchecked})
            if not new or remaining <= _TOLERANCE:
                break
            t_found = elapsed  # a widened cancel is landing: keep the window open
            close_at = _close_at(collateral_watch, t_target, t_found, poll_interval, widen=widen)
        # fixed rate: the next poll starts polls x poll_interval after the first one
        wait = started + polls * poll_interval - monotonic() if pending else close_at - elapsed
        sleep(max(0.0, min(wait, remaining)))
    now = pd.Timestamp.now(tz="UTC")
    open_last = {a: {int(r.get("orderid", -1)) for r in recs} for a, recs in last_records.items()}
    for oid, account in pending.items():
        seen = last_open.get(oid) if oid in open_last.get(account, set()) else None
        rows[oid] = _row(info[oid], seen, "still_open" if seen is not None else "unknown", now)
    verify_seconds = monotonic() - started
    frame = typed_result(pd.DataFrame([rows[oid] for oid in info], columns=list(_row_columns())))
    frame["execution_id"] = pd.Series([execution_id] * len(frame), dtype="string")
    stats = {**poller.counts, "polls": polls, "max_open_requests_per_poll": max_per_poll,
             "verify_seconds": round(verify_seconds, 4), **watch.stats()}
    return Verification(frame, watch.frame(execution_id, now), _post_frame(
        [r for recs in last_records.values() for r in recs]), stats, watch.orders())


def _close_at(watch: float, t_target: float, t_found: float | None, poll_interval: float, *,
              widen: bool) -> float:
    """When (seconds after the send) the window may close: at least ``watch``; if the send can widen,
    twice as long as the last cancel we saw took to land -- a widened cancel lands spread like the
    targets; one poll interval after new collateral was found."""
    close = max(watch, 2 * t_target) if widen else watch
    if t_found is not None:
        close = max(close, t_found + poll_interval, 2 * t_found if widen else 0.0)
    return close


def _settle(poller: _Poller, clock: GatewayClock, account: int, recs: list[dict[str, Any]], *,
            info: Mapping[int, Mapping[str, Any]], pending: dict[int, int], rows: dict[int, dict[str, Any]],
            last_open: dict[int, dict[str, Any]], monotonic: Callable[[], float]) -> None:
    """Classify the targets of ``account`` that left its open orders (``recs``)."""
    open_now = {int(r.get("orderid", -1)): r for r in recs}
    gone = [oid for oid, acct in pending.items() if acct == account and oid not in open_now]
    for oid, acct in pending.items():
        if acct == account and oid in open_now:
            last_open[oid] = open_now[oid]
    states = poller.final_states(account, gone, _oldest(info, gone)) if gone else {}
    clock.observe(states.values(), monotonic())
    now = pd.Timestamp.now(tz="UTC")
    for oid, rec in states.items():
        if rec.get("orderstate") in _TERMINAL:
            rows[oid] = _row(info[oid], rec, outcome_for(rec.get("orderstate")), now)
            del pending[oid]


def _row_columns() -> tuple[str, ...]:
    return ("order_id", "account_id", "instrument_id", "symbol", "side", "order_type", "orig_quantity",
            "quantity", "quantity_executed", "previewed", "final_state", "change_reason", "outcome",
            "verified_at")


def _post_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = orders_frame(records)
    frame.attrs["taken_at"] = pd.Timestamp.now(tz="UTC").isoformat()
    return frame
