"""The order book of the OMS: orders indexed by account, plus scheduled (delayed) events.

Delayed cancels and racing fills are kept in a heap keyed by clock time and applied lazily:
whenever the engine is touched (any call, :meth:`Book.apply_due`, ``FakeOMS.run_pending``)
every event due at the current clock time is applied, stamped with its own due time.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog
from .orders import FIRST_ORDER_ID, FULLY_EXECUTED, ORDER_TYPES, SIDES, WORKING, OrderSnapshot, OrderTable

__all__ = ["Book", "Fill"]

_STOP_MARKET = ORDER_TYPES.index("StopMarket")
_MARKET = ORDER_TYPES.index("Market")


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one order: ``counter_row`` is the matched order (None: the outside market)."""

    row: int
    quantity: float
    price: float
    at_ms: int
    counter_row: int | None = None
    maker: bool = False


class Book:
    """All orders of the OMS with an account index and a schedule of future events."""

    def __init__(self, catalog: Catalog, oms_id: int) -> None:
        self.catalog = catalog
        self.oms_id = oms_id
        self.table = OrderTable()
        self._by_account: dict[int, array[int]] = {}
        self._events: list[tuple[float, int, str, int]] = []
        self._seq = 0
        #: Called with the row of every order placed, filled or cancelled, right after the
        #: change (under the engine lock); the WebSocket events use it. Must not raise.
        self.listeners: list[Callable[[int], None]] = []
        #: Called with every :class:`Fill` before the order's listeners (ledger, trade log). Must not raise.
        self.fill_listeners: list[Callable[[Fill], None]] = []
        #: Called with the row of a Working order just before it is filled, reduced, cancelled or
        #: expired (its old state is still readable). Must not raise.
        self.before_change: list[Callable[[int], None]] = []

    def _before(self, row: int) -> None:
        if self.table.state[row] == WORKING:
            for listener in self.before_change:
                listener(row)

    def _changed(self, row: int) -> None:
        for listener in self.listeners:
            listener(row)

    # -- queries ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    def row(self, order_id: int) -> int | None:
        """Storage row of an order, or None if it does not exist."""
        return self.table.row(order_id)

    def account_of(self, row: int) -> int:
        """AccountId of the order in ``row``."""
        return self.table.account[row]

    def is_working(self, row: int) -> bool:
        """True while the order in ``row`` is Working."""
        return self.table.state[row] == WORKING

    def rows_of(self, account_id: int) -> Iterable[int]:
        """Rows of every order (any state) of one account, oldest first."""
        return self._by_account.get(account_id, array("q"))

    def open_rows(self, account_ids: Iterable[int] | None = None,
                  instrument_id: int | None = None) -> list[int]:
        """Rows of Working orders, optionally limited to accounts and one instrument."""
        table = self.table
        if account_ids is None:
            candidates: Iterable[int] = range(len(table))
        else:
            candidates = (row for account in account_ids for row in self.rows_of(account))
        state = table.state
        if instrument_id is None:
            return [row for row in candidates if state[row] == WORKING]
        instrument = table.instrument
        return [row for row in candidates if state[row] == WORKING and instrument[row] == instrument_id]

    def render(self, row: int, snapshot: OrderSnapshot | None = None) -> dict[str, Any]:
        """The APEX order object of ``row`` (as it was at ``snapshot``, if given)."""
        instrument = self.catalog.instruments[self.table.instrument[row]]
        spread = instrument.mid * 0.0005
        return self.table.render(
            row, self.oms_id, self._account_name, self.catalog.user_name,
            (round(instrument.mid - spread, 8), round(instrument.mid + spread, 8)), snapshot,
        )

    def _account_name(self, account_id: int) -> str:
        account = self.catalog.accounts.get(account_id)
        return account.name if account is not None else ""

    # -- changes ---------------------------------------------------------------------------
    def place(self, *, account_id: int, instrument_id: int, side: str, order_type: str, price: float,
              stop_price: float, quantity: float, at: float, client_order_id: int, entered_by: int,
              orig_order_id: int = 0) -> int:
        """Add a Working order received at clock time ``at``; returns its OrderId."""
        order_id = self.table.add(
            account=account_id, instrument=instrument_id, side=SIDES.index(side),
            order_type=ORDER_TYPES.index(order_type), price=price, stop_price=stop_price,
            quantity=quantity, receive_ms=_ms(at), client_order_id=client_order_id, entered_by=entered_by,
            orig_order_id=orig_order_id,
        )
        self._by_account.setdefault(account_id, array("q")).append(len(self.table) - 1)
        self._changed(len(self.table) - 1)
        return order_id

    def cancel(self, row: int, at: float, reason: int | None = None) -> bool:
        """Cancel a Working order at clock time ``at``; False if it was already closed.

        ``reason`` is a stored change-reason code (default ``UserModified``)."""
        self._before(row)
        done = self.table.cancel(row, _ms(at)) if reason is None else self.table.cancel(row, _ms(at), reason)
        if not done:
            return False
        self._changed(row)
        return True

    def expire(self, row: int, at: float) -> bool:
        """Expire a Working order at clock time ``at``; False if it was already closed."""
        self._before(row)
        if not self.table.expire(row, _ms(at)):
            return False
        self._changed(row)
        return True

    def reduce(self, row: int, quantity: float, at: float) -> None:
        """ModifyOrder: lower the total quantity of a Working order (the caller validated it)."""
        self._before(row)
        self.table.reduce(row, quantity, _ms(at))
        self._changed(row)

    def fill(self, row: int, quantity: float | None, at: float, *, price: float | None = None,
             counter_row: int | None = None, maker: bool = False) -> float:
        """Fill ``quantity`` (None = all that remains) of a Working order; returns the amount filled.

        ``price`` defaults to the order's own price (the mid for market orders, the stop price
        for stop-market orders); ``counter_row`` is the order it traded against, if any.
        """
        table = self.table
        remaining = table.remaining(row)
        if remaining <= 0:
            raise ValueError(f"order {FIRST_ORDER_ID + row} is not Working")
        amount = remaining if quantity is None else float(quantity)
        if not 0 < amount <= remaining + 1e-12:
            raise ValueError(f"fill quantity must be in (0, {remaining}], got {quantity!r}")
        amount = min(amount, remaining)
        if price is None:
            price = self.own_price(row)
        self._before(row)
        table.fill(row, amount, price, _ms(at))
        fill = Fill(row, amount, price, _ms(at), counter_row, maker)
        for listener in self.fill_listeners:
            listener(fill)
        self._changed(row)
        return amount

    def own_price(self, row: int) -> float:
        """The price an order fills at when nothing else sets it."""
        table = self.table
        order_type = table.order_type[row]
        if order_type == _MARKET:
            return self.catalog.instruments[table.instrument[row]].mid
        if order_type == _STOP_MARKET:
            return table.stop_price[row]
        return table.price[row]

    def is_filled(self, row: int) -> bool:
        """True if the order in ``row`` is FullyExecuted."""
        return self.table.state[row] == FULLY_EXECUTED

    # -- schedule --------------------------------------------------------------------------
    def schedule(self, at: float, kind: str, row: int) -> None:
        """Queue a ``"cancel"`` or ``"fill"`` of ``row`` for clock time ``at``."""
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, kind, row))

    def apply_due(self, now: float) -> int:
        """Apply every scheduled event due at or before ``now``; returns how many ran."""
        applied = 0
        events = self._events
        while events and events[0][0] <= now:
            at, _, kind, row = heapq.heappop(events)
            if self.table.state[row] == WORKING:
                if kind == "cancel":
                    self.cancel(row, at)
                else:
                    self.fill(row, None, at)
            applied += 1
        return applied

    @property
    def pending(self) -> int:
        """Number of scheduled events not yet applied."""
        return len(self._events)
