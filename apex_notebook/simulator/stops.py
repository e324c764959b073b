"""Stop orders waiting for their trigger: StopMarket and StopLimit orders per instrument.

A Working stop order triggers when a **new trade** of its instrument reaches its
``StopPrice``: a buy stop when a trade prints at or above it, a sell stop at or below it.
Trades printed before the order could see them (the seeded history) trigger nothing. Orders are
indexed lazily (like :class:`~.market.MarketIndex`) and closed ones are dropped when seen.
What a triggered order does is decided by order entry (``order_entry.run_stops``): it is
marked triggered here and never considered again.
"""

from __future__ import annotations

import heapq

from .book import Book
from .orders import ORDER_TYPES, WORKING

__all__ = ["StopBook"]

_STOP_TYPES = (ORDER_TYPES.index("StopMarket"), ORDER_TYPES.index("StopLimit"))
_EPSILON = 1e-12


class StopBook:
    """Untriggered Working stop orders per instrument and side, nearest stop first (heaps)."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._heaps: dict[tuple[int, int], list[tuple[float, int]]] = {}
        self._indexed = 0
        #: Rows of stop orders that have triggered (they now behave as market/limit orders).
        self.triggered: set[int] = set()

    def _catch_up(self) -> None:
        table = self.book.table
        end = len(table)
        for row in range(self._indexed, end):
            if table.order_type[row] in _STOP_TYPES and table.state[row] == WORKING:
                side = table.side[row]
                key = table.stop_price[row] if side == 0 else -table.stop_price[row]
                heapq.heappush(self._heaps.setdefault((table.instrument[row], side), []), (key, row))
        self._indexed = end

    def due(self, instrument_id: int, high: float, low: float) -> list[int]:
        """Stop orders that trades between ``low`` and ``high`` trigger, oldest first (marked triggered)."""
        self._catch_up()
        state = self.book.table.state
        due: list[int] = []
        for side, reached in ((0, high), (1, -low)):
            heap = self._heaps.get((instrument_id, side), [])
            while heap and heap[0][0] <= reached + _EPSILON:
                _, row = heapq.heappop(heap)
                if state[row] == WORKING:
                    due.append(row)
        due.sort()
        self.triggered.update(due)
        return due
