"""What the cancel pipeline needs from a client and from a journal: two small typed protocols.

``apex_notebook.Client`` satisfies :class:`CancelClient`; ``apex_notebook.audit.Journal`` satisfies
:class:`ExecutionJournal`. The pipeline (execute, verify, collateral) and reconcile are typed against
these, so they depend on the calls they make, not on the classes above them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

if TYPE_CHECKING:  # plan and result import nothing from here; this only names their types
    from apex_notebook.cancel.plan import CancelPlan
    from apex_notebook.cancel.result import CancelResult

__all__ = ["CancelClient", "ExecutionJournal"]


class CancelClient(Protocol):
    """A logged-in session: who it is, raw calls, snapshots of the scope, account enumeration."""

    username: str
    base_url: str
    max_concurrency: int
    progress: bool

    def call(self, name: str, **payload: Any) -> Any:
        """One APEX call; ``result: false`` raises an ``ApexError``."""

    def open_orders(self, account_id: Any = ..., instrument_id: Any = ..., *, strict: bool = True
                    ) -> pd.DataFrame:
        """A typed open-orders snapshot (``Client.open_orders``)."""

    def send_cancel_all(self, plan: CancelPlan) -> Any:
        """Send the plan's ``CancelAllOrders``, once, after its intent is journalled."""

    def account_ids(self) -> list[int]:
        """Every account the user can see (``Client.account_ids``)."""

    def instrument_symbols(self) -> dict[int, str]:
        """Instrument id -> symbol."""

    def _append_result(self, frame: pd.DataFrame) -> None:
        """Add one result's per-order rows to the session's results."""


class ExecutionJournal(Protocol):
    """The write-ahead record of executions (``apex_notebook.audit.journal.Journal``)."""

    path: str

    def begin(self, execution_id: str, intent: Mapping[str, Any], snapshots: Mapping[str, pd.DataFrame],
              *, state: str = ..., approval: str | None = ...) -> None:
        """Write the intent durably, before anything is sent."""

    def state(self, execution_id: str, state: str, *, ack: Mapping[str, Any] | None = None,
              summary: Mapping[str, Any] | None = None, note: str | None = None) -> None:
        """Append a state change."""

    def event(self, execution_id: str, kind: str, detail: Mapping[str, Any] | None = None) -> None:
        """Append one timeline event."""

    def refused(self, attempt: Mapping[str, Any]) -> str:
        """Record one refused attempt (nothing was sent); returns its id."""

    def finish(self, result: CancelResult, post_verify: pd.DataFrame | None = None, *,
               collateral: pd.DataFrame | None = None, unplanned: pd.DataFrame | None = None,
               note: str | None = None) -> None:
        """Record the outcomes and the ``done`` state."""
