"""Every fill pushes OrderTradeEvent and AccountPositionEvent (base, then quote product) to the
account's AccountEvents subscribers, before the OrderStateEvent of the same change."""

from __future__ import annotations

import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Connect


@pytest.fixture
def sim(clock: ManualClock) -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=clock)


def test_a_match_pushes_trade_and_position_events_to_both_accounts(ws_connect: Connect, sim: FakeOMS) -> None:
    maker_watch = ws_connect("ops")
    maker_seq = maker_watch.send("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 13})
    maker_watch.reply(maker_seq)
    taker = ws_connect("trader")
    taker_seq = taker.send("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 9})
    taker.reply(taker_seq)
    ask = sim.place_order(13, 1, "Sell", 1.0, 61_000.0)
    maker_watch.drain_events()
    sent = taker.call("SendOrder", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 0, "OrderType": 2,
                                    "Quantity": 0.5, "LimitPrice": 61_000})
    taker_events = taker.drain_events()
    names = [event["n"] for event in taker_events]
    assert names == ["OrderStateEvent", "OrderTradeEvent", "AccountPositionEvent", "AccountPositionEvent",
                     "OrderStateEvent"]
    assert all(event["i"] == taker_seq for event in taker_events)
    trade = taker_events[1]["o"]
    assert (trade["OrderId"], trade["AccountId"], trade["Quantity"], trade["Price"]) == (sent["OrderId"], 9, 0.5,
                                                                                          61_000.0)
    assert trade["ContraAcctId"] == 13 and isinstance(trade["TradeTime"], int) and trade["Direction"] == "NoChange"
    base, quote = taker_events[2]["o"], taker_events[3]["o"]
    positions = {row["ProductSymbol"]: row for row in taker.call("GetAccountPositions", {"OMSId": 1,
                                                                                         "AccountId": 9})}
    assert (base["ProductSymbol"], quote["ProductSymbol"]) == ("BTC", "USD")
    assert base == positions["BTC"] and quote == positions["USD"]
    assert taker_events[4]["o"]["OrderState"] == "FullyExecuted"
    maker_events = maker_watch.drain_events()
    assert [event["n"] for event in maker_events] == ["OrderTradeEvent", "AccountPositionEvent",
                                                      "AccountPositionEvent", "OrderStateEvent"]
    assert maker_events[0]["o"]["OrderId"] == ask and maker_events[0]["o"]["ContraAcctId"] == 9
    assert maker_events[0]["o"]["ExecutionId"] == trade["ExecutionId"]


def test_a_helper_fill_pushes_events_and_unsubscribed_accounts_get_none(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("viewer")
    watcher.call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 9})
    order_id = sim.place_order(9, 2, "Sell", 2.0, 3_100.0)
    other = sim.place_order(10, 2, "Sell", 2.0, 3_100.0)
    sim.fill(order_id, 0.5)
    sim.fill(other, 0.5)
    events = [(event["n"], event["o"].get("OrderId"), event["o"].get("ProductSymbol"))
              for event in watcher.drain_events()]
    assert events == [("OrderStateEvent", order_id, None), ("OrderTradeEvent", order_id, None),
                      ("AccountPositionEvent", None, "ETH"), ("AccountPositionEvent", None, "USD"),
                      ("OrderStateEvent", order_id, None)]
