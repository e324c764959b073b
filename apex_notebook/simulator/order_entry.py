"""Order entry: validate a new order, check funds, place it, match it, apply its time in force.

Shared by ``SendOrder`` and ``CancelReplaceOrder``.

* **Funds.** The order must be covered by the account's *available* balance (Amount - Hold):
  a sell needs its quantity of the base product; a limit/stop-limit buy ``quantity * LimitPrice``
  of the quote product, a stop-market buy ``quantity * StopPrice``, a market buy what walking
  the book would cost now — buys times ``1 + max(maker_fee, taker_fee)``. Otherwise
  ``{"status": "Rejected", "errormsg": "Not_Enough_Funds", "errorcode": 101}`` and no order is
  created.
* **Matching.** Market and limit orders trade at once against resting limit orders
  (price-time priority, at the resting price; :mod:`.market`). Self-trade prevention cancels
  the newest: an order that would trade with its own account's resting order stops there
  and its remainder is cancelled (``SystemCanceled_NoMoreMarket``).
* **Stops.** After every entry, stop orders of the instrument whose StopPrice the entry's
  trades reached trigger (:func:`run_stops`, cascading while triggered orders trade): a
  stop-market trades like a market order, a stop-limit like a limit order at its LimitPrice
  (resting with the rest). Fills from ``FakeOMS.fill`` or the fill race trigger nothing.
* **Time in force** (apex-api.md §2.4: 1 GTC, 3 IOC, 4 FOK; names accepted): the unfilled rest
  of an IOC or market order is cancelled by the OMS (``SystemCanceled_NoMoreMarket``); a FOK
  that cannot fill entirely right now is cancelled without trading. Others rest as GTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalog import User
from .engine import Engine
from .market import BUY, SELL
from .orders import NO_MORE_MARKET, ORDER_TYPES, SIDES
from .params import Params
from .replies import ApiError

__all__ = [
    "NOT_ENOUGH_FUNDS", "TIME_IN_FORCE", "OrderRequest", "enter_order", "funds_ok", "parse_order", "place_order",
    "required_funds", "run_stops",
]

TIME_IN_FORCE = ("Unknown", "GTC", "OPG", "IOC", "FOK", "GTX", "GTD")
_IOC, _FOK = 3, 4
_LIMIT_TYPES = ("Limit", "StopLimit")
_STOP_TYPES = ("StopMarket", "StopLimit")
_SUPPORTED_TYPES = ("Market", "Limit", "StopMarket", "StopLimit")
_EPSILON = 1e-9
NOT_ENOUGH_FUNDS = {"status": "Rejected", "errormsg": "Not_Enough_Funds", "errorcode": 101}


@dataclass(frozen=True)
class OrderRequest:
    """A validated new order."""

    account_id: int
    instrument_id: int
    side: int
    order_type: str
    quantity: float
    limit_price: float
    stop_price: float
    client_order_id: int
    time_in_force: int


def parse_order(engine: Engine, params: Params) -> OrderRequest:
    """Read and validate the order fields of ``params`` (errorcode 100/106 on bad values)."""
    account_id = params.required_id("AccountId")
    instrument_id = params.required_id("InstrumentId")
    side = params.enum("Side", SIDES)
    order_type = ORDER_TYPES[params.enum("OrderType", ORDER_TYPES)]
    quantity = params.number("Quantity")
    limit_price = params.number("LimitPrice", default=0.0) or 0.0
    stop_price = params.number("StopPrice", default=0.0) or 0.0
    client_order_id = params.id("ClientOrderId") or 0
    time_in_force = params.enum("TimeInForce", TIME_IN_FORCE, default=1)
    if instrument_id not in engine.catalog.instruments:
        raise ApiError(100, f"Invalid InstrumentId: {instrument_id}")
    if side > 1:
        raise ApiError(100, "Side must be Buy (0) or Sell (1)")
    if order_type not in _SUPPORTED_TYPES:
        raise ApiError(106, f"OrderType {order_type} is not supported by the simulator")
    if quantity is None or quantity <= 0:
        raise ApiError(100, "Invalid Quantity: Quantity must be > 0")
    minimum = engine.catalog.instruments[instrument_id].quantity_increment
    if quantity < minimum - _EPSILON * minimum:
        raise ApiError(100, f"Invalid Quantity: below the instrument's MinimumQuantity {minimum}")
    if order_type in _LIMIT_TYPES and limit_price <= 0:
        raise ApiError(100, f"LimitPrice must be > 0 for a {order_type} order")
    if order_type in _STOP_TYPES and stop_price <= 0:
        raise ApiError(100, f"StopPrice must be > 0 for a {order_type} order")
    return OrderRequest(account_id, instrument_id, side, order_type, quantity,
                        limit_price if order_type in _LIMIT_TYPES else 0.0, stop_price, client_order_id,
                        time_in_force)


def required_funds(engine: Engine, order: OrderRequest) -> tuple[int, float]:
    """``(ProductId, quantity)`` the order needs available."""
    instrument = engine.catalog.instruments[order.instrument_id]
    if order.side == SELL:
        return instrument.product1.product_id, order.quantity
    quote = instrument.product2.product_id
    with_fees = 1.0 + engine.ledger.fee_rate
    if order.order_type == "Market":
        _, value = engine.market.fillable(order.instrument_id, BUY, None, order.account_id, order.quantity)
        return quote, value * with_fees
    if order.order_type == "StopMarket":
        return quote, order.quantity * order.stop_price * with_fees
    return quote, order.quantity * order.limit_price * with_fees


def funds_ok(engine: Engine, order: OrderRequest, release_row: int | None = None) -> bool:
    """True if the account can cover ``order`` (counting ``release_row``'s hold as free)."""
    product, need = required_funds(engine, order)
    available = engine.ledger.available(order.account_id, product)
    if release_row is not None and engine.book.is_working(release_row):
        available += engine.ledger.hold_of(release_row).get(product, 0.0)
    return need <= available + _EPSILON


def place_order(engine: Engine, order: OrderRequest, user: User, orig_order_id: int = 0) -> int:
    """Place a validated, funded order now, match it and apply its time in force; its OrderId."""
    book = engine.book
    now = engine.now()
    trades_before = len(engine.trades)
    order_id = book.place(
        account_id=order.account_id, instrument_id=order.instrument_id, side=SIDES[order.side],
        order_type=order.order_type, price=order.limit_price, stop_price=order.stop_price,
        quantity=order.quantity, at=now, client_order_id=order.client_order_id, entered_by=user.user_id,
        orig_order_id=orig_order_id,
    )
    row = book.row(order_id)
    assert row is not None
    if order.order_type in ("Market", "Limit"):
        limit = order.limit_price if order.order_type == "Limit" else None
        if order.time_in_force == _FOK:
            executable, _ = engine.market.fillable(order.instrument_id, order.side, limit, order.account_id,
                                                   order.quantity)
            if executable < order.quantity - _EPSILON:
                book.cancel(row, now, NO_MORE_MARKET)
                return order_id
        engine.market.match(row, now)
        if book.is_working(row) and (
            order.order_type == "Market" or order.time_in_force in (_IOC, _FOK)
            or engine.market.meets_own_order(order.instrument_id, order.side, limit, order.account_id)
        ):
            book.cancel(row, now, NO_MORE_MARKET)
    run_stops(engine, order.instrument_id, trades_before, now)
    return order_id


def _new_prices(engine: Engine, instrument_id: int, since: int) -> list[float]:
    log = engine.trades
    indexes = log.by_instrument.get(instrument_id, [])
    start = len(indexes)
    while start > 0 and indexes[start - 1] >= since:
        start -= 1
    return [log.price[index] for index in indexes[start:]]


def run_stops(engine: Engine, instrument_id: int, since: int, now: float) -> int:
    """Trigger the stop orders that trades from record ``since`` on reached, cascading; how many.

    A triggered stop-market order trades like a market order (its unfilled rest is cancelled;
    a buy whose cost the account cannot cover is cancelled untraded); a triggered stop-limit
    order trades like a limit order at its LimitPrice and rests in the book with the rest.
    """
    book, market, table = engine.book, engine.market, engine.book.table
    triggered = 0
    while prices := _new_prices(engine, instrument_id, since):
        since = len(engine.trades)
        due = engine.stops.due(instrument_id, max(prices), min(prices))
        if not due:
            return triggered
        triggered += len(due)
        for row in due:
            if not book.is_working(row):
                continue
            side, account = table.side[row], table.account[row]
            stop_limit = ORDER_TYPES[table.order_type[row]] == "StopLimit"
            limit = table.price[row] if stop_limit else None
            if not stop_limit and side == BUY and not _stop_buy_covered(engine, row):
                book.cancel(row, now, NO_MORE_MARKET)
                continue
            market.match(row, now)
            if not book.is_working(row):
                continue
            if stop_limit and not market.meets_own_order(instrument_id, side, limit, account):
                market.rest(row)
            else:
                book.cancel(row, now, NO_MORE_MARKET)
    return triggered


def _stop_buy_covered(engine: Engine, row: int) -> bool:
    table = engine.book.table
    instrument = engine.catalog.instruments[table.instrument[row]]
    _, value = engine.market.fillable(instrument.instrument_id, BUY, None, table.account[row], table.remaining(row))
    cost = value * (1.0 + engine.ledger.fee_rate)
    quote = instrument.product2.product_id
    available = engine.ledger.available(table.account[row], quote) + engine.ledger.hold_of(row).get(quote, 0.0)
    return cost <= available + _EPSILON


def enter_order(engine: Engine, order: OrderRequest, user: User) -> dict[str, Any]:
    """Check funds, then place, match and apply time in force; the SendOrder reply."""
    if not funds_ok(engine, order):
        return dict(NOT_ENOUGH_FUNDS)
    return {"status": "Accepted", "errormsg": "", "OrderId": place_order(engine, order, user)}
