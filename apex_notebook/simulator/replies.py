"""APEX reply building blocks: the standard response object and the errors that produce it.

Handlers return plain JSON-able values on success and raise :class:`ApiError` for a standard
error reply (``{"result": false, "errormsg": ..., "errorcode": N, "detail": ...}``) or
:class:`LoginError` for a failed login (an ``{"Authenticated": false, ...}`` object).
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["ERROR_MESSAGES", "ApiError", "LoginError", "dumps_reply", "standard_error", "standard_ok"]

#: APEX errorcode -> errormsg (apex-api.md §2.0).
ERROR_MESSAGES: dict[int, str] = {
    20: "Not Authorized",
    100: "Invalid Request",
    101: "Operation Failed",
    102: "Server Error",
    104: "Resource Not Found",
    106: "Operation Not Supported",
    107: "Operation In Process",
}


def standard_ok() -> dict[str, Any]:
    """The standard success object (an acknowledgement only)."""
    return {"result": True, "errormsg": None, "errorcode": 0, "detail": None}


def standard_error(errorcode: int, detail: str | None = None) -> dict[str, Any]:
    """The standard error object for ``errorcode`` with an optional ``detail``."""
    return {
        "result": False,
        "errormsg": ERROR_MESSAGES.get(errorcode, "Operation Failed"),
        "errorcode": errorcode,
        "detail": detail,
    }


def dumps_reply(body: Any) -> bytes:
    """``body`` as JSON; a body JSON cannot carry (e.g. an int beyond 64 bits) becomes errorcode 102."""
    try:
        return orjson.dumps(body)
    except TypeError as error:
        return orjson.dumps(standard_error(102, f"the reply could not be encoded: {error}"))


class ApiError(Exception):
    """A call refused with a standard error object; the engine state is left unchanged.

    ``unauthenticated`` marks a missing/expired session (the HTTP gateway answers it with
    ``SimConfig.unauthenticated_status`` instead of 200).
    """

    def __init__(self, errorcode: int, detail: str | None = None, *, unauthenticated: bool = False) -> None:
        super().__init__(f"{errorcode}: {detail}")
        self.errorcode = errorcode
        self.detail = detail
        self.unauthenticated = unauthenticated

    def body(self) -> dict[str, Any]:
        """The standard error object this error replies with."""
        return standard_error(self.errorcode, self.detail)


class LoginError(Exception):
    """A failed login (bad password, signature or 2FA code); ``body`` is the reply object."""

    def __init__(self, errormsg: str) -> None:
        super().__init__(errormsg)
        self.errormsg = errormsg

    def body(self) -> dict[str, Any]:
        """The ``Authenticated: false`` reply object."""
        return {"Authenticated": False, "Locked": False, "errormsg": self.errormsg, "errorcode": 20}
