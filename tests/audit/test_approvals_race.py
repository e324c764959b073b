"""One approval releases one execution, even when two notebooks pass the gate at the same moment."""

from __future__ import annotations

import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.approval_gate import scope_key
from apex_notebook.cancel.approval_policy import ApprovalPolicy
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.wire.errors import ApprovalError


def test_one_approval_releases_one_intent_even_when_two_passed_the_gate_together(
        ops: Client, ops2: Client, journal: Journal) -> None:
    """Two notebooks passed the gate at the same moment: the journal lets only the first intent through."""
    journal.set_policy(ApprovalPolicy(all_accounts=True), by="lead")
    plan = ops.preview(CancelScope(ALL, 1))
    rid = journal.submit(plan, reason="runaway algo")
    journal.approve(rid, by=ops2, reason="ok")
    intent = {"username": "ops", "base_url": plan.base_url, "oms_id": 1, "account_id": 0, "instrument_id": 1,
              "scope_text": plan.describe(), "payload_json": scope_key(plan), "plan_id": plan.plan_id,
              "fingerprint": plan.fingerprint, "previewed": plan.count, "reason": "r", "mode": "cancel_all"}
    journal.begin("first", intent, {"preview": plan.orders}, approval=rid)
    with pytest.raises(ApprovalError, match="used by another execution"):
        journal.begin("second", intent, {"preview": plan.orders}, approval=rid)
    assert list(journal.executions()["execution_id"]) == ["first"]
    with pytest.raises(ApprovalError, match="does not approve this plan"):
        journal.begin("third", {**intent, "fingerprint": "0" * 64}, {"preview": plan.orders}, approval=rid)
