"""Every cancelled order accounted for (DESIGN §2.5): unplanned, coverage, the mass-cancel report."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from sim_session import run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.progress import StillOpenWarning
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock


class RunawayAlgo:
    """A client that lets a runaway algorithm place orders between the drift check and the send."""

    def __init__(self, inner: Client, sim: FakeOMS, places: list[tuple[int, int]]) -> None:
        self._inner, self._sim, self._places = inner, sim, places
        self.arrived: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send_cancel_all(self, plan: CancelPlan) -> Any:
        self.arrived = [self._sim.place_order(a, i, price=77.0) for a, i in self._places]
        return self._inner.send_cancel_all(plan)


def test_an_order_arriving_after_the_drift_check_is_unplanned_and_reported_everywhere(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    algo = RunawayAlgo(ops, sim, [(9, 1), (9, 1)])
    result = run(algo, plan, journal, clock)
    late = set(algo.arrived)
    assert late and not (late & sim.open_order_ids())                 # the gateway cancelled them
    assert set(result.unplanned["order_id"]) == late                  # ... and the result says so
    assert result.summary["unplanned"] == 2 and result.summary["canceled"] == plan.count
    assert result.summary["affected"] == plan.count + 2               # not just the preview count
    assert not result.ok
    assert result.collateral.empty and set(result.orders["order_id"]) == set(plan.order_ids)
    report = result.report()
    assert report["total_affected"] == plan.count + 2
    assert set(report["affected_order_ids"]["unplanned"]) == late
    assert set(report["affected_order_ids"]["targets"]) == set(plan.order_ids)
    assert "unplanned" in result._repr_html_().lower()
    stored = journal.outcomes(result.execution_id, kind="unplanned")
    assert set(stored["order_id"]) == late
    as_read = journal.snapshot(result.execution_id, "unplanned").set_index("order_id")
    assert set(as_read.index) == late and (as_read["price"] == 77.0).all()      # priced, for the post-mortem


def test_unplanned_and_collateral_are_told_apart(sim: FakeOMS, ops: Client, journal: Journal,
                                                 clock: ManualClock) -> None:
    sim.config.instrument_key = "none"                                # the gateway ignores the instrument
    plan = ops.preview(CancelScope(9, 1))
    algo = RunawayAlgo(ops, sim, [(9, 1), (9, 2)])
    outside = sim.open_order_ids(9) - sim.open_order_ids(9, 1)
    result = run(algo, plan, journal, clock)
    in_scope_late, outside_late = algo.arrived
    assert set(result.unplanned["order_id"]) == {in_scope_late}
    assert set(result.collateral["order_id"]) == outside | {outside_late}
    every = set(result.orders["order_id"]) | set(result.unplanned["order_id"]) | set(result.collateral["order_id"])
    assert result.summary["affected"] == len(every) == plan.count + 1 + len(outside) + 1


def test_an_account_the_enumeration_misses_is_still_covered_by_a_whole_oms_read(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    hidden = 13
    sim.config.enumeration_hides = frozenset({hidden})
    assert hidden not in ops.account_ids()
    hidden_orders = sim.open_order_ids(hidden, 1)
    assert hidden_orders
    plan = ops.preview(CancelScope(ALL, 1))
    assert not set(plan.orders["account_id"]) & {hidden}
    result = run(ops, plan, journal, clock)
    assert not sim.open_order_ids(None, 1)                            # AccountId 0 took them all
    assert set(result.unplanned["order_id"]) == hidden_orders         # and none goes unreported
    assert result.summary["whole_oms_read"] and result.summary["coverage_complete"]
    assert not result.ok


def test_without_a_whole_oms_read_an_all_accounts_result_says_coverage_is_incomplete(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    sim.config.history_all_accounts = "refuse"
    plan = ops.preview(CancelScope(ALL, 1))
    result = run(ops, plan, journal, clock)
    assert result.summary["canceled"] == plan.count and result.summary["unplanned"] == 0
    assert not result.summary["coverage_complete"] and not result.ok
    assert "enumeration" in result.summary["coverage_note"]
    assert result.report()["coverage_complete"] is False


def test_one_account_scope_is_complete_without_a_whole_oms_read(sim: FakeOMS, ops: Client, journal: Journal,
                                                               clock: ManualClock) -> None:
    sim.config.history_all_accounts = "refuse"
    result = run(ops, ops.preview(CancelScope(9, ALL)), journal, clock, collateral="touched")
    assert result.ok and result.summary["coverage_complete"]


def test_a_gateway_filtering_history_on_receive_time_is_detected_and_read_whole(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    sim.config.history_time_field = "ReceiveTime"
    plan = ops.preview(CancelScope(9, 1))
    clock.advance(60.0)                                               # every order was received long ago
    algo = RunawayAlgo(ops, sim, [(9, 1)])
    result = run(algo, plan, journal, clock)
    assert result.summary["canceled"] == plan.count
    assert set(result.unplanned["order_id"]) == set(algo.arrived)
    assert result.summary["history_window_bounded"] is False
    assert "receive time" in result.summary["coverage_note"]


def test_post_send_history_reads_are_bounded_by_the_window(sim: FakeOMS, ops: Client, journal: Journal,
                                                          clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    since = len(sim.requests)
    run(ops, plan, journal, clock, collateral="touched")
    reads = [c.payload for c in sim.requests[since:] if c.name == "GetOrdersHistory"]
    assert reads and all("StartTimestamp" in p for p in reads)


def test_progress_is_reported_after_each_poll_and_a_budget_end_warns(sim: FakeOMS, ops: Client, journal: Journal,
                                                                    clock: ManualClock) -> None:
    sim.config.cancel_delay = 30.0                                    # cancels land long after the budget
    plan = ops.preview(CancelScope(9, ALL))
    seen: list[dict[str, Any]] = []
    with pytest.warns(StillOpenWarning, match="STILL OPEN"):
        result = run(ops, plan, journal, clock, verify_timeout=1.0, progress=seen.append)
    assert seen and all({"canceled", "pending", "seconds_left", "targets"} <= set(s) for s in seen)
    assert seen[-1]["seconds_left"] <= seen[0]["seconds_left"]
    assert result.summary["still_open"] > 0


def test_a_failing_progress_callback_never_stops_the_verification(sim: FakeOMS, ops: Client, journal: Journal,
                                                                  clock: ManualClock) -> None:
    def broken(_status: dict[str, Any]) -> None:
        raise RuntimeError("display gone")

    plan = ops.preview(CancelScope(9, ALL))
    with warnings.catch_warnings():
        warnings.simplefilter("error", StillOpenWarning)
        result = run(ops, plan, journal, clock, progress=broken)
    assert result.ok and len(sent(sim, "CancelAllOrders")) == 1
