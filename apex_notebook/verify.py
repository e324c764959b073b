"""Verification after a cancel: don't trust the ack (DESIGN §2.4), flag collateral (DESIGN §2.3).

:func:`verify_orders` polls until every targeted order is terminal or the time budget ends. The first
poll starts at once and polls follow ``poll_interval`` apart, so verification ends within one poll
interval of the last cancel landing. Per poll it sends at most one ``GetOpenOrders`` per touched
account that still has pending orders; an order that left the open set gets its final state from
``GetOrderStatus`` (few orders) or one ``GetOrdersHistory`` of its account (many), and is classified
``canceled`` / ``filled_before_cancel`` / ``still_open`` / ``unknown`` (``result.outcome_for``).

Collateral: the orders *outside* the scope that were open in the pre-send snapshot are looked up once
after the targets settle (one ``GetOpenOrders`` per account); those gone and Canceled -- or gone with
no readable final state (flagged ``unknown``) -- are collateral. Filled or expired ones are not.
Collateral whose cancel lands after the targets settled can be missed; ``Journal.reconcile`` or a later
look at ``order_history`` shows it.

A failed read never counts as terminal: its orders stay pending and end ``unknown``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from apex_notebook.errors import ApexError
from apex_notebook.result import CancelResult, outcome_for, summarise, typed_result
from apex_notebook.scope import ALL, CancelScope

if TYPE_CHECKING:
    from apex_notebook.journal import Journal

__all__ = ["Verification", "reconcile_execution", "split_pre_send", "verify_orders"]

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


def _low(record: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in record.items()}


class _Poller:
    """The calls of one verification, counted."""

    def __init__(self, client: Any, oms_id: int) -> None:
        self.client, self.oms_id = client, oms_id
        self.counts = {"open_orders_requests": 0, "history_requests": 0, "status_requests": 0}
        self.workers = max(1, int(getattr(client, "max_concurrency", 8) or 8))

    def _call(self, kind: str, name: str, **payload: Any) -> Any:
        self.counts[kind] += 1
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


def verify_orders(client: Any, *, oms_id: int, targets: pd.DataFrame, outside: pd.DataFrame,
                  timeout: float, poll_interval: float, execution_id: str = "",
                  on_poll: Callable[[dict[str, Any]], None] | None = None,
                  sleep: Callable[[float], object] = time.sleep,
                  monotonic: Callable[[], float] = time.monotonic) -> Verification:
    """Poll the targets' accounts until every target is terminal or ``timeout`` seconds have passed."""
    poller = _Poller(client, oms_id)
    info = {int(r["order_id"]): r for r in _records(targets)}
    pending: dict[int, int] = {oid: int(r["account_id"]) for oid, r in info.items()}
    rows: dict[int, dict[str, Any]] = {}
    last_open: dict[int, dict[str, Any]] = {}
    last_records: dict[int, list[dict[str, Any]]] = {}
    started, polls, max_per_poll = monotonic(), 0, 0
    while pending:
        polls += 1
        before = poller.counts["open_orders_requests"]
        replies = poller.open_orders(set(pending.values()))
        max_per_poll = max(max_per_poll, poller.counts["open_orders_requests"] - before)
        for account, recs in replies.items():
            if recs is None:
                continue
            last_records[account] = recs
            open_now = {int(r.get("orderid", -1)): r for r in recs}
            gone = [oid for oid, acct in pending.items() if acct == account and oid not in open_now]
            for oid, acct in pending.items():
                if acct == account and oid in open_now:
                    last_open[oid] = open_now[oid]
            states = poller.final_states(account, gone, _oldest(info, gone)) if gone else {}
            now = pd.Timestamp.now(tz="UTC")
            for oid, rec in states.items():
                if rec.get("orderstate") in _TERMINAL:
                    rows[oid] = _row(info[oid], rec, outcome_for(rec.get("orderstate")), now)
                    del pending[oid]
        if on_poll is not None:
            on_poll({"poll": polls, "pending": len(pending), "terminal": len(rows),
                     "requests": dict(poller.counts)})
        remaining = timeout - (monotonic() - started)
        if not pending or remaining <= _TOLERANCE:
            break
        sleep(min(poll_interval, remaining))
    now = pd.Timestamp.now(tz="UTC")
    open_last = {a: {int(r.get("orderid", -1)) for r in recs} for a, recs in last_records.items()}
    for oid, account in pending.items():
        seen = last_open.get(oid) if oid in open_last.get(account, set()) else None
        rows[oid] = _row(info[oid], seen, "still_open" if seen is not None else "unknown", now)
    verify_seconds = monotonic() - started
    collateral, post_records = _collateral(poller, outside, last_records)
    frame = typed_result(pd.DataFrame([rows[oid] for oid in info], columns=list(_row_columns())))
    frame["execution_id"] = pd.Series([execution_id] * len(frame), dtype="string")
    collateral["execution_id"] = pd.Series([execution_id] * len(collateral), dtype="string")
    stats = {**poller.counts, "polls": polls, "max_open_requests_per_poll": max_per_poll,
             "verify_seconds": round(verify_seconds, 4)}
    return Verification(frame, collateral, _post_frame(post_records), stats)


