"""The journal as evidence around the send: refused attempts are journalled; a journal that fails after
the send never hides that the cancel went out (DESIGN §2.6)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sim_session import run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import (
    ConfirmationError,
    DriftError,
    NotPermittedError,
    PlanError,
    SentButNotJournalledError,
)


def test_a_wrong_phrase_is_journalled_as_refused_without_what_was_typed(ops: Client, journal: Journal,
                                                                       clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    with pytest.raises(ConfirmationError):
        run(ops, plan, journal, clock, confirm="CANCEL EVERYTHING hunter2")
    refusals = journal.refusals()
    assert list(refusals["kind"]) == ["confirmation"]
    row = refusals.iloc[0]
    assert row["phrase_matched"] is False or not bool(row["phrase_matched"])
    assert row["plan_id"] == plan.plan_id and row["username"] == "ops"
    assert "hunter2" not in refusals.to_csv()
    assert journal.executions().empty                                  # nothing was sent, no execution


def test_drift_is_journalled_with_the_added_and_removed_ids(sim: FakeOMS, ops: Client, journal: Journal,
                                                           clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    gone = min(plan.order_ids)
    ops.call("CancelOrder", AccountId=9, OrderId=gone)
    new = sim.place_order(9, 1)
    with pytest.raises(DriftError):
        run(ops, plan, journal, clock)
    row = journal.refusals().iloc[-1]
    assert row["kind"] == "drift"
    assert list(row["drift_added_ids"]) == [new] and list(row["drift_removed_ids"]) == [gone]
    assert sent(sim, "CancelAllOrders") == []


def test_not_permitted_and_missing_reason_are_journalled(sim: FakeOMS, trader: Client, ops: Client,
                                                        journal: Journal, clock: ManualClock) -> None:
    with pytest.raises(NotPermittedError):
        run(trader, trader.preview(CancelScope(11, ALL)), journal, clock)
    with pytest.raises(PlanError, match="reason is required"):
        run(ops, ops.preview(CancelScope(9, 1)), journal, clock, reason="  ")
    assert list(journal.refusals()["kind"]) == ["not_permitted", "reason_missing"]


class FailingAfterSend:
    """A journal whose disk fails right after the intent is written (before the ack is recorded)."""

    def __init__(self, inner: Journal) -> None:
        self._inner = inner
        self.path = inner.path

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def state(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    def event(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    def finish(self, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("disk I/O error")


def test_a_journal_failure_after_the_send_says_the_cancel_was_sent_and_still_verifies(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    with pytest.raises(SentButNotJournalledError) as info:
        run(ops, plan, FailingAfterSend(journal), clock)  # type: ignore[arg-type]
    error = info.value
    assert "WAS SENT" in str(error) and journal.path in str(error) and "disk I/O error" in str(error)
    assert "Do NOT execute it again" in str(error)
    result = error.cancel_result
    assert result is not None and result.summary["canceled"] == plan.count    # verification still ran
    assert result.journal_path is None
    assert len(sent(sim, "CancelAllOrders")) == 1 and plan.executed
    assert journal.in_flight() == [error.execution_id]                 # the intent is there, to reconcile
    (late,) = journal.reconcile(ops, verify_timeout=0.2, poll_interval=0.05)
    assert late.summary["canceled"] == plan.count and len(sent(sim, "CancelAllOrders")) == 1
