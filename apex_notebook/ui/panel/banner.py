"""The panel's banner: one line that says what happened, its technical details folded away.

Every failure (and the verdict of every execution) is shown here, never as a traceback: the line
comes from :func:`~apex_notebook.ui.panel.messages.explain` and the details (exception type, message
and notes) sit in a closed accordion.
"""

from __future__ import annotations

import html
from typing import Final

import ipywidgets as widgets

from apex_notebook.ui.panel.messages import NOTHING_SENT, Message, Sent, details, explain

__all__ = ["LEVELS", "Banner"]

#: Banner level -> inline style (the colours of ``frames.html`` banners, plus a red error).
LEVELS: Final[dict[str, str]] = {
    "error": "background:#fdecea;color:#7a0010;border-left:6px solid #b00020;padding:6px 8px",
    "warning": "background:#fff3cd;color:#5c4400;border-left:6px solid #e0a800;padding:6px 8px",
    "ok": "background:#e6f4ea;color:#14532d;border-left:6px solid #2a9d8f;padding:6px 8px",
    "info": "background:#eef4fb;color:#123;border-left:6px solid #4a7fb5;padding:6px 8px",
}

_TITLES: Final[dict[str, str]] = {"preview": "Preview failed", "execute": "Execute failed",
                                  "scope": "Scope not accepted", "load": "Could not load the accounts",
                                  "blocked": "Execute blocked"}


class Banner(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """One coloured line plus a closed "Technical details" accordion; hidden while empty."""

    def __init__(self) -> None:
        self.message = widgets.HTML()
        self.message.add_class("apex-banner-line")
        self.details = widgets.HTML()
        self.details.add_class("apex-banner-details")
        self.accordion = widgets.Accordion(children=[self.details], titles=("Technical details",),
                                           selected_index=None, layout=widgets.Layout(display="none"))
        super().__init__(children=[self.message, self.accordion], layout=widgets.Layout(display="none"))
        self.add_class("apex-banner")
        self.last: BaseException | None = None
        self.level = ""
        self.text = ""  # the plain line currently shown

    def show_error(self, exc: BaseException, *, action: str, sent: Sent = "no") -> Message:
        """Show ``exc`` as one line (idempotent for the same exception object); returns the message."""
        message = explain(exc, action=action, sent=sent)
        if exc is not self.last:
            self.last = exc
            level = "warning" if sent == "verified" else "error"
            self.show(level, _TITLES.get(action, "Error"), message.line, details=details(exc))
        return message

    def show_blocked(self, exc: BaseException, clause: str) -> None:
        """Show why Execute may not run (``clause`` from ``execute_blockers``) as one line."""
        self.last = exc
        steps = {"this plan cannot run": "ask an Operator, or choose one of your accounts",
                 "there is no plan": "press Preview", "give a reason": "type a reason, then press Execute",
                 "the typed phrase": "type the phrase exactly, then press Execute",
                 "type exactly": "type the phrase exactly, then press Execute"}
        step = next((s for start, s in steps.items() if clause.startswith(start)), "do that, then press Execute")
        self.show("error", "Execute blocked", f"{clause[:1].upper()}{clause[1:]}. {NOTHING_SENT} Next: {step}.")

    def show(self, level: str, title: str, line: str, *, details: str = "") -> None:
        """Show ``title: line`` at ``level`` (``error``, ``warning``, ``ok``, ``info``)."""
        self.level, self.text = level, line
        self.message.value = (f"<div class='apex-banner-{level}' style='{LEVELS[level]}'>"
                              f"<b>{html.escape(title)}:</b> {html.escape(line)}</div>")
        self.details.value = (f"<pre style='font-size:11px;white-space:pre-wrap;margin:0'>"
                              f"{html.escape(details)}</pre>" if details else "")
        self.accordion.selected_index = None
        self.accordion.layout.display = "block" if details else "none"
        self.layout.display = "flex"

    def clear(self) -> None:
        """Hide the banner."""
        self.last = None
        self.level = self.text = ""
        self.message.value = self.details.value = ""
        self.layout.display = "none"
