"""Crash recovery: :func:`reconcile` finishes executions a dead kernel left ``in_flight`` (DESIGN §2.6).

Each unfinished execution is verified now, against the journalled targets, and finished -- but only:

* **by the gateway and user that wrote it**: an execution journalled by another user, or on another
  gateway, is left untouched (its order ids mean nothing on this gateway) and listed with the reason;
* **when something could be verified**: if every read failed (all outcomes ``unknown``) the execution
  is NOT finished -- an ``unverified`` event is journalled and it stays reconcilable;
* **exactly once**: a lease recorded in the journal keeps two reconcilers off one execution, and the
  journal refuses a second ``done`` for it.

Outcomes found this way carry ``verified_late=True``. Nothing is ever re-sent. The send time is
unknown after a crash: the window starts at the newest gateway timestamp of the journalled pre-send
snapshot (a looser, still safe, lower bound). The journal is read and written through
:class:`ReconcileJournal`, so this module does not import the journal that calls it.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pandas as pd

from apex_notebook.cancel.clock import GatewayClock
from apex_notebook.cancel.drift import split_pre_send
from apex_notebook.cancel.protocol import CancelClient, ExecutionJournal
from apex_notebook.cancel.result import CancelResult, summarise
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.cancel.verify import Verification, verify_orders
from apex_notebook.wire.errors import ApexError, JournalError
from apex_notebook.wire.settings import safe_url

__all__ = ["ReconcileJournal", "ReconcileReport", "reconcile", "reconcile_execution"]

#: Seconds a reconcile lease lasts beyond the verification budget (a dead reconciler's lease expires).
LEASE_MARGIN = 60.0


class ReconcileJournal(ExecutionJournal, Protocol):
    """The journal as reconcile uses it: the writers of execute, readers, and leases."""

    def executions(self, *, all_states: bool = False) -> pd.DataFrame:
        """One row per execution (its latest state)."""

    def snapshot(self, execution_id: str, phase: str) -> pd.DataFrame:
        """The orders of one phase of one execution."""

    def in_flight(self) -> list[str]:
        """Executions not finished."""

    def acquire_lease(self, execution_id: str, holder: str, seconds: float) -> bool:
        """Take the reconcile lease of one execution, or False if another holder has it (or it is done)."""

    def release_lease(self, execution_id: str, holder: str) -> bool:
        """Give the lease back."""


@dataclass
class ReconcileReport:
    """What one reconcile did: finished results, and every execution it left alone, with why."""

    results: list[CancelResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _holder(client: CancelClient) -> str:
    return f"{client.username}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _not_ours(latest: Mapping[str, Any], client: CancelClient) -> str | None:
    """Why this client may not reconcile the execution (another user or gateway), or None."""
    user, url = str(latest.get("username") or ""), str(latest.get("base_url") or "")
    here_user, here_url = client.username, safe_url(client.base_url)
    if (user and user != here_user) or (url and url.rstrip("/") != here_url.rstrip("/")):
        return (f"journalled by user {user!r} on {url}; this client is {here_user!r} on {here_url}. Its order "
                "ids mean nothing elsewhere: reconcile it with a client of that user on that gateway")
    return None


def reconcile(client: CancelClient, journal: ReconcileJournal, *, verify_timeout: float, poll_interval: float,
              collateral: str = "visible", lease_seconds: float | None = None) -> ReconcileReport:
    """Reconcile every unfinished execution of ``journal`` this client may reconcile (module docstring).

    ``lease_seconds`` (default: the budget plus :data:`LEASE_MARGIN`): how long a reconciler that dies
    keeps others off an execution.
    """
    report = ReconcileReport()
    latest_rows = {str(r["execution_id"]): {str(k): v for k, v in r.items()}
                   for r in journal.executions().to_dict("records")}
    for eid in journal.in_flight():
        why = _not_ours(latest_rows.get(eid, {}), client)
        if why is not None:
            report.skipped[eid] = why
            continue
        holder = _holder(client)
        lease = verify_timeout + LEASE_MARGIN if lease_seconds is None else lease_seconds
        if not journal.acquire_lease(eid, holder, lease):
            report.skipped[eid] = "another process is reconciling it now (it holds the journal's lease)"
            continue
        try:
            result, why = _reconcile_one(client, journal, eid, verify_timeout=verify_timeout,
                                         poll_interval=poll_interval, collateral=collateral)
        finally:
            journal.release_lease(eid, holder)
        if result is not None:
            report.results.append(result)
        else:
            report.skipped[eid] = why
    return report


def reconcile_execution(client: CancelClient, journal: ReconcileJournal, execution_id: str, *,
                        verify_timeout: float, poll_interval: float, collateral: str = "visible") -> CancelResult:
    """Finish one unfinished execution (no lease, no identity check: :func:`reconcile` does those)."""
    result, why = _reconcile_one(client, journal, execution_id, verify_timeout=verify_timeout,
                                 poll_interval=poll_interval, collateral=collateral)
    if result is None:
        raise JournalError(f"execution {execution_id} was not reconciled: {why}",
                           path=str(getattr(journal, "path", "")))
    return result


def _reconcile_one(client: CancelClient, journal: ReconcileJournal, execution_id: str, *, verify_timeout: float,
                   poll_interval: float, collateral: str) -> tuple[CancelResult | None, str]:
    executions = journal.executions()
    latest = executions[executions["execution_id"] == execution_id].to_dict("records")[-1]
    account, instrument = int(latest["account_id"]), int(latest["instrument_id"])
    scope = CancelScope(account or ALL, instrument or ALL, oms_id=int(latest["oms_id"]))
    mode, drift = str(latest["mode"]), latest["drift"] or {}
    pre_send = journal.snapshot(execution_id, "pre_send")
    targets, _, _ = split_pre_send(scope, journal.snapshot(execution_id, "preview"), pre_send, mode=mode,
                                   drift_accepted=bool(drift.get("accepted")))
    clock = GatewayClock(sent_at=0.0)
    clock.observe_frame(pre_send, 0.0)
    clock.sent_at = None  # later reads cannot be related to the (unknown) send time
    ack = latest["ack"] or {"status": "unknown", "note": "the process died before the ack was recorded"}
    journal.event(execution_id, "reconcile", {"targets": len(targets)})
    found = verify_orders(client, scope=scope, targets=targets, timeout=verify_timeout,
                          poll_interval=poll_interval, clock=clock, execution_id=execution_id,
                          collateral=collateral, symbols=_symbols(client), pre_send=pre_send,
                          on_poll=lambda d: journal.event(execution_id, d.pop("kind", "poll"), d))
    if len(found.orders) and bool((found.orders["outcome"] == "unknown").all()):
        why = ("nothing could be verified (every read failed): it stays unfinished, to be reconciled again when "
               "the gateway answers")
        journal.event(execution_id, "unverified", {"note": why, "targets": len(targets)})
        return None, why
    result = _late_result(execution_id, found, ack=ack, mode=mode, drift=drift, description=str(latest["scope_text"]),
                          journal_path=getattr(journal, "path", None))
    try:
        journal.finish(result, found.post_open, collateral=found.collateral_orders,
                       unplanned=found.unplanned_orders, note="reconciled")
    except JournalError as exc:
        return None, f"not finished here: {exc}"
    client._append_result(result.orders)
    return result, ""


def _late(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    out = frame.copy()
    out["verified_late"] = pd.array([True] * len(out), dtype="boolean")
    return out


def _late_result(execution_id: str, found: Verification, *, ack: Mapping[str, Any], mode: str,
                 drift: Mapping[str, Any], description: str, journal_path: str | None) -> CancelResult:
    """The result of a late verification: every row says ``verified_late``."""
    orders, collateral, unplanned = _late(found.orders), _late(found.collateral), _late(found.unplanned)
    summary = summarise(orders, collateral, ack=ack, mode=mode, drift=drift, stats=found.stats,
                        timings={"reconciled_at": pd.Timestamp.now(tz="UTC").isoformat()}, unplanned=unplanned)
    result = CancelResult(execution_id, orders, collateral, {**summary, "verified_late": True}, description)
    return replace(result, unplanned=unplanned, journal_path=journal_path)


def _symbols(client: CancelClient) -> dict[int, str]:
    try:
        return dict(client.instrument_symbols())
    except ApexError:
        return {}
