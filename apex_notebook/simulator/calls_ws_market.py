"""WebSocket market-data subscription calls (public): Subscribe/Unsubscribe Level1, Level2,
Trades and Ticker. The handlers validate and render the snapshot; they return a
:class:`~.market_feed.MarketSubscriptionChange` that the gateway applies to the connection.

* ``SubscribeLevel1 {OMSId, InstrumentId}`` -> the Level1 object; then ``Level1UpdateEvent``.
* ``SubscribeLevel2 {OMSId, InstrumentId, Depth}`` -> the L2 snapshot (``Depth`` levels per
  side, default 100); then ``Level2UpdateEvent``.
* ``SubscribeTrades {OMSId, InstrumentId, IncludeLastCount}`` -> the last ``IncludeLastCount``
  (default 100) public trades; then ``TradeDataUpdateEvent``.
* ``SubscribeTicker {OMSId, InstrumentId, Interval, IncludeLastCount}`` -> the last
  ``IncludeLastCount`` (default 100) candles of ``Interval`` seconds (default 60); then
  ``TickerDataUpdateEvent``.
* ``UnsubscribeLevel1`` / ``UnsubscribeLevel2`` / ``UnsubscribeTrades`` / ``UnsubscribeTicker``
  ``{OMSId, InstrumentId}`` -> the standard success object.
"""

from __future__ import annotations

from typing import Any

from .calls_market import require_instrument
from .context import CallContext
from .dispatch import CallSpec
from .engine import Engine
from .market_data import candles, l2_snapshot, level1, public_trade
from .market_feed import MARKET_STREAMS, MarketStream, MarketSubscriptionChange
from .params import Params
from .replies import ApiError, standard_ok

__all__ = ["MARKET_WS_CALLS"]


def _snapshot(engine: Engine, stream: MarketStream, instrument_id: int, params: Params) -> tuple[Any, int]:
    if stream == "Level1":
        return level1(engine, instrument_id), 60
    if stream == "Level2":
        return l2_snapshot(engine, instrument_id, params.id("Depth") or 100, engine.market.sequence), 60
    count = params.id("IncludeLastCount")
    count = 100 if count is None else count
    if stream == "Trades":
        indexes = engine.trades.by_instrument.get(instrument_id, [])[-count:] if count else []
        return [public_trade(engine, index) for index in indexes], 60
    interval = params.id("Interval") or 60
    if interval > 366 * 86_400:
        raise ApiError(100, "Interval must be at most 31622400 seconds (a year)")
    now_ms = round(engine.now() * 1000)
    rows = candles(engine, instrument_id, interval, now_ms - max(count - 1, 0) * interval * 1000, now_ms)
    return (rows[-count:] if count else []), interval


def _handler(stream: MarketStream, subscribe: bool, call: str) -> CallSpec:
    def handler(engine: Engine, ctx: CallContext, params: Params) -> MarketSubscriptionChange:
        instrument_id = require_instrument(engine, params)
        if not subscribe:
            return MarketSubscriptionChange(stream, False, instrument_id, standard_ok())
        body, interval = _snapshot(engine, stream, instrument_id, params)
        return MarketSubscriptionChange(stream, True, instrument_id, body, interval)

    handler.__doc__ = f"``{call}``: validate and snapshot; the gateway applies the change to the connection."
    return CallSpec(call, handler, public=True)


#: The market-data subscription calls, keyed by lower-case name.
MARKET_WS_CALLS: dict[str, CallSpec] = {
    spec.name.lower(): spec
    for stream in MARKET_STREAMS
    for spec in (_handler(stream, True, f"Subscribe{stream}"), _handler(stream, False, f"Unsubscribe{stream}"))
}
