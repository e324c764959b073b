"""CancelReplaceOrder, ModifyOrder, GetOrders, GetOrderHistory and GetProduct."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, assert_error, call


@pytest.fixture
def empty() -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=ManualClock())


def client_for(sim: FakeOMS, user: str) -> httpx.Client:
    client = httpx.Client(transport=sim.transport(), base_url=sim.url)
    client.headers["aptoken"] = client.get("/AP/Authenticate", auth=(user, "demo")).json()["SessionToken"]
    return client


def send(client: httpx.Client, **order: Any) -> int:
    body = call(client, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=0, OrderType=2, **order)
    assert isinstance(body, dict) and body["status"] == "Accepted", body
    return int(body["OrderId"])


def test_cancel_replace_order(empty: FakeOMS) -> None:
    trader = client_for(empty, "trader")
    first = send(trader, Quantity=1, LimitPrice=50_000, ClientOrderId=11)
    reply = call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=first, ClientOrderId=12, OrderType=2,
                 Side=0, AccountId=9, InstrumentId=1, LimitPrice=51_000, Quantity=2, TimeInForce=1)
    assert isinstance(reply, dict) and list(reply) == ["ReplacementOrderId", "ReplacementClOrdId", "OrigOrderId",
                                                      "OrigClOrdId"]
    new = reply["ReplacementOrderId"]
    assert (reply["ReplacementClOrdId"], reply["OrigOrderId"], reply["OrigClOrdId"]) == (12, first, 11)
    old_order, new_order = empty.order(first), empty.order(new)
    assert (old_order["OrderState"], old_order["ChangeReason"]) == ("Canceled", "UserModified")
    assert (new_order["OrderState"], new_order["Price"], new_order["OrigQuantity"]) == ("Working", 51_000, 2)
    assert new_order["OrigOrderId"] == first and new_order["OrderId"] == new > first
    # fields left out default to the replaced order's; a replacement priced through the book trades
    ask = empty.place_order(13, 1, "Sell", 0.5, 52_000.0)
    crossed = call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=new, LimitPrice=52_000, Quantity=0.5)
    assert empty.order(crossed["ReplacementOrderId"])["OrderState"] == "FullyExecuted"  # type: ignore[index]
    assert empty.order(ask)["OrderState"] == "FullyExecuted"


def test_cancel_replace_refusals_change_nothing(empty: FakeOMS) -> None:
    trader = client_for(empty, "trader")
    order_id = send(trader, Quantity=1, LimitPrice=50_000)
    before = empty.order(order_id)
    usd = next(r for r in call(trader, "GetAccountPositions", OMSId=1, AccountId=9)  # type: ignore[union-attr]
               if r["ProductSymbol"] == "USD")
    huge = round(usd["Amount"] / 50_000 * 2, 4)
    assert_error(call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=order_id, LimitPrice=50_000,
                      Quantity=huge), 101, "Not_Enough_Funds")
    assert_error(call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=order_id, InstrumentId=2,
                      LimitPrice=50_000, Quantity=1), 100, "instrument")
    assert_error(call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=order_id, AccountId=10,
                      LimitPrice=50_000, Quantity=1), 104)
    assert_error(call(client_for(empty, "trader2"), "CancelReplaceOrder", OMSId=1, OrderIdToReplace=order_id,
                      AccountId=11, LimitPrice=1, Quantity=1), 104)
    assert empty.order(order_id) == before and empty.open_order_ids() == {order_id}
    call(trader, "CancelOrder", OMSId=1, OrderId=order_id)
    # the replaced order's own hold counts as free: replacing it with the same size is funded
    almost_all = round(usd["Amount"] / 50_000 * 0.9, 4)
    big = send(trader, Quantity=almost_all, LimitPrice=50_000)
    assert call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=big, LimitPrice=50_000,
                Quantity=almost_all).get("ReplacementOrderId")  # type: ignore[union-attr]
    assert_error(call(trader, "CancelReplaceOrder", OMSId=1, OrderIdToReplace=order_id, LimitPrice=1,
                      Quantity=1), 101, "Canceled")


def test_modify_order_only_decreases_and_keeps_priority(empty: FakeOMS) -> None:
    trader = client_for(empty, "trader")
    first = empty.place_order(13, 1, "Sell", 2.0, 61_000.0)
    second = empty.place_order(14, 1, "Sell", 2.0, 61_000.0)
    empty.fill(first, 0.5)
    ops = client_for(empty, "ops")
    base = {"OMSId": 1, "OrderId": first, "InstrumentId": 1, "AccountId": 13}
    assert call(ops, "ModifyOrder", **base, Quantity=1) == {"result": True, "errormsg": None, "errorcode": 0,
                                                               "detail": None}
    order = empty.order(first)
    assert (order["Quantity"], order["OrigQuantity"], order["QuantityExecuted"]) == (1.0, 1.5, 0.5)
    assert order["ChangeReason"] == "UserModified" and order["OrderState"] == "Working"
    for quantity in (1, 1.5, 0, -1):
        assert_error(call(ops, "ModifyOrder", **base, Quantity=quantity), 100, "Invalid Quantity")
    assert_error(call(ops, "ModifyOrder", OMSId=1, OrderId=first, Quantity=0.5), 100,
                 "Not all required fields are provided")
    assert_error(call(ops, "ModifyOrder", **{**base, "InstrumentId": 2}, Quantity=0.5), 100)
    assert_error(call(trader, "ModifyOrder", **base, Quantity=0.5), 20)
    send(trader, Quantity=1, LimitPrice=61_000)  # priority kept: the modified order trades first
    assert empty.order(first)["OrderState"] == "FullyExecuted" and empty.order(second)["QuantityExecuted"] == 0


def test_get_orders_and_get_order_history(sim: FakeOMS, login: Login) -> None:
    viewer, trader = login("viewer"), login("trader")
    order_id = sim.place_order(9, 1)
    call(trader, "CancelOrder", OMSId=1, OrderId=order_id)
    orders = call(trader, "GetOrders", OMSId=1, AccountId=9, Depth=1000)
    history = call(viewer, "GetOrderHistory", OMSId=1, AccountId=9, Depth=1000)
    assert orders == history == call(trader, "GetOrdersHistory", OMSId=1, AccountId=9, Depth=1000)
    assert isinstance(orders, list) and orders[0]["OrderId"] == order_id and len(orders) == 9
    assert call(trader, "GetOrders", OMSId=1, AccountId=9, OrderState="Canceled") == orders[:1]
    assert_error(call(login("ops"), "GetOrders", OMSId=1), 100, "AccountId is required")
    assert_error(call(viewer, "GetOrders", OMSId=1, AccountId=9), 20)


def test_get_product(anon: httpx.Client) -> None:
    product = call(anon, "GetProduct", OMSId=1, ProductId=1)
    assert product == call(anon, "GetProducts", OMSId=1)[0]  # type: ignore[index]
    assert_error(call(anon, "GetProduct", OMSId=1, ProductId=99), 104)
    assert_error(call(anon, "GetProduct", OMSId=1), 100, "ProductId")
