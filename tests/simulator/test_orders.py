"""Order lifecycle, history, SendOrder/CancelOrder, the test helpers, and deterministic seeding."""

from __future__ import annotations

from collections import Counter

import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, assert_error, call


def test_seeding_is_deterministic_and_realistic(clock: ManualClock) -> None:
    one = FakeOMS.seeded(seed=3, accounts=20, orders_per_account=40, clock=ManualClock())
    two = FakeOMS.seeded(seed=3, accounts=20, orders_per_account=40, clock=ManualClock())
    other = FakeOMS.seeded(seed=4, accounts=20, orders_per_account=40, clock=ManualClock())
    ids = one.open_order_ids()
    assert len(ids) == 800 and ids == two.open_order_ids()
    orders = [one.order(i) for i in sorted(ids)]
    assert orders == [two.order(i) for i in sorted(ids)]
    assert orders != [other.order(i) for i in sorted(ids)]
    types = Counter(order["OrderType"] for order in orders)
    assert set(types) == {"Limit", "StopMarket", "StopLimit"} and types["Limit"] > 500
    assert {order["Side"] for order in orders} == {"Buy", "Sell"}
    partial = [order for order in orders if order["QuantityExecuted"] > 0]
    assert partial and all(o["OrderState"] == "Working" and o["ChangeReason"] == "Trade" for o in partial)
    assert all(0 < o["Quantity"] < o["OrigQuantity"] for o in partial)
    now_ms = ManualClock().now() * 1000
    assert all(now_ms - 6 * 3600_000 <= o["ReceiveTime"] < now_ms for o in orders)
    assert {o["Instrument"] for o in orders} == set(one.catalog.instruments)
    receive_times = [o["ReceiveTime"] for o in orders]  # orders are in OrderId order
    assert receive_times == sorted(receive_times)  # ids grow with time, as a real OMS assigns them
    first_hour = {o["Account"] for o in orders if o["ReceiveTime"] < now_ms - 5 * 3600_000}
    assert first_hour == set(one.catalog.accounts)  # every account's orders span the window
    for order in orders:
        mid = one.catalog.instruments[order["Instrument"]].mid
        if order["OrderType"] == "Limit":
            assert order["StopPrice"] == 0 and (order["Price"] < mid) == (order["Side"] == "Buy")
        else:
            assert order["StopPrice"] > 0 and (order["StopPrice"] > mid) == (order["Side"] == "Buy")
        assert (order["Price"] == 0) == (order["OrderType"] == "StopMarket")


def test_accounts_and_users_are_fixed(sim: FakeOMS) -> None:
    assert {9, 10, 11, 12} <= set(sim.catalog.accounts)
    assert all(account.name for account in sim.catalog.accounts.values())
    users = {u.name: (u.user_id, u.role, u.accounts) for u in sim.catalog.users.values()}
    assert users == {
        "ops": (1, "Operator", (1,)),
        "trader": (2, "Trading", (9, 10)),
        "trader2": (3, "Trading", (9, 11)),
        "viewer": (4, "AccountReadOnly", (9,)),
        "secure": (5, "Trading", (12,)),
    }
    assert sim.catalog.instruments[1].symbol == "BTCUSD"
    with pytest.raises(ValueError, match="at least 12"):
        FakeOMS.seeded(accounts=11)


def test_fill_helper_partial_then_full(sim: FakeOMS, clock: ManualClock) -> None:
    order_id = sim.place_order(9, 1, side="Sell", quantity=2.0, price=61_000.0)
    placed = sim.order(order_id)
    assert placed["OrderState"] == "Working" and placed["ChangeReason"] == "NewInputAccepted"
    assert placed["OrderFlag"] == "AddedToBook" and placed["EnteredBy"] == 2
    clock.advance(1)
    sim.fill(order_id, 0.5)
    partial = sim.order(order_id)
    assert (partial["OrderState"], partial["Quantity"], partial["QuantityExecuted"]) == ("Working", 1.5, 0.5)
    assert partial["GrossValueExecuted"] == 30_500.0 and partial["AvgPrice"] == 61_000.0
    assert partial["ChangeReason"] == "Trade" and partial["DisplayQuantity"] == 1.5
    assert partial["LastUpdatedTime"] == round(clock.now() * 1000)
    sim.fill(order_id)
    done = sim.order(order_id)
    assert (done["OrderState"], done["Quantity"], done["QuantityExecuted"]) == ("FullyExecuted", 0.0, 2.0)
    assert done["OrderFlag"] == "AddedToBook, RemovedFromBook"
    assert order_id not in sim.open_order_ids()
    with pytest.raises(ValueError):
        sim.fill(order_id)
    with pytest.raises(KeyError):
        sim.order(10**9)


