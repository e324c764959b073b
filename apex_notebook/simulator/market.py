"""The order book per instrument: resting limit orders in price-time priority, and matching.

Only Working **limit** orders rest in the book, plus stop-limit orders once triggered
(:mod:`.stops`; untriggered stop orders wait outside it). Each instrument side is a heap of
``(price key, row)`` — rows grow with receive time, so ties go to the oldest order. Closed
orders are dropped lazily when they reach the top; new orders are indexed incrementally on the
next use, whoever placed them.

:meth:`MarketIndex.match` executes an incoming order against the opposite side: it trades at
the **resting** order's price while the book crosses the incoming limit (any price for a
market order). Self-trade prevention (the instruments say ``SelfTradePrevention: true``) is
"cancel newest": the walk stops at the first resting order of the incoming order's own
account, and the incoming order's remainder is cancelled instead of resting through it, so
the book never crosses. ``FakeOMS.place_order`` does not match: it adds a resting order as
given, even one priced through the book.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from .book import Book
from .orders import ORDER_TYPES, WORKING

__all__ = ["BUY", "SELL", "MarketIndex"]

BUY, SELL = 0, 1
_LIMIT = ORDER_TYPES.index("Limit")
_STOP_LIMIT = ORDER_TYPES.index("StopLimit")
_EPSILON = 1e-12


class MarketIndex:
    """Price-time priority queues of resting limit orders, built lazily from the book."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self._heaps: dict[tuple[int, int], list[tuple[float, int]]] = {}
        self._indexed = 0
        #: Market-data sequence (``MDUpdateId``): bumped on every order change of the book.
        self.sequence = 0
        book.listeners.append(self._bump)

    def _bump(self, row: int) -> None:
        self.sequence += 1

    def _catch_up(self) -> None:
        table = self.book.table
        end = len(table)
        for row in range(self._indexed, end):
            if table.order_type[row] == _LIMIT and table.state[row] == WORKING:
                self._push(row)
        self._indexed = end

    def _push(self, row: int) -> None:
        table = self.book.table
        side = table.side[row]
        key = table.price[row] if side == SELL else -table.price[row]
        heapq.heappush(self._heaps.setdefault((table.instrument[row], side), []), (key, row))

    def rest(self, row: int) -> None:
        """Put a triggered stop-limit order into the book at its limit price."""
        self._catch_up()
        self._push(row)

    def _resting(self, row: int) -> bool:
        return self.book.table.state[row] == WORKING

    def resting(self, instrument_id: int, side: int) -> Iterator[int]:
        """Rows resting on one side, best price first, then oldest.

        Walks the heap in order without sorting it (k items cost O(k log k)), so reading the top
        of a side with a million orders stays cheap; do not place orders while iterating.
        """
        self._catch_up()
        heap = self._heaps.get((instrument_id, side), [])
        while heap and not self._resting(heap[0][1]):
            heapq.heappop(heap)
        if len(heap) > 1024 and len(heap) > 4 * self._alive_estimate(heap):
            heap[:] = [entry for entry in heap if self._resting(entry[1])]
            heapq.heapify(heap)
        return self._walk(heap)

    def _walk(self, heap: list[tuple[float, int]]) -> Iterator[int]:
        if not heap:
            return
        frontier = [(heap[0], 0)]
        while frontier:
            entry, index = heapq.heappop(frontier)
            if self._resting(entry[1]):
                yield entry[1]
            for child in (2 * index + 1, 2 * index + 2):
                if child < len(heap):
                    heapq.heappush(frontier, (heap[child], child))

    def _alive_estimate(self, heap: list[tuple[float, int]]) -> int:
        """Working entries among a sample of 256 (scaled): decides when to drop closed ones."""
        step = max(1, len(heap) // 256)
        sample = heap[::step]
        return max(1, sum(1 for entry in sample if self._resting(entry[1])) * len(heap) // len(sample))

    def crossing(self, instrument_id: int, side: int, limit: float | None, account_id: int) -> Iterator[int]:
        """Resting rows an incoming order on ``side`` may trade with, in execution order.

        Stops at the first row of ``account_id`` itself (self-trade prevention, cancel newest):
        the incoming order trades with what comes before it and no further.
        """
        table = self.book.table
        for row in self.resting(instrument_id, SELL if side == BUY else BUY):
            price = table.price[row]
            if limit is not None and (price > limit + _EPSILON if side == BUY else price < limit - _EPSILON):
                return
            if table.account[row] == account_id:
                return
            yield row

    def meets_own_order(self, instrument_id: int, side: int, limit: float | None, account_id: int) -> bool:
        """True if the incoming order's crossing walk reaches a resting order of its own account."""
        table = self.book.table
        for row in self.resting(instrument_id, SELL if side == BUY else BUY):
            price = table.price[row]
            if limit is not None and (price > limit + _EPSILON if side == BUY else price < limit - _EPSILON):
                return False
            if table.account[row] == account_id:
                return True
        return False

    def fillable(self, instrument_id: int, side: int, limit: float | None, account_id: int,
                 quantity: float) -> tuple[float, float]:
        """``(quantity, value)`` an incoming order could execute right now, without trading."""
        table = self.book.table
        done = value = 0.0
        for row in self.crossing(instrument_id, side, limit, account_id):
            take = min(quantity - done, table.remaining(row))
            done += take
            value += take * table.price[row]
            if done >= quantity - _EPSILON:
                break
        return done, value

    def match(self, row: int, at: float) -> float:
        """Trade the Working order ``row`` against the book; returns the quantity executed."""
        table = self.book.table
        side, instrument = table.side[row], table.instrument[row]
        limit = table.price[row] if table.order_type[row] in (_LIMIT, _STOP_LIMIT) else None
        counters: list[int] = []  # chosen before any fill: fills may reshape the heaps
        wanted = table.remaining(row)
        for counter in self.crossing(instrument, side, limit, table.account[row]):
            counters.append(counter)
            wanted -= table.remaining(counter)
            if wanted <= _EPSILON:
                break
        done = 0.0
        for counter in counters:
            remaining = table.remaining(row)
            if remaining <= _EPSILON:
                break
            take = min(remaining, table.remaining(counter))
            if take <= _EPSILON:  # the counter closed meanwhile (a stop it triggered, say)
                continue
            price = table.price[counter]
            self.book.fill(counter, take, at, price=price, counter_row=row, maker=True)
            self.book.fill(row, take, at, price=price, counter_row=counter)
            done += take
        return done
