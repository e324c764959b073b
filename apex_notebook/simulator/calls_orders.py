"""Order calls: GetOpenOrders, GetOrderStatus, SendOrder, CancelOrder (history: ``calls_history``).

Roles follow the APEX pages: GetOpenOrders is open to Operator, Trading and AccountReadOnly;
GetOrderStatus, SendOrder and CancelOrder to Operator and Trading. Every
account named must be one the caller may act on (see ``permissions``).
"""

from __future__ import annotations

from typing import Any

from .context import CallContext
from .engine import Engine
from .orders import FIRST_ORDER_ID, ORDER_STATES, ORDER_TYPES, SIDES
from .params import Params
from .permissions import ALL_ROLES, TRADING_ROLES, account_call, check_account, require_role
from .replies import ApiError, standard_ok

__all__ = ["cancel_order", "get_open_orders", "get_order_status", "instrument_filter", "send_order"]

_LIMIT_TYPES = ("Limit", "StopLimit")
_STOP_TYPES = ("StopMarket", "StopLimit")
_SUPPORTED_TYPES = ("Market", "Limit", "StopMarket", "StopLimit")


def instrument_filter(engine: Engine, params: Params, key: str = "InstrumentId") -> int | None:
    """An optional instrument id (0 or absent = all); unknown ids get errorcode 100."""
    instrument_id = params.id(key)
    if not instrument_id:
        return None
    if instrument_id not in engine.catalog.instruments:
        raise ApiError(100, f"Invalid InstrumentId: {instrument_id}")
    return instrument_id


def get_open_orders(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOpenOrders`` of one account (optional ``InstrumentId`` filter), oldest first."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetOpenOrders")
    instrument_id = instrument_filter(engine, params)
    return [engine.book.render(row) for row in engine.book.open_rows([account_id], instrument_id)]


def _order_row(engine: Engine, ctx: CallContext, params: Params, call: str) -> int:
    params.require_oms(engine.config.oms_id)
    account_id = params.id("AccountId")
    order_id = params.id("OrderId")
    user = ctx.require_user()
    require_role(user, TRADING_ROLES, call)
    if account_id:
        check_account(user, account_id, engine.catalog)
    if not order_id:
        if not account_id:
            raise ApiError(100, "OrderId (or AccountId for the most recent order) is required")
        rows = list(engine.book.rows_of(account_id))
        if not rows:
            raise ApiError(104, f"Account {account_id} has no orders")
        return rows[-1]
    row = engine.book.row(order_id)
    if row is None or (account_id and engine.book.account_of(row) != account_id):
        where = f" in account {account_id}" if account_id else ""
        raise ApiError(104, f"Order {order_id} not found{where}")
    if not account_id:
        try:
            check_account(user, engine.book.account_of(row), engine.catalog)
        except ApiError:
            raise ApiError(104, f"Order {order_id} not found") from None
    return row


def get_order_status(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOrderStatus``: one order object, any state (most recent of the account without OrderId)."""
    return engine.book.render(_order_row(engine, ctx, params, "GetOrderStatus"))


def send_order(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``SendOrder``: Market/Limit/StopMarket/StopLimit; market orders fill at once at the mid."""
    params.require_oms(engine.config.oms_id)
    account_id = params.required_id("AccountId")
    instrument_id = params.required_id("InstrumentId")
    side = params.enum("Side", SIDES)
    order_type = ORDER_TYPES[params.enum("OrderType", ORDER_TYPES)]
    quantity = params.number("Quantity")
    limit_price = params.number("LimitPrice", default=0.0) or 0.0
    stop_price = params.number("StopPrice", default=0.0) or 0.0
    client_order_id = params.id("ClientOrderId") or 0
    user = ctx.require_user()
    require_role(user, TRADING_ROLES, "SendOrder")
    check_account(user, account_id, engine.catalog)
    if instrument_id not in engine.catalog.instruments:
        raise ApiError(100, f"Invalid InstrumentId: {instrument_id}")
    if side > 1:
        raise ApiError(100, "Side must be Buy (0) or Sell (1)")
    if order_type not in _SUPPORTED_TYPES:
        raise ApiError(106, f"OrderType {order_type} is not supported by the simulator")
    if quantity is None or quantity <= 0:
        raise ApiError(100, "Invalid Quantity: Quantity must be > 0")
    if order_type in _LIMIT_TYPES and limit_price <= 0:
        raise ApiError(100, f"LimitPrice must be > 0 for a {order_type} order")
    if order_type in _STOP_TYPES and stop_price <= 0:
        raise ApiError(100, f"StopPrice must be > 0 for a {order_type} order")
    book = engine.book
    if client_order_id and any(
        book.table.client_order_id[row] == client_order_id for row in book.open_rows([account_id])
    ):
        return {"status": "Rejected", "errormsg": "Invalid_ClientOrderId", "errorcode": 101}
    now = engine.now()
    order_id = book.place(
        account_id=account_id, instrument_id=instrument_id, side=SIDES[side], order_type=order_type,
        price=limit_price if order_type in _LIMIT_TYPES else 0.0, stop_price=stop_price,
        quantity=quantity, at=now, client_order_id=client_order_id, entered_by=user.user_id,
    )
    if order_type == "Market":
        row = book.row(order_id)
        assert row is not None
        book.fill(row, None, now)
    return {"status": "Accepted", "errormsg": "", "OrderId": order_id}


def cancel_order(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``CancelOrder`` by OrderId (AccountId optional); acknowledged, cancelled at once."""
    params.require_oms(engine.config.oms_id)
    if not params.id("OrderId"):
        raise ApiError(100, "OrderId is required")
    row = _order_row(engine, ctx, params, "CancelOrder")
    if not engine.book.is_working(row):
        state = ORDER_STATES[engine.book.table.state[row]]
        raise ApiError(101, f"Order {FIRST_ORDER_ID + row} is {state}, not Working")
    engine.book.cancel(row, engine.now())
    return standard_ok()
