"""Issue 15 item 4, the two-person release, end to end against the simulator: a plan the desk's policy
names runs only after another APEX user approved it, bound to its fingerprint; refusals are journalled.

Users: ``ops`` (Operator, from the seeded simulator) and ``ops2``, a second Operator added to the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sim_session import run, sent

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.approval_gate import approval_status
from apex_notebook.cancel.approval_policy import ApprovalPolicy
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import ApprovalError, DriftError

ALL_OF_ONE = CancelScope(ALL, 1)  # every account, instrument 1: an ALL-accounts scope



@pytest.fixture(params=["sqlite", "postgres"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journal]:
    """A team journal (on each backend) whose policy needs approval for ALL-accounts scopes."""
    location = str(tmp_path / "j.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Journal(location, create=True) as journal:
        journal.set_policy(ApprovalPolicy(all_accounts=True), by="desk-lead", reason="four eyes on ALL")
        yield journal


def _refused(journal: Journal, plan: CancelPlan) -> list[str]:
    found = journal.refusals()
    return list(found.loc[found["plan_id"] == plan.plan_id, "kind"])


def test_a_plan_needing_approval_runs_after_another_user_approves(
        sim: FakeOMS, ops: Client, ops2: Client, desk: Journal, clock: ManualClock) -> None:
    plan = ops.preview(ALL_OF_ONE)
    assert plan.count > 0
    with pytest.raises(ApprovalError, match=r"ALL accounts of the OMS.*Nothing was sent.*No request for this plan"):
        run(ops, plan, desk, clock)
    assert sent(sim, "CancelAllOrders") == [] and not plan.executed
    assert _refused(desk, plan) == ["not_approved"]

    rid = desk.submit(plan, reason="runaway algo on BTC/USD across the desk")
    pending = desk.requests(state="pending")
    assert list(pending["request_id"]) == [rid]
    row = pending.iloc[0]
    assert (row["submitted_by"], row["fingerprint"], row["orders"], row["plan_id"]) == (
        "ops", plan.fingerprint, plan.count, plan.plan_id)
    assert row["needs"] == ["its scope is ALL accounts of the OMS"] and row["scope_text"] == plan.describe()
    assert set(desk.request_orders(rid)["order_id"]) == plan.order_ids
    with pytest.raises(ApprovalError, match=rf"Request {rid} .* is pending. Ask another APEX user"):
        run(ops, plan, desk, clock)

    desk.approve(rid, by=ops2, reason="checked the algo's orders")
    status = approval_status(desk, plan, "ops")
    assert status is not None and status.cleared and status.approved_by == "ops2"
    result = run(ops, plan, desk, clock)
    assert result.summary["canceled"] == plan.count and len(sent(sim, "CancelAllOrders")) == 1
    decided = desk.requests().iloc[0]
    assert (decided["state"], decided["decided_by"], decided["decision_reason"], decided["spent"]) == (
        "approved", "ops2", "checked the algo's orders", True)
    assert _refused(desk, plan) == ["not_approved", "not_approved"]
    assert desk.verify().ok


def test_the_submitter_cannot_approve_their_own_request(ops: Client, ops2: Client, desk: Journal,
                                                         clock: ManualClock) -> None:
    plan = ops.preview(ALL_OF_ONE)
    rid = desk.submit(plan, reason="runaway algo")
    for decide in (desk.approve, desk.reject):
        with pytest.raises(ApprovalError, match=r"ops submitted request .* cannot .* another APEX user") as info:
            decide(rid, by=ops, reason="looks fine to me")
        assert info.value.request_id == rid
    assert list(desk.requests()["state"]) == ["pending"]
    refusals = desk.refusals()
    assert list(refusals["kind"]) == ["self_approval", "self_approval"]
    assert set(refusals["username"]) == {"ops"} and set(refusals["fingerprint"]) == {plan.fingerprint}
    with pytest.raises(ApprovalError):
        run(ops, plan, desk, clock)


def test_an_approval_does_not_let_its_approver_execute(ops: Client, ops2: Client, desk: Journal,
                                                       clock: ManualClock) -> None:
    rid = desk.submit(ops.preview(ALL_OF_ONE), reason="runaway algo")
    desk.approve(rid, by=ops2, reason="ok")
    theirs = ops2.preview(ALL_OF_ONE)  # the same orders, previewed by the approver
    with pytest.raises(ApprovalError, match=r"(?i)approved by ops2, the user executing it"):
        run(ops2, theirs, desk, clock)
    assert _refused(desk, theirs) == ["not_approved"]


def test_an_approval_is_bound_to_the_fingerprint(sim: FakeOMS, ops: Client, ops2: Client, desk: Journal,
                                                 clock: ManualClock) -> None:
    first = ops.preview(ALL_OF_ONE)
    desk.approve(desk.submit(first, reason="runaway algo"), by=ops2, reason="ok")
    gone = first.orders.iloc[0]
    ops.call("CancelOrder", OMSId=1, AccountId=int(gone["account_id"]), OrderId=int(gone["order_id"]))
    with pytest.raises(DriftError):  # approved, but the orders changed: drift still stops it
        run(ops, first, desk, clock)
    second = ops.preview(ALL_OF_ONE)
    assert second.fingerprint != first.fingerprint
    with pytest.raises(ApprovalError, match=r"No request for this plan .*earlier preview with other orders"):
        run(ops, second, desk, clock)
    assert sent(sim, "CancelAllOrders") == []
    assert _refused(desk, first) == ["drift"] and _refused(desk, second) == ["not_approved"]
    desk.approve(desk.submit(second, reason="runaway algo, again"), by=ops2, reason="ok again")
    assert run(ops, second, desk, clock).summary["canceled"] == second.count


def test_an_approval_releases_one_execution(ops: Client, ops2: Client, desk: Journal, clock: ManualClock) -> None:
    empty_scope = CancelScope(ALL, 7)
    for _, order in ops.preview(empty_scope).orders.iterrows():  # emptied: the same fingerprint every time
        ops.call("CancelOrder", OMSId=1, AccountId=int(order["account_id"]), OrderId=int(order["order_id"]))
    plan = ops.preview(empty_scope)
    desk.approve(desk.submit(plan, reason="drill"), by=ops2, reason="ok")
    run(ops, plan, desk, clock)
    again = ops.preview(empty_scope)
    assert again.fingerprint == plan.fingerprint
    with pytest.raises(ApprovalError, match=r"(?i)was used by an earlier execution"):
        run(ops, again, desk, clock)


def test_a_rejected_request_stays_rejected(ops: Client, ops2: Client, desk: Journal, clock: ManualClock) -> None:
    plan = ops.preview(ALL_OF_ONE)
    rid = desk.submit(plan, reason="runaway algo")
    desk.reject(rid, by=ops2, reason="it is the market maker's hedge, leave it")
    with pytest.raises(ApprovalError, match=r"(?i)rejected by ops2: it is the market maker's hedge"):
        run(ops, plan, desk, clock)
    with pytest.raises(ApprovalError, match="already rejected by ops2"):
        desk.approve(rid, by=ops2, reason="changed my mind")
    assert list(desk.requests()["state"]) == ["rejected"] and desk.requests(state="pending").empty
    assert list(desk.refusals()["kind"]) == ["not_approved", "already_decided"]


def test_plans_the_policy_does_not_name_run_without_approval(sim: FakeOMS, ops: Client, desk: Journal,
                                                             clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    status = approval_status(desk, plan, "ops")
    assert status is not None and status.cleared and not status.needed
    assert run(ops, plan, desk, clock).summary["canceled"] == plan.count
    desk.set_policy(ApprovalPolicy(max_orders=1), by="desk-lead", reason="tighter after the drill")
    bigger = ops.preview(CancelScope(10, ALL))
    assert bigger.count > 1
    with pytest.raises(ApprovalError, match=rf"it cancels {bigger.count} orders \(the policy allows 1"):
        run(ops, bigger, desk, clock)


def test_submitting_needs_a_reason_and_an_executable_plan(ops: Client, desk: Journal, trader: Client) -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        desk.submit(ops.preview(ALL_OF_ONE), reason=" ")
    refused = trader.preview(ALL_OF_ONE)  # a Trading user cannot cancel on ALL accounts
    with pytest.raises(ApprovalError, match="cannot be submitted for approval: Not Authorized"):
        desk.submit(refused, reason="runaway algo")
    assert desk.requests().empty
