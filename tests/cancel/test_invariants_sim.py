"""DESIGN §2.2 and §2.5 checked at the wire: write-ahead before the bytes leave, no re-sent cancel."""

from __future__ import annotations

import httpx
import pytest
from sim_session import connect, run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import PlanError


class JournalCheckingTransport(httpx.BaseTransport):
    """Reads the journal through a *new* connection at the moment a cancel request reaches the wire."""

    def __init__(self, inner: httpx.BaseTransport, path: str) -> None:
        self.inner, self.path = inner, path
        self.seen: list[list[str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.lower().endswith(("/cancelallorders", "/cancelorder")):
            other = Journal(self.path)
            try:
                self.seen.append(list(other.executions(all_states=True)["state"]))
            finally:
                other.close()
        return self.inner.handle_request(request)


def test_intent_is_durable_before_the_cancel_reaches_the_wire(sim: FakeOMS, journal: Journal,
                                                              clock: ManualClock) -> None:
    wire = JournalCheckingTransport(sim.transport(), journal.path)
    client = connect(sim)
    client._http._transport = wire   # the transport under the real Client, auth and rpc included
    plan = client.preview(CancelScope(9, ALL))
    run(client, plan, journal, clock)
    assert wire.seen == [["in_flight"]]


def test_exact_mode_sends_each_cancel_once_even_when_replies_are_lost(sim: FakeOMS, journal: Journal,
                                                                      clock: ManualClock) -> None:
    client = connect(sim, timeout=0.05)
    plan = client.preview(CancelScope(9, 1))
    sim.faults.hang_next("CancelOrder", 5.0, times=plan.count)   # every cancel lands, every reply is lost
    result = run(client, plan, journal, clock, mode="exact")
    assert sorted(c["OrderId"] for c in sent(sim, "CancelOrder")) == sorted(plan.order_ids)
    assert result.summary["ack_status"] == "unknown" and result.summary["canceled"] == plan.count


def test_accepted_drift_is_in_the_journal(sim: FakeOMS, journal: Journal, clock: ManualClock) -> None:
    client = connect(sim)
    plan = client.preview(CancelScope(9, 1))
    gone = min(plan.order_ids)
    client.call("CancelOrder", AccountId=9, OrderId=gone)
    new = sim.place_order(9, 1)
    result = run(client, plan, journal, clock, accept_drift=True)
    drift = journal.executions()["drift"].iloc[0]
    assert drift["accepted"] and drift["added_ids"] == [new] and drift["removed_ids"] == [gone]
    assert result.summary["drift_accepted"]


def test_a_plan_runs_only_in_the_session_that_previewed_it(sim: FakeOMS, journal: Journal, clock: ManualClock,
                                                           ops: Client, trader: Client) -> None:
    """Another user's plan would be journalled under the previewer's name: refused, nothing sent."""
    plan = trader.preview(CancelScope(9, ALL))
    with pytest.raises(PlanError, match=r"previewed by 'trader'.*this client is 'ops'"):
        run(ops, plan, journal, clock)
    assert sent(sim, "CancelAllOrders") == [] and journal.executions().empty
    assert not plan.executed
    result = run(trader, plan, journal, clock)   # the previewing session still can
    assert result.summary["canceled"] == plan.count
    assert list(journal.executions()["username"]) == ["trader"]
