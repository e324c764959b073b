"""Which accounts a user can see: an Operator's are enumerated with ``GetAllAccountPositions``.

Others are listed by ``GetUserAccounts``. An enumeration can miss accounts (a real gateway may leave
out accounts holding no positions): callers that need *every* account say so in their result.
"""

from __future__ import annotations

from typing import Any

from apex_notebook.wire.errors import BadResponseError
from apex_notebook.wire.gateway import Gateway

__all__ = ["AccountPages", "account_ids", "role"]

_POSITIONS_PAGE = 500


def account_ids(client: Gateway) -> list[int]:
    """Every account the user can see: an Operator's are enumerated with GetAllAccountPositions."""
    pages = AccountPages(client)
    seen: list[int] = []
    while page := pages.next():
        seen += page
    return sorted(seen)


class AccountPages:
    """The accounts a user can see, one page at a time: ``next()`` is the new ids of the next page.

    An Operator's accounts come from GetAllAccountPositions in pages of 500 (``StartIndex`` = one past
    the page's highest account id); an empty page, or one of repeats only, ends it (a short page is not
    proof of the end). Anyone else's come in one page, from GetUserAccounts. ``next()`` returns an empty
    list once every page has been read. Lets a snapshot start reading the first page's accounts while
    the next page is still on its way.
    """

    def __init__(self, client: Gateway) -> None:
        self._client = client
        self._seen: set[int] = set()
        self._start = 0
        self._done = False

    def next(self) -> list[int]:
        """The ids first seen on the next page, sorted (empty when every page has been read)."""
        if self._done:
            return []
        client = self._client
        if not client.is_operator:
            self._done = True
            rows = client.read("GetUserAccounts", {"OMSId": client.oms_id, "UserId": client.user_id,
                                                   "UserName": client.username}, expect=list)
            return sorted({_account_of(row, "GetUserAccounts") for row in rows})
        rows = client.read("GetAllAccountPositions", {"OMSId": client.oms_id, "StartIndex": self._start,
                                                      "Limit": _POSITIONS_PAGE}, expect=list)
        ids = {_account_of(row, "GetAllAccountPositions") for row in rows}
        new = ids - self._seen
        self._seen |= ids
        if not new:
            self._done = True
            return []
        self._start = max(ids) + 1
        return sorted(new)


def _account_of(row: Any, call: str) -> int:
    value = row.get("AccountId", row.get("accountId")) if isinstance(row, dict) else row
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadResponseError(f"{call}: expected account ids, got {str(row)[:60]!r}", call=call)
    return value


def role(client: Gateway) -> str:
    """The user's role on its accounts: Operator, Trading or AccountReadOnly."""
    perms = {p.lower() for p in client.permissions}
    if client.is_operator:
        return "Operator"
    return "Trading" if "trading" in perms else "AccountReadOnly" if "accountreadonly" in perms else "None"
