"""Order management: ``CancelReplaceOrder`` and ``ModifyOrder`` (apex-api.md §2.4).

* ``CancelReplaceOrder`` (Operator, Trading) ``{OMSId, OrderIdToReplace, ClientOrderId,
  OrderType, Side, AccountId, InstrumentId, LimitPrice, StopPrice, TimeInForce, Quantity, ...}``:
  the Working order is cancelled (``UserModified``) and a new one entered with the given fields
  (``AccountId``, ``InstrumentId``, ``Side``, ``OrderType`` default to the replaced order's;
  naming another account or instrument is refused with 100). The new order loses book
  priority, carries ``OrigOrderId`` = the replaced id, is funds-checked counting the replaced
  order's hold as free, and matches like a SendOrder. Reply ``{"ReplacementOrderId",
  "ReplacementClOrdId", "OrigOrderId", "OrigClOrdId"}``. Not funded: errorcode 101 detail
  ``Not_Enough_Funds``, nothing changes. Replaced order not Working: 101.
* ``ModifyOrder`` (Operator, Trading) ``{OMSId, OrderId, InstrumentId, Quantity, AccountId}``
  (all required: 100 ``"Not all required fields are provided"``): ``Quantity`` is the order's
  new *remaining* quantity (the order object's ``Quantity``) and may only decrease
  (``MinimumQuantity <= Quantity < remaining``, else 100 ``"Invalid Quantity"``); the order keeps its
  priority, OrigQuantity becomes executed + Quantity. Reply: the standard object.
"""

from __future__ import annotations

from typing import Any

from .calls_orders import order_row
from .context import CallContext
from .engine import Engine
from .order_entry import funds_ok, parse_order, place_order
from .orders import FIRST_ORDER_ID, ORDER_STATES, ORDER_TYPES, SIDES
from .params import Params
from .replies import ApiError, standard_ok

__all__ = ["cancel_replace_order", "modify_order"]

_MODIFY_FIELDS = ("OMSId", "OrderId", "InstrumentId", "Quantity", "AccountId")


def _working_row(engine: Engine, ctx: CallContext, params: Params, call: str) -> int:
    row = order_row(engine, ctx, params, call)
    if not engine.book.is_working(row):
        state = ORDER_STATES[engine.book.table.state[row]]
        raise ApiError(101, f"Order {FIRST_ORDER_ID + row} is {state}, not Working")
    return row


def cancel_replace_order(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``CancelReplaceOrder``: cancel a Working order and enter its replacement."""
    params.require_oms(engine.config.oms_id)
    replaced = params.required_id("OrderIdToReplace")
    named = {key: params.id(key) for key in ("AccountId", "InstrumentId")}
    lookup = Params({"OMSId": engine.config.oms_id, "OrderId": replaced, "AccountId": named["AccountId"]})
    row = _working_row(engine, ctx, lookup, "CancelReplaceOrder")
    table = engine.book.table
    original = {"AccountId": table.account[row], "InstrumentId": table.instrument[row],
                "Side": SIDES[table.side[row]], "OrderType": ORDER_TYPES[table.order_type[row]]}
    if named["InstrumentId"] and named["InstrumentId"] != original["InstrumentId"]:
        raise ApiError(100, f"InstrumentId {named['InstrumentId']} is not the instrument of order {replaced}")
    order = parse_order(engine, params.with_defaults(original))
    if not funds_ok(engine, order, release_row=row):
        raise ApiError(101, "Not_Enough_Funds")
    user = ctx.require_user()
    now = engine.now()
    engine.book.cancel(row, now)
    new_id = place_order(engine, order, user, orig_order_id=replaced)
    return {"ReplacementOrderId": new_id, "ReplacementClOrdId": order.client_order_id,
            "OrigOrderId": replaced, "OrigClOrdId": table.client_order_id[row]}


def modify_order(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``ModifyOrder``: lower a Working order's remaining quantity, keeping its priority."""
    missing = [key for key in _MODIFY_FIELDS if not params.has(key)]
    if missing:
        raise ApiError(100, f"Not all required fields are provided: {', '.join(missing)}")
    params.require_oms(engine.config.oms_id)
    row = _working_row(engine, ctx, params, "ModifyOrder")
    table = engine.book.table
    if params.id("InstrumentId") != table.instrument[row]:
        raise ApiError(100, f"InstrumentId {params.id('InstrumentId')} is not the order's instrument")
    quantity = params.number("Quantity")
    remaining = table.remaining(row)
    minimum = engine.catalog.instruments[table.instrument[row]].quantity_increment
    if quantity is None or not minimum <= quantity < remaining:
        raise ApiError(100, f"Invalid Quantity: it may only decrease ({minimum} <= Quantity < {remaining})")
    engine.book.reduce(row, round(table.executed[row] + quantity, 10), engine.now())
    return standard_ok()
