"""Trade events for WebSocket AccountEvents subscribers: ``OrderTradeEvent`` and ``AccountPositionEvent``.

On every fill (a match, ``FakeOMS.fill``, a racing fill), after the ledger and the trade log
have recorded it, the AccountEvents subscribers of the order's account get (apex-api.md §2.5):

1. ``OrderTradeEvent`` — the trade record's documented fields plus ``ContraAcctId``;
2. ``AccountPositionEvent`` — the account's position row (as ``GetAccountPositions``) of the
   instrument's base product, then of its quote product, with Amount and Hold after the fill.

The OrderStateEvent of the same change follows (book listeners run after fill listeners).
Nothing is rendered when nobody subscribed to the account. Failures are logged, never raised.
"""

from __future__ import annotations

import logging

from .book import Fill
from .calls_positions import position_row
from .engine import Engine
from .subscriptions import Subscriptions, event_frame

__all__ = ["TradeEvents"]

_log = logging.getLogger(__name__)


class TradeEvents:
    """Book fill listener pushing trade and position events."""

    def __init__(self, engine: Engine, subscriptions: Subscriptions) -> None:
        self.engine = engine
        self.subscriptions = subscriptions

    def filled(self, fill: Fill) -> None:
        """Fill listener (engine lock held)."""
        engine = self.engine
        try:
            account_id = engine.book.account_of(fill.row)
            if not self.subscriptions.watched(account_id):
                return
            targets = self.subscriptions.account_targets(account_id)
            if not targets:
                return
            event_frame("OrderTradeEvent", engine.trades.order_trade_event(len(engine.trades) - 1), targets)
            instrument = engine.catalog.instruments[engine.book.table.instrument[fill.row]]
            held = engine.ledger.holds(account_id)
            for product in (instrument.product1, instrument.product2):
                row = position_row(engine, account_id, product.product_id, held[product.product_id])
                event_frame("AccountPositionEvent", row, targets)
        except Exception:  # never break the engine's fill because of an event
            _log.exception("trade events for row %s failed", fill.row)
