"""Journal writes after the send: a failure must not hide that the cancel went out (DESIGN §2.6).

Once ``CancelAllOrders`` has left, a journal that fails (a full disk, a lost database connection)
must not stop verification nor turn into a bare database error. :class:`GuardedJournal` forwards the
writes of the rest of the execution; the first failure is kept, later writes are skipped, and
execute raises :class:`~apex_notebook.wire.errors.SentButNotJournalledError` at the end, saying in
plain words that the cancel WAS sent and carrying the verified result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from apex_notebook.cancel.protocol import ExecutionJournal
from apex_notebook.cancel.result import CancelResult
from apex_notebook.wire.errors import SentButNotJournalledError

__all__ = ["GuardedJournal"]


class GuardedJournal:
    """The journal's writers after the send; keeps the first failure instead of raising it."""

    def __init__(self, journal: ExecutionJournal, execution_id: str) -> None:
        self.journal, self.execution_id = journal, execution_id
        self.path = str(getattr(journal, "path", "") or "")
        self.failure: BaseException | None = None

    def _guard(self, write: str, *args: Any, **kwargs: Any) -> None:
        if self.failure is not None:
            return
        try:
            getattr(self.journal, write)(*args, **kwargs)
        except Exception as exc:  # any storage failure: sqlite3, OSError, a lost connection
            self.failure = exc

    def state(self, state: str, *, ack: Mapping[str, Any] | None = None) -> None:
        """Append a state change (skipped after a failure)."""
        self._guard("state", self.execution_id, state, ack=ack)

    def event(self, kind: str, detail: Mapping[str, Any] | None = None) -> None:
        """Append one timeline event (skipped after a failure)."""
        self._guard("event", self.execution_id, kind, detail)

    def finish(self, result: CancelResult, post_verify: pd.DataFrame | None, *,
               collateral: pd.DataFrame | None, unplanned: pd.DataFrame | None) -> None:
        """Record the outcomes, their snapshots and the ``done`` state (skipped after a failure)."""
        self._guard("finish", result, post_verify, collateral=collateral, unplanned=unplanned)

    def error(self, result: CancelResult) -> SentButNotJournalledError:
        """The error to raise when a write failed: the cancel was sent, here is what verification found."""
        failure = self.failure
        what = f"{type(failure).__name__}: {failure}" if failure is not None else "unknown failure"
        error = SentButNotJournalledError(
            f"The cancel WAS SENT (execution {self.execution_id}), but the journal at {self.path or '(unknown)'} "
            f"failed afterwards ({what}), so its record of this execution is incomplete. Verification still ran: "
            f"{result.summary.get('canceled', 0)} canceled, {result.summary.get('still_open', 0)} still open, "
            f"{result.summary.get('unplanned', 0)} unplanned, {result.summary.get('collateral', 0)} collateral -- "
            "the verified result is exc.cancel_result (in memory only). Do NOT execute it again: fix the journal "
            "(disk space, permissions), then run journal.reconcile(client) to record the outcome.",
            path=self.path, execution_id=self.execution_id)
        error.cancel_result = result
        return error
