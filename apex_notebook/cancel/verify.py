"""Verification after a cancel: don't trust the ack (DESIGN §2.4); account for every cancel (§2.5).

:func:`verify_orders` reads, after the send, what the gateway changed in the *execution window*
(``window.py``: ``GetOrdersHistory`` bounded by the window, concurrently) until every target is
terminal or the time budget ends. Each target gets its outcome from its newest record:
``canceled`` / ``filled_before_cancel`` / ``unknown`` (another terminal state, e.g. Expired);
targets that a poll's window read did not settle are looked up in ``GetOpenOrders`` (and, if gone,
``GetOrderStatus``); targets still pending at the end are looked up once more (``still_open`` if
open); a failed read never counts as
terminal (``unknown``). The post-verify state is the pre-send state plus what the window reads saw.
Every *other* order cancelled in the window is unplanned (in scope) or collateral (outside it)
(``accounting.py``).

Polls run at a fixed rate: poll ``n`` starts ``n x poll_interval`` after the first (a poll's own work
does not stretch the period), or at once when a poll took longer than the interval.

The window closes when every target is terminal, ``collateral_watch`` seconds have passed since the
send, and -- if the send *can widen* (a CancelAllOrders naming one instrument, whose key a gateway
may ignore) -- twice as long as the targets took to land (gateway time), so a widened cancel whose
cancels land spread over time is still seen. The budget's end closes it too. Then every covered
account must have been read after the window closed (reads made earlier in the same pass count;
the rest are read again); a check that finds something new keeps the window open one more interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from apex_notebook.cancel.accounting import Accounting, Coverage
from apex_notebook.cancel.clock import GatewayClock
from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.cancel.result import typed_result
from apex_notebook.cancel.scope import CancelScope
from apex_notebook.cancel.targets import ROW_COLUMNS, TERMINAL, Targets, target_row
from apex_notebook.cancel.window import WindowReads, lower_keys, ms
from apex_notebook.frames.tables import orders_frame
from apex_notebook.wire.errors import ApexError

__all__ = ["Verification", "verify_orders"]

#: Gone targets looked up one by one (GetOrderStatus) per poll, at most.
STATUS_LOOKUPS: Final = 50
#: Above this many accounts to read in one poll, an Operator's whole-OMS read is used when allowed.
WHOLE_OMS_AT: Final = 20
_TOLERANCE: Final = 1e-6  # seconds; below this the budget is spent (float clocks cannot move by less)


@dataclass
class Verification:
    """What verification found: outcome rows per class, the orders still open at the end, counts."""

    orders: pd.DataFrame
    collateral: pd.DataFrame
    post_open: pd.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)
    collateral_orders: pd.DataFrame | None = None
    unplanned: pd.DataFrame | None = None
    unplanned_orders: pd.DataFrame | None = None


class _Verifier:
    """One verification's state and steps (see the module docstring)."""

    def __init__(self, client: CancelClient, scope: CancelScope, targets: pd.DataFrame, clock: GatewayClock, *,
                 coverage: Coverage, symbols: Mapping[int, str], monotonic: Callable[[], float]) -> None:
        self.client, self.scope, self.clock, self.coverage, self.monotonic = client, scope, clock, coverage, monotonic
        self.targets = Targets(targets)
        self.reads = WindowReads(client, scope.oms_id, clock, monotonic=monotonic)
        self.accounting = Accounting(scope, set(self.targets.info), symbols)
        self.open_requests = self.status_requests = self.checks = self.polls = self.max_open_per_poll = 0
        self.post_records: list[dict[str, Any]] = []
        self.enumerated = False

    # -- reads ---------------------------------------------------------------------------------------
    def read(self, accounts: set[int]) -> None:
        """Window reads of ``accounts``: one whole-OMS read when many and allowed, else one per account."""
        if self.coverage.whole_oms and len(accounts) > WHOLE_OMS_AT and self.reads.read_oms():
            return
        self.reads.read_accounts(accounts)

    def poll(self) -> None:
        """One poll: window reads of the accounts with pending targets, then their open orders."""
        self.polls += 1
        self.read(set(self.targets.pending.values()))
        self.targets.settle_from(self.reads.records)
        if self.targets.pending:
            self.open_orders_round(set(self.targets.pending.values()), final=False)

    def covered_accounts(self) -> set[int]:
        """The accounts every closing check must read (enumerated once, when first needed)."""
        if not self.enumerated and (self.coverage.mode == "visible" or self.coverage.whole_oms):
            self.enumerated = True
            try:
                self.coverage.enumerated = {int(a) for a in self.client.account_ids()}
            except ApexError as exc:
                self.coverage.enumeration_error = f"{type(exc).__name__}: {exc}"
        return self.coverage.accounts

    def close_check(self, closed_at: float) -> list[int]:
        """Make sure every covered account was read after ``closed_at``; return newly found orders."""
        self.checks += 1
        accounts = self.covered_accounts()
        use_oms = self.reads.oms_wide is not False and (
            self.coverage.whole_oms or (self.coverage.mode == "visible" and len(accounts) > WHOLE_OMS_AT))
        if use_oms and not (self.reads.oms_read_at is not None and self.reads.oms_read_at >= closed_at):
            self.reads.read_oms()
        if not (use_oms and self.reads.oms_wide):
            self.reads.read_accounts({a for a in accounts if not self.reads.fresh_since(a, closed_at)})
        self.targets.settle_from(self.reads.records)
        return self.accounting.sort(self.reads)

    def open_orders_round(self, accounts: set[int], *, final: bool) -> None:
        """``GetOpenOrders`` of ``accounts``: gone targets get their state from GetOrderStatus; at the end
        (``final``) targets still there are ``still_open`` and the orders form the post-verify state."""
        wanted = sorted(accounts)

        def one(account: int) -> list[dict[str, Any]] | None:
            try:
                reply = self.client.call("GetOpenOrders", OMSId=self.scope.oms_id, AccountId=account)
            except ApexError:
                return None
            return [lower_keys(r) for r in reply] if isinstance(reply, list) else None

        self.open_requests += len(wanted)
        self.max_open_per_poll = max(self.max_open_per_poll, len(wanted))
        with ThreadPoolExecutor(max_workers=max(1, min(self.client.max_concurrency, len(wanted) or 1))) as pool:
            replies = dict(zip(wanted, pool.map(one, wanted), strict=True))
        open_ids: set[int | None] = set()
        for recs in replies.values():
            if recs is not None:
                open_ids |= {ms(r.get("orderid")) for r in recs}
                if final:
                    self.post_records.extend(recs)
        gone = {oid: acct for oid, acct in self.targets.pending.items()
                if replies.get(acct) is not None and oid not in open_ids}
        self.status_lookups(gone)
        if final:
            now = pd.Timestamp.now(tz="UTC")
            by_id = {ms(r.get("orderid")): r for recs in replies.values() if recs for r in recs}
            for oid in [o for o in self.targets.pending if o in by_id]:
                self.targets.rows[oid] = target_row(self.targets.info[oid], by_id[oid], "still_open", now)
                del self.targets.pending[oid]

    def status_lookups(self, gone: Mapping[int, int]) -> None:
        """Gone targets that no history read showed: their final state from GetOrderStatus (a few a poll)."""
        for oid, account in list(gone.items())[:STATUS_LOOKUPS]:
            self.status_requests += 1
            try:
                reply = self.client.call("GetOrderStatus", OMSId=self.scope.oms_id, AccountId=account, OrderId=oid)
            except ApexError:
                continue
            rec = lower_keys(reply) if isinstance(reply, dict) else {}
            if rec.get("orderstate") in TERMINAL:
                self.targets.settle(oid, rec)
                if rec.get("orderstate") == "Canceled" and self.reads.in_window(rec):
                    self.reads.expect(oid, account, self.monotonic())

    # -- the window ----------------------------------------------------------------------------------
    def landing_seconds(self, local_t_target: float) -> float:
        """How long the targets took to land after the send: gateway time when known, else local."""
        start = self.clock.start
        if self.targets.landed_ms is None or start is None:
            return local_t_target
        return max(0.0, self.targets.landed_ms / 1000.0 - start)

    def stats(self, verify_seconds: float) -> dict[str, Any]:
        """Counts and coverage for the summary."""
        reads, coverage = self.reads, self.coverage
        whole = bool(coverage.whole_oms and reads.oms_wide)
        unchecked: dict[int | str, str] = {account: why for account, why in reads.unchecked.items()}
        if coverage.enumeration_error and not whole:
            unchecked["accounts"] = coverage.enumeration_error
        if self.checks and self.clock.start is None:
            unchecked["window"] = "no gateway timestamp was seen: the window start is unknown"
        complete = not unchecked
        note = None
        if coverage.whole_oms and not whole:
            note = ("the gateway refused a whole-OMS history read, so accounts its account enumeration did not "
                    "list could not be checked: an AccountId 0 cancel may have hit orders that are not reported")
            complete = False
        if not reads.bounded and reads.unbounded_reason:
            note = (note + "; " if note else "") + reads.unbounded_reason
        start = self.clock.start
        return {"open_orders_requests": self.open_requests, "history_requests": reads.requests,
                "status_requests": self.status_requests, "polls": self.polls,
                "max_open_requests_per_poll": self.max_open_per_poll,
                "verify_seconds": round(verify_seconds, 4),
                "collateral_scope": coverage.mode, "collateral_accounts": len(coverage.accounts),
                "collateral_checks": self.checks, "collateral_requests": reads.requests,
                "collateral_complete": not unchecked, "collateral_unchecked": unchecked,
                "collateral_window_start": None if start is None
                else pd.Timestamp(start, unit="s", tz="UTC").isoformat(),
                "coverage_complete": complete, "coverage_note": note, "whole_oms_read": whole,
                "history_window_bounded": reads.bounded}


