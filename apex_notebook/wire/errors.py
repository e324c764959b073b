"""The one error tree of apex_notebook, and the APEX errorcode -> class table.

::

    ApexError                      base; .call .errorcode .errormsg .detail .payload (secret-free)
    ├── TransportError             the network failed (connect, timeout, dropped connection)
    ├── ClientClosedError          the client was closed; nothing was sent, create a new one
    ├── BadResponseError           the gateway answered something that is not the expected JSON
    ├── AuthenticationError        login failed (bad credentials, 2FA missing or wrong)
    ├── NotAuthorizedError         errorcode 20: no session, or no permission for this account/call
    ├── InvalidRequestError        errorcode 100: the gateway rejected the request's content
    ├── OperationFailedError       errorcode 101
    ├── ServerError                errorcode 102, or an HTTP 5xx
    ├── NotFoundError              errorcode 104
    ├── NotSupportedError          errorcode 106
    ├── RateLimitedError           HTTP 429 "TOO MANY REQUESTS"
    ├── PartialSnapshotError       some accounts of a snapshot failed (.failed_accounts, .frame)
    ├── ScopeError                 a bad account/instrument id or scope, refused before any request
    ├── JournalError               the audit journal cannot be opened or written as asked (.path)
    └── PlanError                  a cancel plan cannot be executed
        ├── ConfirmationError      the confirmation phrase does not match
        ├── DriftError             the orders in scope changed since the preview (.added, .removed)
        ├── AlreadyExecutedError   a plan executes at most once
        ├── NotPermittedError      the user may not cancel in this scope
        └── ApprovalError          the desk's policy needs another user's approval (.request_id)

Every message says what was attempted, what APEX said and what to do next. ``payload`` is the
request payload with secret values masked at every depth (``masking.py``); a secret of the request
that the gateway echoes back is scrubbed from the texts. No error ever carries a password, API
secret, session token, pending 2FA token or 2FA code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from apex_notebook.wire.masking import SECRET_KEYS, mask_secrets, scrub, secret_values

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ERRORCODE_CLASSES",
    "SECRET_KEYS",
    "AlreadyExecutedError",
    "ApexError",
    "ApprovalError",
    "AuthenticationError",
    "BadResponseError",
    "ClientClosedError",
    "ConfirmationError",
    "DriftError",
    "InvalidRequestError",
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
    "SentButNotJournalledError",
    "ServerError",
    "TransportError",
    "error_class_for",
    "mask_secrets",
    "next_step",
]


class ApexError(Exception):
    """Base of every error raised by apex_notebook."""

    def __init__(
        self,
        message: str,
        *,
        call: str | None = None,
        errorcode: int | None = None,
        errormsg: str | None = None,
        detail: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        hidden = secret_values(payload)  # a gateway may echo a secret of the request back
        message = scrub(message, hidden) or ""
        super().__init__(message)
        self.message = message
        self.call = call
        self.errorcode = errorcode
        self.errormsg = scrub(errormsg, hidden)
        self.detail = scrub(detail, hidden)
        self.payload: dict[str, Any] = mask_secrets(payload)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, call={self.call!r}, errorcode={self.errorcode!r})"


class TransportError(ApexError):
    """The request did not complete: connection refused or dropped, or a timeout."""


class ClientClosedError(ApexError):
    """The client was closed (``close()`` or the end of its ``with`` block); nothing was sent.

    Create a new ``Client`` to go on: a closed client never reconnects by itself.
    """


class BadResponseError(ApexError):
    """The gateway answered HTML, an empty body, non-JSON, or JSON of the wrong shape."""


class AuthenticationError(ApexError):
    """Login failed: wrong credentials, a 2FA code missing or refused, or no credentials given."""


class NotAuthorizedError(ApexError):
    """APEX errorcode 20 "Not Authorized": no valid session, or no permission on the account/call."""


class InvalidRequestError(ApexError):
    """APEX errorcode 100 "Invalid Request": the gateway refused the request's content."""


class OperationFailedError(ApexError):
    """APEX errorcode 101 "Operation Failed"."""


