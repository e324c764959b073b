"""Progress of a verification, for a person: a ``tqdm.auto`` bar in code, a callback for the panel.

After every poll: how many targets are cancelled, filled first, still pending, and the seconds left
of the budget. Every poll is journalled too. When the budget ends with orders still open, a warning
says so (a result that says "still open" after a silent wait is easy to miss at 3 a.m.).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, Protocol

import pandas as pd
from tqdm.auto import tqdm

__all__ = ["StillOpenWarning", "VerifyProgress"]

log = logging.getLogger("apex_notebook.cancel")


class StillOpenWarning(UserWarning):
    """Verification ended with targets still open: the cancel has not (yet) taken them all."""


class _EventSink(Protocol):
    def event(self, kind: str, detail: dict[str, Any] | None = None) -> None:
        """Journal one event."""


class VerifyProgress:
    """Receives verify's per-poll counts; journals them, shows a bar, calls ``callback``."""

    def __init__(self, callback: Callable[[dict[str, Any]], None] | None, *, show_bar: bool, targets: int,
                 budget: float, journal: _EventSink) -> None:
        self.callback, self.targets, self.budget, self.journal = callback, targets, budget, journal
        self.bar: Any = (tqdm(total=targets, desc="verifying the cancel", unit="order", leave=False)
                         if show_bar and targets > 0 else None)
        self._callback_failed = False

    def update(self, detail: dict[str, Any]) -> None:
        """One poll (or collateral check) of verify: journal it, move the bar, tell the callback."""
        detail = dict(detail)
        kind = str(detail.pop("kind", "poll"))
        self.journal.event(kind, detail)
        if kind != "poll":
            return
        if self.bar is not None:
            self.bar.n = int(detail.get("terminal", 0))
            self.bar.set_postfix(canceled=detail.get("canceled", 0), filled=detail.get("filled_before_cancel", 0),
                                 pending=detail.get("pending", 0), left=f"{detail.get('seconds_left', 0):.0f}s")
        if self.callback is not None and not self._callback_failed:
            try:
                self.callback(detail)
            except Exception:  # a display callback must never stop a verification
                self._callback_failed = True
                log.exception("the progress callback failed; verification goes on without it")

    def close(self, orders: pd.DataFrame) -> None:
        """Close the bar; warn when targets were still open when the budget ended."""
        if self.bar is not None:
            self.bar.close()
        still = int((orders["outcome"] == "still_open").sum()) if len(orders) else 0
        if still:
            warnings.warn(f"{still} of {self.targets} orders were STILL OPEN when the {self.budget:g} s verification "
                          "budget ended: the cancel may still be landing, or it did not take them. Look with "
                          "client.open_orders(...) before doing anything else; never re-send blindly.",
                          StillOpenWarning, stacklevel=3)
