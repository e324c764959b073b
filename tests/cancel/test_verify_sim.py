"""DESIGN §2.3 (never widen silently) and §2.4 (verify, don't trust the ack) against the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from sim_session import POLL, connect, run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import (
    ApexError,
    InvalidRequestError,
    NotAuthorizedError,
    NotFoundError,
    NotSupportedError,
    OperationFailedError,
    RateLimitedError,
    ServerError,
    TransportError,
)


def final_states(sim: FakeOMS, ids: Any) -> dict[int, str]:
    return {int(i): sim.order(int(i))["OrderState"] for i in ids}


# -- §2.3 instrument key ----------------------------------------------------------------------------


@pytest.mark.parametrize("key_mode", ["both", "InstrumentId", "IntrumentId"])
@pytest.mark.parametrize("account", [9, ALL])
def test_honoured_instrument_key_cancels_exactly_the_plan(*, sim: FakeOMS, ops: Client, journal: Journal,
                                                         clock: ManualClock, key_mode: str,
                                                         account: object) -> None:
    sim.config.instrument_key = key_mode
    before = sim.open_order_ids()
    plan = ops.preview(CancelScope(account, 1))  # type: ignore[arg-type]
    result = run(ops, plan, journal, clock)
    assert before - sim.open_order_ids() == plan.order_ids
    assert result.summary["canceled"] == plan.count and result.summary["collateral"] == 0
    assert result.collateral.empty and result.ok


def test_collateral_detected_when_the_gateway_ignores_the_instrument_key(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    sim.config.instrument_key = "none"
    other = sim.open_order_ids(9) - sim.open_order_ids(9, 1)
    plan = ops.preview(CancelScope(9, 1))
    result = run(ops, plan, journal, clock)
    assert result.summary["canceled"] == plan.count
    assert set(result.collateral["order_id"]) == other and result.summary["collateral"] == len(other) > 0
    assert (result.collateral["outcome"] == "canceled").all()
    assert not result.ok and "COLLATERAL" in result._repr_html_()
    assert len(journal.outcomes(result.execution_id, kind="collateral")) == len(other)


def test_collateral_across_all_accounts(sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    sim.config.instrument_key = "none"
    everything = sim.open_order_ids()
    plan = ops.preview(CancelScope(ALL, 2))
    result = run(ops, plan, journal, clock)
    assert set(result.collateral["order_id"]) == everything - plan.order_ids
    assert result.summary["affected"] == len(everything)


def test_trading_user_collateral_is_within_its_visible_accounts(sim: FakeOMS, trader: Client,
                                                                journal: Journal, clock: ManualClock) -> None:
    sim.config.instrument_key = "none"
    plan = trader.preview(CancelScope(9, 1))
    result = run(trader, plan, journal, clock)
    assert set(result.collateral["order_id"]) == set(sim.order(i)["OrderId"] for i in
                                                    result.collateral["order_id"])
    assert set(result.collateral["account_id"]) == {9}
    assert not any(p["AccountId"] == 10 for p in sent(sim, "CancelAllOrders"))


def test_no_outside_for_an_operator_all_accounts_all_instruments(sim: FakeOMS, ops: Client, journal: Journal,
                                                                 clock: ManualClock) -> None:
    sim.config.instrument_key = "none"
    result = run(ops, ops.preview(CancelScope(ALL, ALL)), journal, clock)
    assert result.collateral.empty and sim.open_order_ids() == set()


# -- §2.4 verification ---------------------------------------------------------------------------


@pytest.mark.parametrize("delay", [0.0, 0.3, 2.0])
@pytest.mark.parametrize("race", [0.0, 0.25, 1.0])
def test_outcomes_match_the_simulator_under_delays_and_fill_races(
        *, sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock, delay: float, race: float) -> None:
    sim.config.cancel_delay, sim.config.fill_race = delay, race
    plan = ops.preview(CancelScope(ALL, 1))
    sent_at = clock.now()
    result = run(ops, plan, journal, clock)
    truth = final_states(sim, plan.order_ids)
    mapping = {"Canceled": "canceled", "FullyExecuted": "filled_before_cancel"}
    got = dict(zip(result.orders["order_id"], result.orders["outcome"], strict=True))
    assert got == {oid: mapping[state] for oid, state in truth.items()}
    assert result.summary["filled_before_cancel"] == round(race * plan.count)
    assert result.summary["still_open"] == result.summary["unknown"] == 0
    # the window stays open twice as long as the last cancel took to be seen (a widened cancel lands
    # spread like the targets), and no longer (simulator clock)
    assert clock.now() - sent_at <= 2 * (delay + POLL) + 1e-6
    assert result.summary["collateral"] == 0 and result.summary["collateral_complete"]
    if delay == 0:   # everything gone at the first poll: one history read per account, not N statuses
        assert result.summary["history_requests"] >= 1
    touched = len(set(plan.orders["account_id"]))
    assert result.summary["max_open_requests_per_poll"] <= touched
    assert len(sent(sim, "CancelAllOrders")) == 1


def test_budget_end_leaves_still_open_and_never_resends(sim: FakeOMS, ops: Client, journal: Journal,
                                                        clock: ManualClock) -> None:
    sim.config.cancel_delay = 100.0
    plan = ops.preview(CancelScope(9, ALL))
    result = run(ops, plan, journal, clock, verify_timeout=1.0)
    assert result.summary["still_open"] + result.summary["canceled"] == plan.count
    assert result.summary["still_open"] > 0
    still = result.orders[result.orders["outcome"] == "still_open"]
    assert (still["final_state"] == "Working").all()
    assert len(sent(sim, "CancelAllOrders")) == 1
    assert not result.ok


def test_send_timeout_is_unknown_verified_and_never_resent(sim: FakeOMS, journal: Journal,
                                                           clock: ManualClock) -> None:
    client = connect(sim, timeout=0.05)
    plan = client.preview(CancelScope(9, ALL))
    sim.faults.hang_next("CancelAllOrders", 5.0)   # takes effect, reply lost
    result = run(client, plan, journal, clock)
    assert result.summary["ack_status"] == "unknown"
    assert result.summary["canceled"] == plan.count          # verification found out
    assert len(sent(sim, "CancelAllOrders")) == 1
    states = list(journal.executions(all_states=True)["state"])
    assert states == ["in_flight", "ack_unknown", "done"]


def test_malformed_ack_is_unknown_and_verified(sim: FakeOMS, ops: Client, journal: Journal,
                                               clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, 1))
    sim.faults.malformed_next("CancelAllOrders")
    result = run(ops, plan, journal, clock)
    assert result.summary["ack_status"] == "unknown" and result.summary["canceled"] == plan.count


class LostBeforeSend:
    """A client whose CancelAllOrders never reaches the gateway (transport failure)."""

    def __init__(self, inner: Client) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send_cancel_all(self, plan: Any) -> Any:
        raise TransportError("connection dropped", call="CancelAllOrders")

    def call(self, name: str, **payload: Any) -> Any:
        return self._inner.call(name, **payload)


def test_request_that_never_arrived_is_still_open_not_resent(sim: FakeOMS, ops: Client, journal: Journal,
                                                             clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    result = run(LostBeforeSend(ops), plan, journal, clock, verify_timeout=0.2)
    assert result.summary["ack_status"] == "unknown" and result.summary["still_open"] == plan.count
    assert sent(sim, "CancelAllOrders") == []


ERRORS = [(20, NotAuthorizedError), (100, InvalidRequestError), (101, OperationFailedError),
          (102, ServerError), (104, NotFoundError), (106, NotSupportedError)]


@pytest.mark.parametrize(("code", "cls"), ERRORS)
def test_gateway_error_is_journalled_verified_and_raised(*, sim: FakeOMS, ops: Client, journal: Journal,
                                                         clock: ManualClock, code: int,
                                                         cls: type[ApexError]) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    sim.faults.fail_next("CancelAllOrders", code)
    with pytest.raises(cls) as info:
        run(ops, plan, journal, clock, verify_timeout=0.5)
    result = info.value.cancel_result  # type: ignore[attr-defined]
    assert result.summary["ack_status"] == "error" and result.summary["ack_errorcode"] == code
    assert result.summary["still_open"] == plan.count
    assert any(result.execution_id in note for note in info.value.__notes__)
    states = list(journal.executions(all_states=True)["state"])
    assert states == ["in_flight", "ack_error", "done"]
    assert len(sent(sim, "CancelAllOrders")) == 1 and plan.executed
    assert len(ops.results) == plan.count
    if code in (20, 100, 104, 106):
        assert result.summary["polls"] == 1       # a definitive refusal: one look, no waiting


def test_rate_limited_send_is_not_retried(sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    sim.faults.http_status_next("CancelAllOrders", 429)
    with pytest.raises(RateLimitedError):
        run(ops, plan, journal, clock)
    assert len(sent(sim, "CancelAllOrders")) <= 1 and sim.open_order_ids(9) == plan.order_ids


def test_failed_verification_reads_are_unknown_not_canceled(sim: FakeOMS, ops: Client, journal: Journal,
                                                            clock: ManualClock) -> None:
    sim.config.cancel_delay = 1.0
    plan = ops.preview(CancelScope(9, ALL))

    class BlindAfterSend(LostBeforeSend):
        armed = False

        def send_cancel_all(self, plan: Any) -> Any:
            self.armed = True
            return self._inner.send_cancel_all(plan)

        def call(self, name: str, **payload: Any) -> Any:
            if self.armed and name in ("GetOpenOrders", "GetOrderStatus", "GetOrdersHistory"):
                raise ServerError("down", call=name)
            return self._inner.call(name, **payload)

    result = run(BlindAfterSend(ops), plan, journal, clock, verify_timeout=0.3)
    assert result.summary["unknown"] == plan.count and result.summary["canceled"] == 0


# -- exact mode ----------------------------------------------------------------------------------------


def test_exact_mode_sends_one_cancel_order_per_previewed_order(sim: FakeOMS, ops: Client, journal: Journal,
                                                               clock: ManualClock) -> None:
    sim.config.instrument_key = "none"    # irrelevant in exact mode: no widening possible
    plan = ops.preview(CancelScope(ALL, 3))
    result = run(ops, plan, journal, clock, mode="exact")
    calls = sent(sim, "CancelOrder")
    assert sent(sim, "CancelAllOrders") == []
    assert sorted(c["OrderId"] for c in calls) == sorted(plan.order_ids)
    by_id = dict(zip(plan.orders["order_id"], plan.orders["account_id"], strict=True))
    assert all(c["AccountId"] == by_id[c["OrderId"]] and c["OMSId"] == 1 for c in calls)
    assert result.summary["canceled"] == plan.count and result.collateral.empty
    assert result.summary["ack_status"] == "ok" and result.summary["mode"] == "exact"


def test_exact_mode_per_order_errors_are_reported_not_raised(sim: FakeOMS, ops: Client, journal: Journal,
                                                             clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    filled = sorted(plan.order_ids)[0]
    sim.fill(filled)
    result = run(ops, plan, journal, clock, mode="exact", accept_drift=True)
    assert result.summary["ack_status"] == "partial"
    assert result.summary["filled_before_cancel"] == 1 and result.summary["canceled"] == plan.count - 1
    failures = [e for e in journal.timeline(result.execution_id).itertuples() if e.kind == "cancel_order_ack"]
    detail: dict[str, Any] = failures[0].detail  # type: ignore[assignment]
    assert len(failures) == 1 and detail["order_id"] == filled


def test_results_are_appended_to_the_session(sim: FakeOMS, ops: Client, journal: Journal,
                                             clock: ManualClock) -> None:
    first = run(ops, ops.preview(CancelScope(9, 1)), journal, clock)
    second = run(ops, ops.preview(CancelScope(10, ALL)), journal, clock)
    assert len(ops.results) == len(first.orders) + len(second.orders)
    assert set(ops.results["execution_id"]) == {first.execution_id, second.execution_id}
