"""Order revisions: every state an order went through, for ``GetOrderHistoryByOrderId``.

The book's listeners call :meth:`Revisions.changed` after every placement, fill, modify,
cancel and expiry; the order's changing fields are kept as a compact snapshot (a tuple) and
rendered only when asked for, so a cancel of a million orders stays cheap. Orders seeded before
the simulator started get a synthesized past: their ``NewInputAccepted`` state (nothing
executed, at their ReceiveTime) and, if seeding part-filled them, the state they started in
(kept just before their first change, through ``Book.before_change``). The log is bounded
(``limit`` snapshots); past it, the oldest orders' revisions are dropped.
"""

from __future__ import annotations

from typing import Any

from .book import Book
from .orders import WORKING, OrderSnapshot

__all__ = ["Revisions"]


class Revisions:
    """Rendered order objects per order row, oldest first."""

    def __init__(self, book: Book, limit: int = 200_000) -> None:
        self.book = book
        self.limit = limit
        self._by_row: dict[int, list[OrderSnapshot]] = {}
        self._count = 0
        self._seeded = 0

    def attach(self) -> None:
        """Start recording (after seeding: the seeded orders' past is synthesized when needed)."""
        self._seeded = len(self.book)
        self.book.listeners.append(self.changed)
        self.book.before_change.append(self._before)

    def _past(self, row: int) -> list[OrderSnapshot]:
        """A seeded order's states up to now: accepted, then (if part-filled) as seeded."""
        table = self.book.table
        receive = table.receive_ms[row]
        accepted: OrderSnapshot = (WORKING, 1, 0.0, 0.0, table.orig_quantity[row], table.orig_quantity[row], receive)
        current = table.snapshot(row)
        return [accepted] if current[2] == 0 and current[0] == WORKING else [accepted, current]

    def _before(self, row: int) -> None:
        if row < self._seeded and row not in self._by_row:
            self._by_row[row] = self._past(row)
            self._count += len(self._by_row[row])

    def changed(self, row: int) -> None:
        """Book listener: keep the order's new state."""
        self._by_row.setdefault(row, []).append(self.book.table.snapshot(row))
        self._count += 1
        if self._count > self.limit:
            for old in sorted(self._by_row)[: max(1, len(self._by_row) // 2)]:
                self._count -= len(self._by_row.pop(old))

    def of(self, row: int) -> list[dict[str, Any]]:
        """Every recorded state of the order in ``row``, oldest first (its current one if none)."""
        recorded = self._by_row.get(row)
        if not recorded:
            recorded = self._past(row) if row < self._seeded else [self.book.table.snapshot(row)]
        return [self.book.render(row, snapshot) for snapshot in recorded]
