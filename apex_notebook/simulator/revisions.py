"""Order revisions: every state an order went through, for ``GetOrderHistoryByOrderId``.

The book's listeners call :meth:`Revisions.changed` after every placement, fill, modify,
cancel and expiry; the order's changing fields are kept as a compact snapshot (a tuple) and
rendered only when asked for, so a cancel of a million orders stays cheap. Orders seeded before the
simulator started have no recorded past: their history holds the states since the first
change after start (or only the current state if none).
The log is bounded (``limit`` objects); past it, the oldest orders' revisions are dropped.
"""

from __future__ import annotations

from typing import Any

from .book import Book
from .orders import OrderSnapshot

__all__ = ["Revisions"]


class Revisions:
    """Rendered order objects per order row, oldest first."""

    def __init__(self, book: Book, limit: int = 200_000) -> None:
        self.book = book
        self.limit = limit
        self._by_row: dict[int, list[OrderSnapshot]] = {}
        self._count = 0

    def attach(self) -> None:
        """Start recording (after seeding, so a million seeded orders are not rendered)."""
        self.book.listeners.append(self.changed)

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
            return [self.book.render(row)]
        return [self.book.render(row, snapshot) for snapshot in recorded]
