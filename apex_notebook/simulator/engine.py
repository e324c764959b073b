"""The engine: all mutable state of one simulated OMS behind one lock.

Handlers receive the engine and must be called with :attr:`Engine.lock` held (the dispatcher
does this). Scheduled events are applied lazily: :meth:`Engine.apply_due` runs at the start of
every call and of every public helper of ``FakeOMS``.
"""

from __future__ import annotations

import random
import threading
from bisect import bisect_left

from .book import Book
from .catalog import Catalog
from .clock import Clock
from .config import SimConfig
from .faults import Faults
from .ledger import Ledger
from .market import MarketIndex
from .recording import RecordedCall
from .revisions import Revisions
from .sessions import SessionStore
from .stops import StopBook
from .trades import TradeLog

__all__ = ["Engine"]


class Engine:
    """Catalog, orders, balances, the market, sessions, faults, the call log and the clock of one OMS."""

    def __init__(self, *, catalog: Catalog, config: SimConfig, clock: Clock, seed: int) -> None:
        self.catalog = catalog
        self.config = config
        self.clock = clock
        self.seed = seed
        self.book = Book(catalog, config.oms_id)
        #: Amounts per account and product; moves with every fill of the book.
        self.ledger = Ledger(self.book, catalog, config)
        #: Resting limit orders per instrument, in price-time priority; matches incoming orders.
        self.market = MarketIndex(self.book)
        #: Untriggered stop orders; order entry triggers them when trades move the last price.
        self.stops = StopBook(self.book)
        #: One record per fill (listens to the book after the ledger).
        self.trades = TradeLog(self.book, catalog, config)
        #: Every state of every order changed since start (attached after seeding).
        self.revisions = Revisions(self.book)
        self.sessions = SessionStore()
        self.faults = Faults(clock)
        self.requests: list[RecordedCall] = []
        self.lock = threading.RLock()
        self.rng = random.Random(seed * 7919 + 1)
        self.account_ids = sorted(catalog.accounts)

    def now(self) -> float:
        """The injected clock's time."""
        return self.clock.now()

    def apply_due(self) -> int:
        """Apply scheduled cancels/fills due at the clock's time; returns how many ran."""
        return self.book.apply_due(self.clock.now())

    def record(self, call: RecordedCall) -> None:
        """Append to the call log; beyond ``max_recorded_calls`` the oldest half is dropped."""
        self.requests.append(call)
        limit = self.config.max_recorded_calls
        if len(self.requests) > limit:
            del self.requests[: len(self.requests) - limit // 2]

    def accounts_from(self, start: int, limit: int, skip: frozenset[int] = frozenset()) -> list[int]:
        """Up to ``limit`` AccountIds >= ``start`` and not in ``skip``, ascending (paged enumeration)."""
        index = bisect_left(self.account_ids, start)
        if not skip:
            return self.account_ids[index:index + limit]
        found: list[int] = []
        for account_id in self.account_ids[index:]:
            if len(found) == limit:
                break
            if account_id not in skip:
                found.append(account_id)
        return found

    def cancel_rows(self, rows: list[int]) -> None:
        """Cancel the Working orders in ``rows`` as one CancelAllOrders would.

        With ``cancel_delay`` the cancels land spread over ``(0, cancel_delay]`` seconds, in
        OrderId order; with ``fill_race`` that fraction of the rows (chosen by the engine's
        seeded RNG) fully fills first, so its cancel finds nothing left to cancel.
        """
        if not rows:
            return
        now = self.clock.now()
        delay = self.config.cancel_delay
        racing_count = round(self.config.fill_race * len(rows))
        racing = set(self.rng.sample(rows, racing_count)) if racing_count else set()
        for index, row in enumerate(sorted(rows)):
            lands = now + delay * (index + 1) / len(rows)
            if row in racing:
                if delay:
                    self.book.schedule(now + (lands - now) / 2, "fill", row)
                else:
                    self.book.fill(row, None, now)
            if delay:
                self.book.schedule(lands, "cancel", row)
            else:
                self.book.cancel(row, now)
