"""Collateral after the send, without delaying it (DESIGN §2.3; ``collateral.py``), against the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from sim_session import run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.clock import CLOCK_SLACK, GatewayClock
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import PlanError, ServerError


def before_send(sim: FakeOMS, since: int) -> list[Any]:
    """The requests sent after index ``since`` up to (not including) the CancelAllOrders."""
    calls = sim.requests[since:]
    first = next(i for i, c in enumerate(calls) if c.name == "CancelAllOrders")
    return calls[:first]


@pytest.mark.parametrize("delay", [0.0, 0.7, 3.0])
def test_widened_cancel_with_delay_is_collateral_even_when_it_lands_after_the_targets(
        *, sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock, delay: float) -> None:
    sim.config.instrument_key, sim.config.cancel_delay = "none", delay
    plan = ops.preview(CancelScope(9, 1))
    late = {sim.place_order(9, 2, price=50.0, quantity=2.0) for _ in range(3)}  # highest ids: land last
    other = sim.open_order_ids(9) - sim.open_order_ids(9, 1)
    assert late <= other
    result = run(ops, plan, journal, clock, verify_timeout=10.0)
    assert set(result.collateral["order_id"]) == other and result.summary["collateral"] == len(other)
    assert result.summary["canceled"] == plan.count and not result.ok
    assert result.summary["collateral_complete"] and result.summary["collateral_window_start"]
    row = result.collateral.set_index("order_id").loc[min(late)]
    assert (row["account_id"], row["instrument_id"], row["symbol"], row["side"], row["final_state"],
            row["orig_quantity"], bool(row["previewed"])) == (9, 2, "ETHUSD", "Buy", "Canceled", 2.0, False)
    stored = journal.outcomes(result.execution_id, kind="collateral")
    assert set(stored["order_id"]) == other and (stored["final_state"] == "Canceled").all()
    details = journal.snapshot(result.execution_id, "collateral").set_index("order_id")
    assert set(details.index) == other and details.loc[min(late), "price"] == 50.0
    assert "collateral" in list(journal.timeline(result.execution_id)["kind"])
    assert len(sent(sim, "CancelAllOrders")) == 1


@pytest.mark.parametrize("key_mode", ["both", "InstrumentId", "IntrumentId"])
def test_no_collateral_when_the_gateway_honours_the_key(*, sim: FakeOMS, ops: Client, journal: Journal,
                                                       clock: ManualClock, key_mode: str) -> None:
    sim.config.instrument_key, sim.config.cancel_delay = key_mode, 1.5
    plan = ops.preview(CancelScope(9, 1))
    result = run(ops, plan, journal, clock)
    assert result.collateral.empty and result.ok and result.summary["collateral_checks"] >= 1


def test_a_cancel_made_before_the_send_is_not_collateral(sim: FakeOMS, ops: Client, journal: Journal,
                                                         clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    earlier = min(sim.open_order_ids(10))
    ops.call("CancelOrder", AccountId=10, OrderId=earlier)   # someone else's cancel, a second earlier
    clock.advance(1.0)
    result = run(ops, plan, journal, clock)
    assert result.collateral.empty and result.ok


def test_before_the_send_only_the_scope_accounts_are_read(sim: FakeOMS, ops: Client, journal: Journal,
                                                          clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    since = len(sim.requests)
    run(ops, plan, journal, clock)
    early = before_send(sim, since)
    assert {c.name for c in early} <= {"GetInstruments", "GetOpenOrders"}
    assert [c.payload["AccountId"] for c in early if c.name == "GetOpenOrders"] == [9]
    # collateral in every visible account is looked at, but only after the send
    later = sim.requests[since + len(early):]
    assert {c.payload["AccountId"] for c in later if c.name == "GetOrdersHistory"} == set(sim.catalog.accounts)


def test_all_accounts_scope_reads_each_account_once_before_the_send(sim: FakeOMS, ops: Client,
                                                                    journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(ALL, 1))
    since = len(sim.requests)
    run(ops, plan, journal, clock)
    reads = [c.payload["AccountId"] for c in before_send(sim, since) if c.name == "GetOpenOrders"]
    assert sorted(reads) == sorted(sim.catalog.accounts)


def test_touched_bounds_collateral_to_the_plan_accounts(sim: FakeOMS, ops: Client, journal: Journal,
                                                        clock: ManualClock) -> None:
    sim.config.instrument_key = "none"
    other = sim.open_order_ids(9) - sim.open_order_ids(9, 1)
    plan = ops.preview(CancelScope(9, 1))
    since = len(sim.requests)
    result = run(ops, plan, journal, clock, collateral="touched")
    assert set(result.collateral["order_id"]) == other
    names = {c.name for c in sim.requests[since:]}
    assert "GetAllAccountPositions" not in names
    assert {c.payload["AccountId"] for c in sim.requests[since:] if c.name == "GetOrdersHistory"} == {9}
    assert result.summary["collateral_scope"] == "touched" and result.summary["collateral_accounts"] == 1


def test_unknown_collateral_option_is_refused_before_anything(sim: FakeOMS, ops: Client, journal: Journal,
                                                              clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    with pytest.raises(PlanError, match="collateral"):
        run(ops, plan, journal, clock, collateral="none")
    assert sent(sim, "CancelAllOrders") == [] and not plan.executed


def test_an_unreadable_account_makes_collateral_incomplete_not_empty(sim: FakeOMS, ops: Client,
                                                                     journal: Journal, clock: ManualClock) -> None:
    class HistoryDownFor10:
        def __init__(self, inner: Client) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

        def call(self, name: str, **payload: Any) -> Any:
            if name == "GetOrdersHistory" and payload.get("AccountId") == 10:
                raise ServerError("down", call=name)
            return self._inner.call(name, **payload)

    plan = ops.preview(CancelScope(9, 1))
    result = run(HistoryDownFor10(ops), plan, journal, clock)
    assert result.summary["canceled"] == plan.count and result.collateral.empty
    assert not result.summary["collateral_complete"] and 10 in result.summary["collateral_unchecked"]
    assert not result.ok and "INCOMPLETE" in result._repr_html_()


def test_empty_plan_reads_no_collateral(sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    for oid in sim.open_order_ids(9, 1):
        ops.call("CancelOrder", AccountId=9, OrderId=oid)
    plan = ops.preview(CancelScope(9, 1))
    since = len(sim.requests)
    result = run(ops, plan, journal, clock)
    assert result.summary["ack_status"] == "noop" and result.summary["collateral_checks"] == 0
    assert not any(c.name == "GetOrdersHistory" for c in sim.requests[since:])


def test_gateway_clock_is_a_lower_bound_of_the_send_time() -> None:
    clock = GatewayClock(sent_at=100.0)
    assert clock.start is None
    clock.observe([{"lastupdatedtime": 5_000_000, "receivetime": 4_000_000}], read_at=90.0)  # before send
    assert clock.start == pytest.approx(5_000.0 - CLOCK_SLACK)   # never moved forward by local time
    clock.observe([{"lastupdatedtime": 6_000_500}], read_at=100.5)    # a cancel seen 0.5 s after the send
    assert clock.start == pytest.approx(6_000.0 - CLOCK_SLACK)
    clock.observe([{"lastupdatedtime": 1_000}], read_at=101.0)        # an old stamp never lowers it
    assert clock.start == pytest.approx(6_000.0 - CLOCK_SLACK)
    blind = GatewayClock(sent_at=None, start=42.0)
    blind.observe([{"lastupdatedtime": 9_999_999_999}], read_at=1.0)
    assert blind.start == pytest.approx(42.0 - CLOCK_SLACK)
