"""DESIGN §2.1, §2.2, §2.3 and §2.7 against the simulator."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sim_session import run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import (
    AlreadyExecutedError,
    ConfirmationError,
    DriftError,
    NotAuthorizedError,
    NotPermittedError,
    PartialSnapshotError,
    PlanError,
    ScopeError,
)

# -- §2.1 no implicit all -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, True, 9.0, -9, "9", float("nan"), 2**63])
def test_bad_ids_are_refused_before_any_request(sim: FakeOMS, ops: Client, bad: object) -> None:
    before = len(sim.requests)
    with pytest.raises(ScopeError):
        ops.preview(CancelScope(bad, ALL))  # type: ignore[arg-type]
    with pytest.raises(ScopeError):
        ops.preview(CancelScope(9, bad))  # type: ignore[arg-type]
    assert len(sim.requests) == before


@pytest.mark.parametrize(("account", "instrument"), [(9, 1), (9, ALL), (ALL, 1), (ALL, ALL), (0, 0)])
def test_every_cancel_all_carries_account_and_both_instrument_spellings(
        *, sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock, account: object,
        instrument: object) -> None:
    plan = ops.preview(CancelScope(account, instrument))  # type: ignore[arg-type]
    run(ops, plan, journal, clock)
    (payload,) = sent(sim, "CancelAllOrders")
    expected_account = 0 if account in (ALL, 0) else account
    expected_instrument = 0 if instrument in (ALL, 0) else instrument
    assert payload["AccountId"] == expected_account
    assert payload["InstrumentId"] == payload["IntrumentId"] == expected_instrument
    assert payload["OMSId"] == 1


def test_account_zero_is_sent_only_for_all(sim: FakeOMS, ops: Client, journal: Journal,
                                           clock: ManualClock) -> None:
    for account in (9, 10, 11):
        run(ops, ops.preview(CancelScope(account, 2)), journal, clock)
    assert all(p["AccountId"] != 0 for p in sent(sim, "CancelAllOrders"))


# -- §2.2 preview is binding ---------------------------------------------------------------------


def test_plan_is_what_the_simulator_has_open(sim: FakeOMS, ops: Client) -> None:
    for scope in (CancelScope(9, ALL), CancelScope(ALL, 1), CancelScope(10, 2), CancelScope(ALL, ALL)):
        plan = ops.preview(scope)
        account = None if scope.all_accounts else scope.account_id
        instrument = None if scope.all_instruments else scope.instrument_id
        assert plan.order_ids == sim.open_order_ids(account, instrument)  # type: ignore[arg-type]


def test_refusals_before_the_send_leave_the_plan_usable(sim: FakeOMS, ops: Client, journal: Journal,
                                                         clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    with pytest.raises(ConfirmationError, match="type exactly"):
        run(ops, plan, journal, clock, confirm=plan.confirmation_phrase.lower())
    with pytest.raises(PlanError, match="reason"):
        run(ops, plan, journal, clock, reason="  ")
    with pytest.raises(PlanError, match="mode"):
        run(ops, plan, journal, clock, mode="everything")
    assert sent(sim, "CancelAllOrders") == [] and journal.executions().empty
    result = run(ops, plan, journal, clock)
    assert result.summary["canceled"] == plan.count


def test_a_plan_executes_at_most_once(sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    run(ops, plan, journal, clock)
    assert plan.executed
    with pytest.raises(AlreadyExecutedError):
        run(ops, plan, journal, clock)
    assert len(sent(sim, "CancelAllOrders")) == 1
    assert len(journal.executions()) == 1


def test_concurrent_executions_send_once(sim: FakeOMS, ops: Client, journal: Journal,
                                         clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        try:
            run(ops, plan, journal, clock)
            outcomes.append("ran")
        except AlreadyExecutedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ran", "refused", "refused", "refused"]
    assert len(sent(sim, "CancelAllOrders")) == 1


def test_drift_added_stops_the_execution_and_shows_the_difference(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    new_id = sim.place_order(9, 1, quantity=0.5, price=10.0)
    sim.place_order(9, 2)  # outside the scope: not drift
    with pytest.raises(DriftError) as info:
        run(ops, plan, journal, clock)
    assert info.value.added is not None and list(info.value.added["order_id"]) == [new_id]
    assert info.value.removed is not None and info.value.removed.empty
    assert f"1 added [{new_id}], 0 removed []. Nothing was sent" in str(info.value)
    assert sent(sim, "CancelAllOrders") == [] and journal.executions().empty and not plan.executed
    result = run(ops, plan, journal, clock, accept_drift=True)   # explicitly accepted: recorded
    assert result.summary["drift_accepted"] and result.summary["drift_added"] == 1
    row = result.orders.set_index("order_id").loc[new_id]
    assert not row["previewed"] and row["outcome"] == "canceled"
    assert result.summary["previewed"] == plan.count
    drift: dict[str, Any] = journal.executions().loc[0, "drift"]  # type: ignore[assignment]
    assert drift["accepted"] and drift["added_ids"] == [new_id]


def test_drift_removed_is_detected(sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    gone = sorted(plan.order_ids)[0]
    sim.fill(gone)
    with pytest.raises(DriftError) as info:
        run(ops, plan, journal, clock)
    assert info.value.removed is not None and list(info.value.removed["order_id"]) == [gone]
    result = run(ops, plan, journal, clock, accept_drift=True)
    assert result.orders.set_index("order_id").loc[gone, "outcome"] == "filled_before_cancel"


def test_empty_plan_is_a_recorded_noop(sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    run(ops, ops.preview(CancelScope(9, ALL)), journal, clock)
    plan = ops.preview(CancelScope(9, ALL))
    assert plan.count == 0 and plan.confirmation_phrase == "CANCEL 0 ORDERS ON ACCOUNT 9, ALL INSTRUMENTS"
    result = run(ops, plan, journal, clock)
    assert result.summary["ack_status"] == "noop" and result.orders.empty
    assert len(sent(sim, "CancelAllOrders")) == 1                 # only the first one
    states = journal.executions(all_states=True)
    assert list(states.loc[states["execution_id"] == result.execution_id, "state"]) == [
        "in_flight", "noop", "done"]


# -- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["refuse", "associated"])
def test_trading_user_all_accounts_plan_cannot_execute(sim: FakeOMS, trader: Client, journal: Journal,
                                                      clock: ManualClock, mode: str) -> None:
    sim.config.trading_all_accounts = mode
    plan = trader.preview(CancelScope(ALL, 1))
    assert not plan.executable and "Not Authorized" in (plan.refusal or "")
    with pytest.raises(NotPermittedError):
        run(trader, plan, journal, clock)
    unassociated = trader.preview(CancelScope(11, ALL))
    assert not unassociated.executable
    with pytest.raises(NotPermittedError):
        run(trader, unassociated, journal, clock)
    # Refused as not permitted even with a wrong phrase: the real reason comes first.
    with pytest.raises(NotPermittedError, match="nothing was sent"):
        run(trader, unassociated, journal, clock, confirm="whatever")
    assert sent(sim, "CancelAllOrders") == []


def test_trading_user_can_cancel_its_account(sim: FakeOMS, trader: Client, journal: Journal,
                                             clock: ManualClock) -> None:
    plan = trader.preview(CancelScope(10, ALL))
    result = run(trader, plan, journal, clock)
    assert result.summary["canceled"] == plan.count > 0 and result.summary["collateral"] == 0
    assert sim.open_order_ids(10) == set() and sim.open_order_ids(9)


def test_read_only_user_plan_cannot_execute(sim: FakeOMS) -> None:
    from sim_session import connect

    viewer = connect(sim, "viewer")
    plan = viewer.preview(CancelScope(9, ALL))
    assert not plan.executable


# -- §2.7 a failed fetch is never an empty frame -------------------------------------------------


def test_partial_snapshot_refuses_preview(sim: FakeOMS, ops: Client) -> None:
    sim.faults.fail_next("GetOpenOrders", 20)
    with pytest.raises(PartialSnapshotError):
        ops.preview(CancelScope(ALL, 1))


def test_partial_pre_send_snapshot_refuses_execution(sim: FakeOMS, ops: Client, journal: Journal,
                                                     clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    sim.faults.fail_next("GetOpenOrders", 20)
    with pytest.raises(NotAuthorizedError) as info:   # a single account re-raises its own error
        run(ops, plan, journal, clock)
    assert any("NOTHING was sent" in note for note in info.value.__notes__)
    assert sent(sim, "CancelAllOrders") == [] and journal.executions().empty and not plan.executed
    assert run(ops, plan, journal, clock).summary["canceled"] == plan.count


def test_partial_pre_send_snapshot_of_an_all_accounts_scope_refuses_execution(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(ALL, 1))
    sim.faults.fail_next("GetOpenOrders", 102)
    with pytest.raises(PartialSnapshotError) as info:
        run(ops, plan, journal, clock)
    assert len(info.value.failed_accounts) == 1
    assert sent(sim, "CancelAllOrders") == [] and journal.executions().empty and not plan.executed
