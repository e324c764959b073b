"""Market data rendered from the book and the trade log (public; apex-api.md §8, ccxt ``ndax``).

* **Level 1** object: ``BestBid``/``BestOffer`` and their sizes and order counts from the resting
  limit orders; ``LastTradedPx``/``LastTradedQty``/``LastTradeTime`` from the last public trade;
  ``Session*``, ``Rolling24Hr*`` and ``CurrentDay*`` over the 24 hours before the clock's now
  (0 when nothing traded); ``TimeStamp`` = now in ms.
* **Level 2** entry (an array): ``[MDUpdateId, Accounts, ActionDateTime, ActionType,
  LastTradePrice, Orders, Price, InstrumentId, Quantity, Side]`` — one per price level, bids
  best first then asks best first; ActionType 0 new, 1 update, 2 delete; Side 0 buy, 1 sell.
* **Public trade** (an array): ``[TradeId, InstrumentId, Quantity, Price, Order1, Order2,
  TradeTime, Direction, TakerSide, BlockTrade, ClientOrderId]`` — Order1 the taker's order,
  Order2 the resting one (0 for a fill against the outside market); Direction 0 NoChange,
  1 UpTick, 2 DownTick. Public trades are the taker records and outside-market fills.
* **Candle** (an array): ``[EndDateTime, High, Low, Open, Close, Volume, InsideBid, InsideAsk,
  InstrumentId, BeginDateTime]`` (ms; EndDateTime = BeginDateTime + Interval), the order
  notbank's SDKs name (the APEX pages show the first nine unlabelled). Every interval of the
  window gets one, oldest first; an interval without trades repeats the previous close (the
  mid before the first trade) with volume 0.
"""

from __future__ import annotations

from typing import Any

from .engine import Engine
from .market import BUY, SELL
from .orders import FIRST_ORDER_ID
from .trades import FIRST_TRADE_ID

__all__ = ["MAX_CANDLES", "candles", "l2_snapshot", "level1", "level_entry", "public_trade", "summary"]

DAY_MS = 86_400_000
#: Most candles one GetTickerHistory answers (the oldest are dropped).
MAX_CANDLES = 5000


def _levels(engine: Engine, instrument_id: int, side: int,
            limit: int) -> list[tuple[float, float, int, set[int], int]]:
    """``(price, quantity, orders, accounts, latest ms)`` of the best ``limit`` levels of one side."""
    table = engine.book.table
    levels: list[tuple[float, float, int, set[int], int]] = []
    for row in engine.market.resting(instrument_id, side):
        price = table.price[row]
        if len(levels) == limit and levels[-1][0] != price:
            break
        if levels and levels[-1][0] == price:
            _, quantity, orders, accounts, latest = levels[-1]
            accounts.add(table.account[row])
            levels[-1] = (price, quantity + table.remaining(row), orders + 1, accounts,
                          max(latest, table.updated_ms[row]))
        else:
            levels.append((price, table.remaining(row), 1, {table.account[row]}, table.updated_ms[row]))
    return levels


def _last_price(engine: Engine, instrument_id: int) -> float:
    return engine.trades.last_price.get(instrument_id, 0.0)


def level_entry(engine: Engine, instrument_id: int, side: int, price: float, action: int,  # noqa: PLR0917
                sequence: int) -> list[Any]:
    """The L2 entry of one price level as it is now (quantity 0 when it is gone)."""
    table = engine.book.table
    quantity, orders, accounts, latest = 0.0, 0, set(), 0
    for row in engine.market.resting(instrument_id, side):
        if (table.price[row] < price) if side == BUY else (table.price[row] > price):
            break  # past the level: rows come best price first
        if table.price[row] == price:
            quantity += table.remaining(row)
            orders += 1
            accounts.add(table.account[row])
            latest = max(latest, table.updated_ms[row])
    latest = latest or round(engine.now() * 1000)
    return [sequence, len(accounts), latest, action, _last_price(engine, instrument_id), orders, price,
            instrument_id, round(quantity, 10), side]


def l2_snapshot(engine: Engine, instrument_id: int, depth: int, sequence: int) -> list[list[Any]]:
    """Up to ``depth`` levels per side: bids best first, then asks best first."""
    last = _last_price(engine, instrument_id)
    entries = []
    for side in (BUY, SELL):
        for price, quantity, orders, accounts, latest in _levels(engine, instrument_id, side, depth):
            entries.append([sequence, len(accounts), latest, 0, last, orders, price, instrument_id,
                            round(quantity, 10), side])
    return entries


def _recent(engine: Engine, instrument_id: int, since_ms: int) -> list[int]:
    log = engine.trades
    return [index for index in log.by_instrument.get(instrument_id, ()) if log.at_ms[index] >= since_ms]


