"""Executions: one trade record per fill with the documented fields; GetTradesHistory,
GetAccountTrades and GetOrderHistoryByOrderId."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, assert_error, call

TRADE_KEYS = [
    "OMSId", "ExecutionId", "TradeId", "OrderId", "AccountId", "AccountName", "SubAccountId", "ClientOrderId",
    "InstrumentId", "Side", "OrderType", "Quantity", "RemainingQuantity", "Price", "Value", "CounterParty",
    "OrderTradeRevision", "Direction", "IsBlockTrade", "Fee", "FeeProductId", "OrderOriginator", "UserName",
    "TradeTimeMS", "MakerTaker", "AdapterTradeId", "InsideBid", "InsideBidSize", "InsideAsk", "InsideAskSize",
    "IsQuote", "CounterPartyClientUserId", "NotionalProductId", "NotionalRate", "NotionalValue", "TradeTime",
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def empty(clock: ManualClock) -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=clock)


def client_for(sim: FakeOMS, user: str) -> httpx.Client:
    client = httpx.Client(transport=sim.transport(), base_url=sim.url)
    client.headers["aptoken"] = client.get("/AP/Authenticate", auth=(user, "demo")).json()["SessionToken"]
    return client


def trades(client: httpx.Client, **payload: Any) -> list[dict[str, Any]]:
    rows = call(client, "GetTradesHistory", OMSId=1, **payload)
    assert isinstance(rows, list), rows
    return rows


def test_a_match_makes_two_records(empty: FakeOMS, clock: ManualClock) -> None:
    ask = empty.place_order(13, 1, "Sell", 1.0, 61_000.0, client_order_id=5)
    clock.advance(5)
    trader = client_for(empty, "trader")
    sent = call(trader, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=0, OrderType=2, Quantity=0.4,
                LimitPrice=61_500, ClientOrderId=77)
    order_id = sent["OrderId"]  # type: ignore[index]
    mine = trades(trader, AccountId=9)
    assert len(mine) == 1 and list(mine[0]) == TRADE_KEYS
    record = mine[0]
    now_ms = round(clock.now() * 1000)
    assert record["OrderId"] == order_id and record["AccountId"] == 9 and record["ClientOrderId"] == 77
    assert (record["Side"], record["OrderType"], record["Quantity"], record["Price"]) == ("Buy", "Limit", 0.4, 61_000)
    assert record["Value"] == pytest.approx(24_400) and record["RemainingQuantity"] == 0
    assert record["MakerTaker"] == "Taker" and record["CounterParty"] == "13"
    assert record["TradeTimeMS"] == now_ms and record["TradeTime"] == now_ms * 10_000 + 621_355_968_000_000_000
    assert record["Direction"] == "NoChange" and record["OrderTradeRevision"] == 1
    assert record["UserName"] == "trader" and record["OrderOriginator"] == 2
    theirs = trades(client_for(empty, "ops"), AccountId=13)
    assert len(theirs) == 1 and theirs[0]["OrderId"] == ask and theirs[0]["MakerTaker"] == "Maker"
    assert theirs[0]["ExecutionId"] == record["ExecutionId"] and theirs[0]["TradeId"] != record["TradeId"]
    assert theirs[0]["Side"] == "Sell" and theirs[0]["RemainingQuantity"] == pytest.approx(0.6)
    # the next trade at a higher price is an up-tick, and the maker's second fill is revision 2
    empty.place_order(14, 1, "Sell", 1.0, 61_400.0)
    call(trader, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=0, OrderType=1, Quantity=1.2)
    newest = trades(trader, AccountId=9)
    assert [t["Price"] for t in newest] == [61_400.0, 61_000.0, 61_000.0]
    assert newest[0]["Direction"] == "UpTick"
    assert trades(client_for(empty, "ops"), AccountId=13)[0]["OrderTradeRevision"] == 2


def test_filters_paging_and_scope(empty: FakeOMS, clock: ManualClock) -> None:
    orders = [empty.place_order(9 + i % 2, 1 + i % 2, "Buy", 1.0, 100.0) for i in range(6)]
    for order_id in orders:
        clock.advance(10)
        empty.fill(order_id, 0.5)
    ops, trader = client_for(empty, "ops"), client_for(empty, "trader")
    everything = trades(ops)
    assert [t["OrderId"] for t in everything] == orders[::-1]  # newest first, whole OMS for the Operator
    assert [t["OrderId"] for t in trades(ops, StartIndex=1, Depth=2)] == orders[4:2:-1]
    assert [t["OrderId"] for t in trades(trader, AccountId=9, InstrumentId=1)] == orders[4::-2]
    assert [t["OrderId"] for t in trades(ops, OrderId=orders[3])] == [orders[3]]
    start = round(clock.now()) - 25
    assert [t["OrderId"] for t in trades(ops, StartTimestamp=start)] == orders[:2:-1][:3]
    assert [t["OrderId"] for t in trades(ops, EndTimestamp=start * 1000)] == orders[2::-1]
    assert trades(ops, TradeId=everything[0]["TradeId"]) == everything[:1]
    assert_error(call(trader, "GetTradesHistory", OMSId=1), 100, "AccountId is required")
    assert_error(call(trader, "GetTradesHistory", OMSId=1, AccountId=13), 20)
    account_trades = call(client_for(empty, "viewer"), "GetAccountTrades", OMSId=1, AccountId=9, Count=2)
    assert [t["OrderId"] for t in account_trades] == [orders[4], orders[2]]  # type: ignore[union-attr]


def test_order_history_by_order_id(empty: FakeOMS, clock: ManualClock) -> None:
    trader = client_for(empty, "trader")
    order_id = call(trader, "SendOrder", OMSId=1, AccountId=10, InstrumentId=1, Side=0, OrderType=2,
                    Quantity=1, LimitPrice=100)["OrderId"]  # type: ignore[index]
    clock.advance(1)
    empty.fill(order_id, 0.25)
    clock.advance(1)
    call(trader, "CancelOrder", OMSId=1, AccountId=10, OrderId=order_id)
    states = call(trader, "GetOrderHistoryByOrderId", OMSId=1, OrderId=order_id)
    assert [(s["OrderState"], s["ChangeReason"], s["QuantityExecuted"]) for s in states] == [  # type: ignore[union-attr]
        ("Canceled", "UserModified", 0.25), ("Working", "Trade", 0.25), ("Working", "NewInputAccepted", 0),
    ]
    assert_error(call(client_for(empty, "trader2"), "GetOrderHistoryByOrderId", OMSId=1, OrderId=order_id), 104)
    assert len(call(client_for(empty, "ops"), "GetOrderHistoryByOrderId", OMSId=1, OrderId=order_id)) == 3  # type: ignore[arg-type]
    assert_error(call(trader, "GetOrderHistoryByOrderId", OMSId=1, OrderId=10**9), 104)


def test_seeded_orders_have_a_synthesized_past(sim: FakeOMS, login: Login) -> None:
    orders = [sim.order(i) for i in sorted(sim.open_order_ids())]
    partial = next(o for o in orders if o["QuantityExecuted"] > 0)  # seeding part-fills ~15 % of limits
    untouched = next(o for o in orders if o["QuantityExecuted"] == 0)
    ops = login("ops")
    assert call(ops, "GetOrderHistoryByOrderId", OMSId=1, OrderId=untouched["OrderId"]) == [untouched]
    for order in (untouched, partial):
        call(ops, "CancelOrder", OMSId=1, AccountId=order["Account"], OrderId=order["OrderId"])
    states = call(ops, "GetOrderHistoryByOrderId", OMSId=1, OrderId=untouched["OrderId"])
    assert [(s["OrderState"], s["ChangeReason"]) for s in states] == [  # type: ignore[union-attr]
        ("Canceled", "UserModified"), ("Working", "NewInputAccepted")]
    assert states[1] == untouched  # type: ignore[index]
    states = call(ops, "GetOrderHistoryByOrderId", OMSId=1, OrderId=partial["OrderId"])
    assert [(s["OrderState"], s["ChangeReason"], s["QuantityExecuted"]) for s in states] == [  # type: ignore[union-attr]
        ("Canceled", "UserModified", partial["QuantityExecuted"]),
        ("Working", "Trade", partial["QuantityExecuted"]),
        ("Working", "NewInputAccepted", 0),
    ]
    assert states[1] == partial  # type: ignore[index]
    assert states[2]["ReceiveTime"] == states[2]["LastUpdatedTime"]  # type: ignore[index]
    assert states[2]["Quantity"] == states[2]["OrigQuantity"] == partial["OrigQuantity"]  # type: ignore[index]
