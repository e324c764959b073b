"""Which accounts a user can see: an Operator's are enumerated with ``GetAllAccountPositions``.

Others are listed by ``GetUserAccounts``. An enumeration can miss accounts (a real gateway may leave
out accounts holding no positions): callers that need *every* account say so in their result.
"""

from __future__ import annotations

from typing import Any

from apex_notebook.wire.errors import BadResponseError
from apex_notebook.wire.gateway import Gateway

__all__ = ["account_ids", "role"]

_POSITIONS_PAGE = 500


def account_ids(client: Gateway) -> list[int]:
    """Every account the user can see: an Operator's are enumerated with GetAllAccountPositions."""
    if not client.is_operator:
        rows = client.read("GetUserAccounts", {"OMSId": client.oms_id, "UserId": client.user_id,
                                                     "UserName": client.username}, expect=list)
        return sorted({_account_of(row, "GetUserAccounts") for row in rows})
    seen: set[int] = set()
    start = 0
    while True:
        rows = client.read("GetAllAccountPositions", {"OMSId": client.oms_id, "StartIndex": start,
                                                            "Limit": _POSITIONS_PAGE}, expect=list)
        ids = {_account_of(row, "GetAllAccountPositions") for row in rows}
        new = ids - seen
        seen |= ids
        if not new:  # an empty page (or only repeats): done. A short page is not proof of the end.
            return sorted(seen)
        start = max(ids) + 1


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
