"""The panel's live progress: what the panel is doing now, and during verification how far it got.

``Client.execute(..., progress=callback)`` calls ``callback(status)`` after every verification poll
with ``canceled``, ``filled_before_cancel``, ``pending``, ``still_open``, ``terminal``, ``targets``,
``seconds_left`` and ``poll``. :meth:`ProgressView.verification` shows them; the widget updates
reach the browser while the cell is still busy (comm messages are sent at once).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from apex_notebook.cancel.execute import execute_plan

__all__ = ["ProgressView", "accepts_progress", "progress_words"]


def accepts_progress(execute: Callable[..., Any]) -> bool:
    """True when ``execute`` takes ``progress=`` (itself, or through ``**kwargs`` to ``execute_plan``)."""
    try:
        params = inspect.signature(execute).parameters
    except (TypeError, ValueError):
        return False
    if "progress" in params:
        return True
    forwards = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return forwards and "progress" in inspect.signature(execute_plan).parameters


def _n(status: Mapping[str, Any], key: str) -> int:
    value = status.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def progress_words(status: Mapping[str, Any]) -> str:
    """``Verifying (poll 3): 40 canceled · 2 filled · 5 pending · 3 still open — 12 s left``."""
    left = status.get("seconds_left")
    time_left = f" — {max(0.0, float(left)):.0f} s left" if isinstance(left, int | float) else ""
    return (f"Verifying (poll {_n(status, 'poll')}): {_n(status, 'canceled')} canceled · "
            f"{_n(status, 'filled_before_cancel')} filled · {_n(status, 'pending')} pending · "
            f"{_n(status, 'still_open')} still open, of {_n(status, 'targets')}{time_left}")


class ProgressView(widgets.HBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A bar and one line of words; hidden while the panel is idle."""

    def __init__(self) -> None:
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info",
                                         layout=widgets.Layout(width="220px"))
        self.label = widgets.HTML()
        self.label.add_class("apex-progress-text")
        super().__init__(children=[self.bar, self.label], layout=widgets.Layout(display="none"))
        self.add_class("apex-progress")
        self.last: dict[str, Any] = {}

    @property
    def text(self) -> str:
        """The words currently shown (plain text)."""
        return str(self.label.value).removeprefix("<i>").removesuffix("</i>")

    def busy(self, words: str) -> None:
        """Show ``words`` with an indeterminate (full, striped) bar."""
        self.last = {}
        self.bar.value, self.bar.bar_style = 1.0, "info"
        self._say(words)
        self.layout.display = "flex"

    def verification(self, status: Mapping[str, Any]) -> None:
        """Show one verification poll; never raises (a bad status is shown as what it is)."""
        self.last = dict(status)
        targets = _n(status, "targets")
        self.bar.value = (_n(status, "terminal") / targets) if targets else 1.0
        self.bar.bar_style = "warning" if _n(status, "still_open") else "success"
        self._say(progress_words(status))
        self.layout.display = "flex"

    def _say(self, words: str) -> None:
        self.label.value = f"<i>{words.replace('&', '&amp;').replace('<', '&lt;')}</i>"

    def stop(self) -> None:
        """Hide the progress."""
        self.layout.display = "none"
