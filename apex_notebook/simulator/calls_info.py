"""User, account, product and instrument calls, and account positions.

``GetAllAccountPositions`` (Operator only) is how an Operator enumerates every account:
``{"OMSId": 1, "StartIndex": <first AccountId, default 0>, "Limit": <accounts per page,
default 100, capped at 1000>}`` returns one row per product for each of the next ``Limit``
accounts with ``AccountId >= StartIndex``, ascending; the next page starts at the last
AccountId + 1; an empty list means done. Accounts in ``SimConfig.enumeration_hides`` are
left out (they do not count toward ``Limit``), as a gateway leaves out accounts holding no
positions; they still exist, hold orders and answer every other call.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog import CREATED, NULL_DATE, User
from .context import CallContext
from .engine import Engine
from .params import Params
from .permissions import ALL_ROLES, OPERATOR, account_call, require_role
from .replies import ApiError

__all__ = [
    "get_account_info", "get_account_positions", "get_all_account_positions", "get_instrument",
    "get_instruments", "get_products", "get_user_account_infos", "get_user_accounts", "get_user_info",
    "get_user_permissions",
]

MAX_PAGE = 1000


def _target_user(engine: Engine, ctx: CallContext, params: Params) -> User:
    caller = ctx.require_user()
    user_id = params.id("UserId")
    name = params.text("UserName")
    target = caller
    if user_id is not None and user_id != 0:
        found = engine.catalog.users.get(user_id)
        if found is None:
            if caller.role != OPERATOR:
                raise ApiError(20, f"{caller.name} may only query itself")
            raise ApiError(104, f"User {user_id} not found")
        target = found
    if name:
        by_name = engine.catalog.users_by_name.get(name.lower())
        if by_name is None or (user_id and by_name.user_id != user_id):
            if caller.role != OPERATOR:
                raise ApiError(20, f"{caller.name} may only query itself")
            raise ApiError(104, f"User {name!r} not found" if by_name is None
                           else f"UserName {name!r} does not match UserId {user_id}")
        target = by_name
    if target.user_id != caller.user_id and caller.role != OPERATOR:
        raise ApiError(20, f"{caller.name} may only query itself")
    return target


def get_user_info(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetUserInfo``: the caller, or (Operator) any user by ``UserId``/``UserName``."""
    user = _target_user(engine, ctx, params)
    return {
        "UserId": user.user_id, "UserName": user.name, "Email": user.email, "PasswordHash": "",
        "PendingEmailCode": "", "EmailVerified": True,
        "AccountId": user.accounts[0] if user.accounts else 0, "DateTimeCreated": CREATED,
        "AffiliateId": 0, "RefererId": 0, "OMSId": engine.config.oms_id,
        "Use2FA": user.two_factor_code is not None, "Salt": "", "PendingCodeTime": NULL_DATE,
        "Locked": False, "LockedTime": NULL_DATE, "NumberOfFailedAttempt": 0,
        "MarginBorrowerEnabled": False, "MarginAcquisitionHalt": False, "OperatorId": 1,
    }


def get_user_accounts(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetUserAccounts``: the AccountIds the user is associated with."""
    params.require_oms(engine.config.oms_id)
    return list(_target_user(engine, ctx, params).accounts)


def get_user_account_infos(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetUserAccountInfos``: account-info objects of the user's accounts."""
    params.require_oms(engine.config.oms_id)
    user = _target_user(engine, ctx, params)
    return [engine.catalog.accounts[account].to_apex(engine.config.oms_id) for account in user.accounts]


def get_account_info(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetAccountInfo`` for one account the caller may see."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetAccountInfo")
    return engine.catalog.accounts[account_id].to_apex(engine.config.oms_id)


def get_user_permissions(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetUserPermissions``: the user's role names, e.g. ``["Trading"]``."""
    return [_target_user(engine, ctx, params).role]


def get_products(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetProducts`` (public)."""
    params.require_oms(engine.config.oms_id)
    return [product.to_apex(engine.config.oms_id) for product in engine.catalog.products.values()]


def get_instruments(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetInstruments`` (public)."""
    params.require_oms(engine.config.oms_id)
    return [instrument.to_apex(engine.config.oms_id) for instrument in engine.catalog.instruments.values()]


def get_instrument(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetInstrument`` (public); an unknown InstrumentId gets errorcode 104."""
    params.require_oms(engine.config.oms_id)
    instrument_id = params.required_id("InstrumentId")
    instrument = engine.catalog.instruments.get(instrument_id)
    if instrument is None:
        raise ApiError(104, f"Instrument {instrument_id} not found")
    return instrument.to_apex(engine.config.oms_id)


def _positions(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    catalog, table = engine.catalog, engine.book.table
    hold = dict.fromkeys(catalog.products, 0.0)
    for row in engine.book.open_rows([account_id]):
        instrument = catalog.instruments[table.instrument[row]]
        remaining = table.remaining(row)
        if table.side[row] == 0:
            price = table.price[row] or table.stop_price[row]
            hold[instrument.product2.product_id] += remaining * price
        else:
            hold[instrument.product1.product_id] += remaining
    rng = random.Random(engine.seed * 1_000_003 + account_id)
    rows = []
    for product in catalog.products.values():
        held = round(hold[product.product_id], product.decimal_places)
        amount = round(held + rng.uniform(0.0, 50_000.0) / product.usd_rate, product.decimal_places)
        rows.append({
            "OMSId": engine.config.oms_id, "AccountId": account_id, "ProductSymbol": product.symbol,
            "ProductId": product.product_id, "Amount": amount, "Hold": held, "PendingDeposits": 0.0,
            "PendingWithdraws": 0.0, "TotalDayDeposits": 0.0, "TotalMonthDeposits": 0.0,
            "TotalYearDeposits": 0.0, "TotalDayDepositNotional": 0.0, "TotalMonthDepositNotional": 0.0,
            "TotalYearDepositNotional": 0.0, "TotalDayWithdraws": 0.0, "TotalMonthWithdraws": 0.0,
            "TotalYearWithdraws": 0.0, "TotalDayWithdrawNotional": 0.0, "TotalMonthWithdrawNotional": 0.0,
            "TotalYearWithdrawNotional": 0.0, "NotionalProductId": 2, "NotionalProductSymbol": "USD",
            "NotionalValue": round(amount * product.usd_rate, 2),
            "NotionalHoldAmount": round(held * product.usd_rate, 2), "NotionalRate": product.usd_rate,
            "TotalDayTransferNotional": 0.0,
        })
    return rows


def get_account_positions(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetAccountPositions``: one row per product; Hold reflects the account's open orders."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetAccountPositions")
    return _positions(engine, account_id)


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
    return [row for account in accounts for row in _positions(engine, account)]