def _close_at(watch: float, landing: float, t_found: float | None, poll_interval: float, *, widen: bool) -> float:
    """When (seconds after the send) the window may close: at least ``watch``; if the send can widen,
    twice as long as the targets took to land; one poll interval after new orders were found."""
    close = max(watch, 2 * landing) if widen else watch
    if t_found is not None:
        close = max(close, t_found + poll_interval, 2 * t_found if widen else 0.0)
    return close


def verify_orders(client: CancelClient, *, scope: CancelScope, targets: pd.DataFrame, timeout: float,
                  poll_interval: float, clock: GatewayClock, execution_id: str = "",
                  collateral: str = "visible", collateral_watch: float = 0.0,
                  symbols: Mapping[int, str] | None = None, watch_collateral: bool = True,
                  on_poll: Callable[[dict[str, Any]], None] | None = None,
                  sleep: Callable[[float], object] = time.sleep,
                  monotonic: Callable[[], float] = time.monotonic,
                  may_widen: bool | None = None, pre_send: pd.DataFrame | None = None) -> Verification:
    """Verify the targets and account for every cancel of the window; see the module docstring.

    ``clock`` relates gateway timestamps to ``monotonic`` (its ``sent_at`` is the send); ``sleep`` and
    ``monotonic`` must be the same clock (tests pass a ManualClock's ``advance`` and ``now``).
    ``may_widen``: whether the send could have hit orders outside the scope through an ignored
    instrument key (default: the scope names one instrument); False closes the window early.
    ``pre_send``: the orders of the scope's accounts just before the send; their accounts are covered
    too, and the post-verify state is derived from it.
    """
    touched = {int(a) for a in targets["account_id"]}
    if pre_send is not None and "account_id" in pre_send:
        touched |= {int(a) for a in pre_send["account_id"].dropna()}
    coverage = Coverage(mode=collateral, touched=touched, whole_oms=bool(scope.all_accounts))
    v = _Verifier(client, scope, targets, clock, coverage=coverage, symbols=symbols or {}, monotonic=monotonic)
    started = monotonic()
    origin = started if clock.sent_at is None else clock.sent_at
    widen = (not scope.all_instruments) if may_widen is None else may_widen
    t_target, t_found = 0.0, None
    while True:
        if v.targets.pending:
            settled = len(v.targets.rows)
            v.poll()
            if len(v.targets.rows) > settled:
                t_target = monotonic() - origin
            if on_poll is not None:
                left = max(0.0, timeout - (monotonic() - started))
                on_poll({"poll": v.polls, **v.targets.counts(), "seconds_left": round(left, 3),
                         "requests": {"history": v.reads.requests, "open_orders": v.open_requests}})
        elapsed, remaining = monotonic() - origin, timeout - (monotonic() - started)
        close_at = _close_at(collateral_watch, v.landing_seconds(t_target), t_found, poll_interval, widen=widen)
        if remaining <= _TOLERANCE or (not v.targets.pending and elapsed + _TOLERANCE >= close_at):
            if not watch_collateral:
                break
            new = v.close_check(origin + min(close_at, elapsed))
            if on_poll is not None:
                on_poll({"kind": "collateral", "check": v.checks, "new_order_ids": new,
                         "unplanned": len(v.accounting.unplanned), "collateral": len(v.accounting.collateral),
                         "unchecked": dict(v.reads.unchecked)})
            if not new or remaining <= _TOLERANCE:
                break
            t_found = elapsed
            close_at = _close_at(collateral_watch, v.landing_seconds(t_target), t_found, poll_interval, widen=widen)
        wait = started + v.polls * poll_interval - monotonic() if v.targets.pending else origin + close_at - monotonic()
        sleep(max(0.0, min(wait, remaining)))
    return _finish(v, execution_id, monotonic() - started, pre_send)


