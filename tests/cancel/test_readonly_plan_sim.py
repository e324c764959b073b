"""A plan that cannot run says why and still shows the orders in scope (issue 12, item 4)."""

from __future__ import annotations

import pytest
from sim_session import connect, run

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import NotPermittedError


def test_a_read_only_plan_shows_the_orders_the_user_can_see(sim: FakeOMS, journal: Journal,
                                                           clock: ManualClock) -> None:
    client, account = connect(sim, "viewer"), 9                       # AccountReadOnly on account 9
    plan = client.preview(CancelScope(account, ALL))
    assert not plan.executable and "neither" in (plan.refusal or "")
    assert plan.count == len(sim.open_order_ids(account)) > 0          # not "0 orders in scope"
    assert plan.confirmation_phrase == ""                              # nothing to confirm
    with pytest.raises(NotPermittedError):
        run(client, plan, journal, clock, confirm="")
    assert sim.open_order_ids(account)


def test_an_unassociated_account_cannot_be_read_and_says_so(sim: FakeOMS) -> None:
    plan = connect(sim, "trader").preview(CancelScope(11, ALL))
    assert not plan.executable and plan.count == 0
    assert "not associated with account 11" in (plan.refusal or "") and "could not be read" in (plan.refusal or "")


def test_a_trading_user_all_accounts_plan_says_the_other_accounts_cannot_be_seen(sim: FakeOMS) -> None:
    plan = connect(sim, "trader").preview(CancelScope(ALL, 1))
    assert not plan.executable and plan.count == 0
    assert "cannot see the other accounts" in (plan.refusal or "")
