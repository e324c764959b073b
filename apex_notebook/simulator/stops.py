"""Stop orders waiting for their trigger: StopMarket and StopLimit orders per instrument.

A Working stop order triggers when a **new trade** of its instrument reaches its
``StopPrice``: a buy stop when a trade prints at or above it, a sell stop at or below it.
Trades printed before the order could see them (the seeded history) trigger nothing. Orders are
indexed lazily (like :class:`~.market.MarketIndex`) and closed ones are dropped when seen.
What a triggered order does is decided by order entry (``order_entry.run_stops``): it is
marked triggered here and never considered again.
"""

from __future__ import annotations

from .book import Book
from .orders import ORDER_TYPES, WORKING

__all__ = ["StopBook"]

_STOP_TYPES = (ORDER_TYPES.index("StopMarket"), ORDER_TYPES.index("StopLimit"))
_EPSILON = 1e-12


class StopBook:
    """Untriggered Working stop orders per instrument."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._by_instrument: dict[int, list[int]] = {}
        self._indexed = 0
        #: Rows of stop orders that have triggered (they now behave as market/limit orders).
        self.triggered: set[int] = set()

    def _catch_up(self) -> None:
        table = self.book.table
        end = len(table)
        for row in range(self._indexed, end):
            if table.order_type[row] in _STOP_TYPES and table.state[row] == WORKING:
                self._by_instrument.setdefault(table.instrument[row], []).append(row)
        self._indexed = end

    def due(self, instrument_id: int, high: float, low: float) -> list[int]:
        """Stop orders that trades between ``low`` and ``high`` trigger, oldest first (marked triggered)."""
        self._catch_up()
        table = self.book.table
        waiting = [row for row in self._by_instrument.get(instrument_id, [])
                   if table.state[row] == WORKING and row not in self.triggered]
        due = [row for row in waiting
               if (high >= table.stop_price[row] - _EPSILON if table.side[row] == 0
                   else low <= table.stop_price[row] + _EPSILON)]
        self.triggered.update(due)
        self._by_instrument[instrument_id] = [row for row in waiting if row not in self.triggered]
        return due
