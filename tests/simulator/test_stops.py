"""Stop orders trigger when a new trade reaches their StopPrice: stop-market orders then trade
like market orders, stop-limit orders like limit orders (resting with the rest); cascades."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, call


@pytest.fixture
def empty() -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=ManualClock())


def client(sim: FakeOMS, user: str) -> httpx.Client:
    made = httpx.Client(transport=sim.transport(), base_url=sim.url)
    made.headers["aptoken"] = made.get("/AP/Authenticate", auth=(user, "demo")).json()["SessionToken"]
    return made


def send(made: httpx.Client, account: int, **order: Any) -> int:
    body = call(made, "SendOrder", OMSId=1, AccountId=account, InstrumentId=1, **order)
    assert isinstance(body, dict) and body["status"] == "Accepted", body
    return int(body["OrderId"])


def test_stop_market_buy_triggers_on_a_trade_at_its_stop(empty: FakeOMS) -> None:
    ops = client(empty, "ops")
    asks = [empty.place_order(13, 1, "Sell", 1.0, price) for price in (60_900.0, 61_000.0, 61_200.0)]
    stop = send(ops, 10, Side="Buy", OrderType="StopMarket", Quantity=1.5, StopPrice=61_000)
    send(ops, 11, Side="Buy", OrderType="Market", Quantity=1)  # prints 60,900: below the stop
    assert empty.order(stop)["OrderState"] == "Working" and empty.order(stop)["QuantityExecuted"] == 0
    send(ops, 11, Side="Buy", OrderType="Market", Quantity=0.5)  # prints 61,000: triggers
    order = empty.order(stop)
    assert (order["OrderState"], order["QuantityExecuted"]) == ("FullyExecuted", 1.5)
    assert order["GrossValueExecuted"] == pytest.approx(0.5 * 61_000 + 1.0 * 61_200)
    assert [empty.order(a)["OrderState"] for a in asks] == ["FullyExecuted"] * 3


def test_stop_limit_sell_rests_with_its_rest(empty: FakeOMS) -> None:
    ops = client(empty, "ops")
    empty.place_order(13, 1, "Buy", 1.0, 59_000.0)
    empty.place_order(13, 1, "Buy", 1.0, 58_800.0)
    stop = send(ops, 10, Side="Sell", OrderType="StopLimit", Quantity=2, StopPrice=59_000, LimitPrice=58_900)
    send(ops, 11, Side="Sell", OrderType="Limit", Quantity=0.5, LimitPrice=59_000)  # prints 59,000
    order = empty.order(stop)
    assert (order["OrderState"], order["QuantityExecuted"], order["Quantity"]) == ("Working", 0.5, 1.5)
    book = call(ops, "GetL2Snapshot", OMSId=1, InstrumentId=1, Depth=5)
    assert [(e[9], e[6], e[8]) for e in book] == [(0, 58_800.0, 1.0), (1, 58_900.0, 1.5)]  # type: ignore[union-attr]
    taker = send(ops, 12, Side="Buy", OrderType="Limit", Quantity=1, LimitPrice=58_950)
    assert empty.order(taker)["AvgPrice"] == 58_900 and empty.order(stop)["Quantity"] == 0.5


def test_stops_cascade_and_old_trades_trigger_nothing(empty: FakeOMS) -> None:
    ops = client(empty, "ops")
    for price in (60_100.0, 60_200.0, 60_300.0):
        empty.place_order(13, 1, "Sell", 1.0, price)
    first = send(ops, 10, Side="Buy", OrderType="StopMarket", Quantity=1, StopPrice=60_100)
    second = send(ops, 11, Side="Buy", OrderType="StopMarket", Quantity=1, StopPrice=60_200)
    untouched = send(ops, 12, Side="Buy", OrderType="StopMarket", Quantity=1, StopPrice=60_400)
    send(ops, 14, Side="Buy", OrderType="Market", Quantity=1)  # 60,100 -> first (60,200) -> second (60,300)
    assert empty.order(first)["AvgPrice"] == 60_200 and empty.order(second)["AvgPrice"] == 60_300
    assert empty.order(untouched)["OrderState"] == "Working"
    send(ops, 14, Side="Buy", OrderType="Limit", Quantity=1, LimitPrice=50_000)  # no new trade: nothing fires
    assert empty.order(untouched)["OrderState"] == "Working"


def test_seeded_stops_do_not_fire_on_seeded_history(sim: FakeOMS, login: Login) -> None:
    stops = {i for i in sim.open_order_ids() if sim.order(i)["OrderType"] in ("StopMarket", "StopLimit")}
    assert stops
    trader = login("trader")
    call(trader, "SendOrder", OMSId=1, AccountId=9, InstrumentId=2, Side=0, OrderType=2, Quantity=0.1,
         LimitPrice=2_000)
    assert stops <= sim.open_order_ids()


def test_an_uncovered_stop_market_buy_is_cancelled_at_trigger(empty: FakeOMS) -> None:
    ops = client(empty, "ops")
    empty.place_order(13, 1, "Sell", 0.1, 60_000.0)
    empty.place_order(13, 1, "Sell", 1_000.0, 600_000.0)  # a far, huge ask the stop would have to lift
    usd = next(r["Amount"] for r in call(ops, "GetAccountPositions", OMSId=1, AccountId=10)  # type: ignore[union-attr]
               if r["ProductSymbol"] == "USD")
    quantity = round(usd / 60_000 * 0.9, 4)
    stop = send(ops, 10, Side="Buy", OrderType="StopMarket", Quantity=quantity, StopPrice=60_000)
    send(ops, 11, Side="Buy", OrderType="Market", Quantity=0.1)  # prints 60,000: triggers
    order = empty.order(stop)
    assert (order["OrderState"], order["QuantityExecuted"], order["CancelReason"]) == (
        "Canceled", 0, "SystemCanceled_NoMoreMarket")