def _post_state(v: _Verifier, pre_send: pd.DataFrame | None) -> pd.DataFrame:
    """The open orders of the touched accounts after verification, without another full read.

    The pre-send state of those accounts plus every change the window reads saw (the newest record of
    each order changed in the window): what is still Working. Targets still pending at the end were
    looked up in ``GetOpenOrders`` and those records win.
    """
    accounts = set(v.coverage.touched)
    changed = {oid: rec for oid, rec in v.reads.records.items() if ms(rec.get("account")) in accounts}
    changed.update({oid: rec for rec in v.post_records if (oid := ms(rec.get("orderid"))) is not None})
    parts = [orders_frame([r.get("raw", r) for r in changed.values() if r.get("orderstate") == "Working"])]
    if pre_send is not None and len(pre_send):
        kept = pre_send[~pre_send["order_id"].isin(list(changed)) & pre_send["account_id"].isin(list(accounts))]
        parts.insert(0, kept[kept["order_state"].astype("string") == "Working"])
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[-1]
    frame.attrs["taken_at"] = pd.Timestamp.now(tz="UTC").isoformat()
    return frame


def _finish(v: _Verifier, execution_id: str, verify_seconds: float, pre_send: pd.DataFrame | None) -> Verification:
    """The last look (open orders of accounts with targets still pending) and the result frames."""
    if v.targets.pending:
        v.open_orders_round(set(v.targets.pending.values()), final=True)
    now = pd.Timestamp.now(tz="UTC")
    for oid in list(v.targets.pending):
        v.targets.rows[oid] = target_row(v.targets.info[oid], None, "unknown", now)
    frame = typed_result(pd.DataFrame([v.targets.rows[oid] for oid in v.targets.info], columns=list(ROW_COLUMNS)))
    frame["execution_id"] = pd.Series([execution_id] * len(frame), dtype="string")
    return Verification(frame, v.accounting.frame("collateral", execution_id, now), _post_state(v, pre_send),
                        v.stats(verify_seconds), v.accounting.orders("collateral"),
                        v.accounting.frame("unplanned", execution_id, now), v.accounting.orders("unplanned"))
