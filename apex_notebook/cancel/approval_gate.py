"""The four-eyes gate of execute: :func:`require_approval` (DESIGN §7, the two-person release).

Before a plan is claimed, ``execute_plan`` asks the journal for the desk's policy
(``approval_policy.py``). When the policy says the plan needs approval, the plan runs only if the
journal holds a request for *this* plan -- the same fingerprint (its order ids), scope payload and
gateway -- approved by a user other than the one executing it, and not yet used by an earlier
execution. Otherwise :class:`~apex_notebook.wire.errors.ApprovalError` is raised: nothing is sent, and
execute journals the refusal (kind ``not_approved``). The drift check runs after the gate, so an
approved plan whose orders changed is still stopped.

The cancel layer does not import the journal: it talks to it through :class:`ApprovalJournal`. A
journal without those methods (a test fake of ``ExecutionJournal``) has no policy, and the gate lets
every plan through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from apex_notebook.cancel.approval_policy import ApprovalPolicy, ApprovalRecord
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.wire.errors import ApprovalError

__all__ = ["ApprovalJournal", "ApprovalStatus", "approval_status", "require_approval", "scope_key"]


@runtime_checkable
class ApprovalJournal(Protocol):
    """What the gate reads from a journal (``apex_notebook.audit.journal.Journal`` provides it)."""

    path: str

    def policy(self) -> ApprovalPolicy:
        """The desk's current policy (an empty one when none was set)."""

    def approvals_for(self, fingerprint: str, scope: str, base_url: str) -> list[ApprovalRecord]:
        """Every request for this fingerprint, scope payload (:func:`scope_key`) and gateway, oldest first."""


def scope_key(plan: CancelPlan) -> str:
    """The plan's scope as the journal stores it: its ``CancelAllOrders`` payload, sorted JSON."""
    return json.dumps(plan.scope.to_payload(), sort_keys=True, default=str)


@dataclass(frozen=True)
class ApprovalStatus:
    """Whether one plan may run for one user: ``needed`` (the policy's reasons), the request that clears
    it (``request_id``, ``approved_by``) and ``detail``, the state in words."""

    needed: tuple[str, ...]
    approved_by: str | None
    request_id: str | None
    detail: str

    @property
    def cleared(self) -> bool:
        """True when the plan may run: no approval needed, or an unused approval by another user."""
        return not self.needed or self.approved_by is not None


def _words(record: ApprovalRecord, username: str) -> str:
    if record.state == "pending":
        return f"request {record.request_id} (submitted by {record.submitted_by}) is pending"
    if record.state == "rejected":
        return f"request {record.request_id} was rejected by {record.decided_by}: {record.reason}"
    if record.spent:
        return f"request {record.request_id}'s approval by {record.decided_by} was used by an earlier execution"
    if record.decided_by == username:
        return (f"request {record.request_id} was approved by {username}, the user executing it: the "
                "approval must come from another user")
    return f"request {record.request_id} was approved by {record.decided_by}"


def approval_status(journal: object, plan: CancelPlan, username: str) -> ApprovalStatus | None:
    """The approval state of ``plan`` for ``username`` (None when ``journal`` keeps no policy)."""
    if not isinstance(journal, ApprovalJournal):
        return None
    reasons = tuple(journal.policy().reasons(plan))
    if not reasons:
        return ApprovalStatus((), None, None, "the desk's policy does not require approval for this plan")
    records = journal.approvals_for(plan.fingerprint, scope_key(plan), plan.base_url)
    for record in reversed(records):
        if record.state == "approved" and not record.spent and record.decided_by not in (None, username):
            return ApprovalStatus(reasons, record.decided_by, record.request_id, _words(record, username))
    if not records:
        detail = (f"no request for this plan (fingerprint {plan.fingerprint[:12]}, {plan.describe()}) is in the "
                  f"journal {journal.path}; an approval of an earlier preview with other orders does not count")
    else:
        detail = "; ".join(_words(r, username) for r in records)
    return ApprovalStatus(reasons, None, records[-1].request_id if records else None, detail)


def require_approval(journal: object, plan: CancelPlan, username: str) -> str | None:
    """Raise :class:`ApprovalError` (nothing sent) unless ``plan`` may run for ``username`` (module docstring).

    Returns the id of the approval request the plan relies on (None when it needs none): the journal
    checks it again, atomically, when the intent is written.
    """
    status = approval_status(journal, plan, username)
    if status is None or not status.needed:
        return None
    if status.cleared:
        return status.request_id
    pending = status.request_id is not None and status.detail.endswith("is pending")
    step = (f"Ask another APEX user to approve it (apex-notebook journal approve PATH {status.request_id}), then "
            "execute again" if pending else "Submit it with journal.submit(plan, reason=...) and ask another APEX "
            "user to approve it (apex-notebook journal approve PATH REQUEST_ID)")
    raise ApprovalError(
        f"execute refused: the desk's policy requires a second person's approval for this plan because "
        f"{'; '.join(status.needed)}. Nothing was sent. {status.detail[0].upper()}{status.detail[1:]}. {step}; "
        "an approval is bound to this plan's orders, so a new preview with other orders needs a new approval",
        request_id=status.request_id)
