"""Refused attempts are evidence too (DESIGN §2.6): "tried at 12:01, blocked by drift".

:func:`record_refusal` journals why an execute was refused before anything was sent -- wrong phrase,
no reason, not permitted, drift (with the added and removed ids), a plan of another session or one
already executed. Never a secret: only whether the typed phrase matched, not what was typed. A
journal that cannot record the refusal never hides the refusal itself (a note is added to it).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.protocol import CancelClient, ExecutionJournal
from apex_notebook.wire.errors import (
    AlreadyExecutedError,
    ApprovalError,
    ConfirmationError,
    DriftError,
    NotPermittedError,
    PlanError,
)

__all__ = ["record_refusal", "refusal_kind"]


def refusal_kind(exc: PlanError) -> str:
    """A short name for why an execute was refused."""
    if isinstance(exc, DriftError):
        return "drift"
    if isinstance(exc, ConfirmationError):
        return "confirmation"
    if isinstance(exc, NotPermittedError):
        return "not_permitted"
    if isinstance(exc, AlreadyExecutedError):
        return "already_executed"
    if isinstance(exc, ApprovalError):
        return "not_approved"
    text = str(exc)
    if "reason is required" in text:
        return "reason_missing"
    if "previewed by" in text:
        return "not_same_session"
    return "other"


def _ids(frame: pd.DataFrame | None) -> list[int]:
    return [] if frame is None or "order_id" not in frame else [int(i) for i in frame["order_id"]]


def record_refusal(journal: ExecutionJournal, client: CancelClient, plan: object, exc: PlanError, *,
                   confirm: object) -> None:
    """Journal one refused attempt (best effort: a failure is noted on ``exc``, never raised)."""
    if not isinstance(plan, CancelPlan):
        return  # not a plan: nothing about a scope to record
    drift = exc if isinstance(exc, DriftError) else None
    attempt: dict[str, Any] = {
        "kind": refusal_kind(exc), "message": str(exc), "username": plan.username or client.username,
        "base_url": plan.base_url or client.base_url, "oms_id": plan.scope.oms_id, "scope_text": plan.describe(),
        "plan_id": plan.plan_id, "fingerprint": plan.fingerprint,
        "phrase_matched": confirm == plan.confirmation_phrase,
        "drift_added_ids": _ids(drift.added if drift else None),
        "drift_removed_ids": _ids(drift.removed if drift else None),
        "at": pd.Timestamp.now(tz="UTC").isoformat()}
    try:
        journal.refused(attempt)
    except Exception as failure:  # the refusal stands; its record is what failed
        exc.add_note(f"(this refusal could not be journalled: {type(failure).__name__}: {failure})")
