"""Order calls: GetOpenOrders, GetOrderStatus, SendOrder, CancelOrder (history: ``calls_history``).

Roles follow the APEX pages: GetOpenOrders is open to Operator, Trading and AccountReadOnly;
GetOrderStatus, SendOrder and CancelOrder to Operator and Trading. Every
account named must be one the caller may act on (see ``permissions``).
"""

from __future__ import annotations

from typing import Any

from .context import CallContext
from .engine import Engine
from .order_entry import enter_order, parse_order
from .orders import FIRST_ORDER_ID, ORDER_STATES
from .params import Params
from .permissions import ALL_ROLES, TRADING_ROLES, account_call, check_account, require_role
from .replies import ApiError, standard_ok

__all__ = [
    "cancel_order", "get_open_orders", "get_order_status", "instrument_filter", "order_row", "send_order",
]


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


def order_row(engine: Engine, ctx: CallContext, params: Params, call: str) -> int:
    """The row of the order named by ``OrderId`` (else the account's most recent); checks role and account."""
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
    return engine.book.render(order_row(engine, ctx, params, "GetOrderStatus"))


def send_order(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``SendOrder``: checks funds, matches against the book, applies TimeInForce (``order_entry``)."""
    params.require_oms(engine.config.oms_id)
    user = ctx.require_user()
    order = parse_order(engine, params)
    require_role(user, TRADING_ROLES, "SendOrder")
    check_account(user, order.account_id, engine.catalog)
    book = engine.book
    if order.client_order_id and any(
        book.table.client_order_id[row] == order.client_order_id for row in book.open_rows([order.account_id])
    ):
        return {"status": "Rejected", "errormsg": "Invalid_ClientOrderId", "errorcode": 101}
    return enter_order(engine, order, user)


def cancel_order(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``CancelOrder`` by OrderId (AccountId optional); acknowledged, cancelled at once."""
    params.require_oms(engine.config.oms_id)
    if not params.id("OrderId"):
        raise ApiError(100, "OrderId is required")
    row = order_row(engine, ctx, params, "CancelOrder")
    if not engine.book.is_working(row):
        state = ORDER_STATES[engine.book.table.state[row]]
        raise ApiError(101, f"Order {FIRST_ORDER_ID + row} is {state}, not Working")
    engine.book.cancel(row, engine.now())
    return standard_ok()
