"""Every failure of the panel in one line: what happened, whether anything was sent, what to do next.

:func:`explain` turns any exception into a :class:`Message`; the banner shows its one line and folds
the technical details (exception type, message and notes; never a traceback) into an accordion.
Messages of :class:`ApexError` are secret-free by contract; nothing else about the client is shown.

``sent`` is what the panel knows about the cancel when the error struck:

* ``"no"``: nothing left (a preview, a refusal, or an execute that stopped before its intent was
  journalled);
* ``"verified"``: the cancel went out, the gateway answered with an error, and the orders were
  verified afterwards (the exception carries ``cancel_result``);
* ``"maybe"``: the intent was journalled (the send follows it) but no verified result came back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from apex_notebook.wire.errors import (
    AlreadyExecutedError,
    ApexError,
    ApprovalError,
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
)

__all__ = ["NOTHING_SENT", "Message", "Sent", "core", "details", "explain", "order_ids"]

Sent = Literal["no", "verified", "maybe"]

NOTHING_SENT = "Nothing was sent."
_SENT_WORDS: dict[str, str] = {
    "no": NOTHING_SENT,
    "verified": "The cancel was sent and every order was verified afterwards: the result is below.",
    "maybe": ("The cancel may have been sent (its intent is in the journal); it is never re-sent "
              "automatically."),
}


@dataclass(frozen=True)
class Message:
    """One banner line: ``what`` happened, whether anything was ``sent``, the ``next`` step."""

    what: str
    sent: str
    next: str

    @property
    def line(self) -> str:
        """The whole message as one line of plain text."""
        return f"{_sentence(self.what)} {self.sent} Next: {_sentence(self.next)}".replace("..", ".")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


_SENT_CLAUSE = re.compile(r"[;,.]?\s*\(?\b(?:NOTHING|[Nn]othing) was sent\b[^.;)]*\)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def core(exc: BaseException) -> str:
    """The exception's first sentence, without "Next: ...", "nothing was sent" or the final full stop.

    The banner says itself whether anything was sent and what to do next; the whole message stays
    in the technical details.
    """
    text = " ".join(str(exc).split()).split(" Next:")[0]
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    return _SENT_CLAUSE.sub("", first).strip(" ;,").rstrip(".") or type(exc).__name__


def order_ids(frame: pd.DataFrame | None, limit: int = 8) -> str:
    """``7001, 7002, ...``: the first order ids of a frame (empty text for none)."""
    if frame is None or "order_id" not in frame.columns:
        return ""
    ids = [str(i) for i in frame["order_id"].head(limit)]
    return ", ".join(ids) + (", ..." if len(frame) > limit else "")


def _drift(exc: DriftError) -> str:
    parts = []
    for frame, words in ((exc.added, "new in scope"), (exc.removed, "gone")):
        n = 0 if frame is None else len(frame)
        ids = order_ids(frame)
        parts.append(f"{n} {words}" + (f" ({ids})" if ids else ""))
    return "The orders in scope changed since the preview: " + ", ".join(parts)


def _closed(exc: BaseException) -> bool:
    text = str(exc)
    return "Client is closed" in text or (isinstance(exc, RuntimeError) and "has been closed" in text)


def _what(exc: BaseException, action: str) -> tuple[str, str]:
    """(what happened, next step) for ``exc`` during ``action``."""
    again = "press Preview again" if action == "preview" else "press Preview for a fresh plan"
    text = core(exc)
    if _closed(exc):
        return "The client is closed (close() was called)", "connect a new Client and make a new panel with it"
    if isinstance(exc, KeyboardInterrupt):
        return "The action was interrupted (the kernel was interrupted)", again
    if isinstance(exc, DriftError):
        return _drift(exc), "press Preview to see the orders as they are now"
    if isinstance(exc, ConfirmationError):
        return "The typed phrase does not match the plan's phrase", "type the phrase exactly as shown"
    if isinstance(exc, AlreadyExecutedError):
        return "This plan was already used (a plan runs at most once)", "press Preview for a new plan"
    if isinstance(exc, NotPermittedError):
        return f"You may not cancel in this scope: {text}", "choose one of your accounts, or ask an Operator"
    if isinstance(exc, ApprovalError):
        return (f"This plan needs a second person's approval first: {text}",
                "submit it (journal.submit) and ask another user to approve it, then Execute")
    if isinstance(exc, PlanError):
        return f"The plan was refused: {text}", again
    if isinstance(exc, PartialSnapshotError):
        failed = ", ".join(str(a) for a in sorted(exc.failed_accounts)) or "some accounts"
        return (f"The snapshot is incomplete: the orders of account(s) {failed} could not be read",
                f"{again}; a partial snapshot is never used as a plan")
    if isinstance(exc, ScopeError):
        return f"That scope is not valid: {text}", "choose an account and an instrument from the lists"
    if isinstance(exc, AuthenticationError):
        return f"The login failed or the session ended: {text}", "reconnect the client and make a new panel"
    if isinstance(exc, NotAuthorizedError):
        return f"The gateway refused (Not Authorized): {text}", "check this user's permissions for the account"
    if isinstance(exc, RateLimitedError):
        return f"The gateway is rate-limiting this session (HTTP 429): {text}", f"wait a minute, then {again}"
    if isinstance(exc, TransportError):
        return f"The gateway did not answer in time or could not be reached: {text}", again
    if isinstance(exc, ApexError):
        return f"The gateway answered with an error: {text}", f"wait a moment, then {again}"
    return (f"Something unexpected went wrong ({type(exc).__name__}: {text})",
            "report it with the technical details below")


def explain(exc: BaseException, *, action: str, sent: Sent = "no") -> Message:
    """The one-line :class:`Message` for ``exc`` raised by ``action`` (``preview``, ``execute``, ...)."""
    what, step = _what(exc, action)
    if sent == "verified":
        step = "read the result below; nothing is re-sent automatically"
    elif sent == "maybe":
        step = "look at the journal and press Preview to see what is still open"
    return Message(what, _SENT_WORDS[sent], step)


def details(exc: BaseException) -> str:
    """The technical details: type, message, APEX call and code, notes. Never a traceback."""
    lines = [f"{type(exc).__module__}.{type(exc).__qualname__}: {' '.join(str(exc).split())}"]
    for name in ("call", "errorcode", "errormsg"):
        value = getattr(exc, name, None)
        if value not in (None, ""):
            lines.append(f"{name}: {value}")
    lines += [f"note: {note}" for note in getattr(exc, "__notes__", ())]
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        lines.append(f"caused by {type(cause).__qualname__}: {' '.join(str(cause).split())}")
    return "\n".join(lines)
