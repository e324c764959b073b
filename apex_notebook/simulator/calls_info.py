"""User, account, product and instrument calls (positions: ``calls_positions``)."""

from __future__ import annotations

from typing import Any

from .catalog import CREATED, NULL_DATE, User
from .context import CallContext
from .engine import Engine
from .params import Params
from .permissions import ALL_ROLES, OPERATOR, account_call
from .replies import ApiError

__all__ = [
    "get_account_info", "get_instrument", "get_instruments", "get_product", "get_products", "get_user_account_infos",
    "get_user_accounts", "get_user_info", "get_user_permissions",
]


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


def get_product(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetProduct`` (public); an unknown ProductId gets errorcode 104."""
    params.require_oms(engine.config.oms_id)
    product_id = params.required_id("ProductId")
    product = engine.catalog.products.get(product_id)
    if product is None:
        raise ApiError(104, f"Product {product_id} not found")
    return product.to_apex(engine.config.oms_id)


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
