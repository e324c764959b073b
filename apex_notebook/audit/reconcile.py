"""Crash recovery: :func:`reconcile_execution` (``Journal.reconcile``).

It finishes an execution left ``in_flight`` by a process that died, by verifying its journalled
targets now. It reads the journal through :class:`ReconcileJournal` (the journal's readers and
writers it uses), so this module does not import the journal that calls it.
"""

from __future__ import annotations

from typing import Protocol

import pandas as pd

from apex_notebook.cancel.clock import GatewayClock
from apex_notebook.cancel.drift import split_pre_send
from apex_notebook.cancel.protocol import CancelClient, ExecutionJournal
from apex_notebook.cancel.result import CancelResult, summarise
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.cancel.verify import verify_orders
from apex_notebook.wire.errors import ApexError

__all__ = ["ReconcileJournal", "reconcile_execution"]


class ReconcileJournal(ExecutionJournal, Protocol):
    """The journal as reconcile uses it: the writers of execute, plus two readers."""

    def executions(self, *, all_states: bool = False) -> pd.DataFrame:
        """One row per execution (its latest state)."""

    def snapshot(self, execution_id: str, phase: str) -> pd.DataFrame:
        """The orders of one phase of one execution."""


def reconcile_execution(client: CancelClient, journal: ReconcileJournal, execution_id: str, *, verify_timeout: float,
                        poll_interval: float, collateral: str = "visible") -> CancelResult:
    """Finish one ``in_flight`` execution of ``journal`` by verifying its orders now.

    The send time is unknown after a crash: the collateral window starts at the newest gateway
    timestamp of the journalled pre-send snapshot (a looser, still safe, lower bound).
    """
    executions = journal.executions()
    latest = executions[executions["execution_id"] == execution_id].to_dict("records")[-1]
    account, instrument = int(latest["account_id"]), int(latest["instrument_id"])
    scope = CancelScope(account or ALL, instrument or ALL, oms_id=int(latest["oms_id"]))
    mode = str(latest["mode"])
    drift = latest["drift"] or {}
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
                          collateral=collateral, symbols=_symbols(client),
                          on_poll=lambda d: journal.event(execution_id, d.pop("kind", "poll"), d))
    summary = summarise(found.orders, found.collateral, ack=ack, mode=mode, drift=drift, stats=found.stats,
                        timings={"reconciled_at": pd.Timestamp.now(tz="UTC").isoformat()})
    result = CancelResult(execution_id, found.orders, found.collateral, summary, str(latest["scope_text"]))
    journal.finish(result, found.post_open, collateral=found.collateral_orders, note="reconciled")
    client._append_result(result.orders)
    return result


def _symbols(client: CancelClient) -> dict[int, str]:
    try:
        return dict(client.instrument_symbols())
    except ApexError:
        return {}
