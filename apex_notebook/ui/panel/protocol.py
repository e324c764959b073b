"""What the panel needs from a client: :class:`PanelClient` (``apex_notebook.Client`` provides it)."""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.result import CancelResult
from apex_notebook.cancel.scope import CancelScope

__all__ = ["PanelClient"]


class PanelClient(Protocol):
    """What the panel needs from a client (``apex_notebook.Client`` provides it)."""

    oms_id: int
    username: str
    is_operator: bool

    def accounts(self) -> pd.DataFrame:
        """The accounts the user can see (``Client.accounts``)."""

    def instruments(self) -> pd.DataFrame:
        """The OMS instruments (``Client.instruments``)."""

    def preview(self, scope: CancelScope) -> CancelPlan:
        """A plan for ``scope`` (``Client.preview``)."""

    def execute(self, plan: CancelPlan, **kwargs: Any) -> CancelResult:
        """Execute ``plan`` (``Client.execute``: reason, confirm, mode, journal, [verify_timeout, progress])."""
