"""The panel's error area: what went wrong in words a person understands, the traceback collapsed.

:func:`explain` turns any exception into one or two plain sentences (what happened, what to do
next); :class:`ErrorArea` shows it in a red box with the technical details in a closed accordion, so
no error of a button callback is ever lost to a log. Error messages of :class:`ApexError` are
secret-free by contract; nothing else about the client is shown.
"""

from __future__ import annotations

import html
import traceback
from typing import Any

import ipywidgets as widgets

from apex_notebook.wire.errors import (
    AlreadyExecutedError,
    ApexError,
    AuthenticationError,
    ConfirmationError,
    DriftError,
    NotAuthorizedError,
    NotPermittedError,
    PartialSnapshotError,
    PlanError,
    RateLimitedError,
    ScopeError,
    TransportError,
    next_step,
)

__all__ = ["ErrorArea", "explain"]

_UNCHANGED = " Nothing was changed; try again."
_NOT_SENT = " Nothing was sent: the execution stopped before the cancel left. Press Preview for a new plan."
_UNCERTAIN = (" The cancel may or may not have reached the gateway. It is never re-sent automatically: "
              "look at the journal and preview the scope again to see what is still open.")


def _ids(frame: Any, limit: int = 10) -> str:
    if frame is None or not len(frame) or "order_id" not in frame:
        return ""
    ids = [str(i) for i in frame["order_id"].head(limit)]
    return f" ({', '.join(ids)}{', ...' if len(frame) > limit else ''})"


def _drift_words(exc: DriftError) -> str:
    added = 0 if exc.added is None else len(exc.added)
    removed = 0 if exc.removed is None else len(exc.removed)
    return (f"The open orders changed since the preview: {added} new order(s) entered the scope"
            f"{_ids(exc.added)} and {removed} left it{_ids(exc.removed)}. Nothing was sent. Preview again "
            "to see the orders as they are now.")


_VERIFIED = " The orders were verified afterwards: the result below shows what really happened."


def explain(exc: BaseException, *, action: str = "", sent: bool | None = None) -> str:
    """One or two plain sentences about ``exc``; ``action`` is ``"preview"``, ``"execute"`` or ``""``.

    ``sent=False`` (with ``action="execute"``): the execution is known to have stopped before the
    cancel left (its plan was never spent), so the words say so instead of "may or may not".
    """
    if getattr(exc, "cancel_result", None) is not None:  # execute verified the orders after the error
        return _explain(exc, sending=False).removesuffix(_UNCHANGED) + _VERIFIED
    if action == "execute" and sent is False:
        text = _explain(exc, sending=False).removesuffix(_UNCHANGED)
        return text if "othing was sent" in text else text + _NOT_SENT
    return _explain(exc, sending=action == "execute")


def _sentence(text: str) -> str:
    """``text`` ending in exactly one full stop (messages of ApexError often end in one already)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _next(text: str, cls: type[ApexError]) -> str:
    """A "Next: ..." hint, unless the message already has one (ApexError messages from rpc do)."""
    return "" if "Next:" in text else f" Next: {next_step(cls)}."


def _explain(exc: BaseException, *, sending: bool) -> str:
    text = str(exc)
    if isinstance(exc, DriftError):
        return _drift_words(exc)
    if isinstance(exc, ConfirmationError):
        return f"The confirmation does not match the plan's phrase; nothing was sent. {text}"
    if isinstance(exc, AlreadyExecutedError):
        return "This plan was already executed (a plan runs at most once). Preview again for a new plan."
    if isinstance(exc, NotPermittedError):
        return f"You may not cancel in this scope: {text}"
    if isinstance(exc, PlanError):
        return f"Cannot execute: {text}"
    if isinstance(exc, PartialSnapshotError):
        failed = ", ".join(str(a) for a in sorted(exc.failed_accounts)) or "some accounts"
        return (f"The snapshot is incomplete: the orders of account(s) {failed} could not be read, so the "
                "preview cannot be trusted and nothing can be executed from it. Try the preview again.")
    if isinstance(exc, ScopeError):
        return f"That scope is not valid: {text}"
    if isinstance(exc, AuthenticationError):
        return f"The login failed or the session ended: {_sentence(text)} Reconnect the client, then try again."
    if isinstance(exc, NotAuthorizedError):
        return f"The gateway refused (Not Authorized): {_sentence(text)}{_next(text, NotAuthorizedError)}"
    if isinstance(exc, RateLimitedError):
        return ("The gateway is rate-limiting this session (too many requests). Wait a little and try "
                "again." + (_UNCERTAIN if sending else ""))
    if isinstance(exc, TransportError):
        return f"The gateway could not be reached or did not answer in time: {_sentence(text)}" + (
            _UNCERTAIN if sending else _UNCHANGED)
    if isinstance(exc, ApexError):
        return f"The gateway answered with an error: {_sentence(text)}{_next(text, type(exc))}" + (
            _UNCERTAIN if sending else "")
    return (f"Something unexpected went wrong ({type(exc).__name__}: {text}). This is a fault of the tool "
            "or its environment; the technical details below help to report it."
            + (_UNCERTAIN if sending else ""))


class ErrorArea(widgets.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """A red message box plus a collapsed traceback; hidden while there is no error."""

    def __init__(self) -> None:
        self.message = widgets.HTML()
        self.message.add_class("apex-error")
        self.details = widgets.HTML()
        self.details.add_class("apex-traceback")
        self.accordion = widgets.Accordion(children=[self.details], titles=("Technical details",),
                                           selected_index=None)
        super().__init__(children=[self.message, self.accordion], layout=widgets.Layout(display="none"))
        self.add_class("apex-errors")
        self.last: BaseException | None = None
        self.text = ""  # the plain message currently shown

    def show(self, exc: BaseException, *, action: str = "", sent: bool | None = None) -> None:
        """Show ``exc`` (idempotent for the same exception object); ``sent`` as in :func:`explain`."""
        if exc is self.last:
            return
        self.last = exc
        title = {"preview": "Preview failed", "execute": "Execute failed", "scope": "Scope not accepted",
                 "load": "Could not load the accounts and instruments"}.get(action, "Error")
        self.text = explain(exc, action=action, sent=sent)
        self.message.value = (
            "<div style='background:#fdecea;color:#8b0000;border-left:6px solid #b00020;padding:8px'>"
            f"<b>{title}:</b> {html.escape(self.text)}</div>"
        )
        lines = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.details.value = f"<pre style='font-size:11px;white-space:pre-wrap'>{html.escape(lines)}</pre>"
        self.accordion.selected_index = None
        self.layout.display = "flex"

    def clear(self) -> None:
        """Hide the error and its traceback."""
        self.last = None
        self.text = ""
        self.message.value = ""
        self.details.value = ""
        self.layout.display = "none"
