"""Verification timing (``verify.py``): fixed-rate polls, and a collateral window sized by what can widen."""

from __future__ import annotations

from typing import Any

import pytest
from sim_session import POLL, run

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock

WORK = 0.02  # simulated seconds each verification read takes


class SlowReads:
    """A client whose verification reads take ``WORK`` seconds of the ManualClock; records poll times."""

    def __init__(self, inner: Client, clock: ManualClock) -> None:
        self._inner, self._clock = inner, clock
        self.poll_times: list[float] = []
        self.sent = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send_cancel_all(self, plan: Any) -> Any:
        self.sent = True
        return self._inner.send_cancel_all(plan)

    def call(self, name: str, **payload: Any) -> Any:
        if self.sent and name == "GetOpenOrders":
            self.poll_times.append(self._clock.now())
            self._clock.advance(WORK)
        return self._inner.call(name, **payload)


def test_polls_run_at_a_fixed_rate_whatever_each_poll_costs(sim: FakeOMS, ops: Client, journal: Journal,
                                                            clock: ManualClock) -> None:
    sim.config.cancel_delay = 0.5
    slow = SlowReads(ops, clock)
    run(slow, ops.preview(CancelScope(9, ALL)), journal, clock)
    gaps = [b - a for a, b in zip(slow.poll_times, slow.poll_times[1:], strict=False)]
    assert len(gaps) >= 5
    assert gaps == pytest.approx([POLL] * len(gaps), abs=1e-6)  # not POLL + WORK


def landing_window(sim: FakeOMS, order_ids: set[int], sent_at: float) -> float:
    """Seconds from the send to the last target's cancel (simulator clock)."""
    return max(sim.order(oid)["LastUpdatedTime"] for oid in order_ids) / 1000.0 - sent_at


@pytest.mark.parametrize(("scope", "mode"), [(CancelScope(9, ALL), "cancel_all"),
                                             (CancelScope(ALL, ALL), "cancel_all"),
                                             (CancelScope(9, 1), "exact")])
def test_a_send_that_cannot_widen_returns_one_poll_after_the_last_cancel(
        *, sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock, scope: CancelScope,
        mode: str) -> None:
    sim.config.cancel_delay = 1.0
    plan = ops.preview(scope)
    sent_at = clock.now()
    result = run(ops, plan, journal, clock, mode=mode)
    landed = landing_window(sim, plan.order_ids, sent_at)
    assert result.summary["canceled"] == plan.count and result.ok
    assert result.summary["collateral_checks"] == 1  # the window closed after one check
    assert clock.now() - sent_at <= landed + POLL + 1e-6


def test_a_cancel_naming_one_instrument_keeps_the_long_window(sim: FakeOMS, ops: Client, journal: Journal,
                                                              clock: ManualClock) -> None:
    sim.config.cancel_delay = 1.0
    plan = ops.preview(CancelScope(9, 1))
    sent_at = clock.now()
    result = run(ops, plan, journal, clock)
    landed = landing_window(sim, plan.order_ids, sent_at)
    assert result.ok
    assert clock.now() - sent_at >= 2 * landed - 1e-6  # the gateway may have ignored the instrument key


def test_collateral_by_others_is_still_found_when_the_send_cannot_widen(
        sim: FakeOMS, ops: Client, journal: Journal, clock: ManualClock) -> None:
    class OtherCancelDuringWindow(SlowReads):
        def send_cancel_all(self, plan: Any) -> Any:
            reply = super().send_cancel_all(plan)
            # someone else cancels an order of account 10 right after
            self._inner.call("CancelOrder", AccountId=10, OrderId=victim)
            return reply

    victim = min(sim.open_order_ids(10))
    result = run(OtherCancelDuringWindow(ops, clock), ops.preview(CancelScope(9, ALL)), journal, clock)
    assert set(result.collateral["order_id"]) == {victim}
