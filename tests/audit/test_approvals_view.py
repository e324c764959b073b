"""The read-only approvals view of the panel: the policy, the current plan's approval state, pending requests."""

from __future__ import annotations

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.approval_policy import ApprovalPolicy
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.ui.panel.approvals_view import ApprovalsView, approvals_html


def test_the_view_follows_a_request_from_pending_to_approved(ops: Client, ops2: Client, journal: Journal) -> None:
    journal.set_policy(ApprovalPolicy(all_accounts=True), by="lead")
    plan = ops.preview(CancelScope(ALL, 1))
    before = approvals_html(journal, plan)
    assert "approval needed for: ALL-accounts scopes" in before and "Pending requests (0)" in before
    assert "apex-banner-warning" in before and "No request for this plan" in before
    rid = journal.submit(plan, reason="runaway <algo>")
    view = ApprovalsView()
    view.show(journal, plan)
    assert "Pending requests (1)" in view.body.value and rid in view.body.value
    assert "runaway &lt;algo&gt;" in view.body.value and "its scope is ALL accounts of the OMS" in view.body.value
    journal.approve(rid, by=ops2, reason="ok")
    view.show(journal, plan)
    assert "apex-banner-ok" in view.body.value and f"Approved by ops2 (request {rid})" in view.body.value
    assert "Pending requests (0)" in view.body.value
    assert "apex-banner-info" in approvals_html(journal, ops.preview(CancelScope(9, ALL)))
    view.clear()
    assert view.body.value == ""


def test_a_desk_without_a_policy_or_requests_shows_nothing(ops: Client, journal: Journal) -> None:
    view = ApprovalsView()
    plan = ops.preview(CancelScope(9, ALL))
    view.show(journal, plan)
    assert view.body.value == ""                                      # the first screen keeps its room
    journal.set_policy(ApprovalPolicy(max_orders=5), by="lead")
    view.show(journal, plan)
    assert "Desk policy" in view.body.value
