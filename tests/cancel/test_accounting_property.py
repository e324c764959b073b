"""The accounting invariant over random interleavings (hypothesis; DESIGN §2.5 and §6).

Whatever happens around the send -- orders arriving inside and outside the scope before the send and
during the verification, fills racing the cancels, cancels landing late, accounts the enumeration
misses, a gateway that ignores the instrument key, reads that fail -- every order the gateway
cancelled in the execution window is in exactly one of target / unplanned / collateral (when the
result says its coverage is complete; otherwise the result is not OK), the journal's outcomes equal
the result's, and the journal's hash chain verifies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.execute import execute_plan
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock

ACCOUNTS = 12
Arrival = tuple[int, int]  # (account, instrument)


class Interleaved:
    """A client around which the world moves: arrivals at the send and during verification, failing reads."""

    def __init__(self, inner: Client, sim: FakeOMS, clock: ManualClock, *, at_send: list[Arrival],
                 during: list[Arrival], failing_reads: int) -> None:
        self._inner, self._sim, self._clock = inner, sim, clock
        self._at_send, self._during, self._failing = at_send, list(during), failing_reads
        self.sent_at: float | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send_cancel_all(self, plan: CancelPlan) -> Any:
        for account, instrument in self._at_send:
            self._sim.place_order(account, instrument, price=55.0)
        self.sent_at = self._clock.now()
        return self._inner.send_cancel_all(plan)

    def call(self, name: str, **payload: Any) -> Any:
        if self.sent_at is not None and name == "GetOrdersHistory":
            if self._during:
                account, instrument = self._during.pop()
                self._sim.place_order(account, instrument, price=56.0)
            if self._failing:
                self._failing -= 1
                self._sim.faults.fail_next("GetOrdersHistory", 102)
        return self._inner.call(name, **payload)


scopes = st.sampled_from([CancelScope(9, 1), CancelScope(9, ALL), CancelScope(ALL, 1), CancelScope(ALL, ALL)])
arrivals = st.lists(st.tuples(st.integers(1, ACCOUNTS), st.integers(1, 7)), max_size=4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scope=scopes, at_send=arrivals, during=arrivals, fill_race=st.sampled_from([0.0, 0.3]),
       cancel_delay=st.sampled_from([0.0, 0.4]), key=st.sampled_from(["both", "none"]),
       hidden=st.sampled_from([frozenset(), frozenset({11})]), failing=st.integers(0, 2),
       whole_oms=st.booleans())
def test_every_order_cancelled_in_the_window_is_accounted_for_exactly_once(
        tmp_path: Path, *, scope: CancelScope, at_send: list[Arrival], during: list[Arrival], fill_race: float,
        cancel_delay: float, key: str, hidden: frozenset[int], failing: int, whole_oms: bool) -> None:
    clock = ManualClock()
    sim = FakeOMS.seeded(seed=3, accounts=ACCOUNTS, orders_per_account=5, clock=clock)
    sim.config.fill_race, sim.config.cancel_delay, sim.config.instrument_key = fill_race, cancel_delay, key
    sim.config.enumeration_hides = hidden
    sim.config.history_all_accounts = "operator" if whole_oms else "refuse"
    ops = Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)
    journal = Journal(str(tmp_path / f"j-{clock.now()}-{id(sim)}.sqlite"), create=True)
    plan = ops.preview(scope)
    world = Interleaved(ops, sim, clock, at_send=at_send, during=during, failing_reads=failing)
    result = execute_plan(world, plan, reason="property", confirm=plan.confirmation_phrase, journal=journal,
                          verify_timeout=3.0, poll_interval=0.1, sleep=clock.advance, monotonic=clock.now)
    assert world.sent_at is not None
    truth = {oid for oid in range(1001, 1001 + 10_000)
             if _cancelled_in_window(sim, oid, world.sent_at, clock.now())}
    targets = {int(o) for o, out in zip(result.orders["order_id"], result.orders["outcome"], strict=True)
               if out == "canceled"}
    unplanned, collateral = set(result.unplanned["order_id"]), set(result.collateral["order_id"])
    assert not targets & unplanned and not targets & collateral and not unplanned & collateral
    assert (targets | unplanned | collateral) <= truth                  # nothing reported that did not happen
    if result.summary["coverage_complete"]:
        assert targets | unplanned | collateral == truth                # ... and nothing cancelled unreported
    else:
        assert not result.ok
    assert result.summary["affected"] == len(targets | unplanned | collateral)
    for kind, frame in (("target", result.orders), ("unplanned", result.unplanned), ("collateral", result.collateral)):
        stored = journal.outcomes(result.execution_id, kind=kind)
        assert sorted(zip(stored["order_id"], stored["outcome"].astype(str), strict=True)) == sorted(
            zip(frame["order_id"], frame["outcome"].astype(str), strict=True))
    assert journal.verify().ok
    journal.close()
    ops.close()


def _cancelled_in_window(sim: FakeOMS, order_id: int, start: float, end: float) -> bool:
    try:
        order = sim.order(order_id)
    except KeyError:
        return False
    updated = order["LastUpdatedTime"] / 1000.0
    return bool(order["OrderState"] == "Canceled" and start - 1e-6 <= updated <= end + 1e-6)
