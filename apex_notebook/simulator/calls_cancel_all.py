"""``CancelAllOrders``, exactly as the seed document describes it.

* ``OMSId`` is required.
* ``AccountId`` 0, null or omitted -> the orders of **every account on the OMS**. An Operator
  may do that; a Trading user gets errorcode 20 (``trading_all_accounts="refuse"``, default)
  or cancels on all the accounts it is associated with (``"associated"``). A specific
  AccountId must be one the caller may trade on.
* The instrument key is honoured per ``SimConfig.instrument_key``: ``"both"`` (``InstrumentId``
  or the documented typo ``IntrumentId``; if both are sent with different values the call is
  refused), ``"InstrumentId"``, ``"IntrumentId"``, or ``"none"``. An unhonoured key is
  ignored entirely, so the cancel **widens to every instrument**, as a real gateway might.
  An honoured value of 0 or null means every instrument; an unknown instrument gets errorcode
  100 with ``detail`` ``"Invalid InstrumentId: N"``.
* The reply is an acknowledgement only (the standard object). The cancels apply at once, or
  spread over ``cancel_delay`` seconds; ``fill_race`` lets some targets fill first.
"""

from __future__ import annotations

from typing import Any

from .calls_orders import instrument_filter
from .context import CallContext
from .engine import Engine
from .params import Params
from .permissions import OPERATOR, TRADING_ROLES, check_account, require_role
from .replies import ApiError, standard_ok

__all__ = ["cancel_all_orders", "honoured_instrument_keys"]

_KEYS = {"both": ("InstrumentId", "IntrumentId"), "InstrumentId": ("InstrumentId",),
         "IntrumentId": ("IntrumentId",), "none": ()}


def honoured_instrument_keys(mode: str) -> tuple[str, ...]:
    """The instrument-key spellings honoured in ``instrument_key`` mode ``mode``."""
    return _KEYS[mode]


def _instrument(engine: Engine, params: Params) -> int | None:
    honoured = [key for key in honoured_instrument_keys(engine.config.instrument_key) if params.has(key)]
    values = {key: instrument_filter(engine, params, key) for key in honoured}
    if len(set(values.values())) > 1:
        raise ApiError(100, f"InstrumentId and IntrumentId disagree: {values}")
    return next(iter(values.values()), None)


def cancel_all_orders(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """Cancel every Working order in the requested scope; reply with an acknowledgement."""
    params.require_oms(engine.config.oms_id)
    account_id = params.id("AccountId")
    instrument_id = _instrument(engine, params)
    user = ctx.require_user()
    require_role(user, TRADING_ROLES, "CancelAllOrders")
    accounts: list[int] | None
    if account_id:
        check_account(user, account_id, engine.catalog)
        accounts = [account_id]
    elif user.role == OPERATOR:
        accounts = None
    elif engine.config.trading_all_accounts == "associated":
        accounts = list(user.accounts)
    else:
        raise ApiError(20, "AccountId 0 or omitted means all accounts of the OMS; Operator only")
    engine.cancel_rows(engine.book.open_rows(accounts, instrument_id))
    return standard_ok()
