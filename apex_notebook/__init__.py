"""apex_notebook: preview, execute and audit AlphaPoint APEX CancelAllOrders safely from Jupyter.

The public names live here. Importing the package does nothing but define them: no network, no
files, no widgets. `CancelPanel` (ipywidgets) and `plots` (matplotlib) load on first use, so a
script or the simulator's command line never pays for them.

    import apex_notebook as apx
    apex = apx.Client(url, username="ops", password=...)
    plan = apex.preview(apx.CancelScope(account_id=9, instrument_id=apx.ALL))
    result = apex.execute(plan, reason="runaway algo", confirm=plan.confirmation_phrase)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.approval_policy import ApprovalPolicy
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.result import CancelResult
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.wire.errors import (
    AlreadyExecutedError,
    ApexError,
    ApprovalError,
    AuthenticationError,
    BadResponseError,
    ClientClosedError,
    ConfirmationError,
    DriftError,
    InvalidRequestError,
    JournalError,
    NotAuthorizedError,
    NotFoundError,
    NotPermittedError,
    NotSupportedError,
    OperationFailedError,
    PartialSnapshotError,
    PlanError,
    RateLimitedError,
    ScopeError,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    from apex_notebook import simulator
    from apex_notebook.ui import plots
    from apex_notebook.ui.panel import CancelPanel

__version__ = "0.1.0"

__all__ = [
    "ALL",
    "AlreadyExecutedError",
    "ApexError",
    "ApprovalError",
    "ApprovalPolicy",
    "AuthenticationError",
    "BadResponseError",
    "CancelPanel",
    "CancelPlan",
    "CancelResult",
    "CancelScope",
    "Client",
    "ClientClosedError",
    "ConfirmationError",
    "DriftError",
    "InvalidRequestError",
    "Journal",
    "JournalError",
    "NotAuthorizedError",
    "NotFoundError",
    "NotPermittedError",
    "NotSupportedError",
    "OperationFailedError",
    "PartialSnapshotError",
    "PlanError",
    "RateLimitedError",
    "ScopeError",
    "ServerError",
    "TransportError",
    "plots",
    "simulator",
]

_LAZY_MODULES = {"plots": "apex_notebook.ui.plots", "simulator": "apex_notebook.simulator"}


def __getattr__(name: str) -> Any:
    """Load the heavy parts (widgets, matplotlib, the simulator) only when they are first used."""
    if name == "CancelPanel":
        return importlib.import_module("apex_notebook.ui.panel").CancelPanel
    if name in _LAZY_MODULES:
        return importlib.import_module(_LAZY_MODULES[name])
    raise AttributeError(f"module 'apex_notebook' has no attribute {name!r}")