def level1(engine: Engine, instrument_id: int) -> dict[str, Any]:
    """The Level1 object of one instrument."""
    log = engine.trades
    now_ms = round(engine.now() * 1000)
    best = {}
    for side in (BUY, SELL):
        levels = _levels(engine, instrument_id, side, 1)
        best[side] = levels[0][:3] if levels else (0.0, 0.0, 0)
    day = _recent(engine, instrument_id, now_ms - DAY_MS)
    prices = [log.price[index] for index in day]
    volume = round(sum(log.quantity[index] for index in day), 10)
    notional = round(sum(log.quantity[index] * log.price[index] for index in day), 10)
    trades = log.by_instrument.get(instrument_id, [])
    last = trades[-1] if trades else None
    change = round(prices[-1] - prices[0], 10) if prices else 0.0
    return {
        "OMSId": engine.config.oms_id, "InstrumentId": instrument_id,
        "BestBid": best[BUY][0], "BestOffer": best[SELL][0],
        "LastTradedPx": log.price[last] if last is not None else 0.0,
        "LastTradedQty": log.quantity[last] if last is not None else 0.0,
        "LastTradeTime": log.at_ms[last] if last is not None else 0,
        "SessionOpen": prices[0] if prices else 0.0, "SessionHigh": max(prices, default=0.0),
        "SessionLow": min(prices, default=0.0), "SessionClose": prices[-1] if prices else 0.0,
        "Volume": volume, "CurrentDayVolume": volume, "CurrentDayNotional": notional,
        "CurrentDayNumTrades": len(day), "CurrentDayPxChange": change, "Rolling24HrVolume": volume,
        "Rolling24HrNotional": notional, "Rolling24NumTrades": len(day), "Rolling24HrPxChange": change,
        "TimeStamp": str(now_ms), "BidQty": round(best[BUY][1], 10), "AskQty": round(best[SELL][1], 10),
        "BidOrderCt": best[BUY][2], "AskOrderCt": best[SELL][2],
        "Rolling24HrPxChangePercent": round(change / prices[0] * 100, 4) if prices and prices[0] else 0.0,
    }


def public_trade(engine: Engine, index: int) -> list[Any]:
    """The public trade array of one trade record."""
    log, table = engine.trades, engine.book.table
    row, counter = log.order_row[index], log.counter_row[index]
    return [FIRST_TRADE_ID + index, table.instrument[row], log.quantity[index], log.price[index],
            FIRST_ORDER_ID + row, FIRST_ORDER_ID + counter if counter >= 0 else 0,
            log.at_ms[index], log.direction[index], table.side[row], False, table.client_order_id[row]]


def candles(engine: Engine, instrument_id: int, interval_s: int, from_ms: int, to_ms: int) -> list[list[Any]]:
    """One candle per ``interval_s`` from ``from_ms`` (rounded down) up to ``to_ms``."""
    log = engine.trades
    instrument = engine.catalog.instruments[instrument_id]
    step = interval_s * 1000
    start = from_ms - from_ms % step
    if (to_ms - start) // step >= MAX_CANDLES:
        start = to_ms - to_ms % step - (MAX_CANDLES - 1) * step
    trades = sorted(log.by_instrument.get(instrument_id, []), key=lambda index: (log.at_ms[index], index))
    position = 0
    close = instrument.mid
    while position < len(trades) and log.at_ms[trades[position]] < start:
        close = log.price[trades[position]]
        position += 1
    spread = instrument.mid * 0.0005
    bid, ask = round(instrument.mid - spread, 8), round(instrument.mid + spread, 8)
    result = []
    for begin in range(start, to_ms + 1, step):
        prices: list[float] = []
        volume = 0.0
        while position < len(trades) and log.at_ms[trades[position]] < begin + step:
            prices.append(log.price[trades[position]])
            volume += log.quantity[trades[position]]
            position += 1
        prices = prices or [close]
        result.append([begin + step, max(prices), min(prices), prices[0], prices[-1], round(volume, 10), bid, ask,
                       instrument_id, begin])
        close = prices[-1]
    return result


def summary(engine: Engine) -> list[dict[str, Any]]:
    """The ``/AP/summary`` rows (CoinMarketCap style), one per instrument."""
    rows = []
    for instrument in engine.catalog.instruments.values():
        one = level1(engine, instrument.instrument_id)
        rows.append({
            "trading_pairs": f"{instrument.product1.symbol}_{instrument.product2.symbol}",
            "last_price": one["LastTradedPx"], "lowest_ask": one["BestOffer"], "highest_bid": one["BestBid"],
            "base_volume": one["Rolling24HrVolume"], "quote_volume": one["Rolling24HrNotional"],
            "price_change_percent_24h": one["Rolling24HrPxChangePercent"],
            "highest_price_24h": one["SessionHigh"], "lowest_price_24h": one["SessionLow"],
        })
    return rows