class ServerError(ApexError):
    """APEX errorcode 102 "Server Error", or an HTTP 5xx from the gateway."""


class NotFoundError(ApexError):
    """APEX errorcode 104 "Resource Not Found"."""


class NotSupportedError(ApexError):
    """APEX errorcode 106 "Operation Not Supported"."""


class RateLimitedError(ApexError):
    """HTTP 429 "TOO MANY REQUESTS": slow down (``Client(max_rate=...)``) and try again later."""


class PartialSnapshotError(ApexError):
    """Some accounts of a multi-account snapshot failed.

    ``failed_accounts`` maps each failed account id to the reason; ``frame`` is the partial frame of
    the accounts that succeeded (its ``attrs["accounts_failed"]`` names the failures too).
    """

    def __init__(
        self,
        message: str,
        *,
        failed_accounts: Mapping[int, str],
        frame: pd.DataFrame | None = None,
        call: str | None = None,
    ) -> None:
        super().__init__(message, call=call)
        self.failed_accounts: dict[int, str] = dict(failed_accounts)
        self.frame = frame


class ScopeError(ApexError, ValueError):
    """A bad account or instrument id, or a scope that would be ambiguous; raised before any request."""


class JournalError(ApexError):
    """The audit journal cannot be opened, trusted or written as asked; ``path`` says which journal."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class SentButNotJournalledError(JournalError):
    """The cancel WAS sent, but the journal failed afterwards: the record of it is incomplete.

    Verification still ran: ``cancel_result`` is the verified result (held in memory only);
    ``execution_id`` names the journalled intent, which stays ``in_flight`` until reconciled.
    """

    def __init__(self, message: str, *, path: str, execution_id: str) -> None:
        super().__init__(message, path=path)
        self.execution_id = execution_id
        self.cancel_result: object = None


class PlanError(ApexError):
    """A cancel plan cannot be executed as asked."""


class ConfirmationError(PlanError):
    """The confirmation phrase does not match the plan's."""


class DriftError(PlanError):
    """The orders in scope changed since the preview; ``added``/``removed`` are order frames."""

    def __init__(
        self,
        message: str,
        *,
        added: pd.DataFrame | None = None,
        removed: pd.DataFrame | None = None,
        call: str | None = None,
    ) -> None:
        super().__init__(message, call=call)
        self.added = added
        self.removed = removed


class AlreadyExecutedError(PlanError):
    """The plan was already executed; a plan executes at most once. Preview again."""


class NotPermittedError(PlanError):
    """The logged-in user may not cancel in this scope."""


class ApprovalError(PlanError):
    """The two-person release refused: the plan needs (or the request cannot take) another user's approval.

    ``request_id`` names the approval request concerned, when there is one.
    """

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


#: APEX errorcode -> error class (errorcode 107 "Operation In Process" is not an error).
ERRORCODE_CLASSES: dict[int, type[ApexError]] = {
    20: NotAuthorizedError,
    100: InvalidRequestError,
    101: OperationFailedError,
    102: ServerError,
    104: NotFoundError,
    106: NotSupportedError,
}

_NEXT_STEP: dict[type[ApexError], str] = {
    NotAuthorizedError: "check that this user has the permission and is associated with the account",
    InvalidRequestError: "check the request's keys and values (see detail)",
    OperationFailedError: "the gateway could not perform it; check the detail and the account state",
    ServerError: "the gateway failed internally; retry a read later, verify a write before re-sending",
    NotFoundError: "check the id: the gateway does not know it",
    NotSupportedError: "this gateway does not support the call or option",
    ApexError: "see errormsg/detail",
}


def error_class_for(errorcode: int | None) -> type[ApexError]:
    """The error class for an APEX errorcode (``ApexError`` for unknown codes)."""
    return ERRORCODE_CLASSES.get(errorcode, ApexError) if errorcode is not None else ApexError


def next_step(cls: type[ApexError]) -> str:
    """A short "what to do next" hint for an error class."""
    return _NEXT_STEP.get(cls, _NEXT_STEP[ApexError])
