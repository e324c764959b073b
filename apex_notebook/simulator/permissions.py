"""Who may do what on which account (apex-api.md §4).

* ``Operator`` may act on any account.
* ``Trading`` may read and trade on the accounts it is associated with.
* ``AccountReadOnly`` may only read its associated accounts.

A non-Operator naming an account it is not associated with gets errorcode 20, whether or not
the account exists (so account ids cannot be probed); an Operator naming a missing account
gets errorcode 104.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import Catalog, User
from .replies import ApiError

if TYPE_CHECKING:
    from .context import CallContext
    from .engine import Engine
    from .params import Params

__all__ = ["ALL_ROLES", "OPERATOR", "READ_ONLY", "TRADING", "TRADING_ROLES", "account_call", "check_account",
           "require_role"]

OPERATOR, TRADING, READ_ONLY = "Operator", "Trading", "AccountReadOnly"
ALL_ROLES = frozenset({OPERATOR, TRADING, READ_ONLY})
TRADING_ROLES = frozenset({OPERATOR, TRADING})


def require_role(user: User, roles: frozenset[str], call: str) -> None:
    """Refuse (errorcode 20) unless the user's role is one of ``roles``."""
    if user.role not in roles:
        raise ApiError(20, f"{call} requires one of: {', '.join(sorted(roles))}; {user.name} is {user.role}")


def check_account(user: User, account_id: int, catalog: Catalog) -> None:
    """Refuse unless ``user`` may act on ``account_id`` (role checks are done separately)."""
    if user.role == OPERATOR:
        if account_id not in catalog.accounts:
            raise ApiError(104, f"Account {account_id} not found")
        return
    if account_id not in user.accounts:
        raise ApiError(20, f"user {user.name} is not associated with account {account_id}")


def account_call(engine: Engine, ctx: CallContext, params: Params, roles: frozenset[str],
                 call: str) -> int:
    """The checks every one-account call makes (OMSId, AccountId, role, association); the AccountId."""
    params.require_oms(engine.config.oms_id)
    account_id = params.required_id("AccountId")
    user = ctx.require_user()
    require_role(user, roles, call)
    check_account(user, account_id, engine.catalog)
    return account_id
