"""Market-data subscriptions of WebSocket connections and the update events they get.

Streams, per instrument (apex-api.md §2.5; public, no login needed):

* ``Level1`` -> ``Level1UpdateEvent``: the Level1 object after every order change on the
  instrument (placement, fill, modify, cancel, expiry).
* ``Level2`` -> ``Level2UpdateEvent``: ``[entry]`` for the price level a resting limit order
  change touched — ActionType 0 (a level not reported yet: new, or deeper than the snapshot's
  ``Depth``), 1 (changed) or 2 (gone, quantity 0) relative to what the stream reported.
* ``Trades`` -> ``TradeDataUpdateEvent``: ``[trade]`` per public trade.
* ``Ticker`` -> ``TickerDataUpdateEvent``: ``[candle]`` of the current interval (the
  subscription's ``Interval``) per public trade.

Events are ``m:3`` frames whose ``i`` is the Subscribe frame's ``i``; a connection subscribed
twice to the same stream and instrument keeps the later ``i``. Disconnecting drops them; LogOut
does not (they are public). Nothing is rendered for instruments nobody watches.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Literal

from .book import Fill
from .engine import Engine
from .market_data import candles, level1, level_entry, public_trade
from .orders import ORDER_TYPES
from .subscriptions import Sink, event_frame

__all__ = ["MARKET_STREAMS", "MarketFeed", "MarketStream", "MarketSubscriptionChange"]

MarketStream = Literal["Level1", "Level2", "Trades", "Ticker"]
MARKET_STREAMS: tuple[MarketStream, ...] = ("Level1", "Level2", "Trades", "Ticker")
_LIMIT = ORDER_TYPES.index("Limit")
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MarketSubscriptionChange:
    """A market-data (un)subscription a handler accepted; ``reply`` is the reply body."""

    stream: MarketStream
    subscribe: bool
    instrument_id: int
    reply: Any
    interval: int = 60


class MarketFeed:
    """Registry of market-data subscribers plus the book listeners that feed them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._subs: dict[tuple[MarketStream, int], dict[Sink, tuple[int, int]]] = {}
        self._levels: dict[int, dict[tuple[int, float], float]] = {}

    def attach(self) -> None:
        """Listen to the engine's book (order changes and fills)."""
        self.engine.book.listeners.append(self.order_changed)
        self.engine.book.fill_listeners.append(self.filled)

    # -- registry (engine lock held by callers that change it) -----------------------------
    def apply(self, sink: Sink, change: MarketSubscriptionChange, seq: int) -> None:
        """Add or remove one subscription of ``sink``; ``seq`` is the request frame's ``i``."""
        key = (change.stream, change.instrument_id)
        with self._lock:
            sinks = self._subs.setdefault(key, {})
            if change.subscribe:
                sinks[sink] = (seq, change.interval)
            else:
                sinks.pop(sink, None)
            if not sinks:
                del self._subs[key]
        if change.subscribe and change.stream == "Level2" and isinstance(change.reply, list):
            known = self._levels.setdefault(change.instrument_id, {})
            for entry in change.reply:  # what this subscriber was told; deeper levels are new to it
                known[(entry[9], entry[6])] = entry[8]

    def drop(self, sink: Sink) -> None:
        """Forget every market-data subscription of ``sink``."""
        with self._lock:
            for key in list(self._subs):
                self._subs[key].pop(sink, None)
                if not self._subs[key]:
                    del self._subs[key]

    def count(self, sink: Sink | None = None) -> int:
        """Number of (stream, instrument) subscriptions, of one sink or of all."""
        with self._lock:
            return sum(1 for sinks in self._subs.values() for each in sinks if sink is None or each is sink)

    def _targets(self, stream: MarketStream, instrument_id: int) -> list[tuple[Sink, int, int]]:
        with self._lock:
            sinks = self._subs.get((stream, instrument_id), {})
            return [(sink, seq, interval) for sink, (seq, interval) in sinks.items()]

    # -- listeners (engine lock held) ------------------------------------------------------
    def order_changed(self, row: int) -> None:
        """Book listener: Level1 and Level2 updates of the order's instrument."""
        if not self._subs:  # nobody watches any market: the common case, kept cheap
            return
        table = self.engine.book.table
        instrument_id = table.instrument[row]
        try:
            level1_targets = self._targets("Level1", instrument_id)
            if level1_targets:
                event_frame("Level1UpdateEvent", level1(self.engine, instrument_id),
                            [(sink, seq) for sink, seq, _ in level1_targets])
            level2_targets = self._targets("Level2", instrument_id)
            if level2_targets and (table.order_type[row] == _LIMIT or row in self.engine.stops.triggered):
                entry = self._level_update(instrument_id, table.side[row], table.price[row])
                event_frame("Level2UpdateEvent", [entry], [(sink, seq) for sink, seq, _ in level2_targets])
        except Exception:  # never break the engine's change because of an event
            _log.exception("market data update for row %s failed", row)

    def filled(self, fill: Fill) -> None:
        """Fill listener: trade and ticker updates for public trades."""
        if fill.maker or not self._subs:
            return
        engine = self.engine
        instrument_id = engine.book.table.instrument[fill.row]
        try:
            index = len(engine.trades) - 1
            trade_targets = self._targets("Trades", instrument_id)
            if trade_targets:
                event_frame("TradeDataUpdateEvent", [public_trade(engine, index)],
                            [(sink, seq) for sink, seq, _ in trade_targets])
            for sink, seq, interval in self._targets("Ticker", instrument_id):
                candle = candles(engine, instrument_id, interval, fill.at_ms, fill.at_ms)
                event_frame("TickerDataUpdateEvent", candle, [(sink, seq)])
        except Exception:
            _log.exception("trade update for row %s failed", fill.row)

    def _level_update(self, instrument_id: int, side: int, price: float) -> list[Any]:
        known = self._levels.setdefault(instrument_id, {})
        entry = level_entry(self.engine, instrument_id, side, price, 1, self.engine.market.sequence)
        quantity = entry[8]
        previous = known.get((side, price))
        if quantity <= 0:
            entry[3] = 2
            known.pop((side, price), None)
        else:
            entry[3] = 0 if previous is None else 1
            known[(side, price)] = quantity
        return entry