def _row_columns() -> tuple[str, ...]:
    return ("order_id", "account_id", "instrument_id", "symbol", "side", "order_type", "orig_quantity",
            "quantity", "quantity_executed", "previewed", "final_state", "change_reason", "outcome",
            "verified_at")


def _collateral(poller: _Poller, outside: pd.DataFrame, last_records: dict[int, list[dict[str, Any]]]
                ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Outside orders that were open before the send and are Canceled (or unreadable) now."""
    rows: list[dict[str, Any]] = []
    post: dict[int, list[dict[str, Any]]] = dict(last_records)
    if len(outside):
        accounts = sorted({int(a) for a in outside["account_id"]})
        replies = poller.open_orders(accounts)
        for account in accounts:
            group = outside[outside["account_id"] == account]
            recs = replies.get(account)
            if recs is None:
                continue
            post[account] = recs
            open_ids = {int(r.get("orderid", -1)) for r in recs}
            gone = [int(o) for o in group["order_id"] if int(o) not in open_ids]
            if not gone:
                continue
            info = {int(r["order_id"]): r for r in _records(group)}
            states = poller.final_states(account, gone, _oldest(info, gone))
            now = pd.Timestamp.now(tz="UTC")
            for oid in gone:
                rec = states.get(oid)
                state = rec.get("orderstate") if rec else None
                if state in (None, "Canceled"):
                    rows.append(_row({**info[oid], "previewed": False}, rec,
                                     "canceled" if state else "unknown", now))
    frame = typed_result(pd.DataFrame(rows, columns=list(_row_columns())))
    return frame, [r for recs in post.values() for r in recs]


def _post_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    from apex_notebook.frames import orders_frame

    frame = orders_frame(records)
    frame.attrs["taken_at"] = pd.Timestamp.now(tz="UTC").isoformat()
    return frame


def split_pre_send(scope: CancelScope, preview: pd.DataFrame, pre_send: pd.DataFrame, *, mode: str,
                   drift_accepted: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(targets, outside, added, removed)`` from the preview and the pre-send snapshot.

    Targets are the previewed orders, plus (``cancel_all`` mode with drift accepted) the orders that
    entered the scope since the preview (``previewed=False``). Outside is the rest of the pre-send
    snapshot: the collateral baseline.
    """
    mask = scope.mask(pre_send)
    now_in = pre_send[mask]
    planned = set(int(i) for i in preview["order_id"])
    current = set(int(i) for i in now_in["order_id"])
    added = now_in[~now_in["order_id"].isin(list(planned))].reset_index(drop=True)
    removed = preview[~preview["order_id"].isin(list(current))].reset_index(drop=True)
    targets = preview.assign(previewed=True)
    if drift_accepted and mode == "cancel_all" and len(added):
        targets = pd.concat([targets, added.assign(previewed=False)], ignore_index=True)
    return targets, pre_send[~mask].reset_index(drop=True), added, removed


def reconcile_execution(client: Any, journal: Journal, execution_id: str, *, verify_timeout: float,
                        poll_interval: float) -> CancelResult:
    """Finish one ``in_flight`` execution of ``journal`` by verifying its orders now."""
    executions = journal.executions()
    latest = _records(executions[executions["execution_id"] == execution_id])[-1]
    account, instrument = int(latest["account_id"]), int(latest["instrument_id"])
    scope = CancelScope(account or ALL, instrument or ALL, oms_id=int(latest["oms_id"]))
    mode = str(latest["mode"])
    drift = latest["drift"] or {}
    targets, outside, _, _ = split_pre_send(scope, journal.snapshot(execution_id, "preview"),
                                            journal.snapshot(execution_id, "pre_send"), mode=mode,
                                            drift_accepted=bool(drift.get("accepted")))
    ack = latest["ack"] or {"status": "unknown", "note": "the process died before the ack was recorded"}
    journal.event(execution_id, "reconcile", {"targets": len(targets)})
    found = verify_orders(client, oms_id=scope.oms_id, targets=targets, outside=outside,
                          timeout=verify_timeout, poll_interval=poll_interval, execution_id=execution_id,
                          on_poll=lambda d: journal.event(execution_id, "poll", d))
    summary = summarise(found.orders, found.collateral, ack=ack, mode=mode, drift=drift, stats=found.stats,
                        timings={"reconciled_at": pd.Timestamp.now(tz="UTC").isoformat()})
    result = CancelResult(execution_id, found.orders, found.collateral, summary, str(latest["scope_text"]))
    journal.finish(result, found.post_open, note="reconciled")
    append = getattr(client, "_append_result", None)
    if append is not None:
        append(result.orders)
    return result
