"""Preview and execute on the simulator's default demo data: the plan is exactly what gets canceled."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim_session import connect, run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.simulator import FakeOMS, ManualClock


@pytest.mark.parametrize("scope", [CancelScope(9, ALL), CancelScope(ALL, 1), CancelScope(12, 2)], ids=repr)
def test_demo_preview_equals_what_the_simulator_canceled(tmp_path: Path, scope: CancelScope) -> None:
    clock = ManualClock()
    sim = FakeOMS.seeded(seed=7, clock=clock)
    sim.config.cancel_delay = 0.5
    ops = connect(sim)
    journal = Journal(str(tmp_path / "demo.sqlite"), create=True)
    before = sim.open_order_ids()
    plan = ops.preview(scope)
    assert plan.count > 0
    result = run(ops, plan, journal, clock)
    canceled_by_sim = {oid for oid in before - sim.open_order_ids()
                       if sim.order(oid)["OrderState"] == "Canceled"}
    assert canceled_by_sim == plan.order_ids
    assert set(result.orders.loc[result.orders["outcome"] == "canceled", "order_id"]) == canceled_by_sim
    assert result.ok and result.summary["affected"] == plan.count
    (payload,) = sent(sim, "CancelAllOrders")
    assert "AccountId" in payload and "InstrumentId" in payload and "IntrumentId" in payload
    journal.close()
    ops.close()
