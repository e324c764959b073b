"""Compact order storage and the APEX order object (apex-api.md §3).

Orders live in an :class:`OrderTable`: one typed ``array`` per field, indexed by
``order_id - FIRST_ORDER_ID``, so a million orders cost ~100 bytes each instead of a Python
object apiece. The 46-field PascalCase order object is rendered only when a reply needs it,
in the documented field order.

Lifecycle (as APEX reports it): ``Working`` (ChangeReason ``NewInputAccepted``, OrderFlag
``AddedToBook``) -> partial fills stay ``Working`` with ChangeReason ``Trade`` ->
``FullyExecuted`` (Quantity 0) or ``Canceled`` (Quantity 0, ChangeReason and CancelReason
``UserModified``, OrderFlag ``AddedToBook, RemovedFromBook``; ``SystemCanceled_NoMoreMarket``
when the OMS cancels the unfilled rest of an IOC, FOK or market order), or ``Expired``
(ChangeReason ``Expired``; ``FakeOMS.expire``). ModifyOrder lowers ``OrigQuantity`` in place;
CancelReplaceOrder's new order carries the replaced order's id in ``OrigOrderId``.
DisplayQuantity keeps its last value after a cancel.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

__all__ = [
    "CANCELED", "CHANGE_REASONS", "EXPIRED", "FIRST_ORDER_ID", "FULLY_EXECUTED", "NO_MORE_MARKET", "ORDER_FIELDS",
    "ORDER_STATES", "ORDER_TYPES", "SIDES", "WORKING", "OrderSnapshot", "OrderTable", "ms_to_ticks",
]

SIDES = ("Buy", "Sell", "Short", "Unknown")
ORDER_TYPES = ("Unknown", "Market", "Limit", "StopMarket", "StopLimit", "TrailingStopMarket",
               "TrailingStopLimit", "BlockTrade")
ORDER_STATES = ("Unknown", "Working", "Rejected", "Canceled", "Expired", "FullyExecuted")
WORKING, CANCELED, FULLY_EXECUTED = 1, 3, 5
#: Stored change-reason codes index this tuple (not APEX's numbering).
CHANGE_REASONS = ("Unknown", "NewInputAccepted", "Trade", "UserModified", "Expired", "SystemCanceled_NoMoreMarket")
_NEW, _TRADE, _USER, _EXPIRED = 1, 2, 3, 4
#: ChangeReason/CancelReason of an IOC/FOK/market remainder cancelled by the OMS itself.
NO_MORE_MARKET = 5
EXPIRED = 4
_FLAGS = ("AddedToBook", "AddedToBook, RemovedFromBook")
FIRST_ORDER_ID = 1001
_TICKS_AT_EPOCH = 621_355_968_000_000_000
#: ``(state, change, executed, gross, display, orig_quantity, updated_ms)`` of one order at one time.
OrderSnapshot = tuple[int, int, float, float, float, float, int]

#: The APEX order object's keys, in the documented order.
ORDER_FIELDS = (
    "Side", "OrderId", "Price", "Quantity", "DisplayQuantity", "Instrument", "Account", "AccountName",
    "OrderType", "ClientOrderId", "OrderState", "ReceiveTime", "ReceiveTimeTicks", "LastUpdatedTime",
    "LastUpdatedTimeTicks", "OrigQuantity", "QuantityExecuted", "GrossValueExecuted", "ExecutableValue",
    "AvgPrice", "CounterPartyId", "ChangeReason", "OrigOrderId", "OrigClOrdId", "EnteredBy", "UserName",
    "IsQuote", "InsideAsk", "InsideAskSize", "InsideBid", "InsideBidSize", "LastTradePrice",
    "RejectReason", "IsLockedIn", "CancelReason", "OrderFlag", "UseMargin", "StopPrice", "PegPriceType",
    "PegOffset", "PegLimitOffset", "IpAddress", "IPv6a", "IPv6b", "ClientOrderIdUuid", "OMSId",
)


def ms_to_ticks(ms: int) -> int:
    """POSIX milliseconds -> .NET ticks (100 ns since 0001-01-01 UTC)."""
    return ms * 10_000 + _TICKS_AT_EPOCH


class OrderTable:
    """Column store of every order ever placed, open or closed."""

    def __init__(self) -> None:
        self.account = array("q")
        self.instrument = array("l")
        self.side = array("b")
        self.order_type = array("b")
        self.state = array("b")
        self.change = array("b")
        self.price = array("d")
        self.stop_price = array("d")
        self.orig_quantity = array("d")
        self.executed = array("d")
        self.gross = array("d")
        self.display = array("d")
        self.receive_ms = array("q")
        self.updated_ms = array("q")
        self.client_order_id = array("q")
        self.entered_by = array("q")
        self.orig_order_id = array("q")

    def __len__(self) -> int:
        return len(self.state)

    def row(self, order_id: int) -> int | None:
        """The storage row of ``order_id``, or None if no such order exists."""
        row = order_id - FIRST_ORDER_ID
        return row if 0 <= row < len(self.state) else None

    def add(self, *, account: int, instrument: int, side: int, order_type: int, price: float,
            stop_price: float, quantity: float, receive_ms: int, client_order_id: int,
            entered_by: int, orig_order_id: int = 0) -> int:
        """Append a new Working order and return its OrderId (``orig_order_id``: the order it replaces)."""
        self.account.append(account)
        self.instrument.append(instrument)
        self.side.append(side)
        self.order_type.append(order_type)
        self.state.append(WORKING)
        self.change.append(_NEW)
        self.price.append(price)
        self.stop_price.append(stop_price)
        self.orig_quantity.append(quantity)
        self.executed.append(0.0)
        self.gross.append(0.0)
        self.display.append(quantity)
        self.receive_ms.append(receive_ms)
        self.updated_ms.append(receive_ms)
        self.client_order_id.append(client_order_id)
        self.entered_by.append(entered_by)
        self.orig_order_id.append(orig_order_id)
        return FIRST_ORDER_ID + len(self.state) - 1

    def remaining(self, row: int) -> float:
        """Leaves quantity of a Working order (0 once it is closed)."""
        if self.state[row] != WORKING:
            return 0.0
        return round(self.orig_quantity[row] - self.executed[row], 10)

    def cancel(self, row: int, at_ms: int, reason: int = _USER) -> bool:
        """Cancel a Working order (as a user would, or ``NO_MORE_MARKET``); False if it was not Working."""
        if self.state[row] != WORKING:
            return False
        self.state[row] = CANCELED
        self.change[row] = reason
        self.updated_ms[row] = at_ms
        return True

    def expire(self, row: int, at_ms: int) -> bool:
        """Expire a Working order (its time in force ran out); False if it was not Working."""
        if self.state[row] != WORKING:
            return False
        self.state[row] = EXPIRED
        self.change[row] = _EXPIRED
        self.updated_ms[row] = at_ms
        return True

    def reduce(self, row: int, quantity: float, at_ms: int) -> None:
        """ModifyOrder: lower a Working order's total quantity to ``quantity`` (> executed)."""
        self.orig_quantity[row] = quantity
        self.display[row] = round(quantity - self.executed[row], 10)
        self.change[row] = _USER
        self.updated_ms[row] = at_ms

    def fill(self, row: int, quantity: float, price: float, at_ms: int) -> None:
        """Execute ``quantity`` (0 < quantity <= remaining) of a Working order at ``price``."""
        left = round(self.remaining(row) - quantity, 10)
        self.gross[row] += quantity * price
        self.change[row] = _TRADE
        self.updated_ms[row] = at_ms
        if left <= 0:
            self.executed[row] = self.orig_quantity[row]
            self.state[row] = FULLY_EXECUTED
            self.display[row] = 0.0
        else:
            self.executed[row] = round(self.executed[row] + quantity, 10)
            self.display[row] = left

    def snapshot(self, row: int) -> OrderSnapshot:
        """The fields of ``row`` that change over its life, as they are now."""
        return (self.state[row], self.change[row], self.executed[row], self.gross[row], self.display[row],
                self.orig_quantity[row], self.updated_ms[row])

    def render(self, row: int, oms_id: int, account_name: Callable[[int], str],  # noqa: PLR0917
               user_name: Callable[[int], str], inside: tuple[float, float],
               snapshot: OrderSnapshot | None = None) -> dict[str, Any]:
        """The full APEX order object for ``row`` (46 PascalCase keys, documented order).

        With ``snapshot`` (from :meth:`snapshot`) the order is rendered as it was then.
        """
        state, change, executed, gross, display, orig_quantity, updated_ms = snapshot or self.snapshot(row)
        canceled = state == CANCELED
        closed = state != WORKING
        remaining = round(orig_quantity - executed, 10) if state == WORKING else 0.0
        account = self.account[row]
        client_order_id = self.client_order_id[row]
        bid, ask = inside
        values = (
            SIDES[self.side[row]], FIRST_ORDER_ID + row, self.price[row], remaining,
            display, self.instrument[row], account, account_name(account),
            ORDER_TYPES[self.order_type[row]], client_order_id, ORDER_STATES[state],
            self.receive_ms[row], ms_to_ticks(self.receive_ms[row]), updated_ms,
            ms_to_ticks(updated_ms), orig_quantity, executed, gross, 0.0,
            gross / executed if executed else 0.0, 0, CHANGE_REASONS[change],
            self.orig_order_id[row] or FIRST_ORDER_ID + row, client_order_id, self.entered_by[row],
            user_name(self.entered_by[row]), False, ask, 1.0, bid, 1.0, (bid + ask) / 2, "", False,
            CHANGE_REASONS[change] if canceled else "", _FLAGS[closed], False, self.stop_price[row],
            "Unknown", 0.0, 0.0, None, 0, 0, None, oms_id,
        )
        return dict(zip(ORDER_FIELDS, values, strict=True))
