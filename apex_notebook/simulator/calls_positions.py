"""Account positions: ``GetAccountPositions`` and the Operator's ``GetAllAccountPositions``.

One row per product (apex-api.md §2.2): ``Amount`` from the ledger (moves only with fills),
``Hold`` from the account's Working orders, notionals in USD. Amount and Hold carry the ledger's
precision (the product's decimal places + 4), so sums over accounts reconcile exactly.

``GetAllAccountPositions`` (Operator only) is how an Operator enumerates every account:
``{"OMSId": 1, "StartIndex": <first AccountId, default 0>, "Limit": <accounts per page,
default 100, capped at 1000>}`` returns one row per product for each of the next ``Limit``
accounts with ``AccountId >= StartIndex``, ascending; the next page starts at the last
AccountId + 1; an empty list means done. Accounts in ``SimConfig.enumeration_hides`` are
left out (they do not count toward ``Limit``), as a gateway leaves out accounts holding no
positions; they still exist, hold orders and answer every other call.
"""

from __future__ import annotations

from typing import Any

from .context import CallContext
from .engine import Engine
from .params import Params
from .permissions import ALL_ROLES, OPERATOR, account_call, require_role
from .replies import ApiError

__all__ = ["MAX_PAGE", "get_account_positions", "get_all_account_positions", "position_row", "position_rows"]

MAX_PAGE = 1000
_ZERO_TOTALS = (
    "PendingDeposits", "PendingWithdraws", "TotalDayDeposits", "TotalMonthDeposits", "TotalYearDeposits",
    "TotalDayDepositNotional", "TotalMonthDepositNotional", "TotalYearDepositNotional", "TotalDayWithdraws",
    "TotalMonthWithdraws", "TotalYearWithdraws", "TotalDayWithdrawNotional", "TotalMonthWithdrawNotional",
    "TotalYearWithdrawNotional",
)


def position_row(engine: Engine, account_id: int, product_id: int, held: float) -> dict[str, Any]:
    """One GetAccountPositions row (also the AccountPositionEvent body)."""
    product = engine.catalog.products[product_id]
    digits = product.decimal_places + 4  # the ledger's precision: trades leave sub-tick remainders
    amount = round(engine.ledger.amount(account_id, product_id), digits)
    held = round(held, digits)
    row: dict[str, Any] = {
        "OMSId": engine.config.oms_id, "AccountId": account_id, "ProductSymbol": product.symbol,
        "ProductId": product_id, "Amount": amount, "Hold": held,
    }
    row.update(dict.fromkeys(_ZERO_TOTALS, 0.0))
    row.update({
        "NotionalProductId": 2, "NotionalProductSymbol": "USD",
        "NotionalValue": round(amount * product.usd_rate, 2),
        "NotionalHoldAmount": round(held * product.usd_rate, 2), "NotionalRate": product.usd_rate,
        "TotalDayTransferNotional": 0.0,
    })
    return row


def position_rows(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    """Every product's row for one account."""
    held = engine.ledger.holds(account_id)
    return [position_row(engine, account_id, product_id, held[product_id]) for product_id in engine.catalog.products]


def get_account_positions(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetAccountPositions``: one row per product; Hold reflects the account's open orders."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetAccountPositions")
    return position_rows(engine, account_id)


def get_all_account_positions(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetAllAccountPositions`` (Operator): positions of every account, paged by AccountId."""
    params.require_oms(engine.config.oms_id)
    require_role(ctx.require_user(), frozenset({OPERATOR}), "GetAllAccountPositions")
    start = params.id("StartIndex") or 0
    limit = params.id("Limit")
    limit = 100 if limit is None else min(limit, MAX_PAGE)
    if limit == 0:
        raise ApiError(100, "Limit must be at least 1")
    accounts = engine.accounts_from(start, limit, engine.config.enumeration_hides)
    return [row for account in accounts for row in position_rows(engine, account)]
