"""Market-data subscriptions: the snapshot in the reply, then update events (public, no login)."""

from __future__ import annotations

import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Connect, error_of, wait_until

BTC = {"OMSId": 1, "InstrumentId": 1}


@pytest.fixture
def sim(clock: ManualClock) -> FakeOMS:
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=clock)
    sim.place_order(13, 1, "Buy", 1.0, 59_900.0)
    sim.place_order(13, 1, "Sell", 1.0, 60_100.0)
    return sim


def test_level1_and_level2(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect()
    level1 = watcher.call("SubscribeLevel1", BTC)
    assert (level1["BestBid"], level1["BestOffer"]) == (59_900, 60_100)
    snapshot = watcher.call("SubscribeLevel2", {**BTC, "Depth": 5})
    assert [(e[9], e[6], e[8], e[3]) for e in snapshot] == [(0, 59_900, 1, 0), (1, 60_100, 1, 0)]
    new = sim.place_order(14, 1, "Buy", 2.0, 59_950.0)
    more = sim.place_order(13, 1, "Buy", 0.5, 59_950.0)
    sim.fill(new, 2.0)
    events = watcher.drain_events()
    level1_events = [e["o"] for e in events if e["n"] == "Level1UpdateEvent"]
    level2_events = [e["o"] for e in events if e["n"] == "Level2UpdateEvent"]
    assert [e["BestBid"] for e in level1_events] == [59_950, 59_950, 59_950]
    assert [e["BidQty"] for e in level1_events] == [2, 2.5, 0.5]
    assert [(u[0][3], u[0][6], u[0][8], u[0][5]) for u in level2_events] == [
        (0, 59_950, 2, 1), (1, 59_950, 2.5, 2), (1, 59_950, 0.5, 1)]
    sim.fill(more, 0.5)  # the level empties: ActionType 2 (delete)
    last = [e["o"] for e in watcher.drain_events() if e["n"] == "Level2UpdateEvent"][-1]
    assert (last[0][3], last[0][6], last[0][8]) == (2, 59_950, 0)
    assert watcher.call("UnsubscribeLevel2", BTC)["result"] is True
    assert watcher.call("UnsubscribeLevel1", BTC)["result"] is True
    sim.place_order(14, 1, "Buy", 1.0, 59_000.0)
    assert watcher.drain_events() == []


def test_trades_and_ticker(ws_connect: Connect, sim: FakeOMS, clock: ManualClock) -> None:
    watcher = ws_connect()
    assert watcher.call("SubscribeTrades", {**BTC, "IncludeLastCount": 5}) == []
    candles = watcher.call("SubscribeTicker", {**BTC, "Interval": 60, "IncludeLastCount": 3})
    assert len(candles) == 3 and all(c[5] == 0 for c in candles)
    trader = ws_connect("trader")
    sent = trader.call("SendOrder", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 0, "OrderType": 1,
                                     "Quantity": 0.25})
    events = watcher.drain_events()
    assert [e["n"] for e in events] == ["TradeDataUpdateEvent", "TickerDataUpdateEvent"]
    trade = events[0]["o"][0]
    assert (trade[1], trade[2], trade[3], trade[4], trade[8]) == (1, 0.25, 60_100, sent["OrderId"], 0)
    candle = events[1]["o"][0]
    assert (candle[4], candle[5], candle[8]) == (60_100, 0.25, 1)
    again = ws_connect()
    assert [t[3] for t in again.call("SubscribeTrades", {**BTC, "IncludeLastCount": 5})] == [60_100]


def test_market_subscriptions_need_a_known_instrument(ws_connect: Connect) -> None:
    watcher = ws_connect()
    error_of(watcher.call("SubscribeLevel2", {"OMSId": 1, "InstrumentId": 99}), 100)
    error_of(watcher.call("SubscribeLevel1", {"OMSId": 1}), 100)


def test_disconnect_drops_market_subscriptions_but_logout_keeps_them(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    watcher.call("SubscribeLevel1", BTC)
    watcher.call("SubscribeTrades", {**BTC, "IncludeLastCount": 0})
    assert sim.events.market.count() == 2
    watcher.call("LogOut")
    assert sim.events.market.count() == 2  # public streams survive a logout
    sim.place_order(14, 1, "Buy", 1.0, 59_950.0)
    assert [e["n"] for e in watcher.drain_events()] == ["Level1UpdateEvent"]
    watcher.close()
    wait_until(lambda: sim.events.market.count() == 0, "the disconnect dropped the subscriptions")