def test_expire_helper_closes_a_working_order_as_apex_reports_it(sim: FakeOMS, clock: ManualClock,
                                                                   login: Login) -> None:
    order_id = sim.place_order(9, 1, quantity=1.0, price=50_000.0)
    clock.advance(2)
    sim.expire(order_id)
    expired = sim.order(order_id)
    assert (expired["OrderState"], expired["ChangeReason"], expired["Quantity"]) == ("Expired", "Expired", 0.0)
    assert expired["CancelReason"] == "" and expired["OrderFlag"] == "AddedToBook, RemovedFromBook"
    assert expired["LastUpdatedTime"] == round(clock.now() * 1000)
    assert order_id not in sim.open_order_ids(account_id=9)
    status = call(login("ops"), "GetOrderStatus", OMSId=1, AccountId=9, OrderId=order_id)
    assert status["OrderState"] == "Expired"  # type: ignore[index]
    with pytest.raises(ValueError, match="not Working"):
        sim.expire(order_id)
    with pytest.raises(KeyError):
        sim.expire(10**9)


def test_cancel_keeps_display_quantity(sim: FakeOMS, login: Login) -> None:
    order_id = sim.place_order(10, 2, quantity=3.0, price=2_900.0)
    sim.fill(order_id, 1.0)
    assert call(login("trader"), "CancelOrder", OMSId=1, AccountId=10, OrderId=order_id)["result"]  # type: ignore[index]
    order = sim.order(order_id)
    assert order["OrderState"] == "Canceled" and order["Quantity"] == 0 and order["DisplayQuantity"] == 2.0
    assert order["QuantityExecuted"] == 1.0 and order["CancelReason"] == "UserModified"
    again = call(login("trader"), "CancelOrder", OMSId=1, AccountId=10, OrderId=order_id)
    assert_error(again, 101, "Canceled")


def test_send_order_variants(sim: FakeOMS, login: Login) -> None:
    trader = login("trader")
    limit = call(
        trader,
        "SendOrder",
        OMSId=1,
        AccountId=10,
        InstrumentId=2,
        Side="Sell",
        OrderType="Limit",
        Quantity="1.5",
        LimitPrice="3100",
        ClientOrderId=77,
        TimeInForce=1,
    )
    assert isinstance(limit, dict) and limit["status"] == "Accepted"
    order = sim.order(limit["OrderId"])
    assert (order["Side"], order["OrderType"], order["Price"], order["ClientOrderId"]) == (
        "Sell",
        "Limit",
        3100.0,
        77,
    )
    assert order["EnteredBy"] == 2 and order["UserName"] == "trader"
    duplicate = call(
        trader,
        "SendOrder",
        OMSId=1,
        AccountId=10,
        InstrumentId=2,
        Side=1,
        OrderType=2,
        Quantity=1,
        LimitPrice=3100,
        ClientOrderId=77,
    )
    assert duplicate == {"status": "Rejected", "errormsg": "Invalid_ClientOrderId", "errorcode": 101}
    stop = call(
        trader,
        "SendOrder",
        OMSId=1,
        AccountId=10,
        InstrumentId=1,
        Side=0,
        OrderType=3,
        Quantity=0.1,
        StopPrice=65_000,
    )
    assert sim.order(stop["OrderId"])["StopPrice"] == 65_000.0  # type: ignore[index]
    asks = [sim.order(i) for i in sim.open_order_ids(instrument_id=1) - sim.open_order_ids(account_id=10)]
    best_ask = min(o["Price"] for o in asks if o["Side"] == "Sell" and o["OrderType"] == "Limit")
    market = call(
        trader, "SendOrder", OMSId=1, AccountId=10, InstrumentId=1, Side=0, OrderType=1, Quantity=0.1
    )
    filled = sim.order(market["OrderId"])  # type: ignore[index]
    assert filled["OrderState"] == "FullyExecuted" and filled["Price"] == 0
    assert best_ask <= filled["AvgPrice"] <= 60_000 * 1.05  # traded against the resting asks, best first
    for bad, detail in (
        ({"Quantity": 0}, "Quantity"),
        ({"LimitPrice": None}, "LimitPrice"),
        ({"InstrumentId": 99}, "Invalid InstrumentId"),
        ({"Side": "Sideways"}, "Side"),
        ({"OrderType": 9}, "OrderType"),
    ):
        payload = {
            "OMSId": 1,
            "AccountId": 10,
            "InstrumentId": 1,
            "Side": 0,
            "OrderType": 2,
            "Quantity": 1,
            "LimitPrice": 1,
            **bad,
        }
        before = sim.open_order_ids()
        assert_error(call(trader, "SendOrder", **payload), 100, detail)
        assert sim.open_order_ids() == before


