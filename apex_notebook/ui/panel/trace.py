"""The panel's static trace: a readable HTML record of its current state, kept in the notebook itself.

Widgets live in the browser; a saved notebook or its HTML export keeps only cell outputs. So when
the panel is displayed it also displays this record (plain HTML, with a ``display_id``), and after
every action it replaces that output in place (``update_display``): the cell that shows the panel
always carries the latest scope, plan summary, banner and result in plain HTML. While the live panel
is on screen its stylesheet hides the record (the panel already shows the same facts); a saved
notebook opened without the widgets, and its HTML export, show it.

Why ``display_id`` rather than a ``text/html`` fallback in the widget's own mimebundle: that
fallback is frozen at display time, and replacing the widget's output would re-render the live
widget (losing what the user is typing). A separate output can be replaced freely.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from IPython import display as ipy

__all__ = ["TRACE_CLASS", "Trace", "display", "record_html"]

#: IPython's display functions, typed (IPython has no annotations).
display: Callable[..., Any] = ipy.display
_update_display: Callable[..., Any] = ipy.update_display
_HTML: Callable[[str], object] = ipy.HTML

#: CSS class of the record (the live panel's stylesheet hides it).
TRACE_CLASS = "apex-trace"
#: The class attributes of the copied parts are dropped: the record never matches the live panel's selectors.
_CLASS = re.compile(r"\sclass=(?:'[^']*'|\"[^\"]*\")")


def record_html(parts: Iterable[str]) -> str:
    """The record: a titled block of the given HTML parts (each already escaped), with the time."""
    now = pd.Timestamp.now(tz="UTC")
    body = "".join(f"<div style='margin:4px 0'>{_CLASS.sub('', part)}</div>" for part in parts if part)
    return (f"<div class='{TRACE_CLASS}' style='border:1px solid #999;padding:6px;font-size:13px'>"
            f"<div style='color:#555'><b>Cancel panel record</b> (static copy of the panel, updated at each "
            f"step; last update {now:%Y-%m-%d %H:%M:%S} UTC)</div>{body}</div>")


class Trace:
    """One displayed record, replaced in place; does nothing until :meth:`show` displayed it."""

    def __init__(self) -> None:
        self.display_id = f"apex-panel-record-{uuid.uuid4().hex[:12]}"
        self.shown = False
        self.html = ""

    def show(self, html: str) -> None:
        """Display the record below the panel (called when the panel itself is displayed)."""
        self.html = html
        display(_HTML(html), display_id=self.display_id)
        self.shown = True

    def update(self, html: str) -> None:
        """Replace the displayed record with ``html`` (kept for a later :meth:`show` otherwise)."""
        if html == self.html:
            return
        self.html = html
        if self.shown:
            _update_display(_HTML(html), display_id=self.display_id)
