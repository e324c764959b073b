"""Public market-data calls (rendered by :mod:`.market_data`).

* ``GetLevel1 {OMSId, InstrumentId}`` -> the Level1 object.
* ``GetL2Snapshot {OMSId, InstrumentId, Depth}`` -> L2 entries, up to ``Depth`` (default 100)
  levels per side.
* ``GetLastTrades {OMSId, InstrumentId, Count}`` -> the last ``Count`` (default 100) public
  trades, oldest first.
* ``GetTickerHistory {OMSId, InstrumentId, Interval, FromDate, ToDate}`` -> candles.
  ``Interval`` in seconds (default 60); dates as ``"2026-11-30 12:00:00"``, ISO 8601 (naive =
  UTC) or POSIX seconds/ms; ``ToDate`` defaults to now, ``FromDate`` to 100 intervals before.
* ``GetLevel1Summary {OMSId}`` -> one **JSON-encoded string** per instrument, each the Level1
  object (as notbank-python's ``get_level1_summary`` decodes it).
* ``summary`` (``GET /AP/summary``, no payload) -> CoinMarketCap-style rows per instrument.

An unknown instrument is errorcode 100 ``Invalid InstrumentId: N``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import orjson

from .context import CallContext
from .engine import Engine
from .market_data import candles, l2_snapshot, level1, public_trade, summary
from .params import Params, ascii_int
from .replies import ApiError

__all__ = [
    "get_l2_snapshot", "get_last_trades", "get_level1", "get_level1_summary", "get_summary", "get_ticker_history",
    "require_instrument",
]

_MS_THRESHOLD = 10**11
#: 9999-12-31T23:59:59.999Z: later dates are refused (a .NET DateTime cannot hold them).
_MAX_MS = 253_402_300_799_999
_MAX_INTERVAL = 366 * 86_400


def require_instrument(engine: Engine, params: Params) -> int:
    """The required, existing ``InstrumentId`` (after the OMSId check)."""
    params.require_oms(engine.config.oms_id)
    instrument_id = params.required_id("InstrumentId")
    if instrument_id not in engine.catalog.instruments:
        raise ApiError(100, f"Invalid InstrumentId: {instrument_id}")
    return instrument_id


def get_level1(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetLevel1``: best bid/offer, last trade and 24-hour statistics of one instrument."""
    return level1(engine, require_instrument(engine, params))


def get_level1_summary(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetLevel1Summary``: the Level1 object of every instrument, each JSON-encoded as a string."""
    params.require_oms(engine.config.oms_id)
    return [orjson.dumps(level1(engine, instrument_id)).decode() for instrument_id in engine.catalog.instruments]


def get_l2_snapshot(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetL2Snapshot``: aggregated price levels of one instrument."""
    instrument_id = require_instrument(engine, params)
    depth = params.id("Depth") or 100
    return l2_snapshot(engine, instrument_id, depth, engine.market.sequence)


def get_last_trades(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetLastTrades``: the most recent public trades of one instrument, oldest first."""
    instrument_id = require_instrument(engine, params)
    count = params.id("Count") or 100
    indexes = engine.trades.by_instrument.get(instrument_id, [])[-count:]
    return [public_trade(engine, index) for index in indexes]


def _time_ms(params: Params, key: str) -> int | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or not -_MAX_MS <= value <= _MAX_MS:
            raise ApiError(100, f"{key} is out of range: {str(value)[:40]}")
        number = int(value)
    elif isinstance(value, str) and ascii_int(value) is not None:
        number = ascii_int(value) or 0
    elif isinstance(value, str) and value.isascii():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ApiError(100, f"{key} must be a date like 2026-11-30 12:00:00, got {value[:40]!r}") from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        number = round(moment.timestamp() * 1000)
    else:
        raise ApiError(100, f"{key} must be a date or a POSIX time, got {str(value)[:40]!r}")
    if number < 0:
        raise ApiError(100, f"{key} must not be negative")
    number = number * 1000 if number < _MS_THRESHOLD else number
    if number > _MAX_MS:
        raise ApiError(100, f"{key} is after 9999-12-31")
    return number


def get_ticker_history(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetTickerHistory``: candles of one instrument over a window."""
    instrument_id = require_instrument(engine, params)
    interval = params.id("Interval") or 60
    if interval > _MAX_INTERVAL:
        raise ApiError(100, f"Interval must be at most {_MAX_INTERVAL} seconds (a year)")
    to_ms = _time_ms(params, "ToDate") or round(engine.now() * 1000)
    from_ms = _time_ms(params, "FromDate")
    if from_ms is None:
        from_ms = to_ms - 100 * interval * 1000
    if from_ms > to_ms:
        raise ApiError(100, "FromDate is after ToDate")
    return candles(engine, instrument_id, interval, from_ms, to_ms)


def get_summary(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``summary`` (``GET /AP/summary``): one CoinMarketCap-style row per instrument."""
    return summary(engine)