def test_order_status_and_history(sim: FakeOMS, clock: ManualClock, login: Login) -> None:
    trader = login("trader")
    order_id = sim.place_order(9, 3, price=50_000.0)
    latest = call(trader, "GetOrderStatus", OMSId=1, AccountId=9)
    assert isinstance(latest, dict) and latest["OrderId"] == order_id
    call(trader, "CancelOrder", OMSId=1, OrderId=order_id)
    status = call(trader, "GetOrderStatus", OMSId=1, OrderId=order_id)
    assert isinstance(status, dict) and status["OrderState"] == "Canceled"
    assert_error(call(trader, "GetOrderStatus", OMSId=1, AccountId=9, OrderId=10**12), 104)
    assert_error(call(trader, "GetOrderStatus", OMSId=1, AccountId=10, OrderId=order_id), 104)
    history = call(trader, "GetOrdersHistory", OMSId=1, AccountId=9)
    assert isinstance(history, list) and len(history) == 9 and history[0]["OrderId"] == order_id
    times = [order["ReceiveTime"] for order in history]
    assert times == sorted(times, reverse=True)
    canceled = call(trader, "GetOrdersHistory", OMSId=1, AccountId=9, OrderState="Canceled")
    assert [order["OrderId"] for order in canceled] == [order_id]  # type: ignore[union-attr]
    page = call(trader, "GetOrdersHistory", OMSId=1, AccountId=9, StartIndex=2, Depth=3)
    assert page == history[2:5]
    since = int(clock.now()) - 10
    recent = call(trader, "GetOrdersHistory", OMSId=1, AccountId=9, StartTimestamp=since)
    assert [order["OrderId"] for order in recent] == [order_id]  # type: ignore[union-attr]
    by_instrument = call(trader, "GetOrdersHistory", OMSId=1, AccountId=9, InstrumentId=3)
    assert all(order["Instrument"] == 3 for order in by_instrument)  # type: ignore[union-attr]


def test_get_open_orders_instrument_filter(sim: FakeOMS, login: Login) -> None:
    viewer = login("viewer")
    orders = call(viewer, "GetOpenOrders", OMSId=1, AccountId=9, InstrumentId=1)
    assert {o["OrderId"] for o in orders} == sim.open_order_ids(9, 1)  # type: ignore[union-attr]
    assert_error(
        call(viewer, "GetOpenOrders", OMSId=1, AccountId=9, InstrumentId=42), 100, "Invalid InstrumentId"
    )


def test_positions_hold_follows_open_orders(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")

    def usd_hold() -> float:
        rows = call(ops, "GetAccountPositions", OMSId=1, AccountId=13)
        return next(row["Hold"] for row in rows if row["ProductSymbol"] == "USD")  # type: ignore[union-attr]

    before = usd_hold()
    sim.place_order(13, 1, side="Buy", quantity=2.0, price=1_000.0)
    assert usd_hold() == pytest.approx(before + 2_000.0)
