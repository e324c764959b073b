"""Positions move only with fills; Hold follows open orders; SendOrder checks funds, matches
against the book at the resting price (price-time priority, no self-trade) and honours IOC/FOK."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, call


@pytest.fixture
def empty() -> FakeOMS:
    """No seeded orders: the test builds the book it needs."""
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=ManualClock())


@pytest.fixture
def trader(empty: FakeOMS) -> httpx.Client:
    client = httpx.Client(transport=empty.transport(), base_url=empty.url)
    client.headers["aptoken"] = client.get("/AP/Authenticate", auth=("trader", "demo")).json()["SessionToken"]
    return client


def positions(client: httpx.Client, account: int) -> dict[str, dict[str, Any]]:
    rows = call(client, "GetAccountPositions", OMSId=1, AccountId=account)
    assert isinstance(rows, list)
    return {row["ProductSymbol"]: row for row in rows}


def send(client: httpx.Client, **order: Any) -> dict[str, Any]:
    body = call(client, "SendOrder", OMSId=1, AccountId=order.pop("AccountId", 9), InstrumentId=1, **order)
    assert isinstance(body, dict)
    return body


def test_seeded_accounts_cover_their_open_orders(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    rows = call(ops, "GetAllAccountPositions", OMSId=1)
    assert isinstance(rows, list) and rows
    assert all(row["Amount"] >= row["Hold"] >= 0 for row in rows)
    assert any(row["Hold"] > 0 for row in rows)
    by_account = {(r["AccountId"], r["ProductId"]): r for r in rows}
    for account in (9, 13):
        for row in call(ops, "GetAccountPositions", OMSId=1, AccountId=account):  # type: ignore[union-attr]
            assert by_account[(account, row["ProductId"])] == row


def test_amount_moves_only_with_fills_and_hold_with_open_orders(empty: FakeOMS, trader: httpx.Client) -> None:
    before = positions(trader, 9)
    sent = send(trader, Side="Buy", OrderType="Limit", Quantity=2, LimitPrice=50_000)
    after_send = positions(trader, 9)
    assert after_send["USD"]["Amount"] == before["USD"]["Amount"]
    assert after_send["USD"]["Hold"] == pytest.approx(before["USD"]["Hold"] + 100_000)
    assert after_send["BTC"]["Hold"] == before["BTC"]["Hold"]
    empty.fill(sent["OrderId"], 0.5)
    filled = positions(trader, 9)
    assert filled["BTC"]["Amount"] == pytest.approx(before["BTC"]["Amount"] + 0.5)
    assert filled["USD"]["Amount"] == pytest.approx(before["USD"]["Amount"] - 25_000)
    assert filled["USD"]["Hold"] == pytest.approx(before["USD"]["Hold"] + 75_000)
    call(trader, "CancelOrder", OMSId=1, AccountId=9, OrderId=sent["OrderId"])
    canceled = positions(trader, 9)
    assert canceled["USD"]["Hold"] == before["USD"]["Hold"]
    assert canceled["USD"]["Amount"] == filled["USD"]["Amount"]
    sell = send(trader, Side="Sell", OrderType="Limit", Quantity=0.25, LimitPrice=70_000)
    assert positions(trader, 9)["BTC"]["Hold"] == pytest.approx(0.25)
    assert empty.order(sell["OrderId"])["OrderState"] == "Working"


def test_not_enough_funds(empty: FakeOMS, trader: httpx.Client) -> None:
    usd = positions(trader, 9)["USD"]
    too_many = usd["Amount"] / 60_000 * 1.01
    before = empty.open_order_ids()
    rejected = send(trader, Side="Buy", OrderType="Limit", Quantity=round(too_many, 4), LimitPrice=60_000)
    assert rejected == {"status": "Rejected", "errormsg": "Not_Enough_Funds", "errorcode": 101}
    btc = positions(trader, 9)["BTC"]["Amount"]
    assert send(trader, Side="Sell", OrderType="Limit", Quantity=btc + 1, LimitPrice=1)["errorcode"] == 101
    assert send(trader, Side="Buy", OrderType="StopMarket", Quantity=round(too_many, 4),
                StopPrice=60_000)["errorcode"] == 101
    assert empty.open_order_ids() == before
    # what open orders hold is not available: two orders that fit one at a time do not fit together
    half = round(usd["Amount"] / 60_000 * 0.6, 4)
    assert send(trader, Side="Buy", OrderType="Limit", Quantity=half, LimitPrice=60_000)["status"] == "Accepted"
    assert send(trader, Side="Buy", OrderType="Limit", Quantity=half, LimitPrice=60_000)["errorcode"] == 101


def make_asks(sim: FakeOMS) -> list[int]:
    """Asks from accounts 13 and 14: 1 @ 61,000 (13), 1 @ 61,000 (14, later), 2 @ 62,000 (13)."""
    return [sim.place_order(13, 1, "Sell", 1.0, 61_000.0), sim.place_order(14, 1, "Sell", 1.0, 61_000.0),
            sim.place_order(13, 1, "Sell", 2.0, 62_000.0)]


def test_a_limit_priced_through_the_book_trades_at_the_resting_prices(empty: FakeOMS, trader: httpx.Client) -> None:
    first, second, third = make_asks(empty)
    before9 = positions(trader, 9)
    ops_view = {a: dict(positions_of(empty, a)) for a in (13, 14)}
    sent = send(trader, Side="Buy", OrderType="Limit", Quantity=2.5, LimitPrice=62_500)
    order = empty.order(sent["OrderId"])
    assert order["OrderState"] == "FullyExecuted"
    assert order["GrossValueExecuted"] == pytest.approx(61_000 * 2 + 62_000 * 0.5)
    assert empty.order(first)["OrderState"] == empty.order(second)["OrderState"] == "FullyExecuted"
    assert empty.order(third)["QuantityExecuted"] == pytest.approx(0.5)
    after9 = positions(trader, 9)
    assert after9["BTC"]["Amount"] == pytest.approx(before9["BTC"]["Amount"] + 2.5)
    assert after9["USD"]["Amount"] == pytest.approx(before9["USD"]["Amount"] - 153_000)
    assert positions_of(empty, 14)["USD"] == pytest.approx(ops_view[14]["USD"] + 61_000)
    assert positions_of(empty, 13)["BTC"] == pytest.approx(ops_view[13]["BTC"] - 1.5)


def positions_of(sim: FakeOMS, account: int) -> dict[str, float]:
    with httpx.Client(transport=sim.transport(), base_url=sim.url) as ops:
        ops.headers["aptoken"] = ops.get("/AP/Authenticate", auth=("ops", "demo")).json()["SessionToken"]
        return {symbol: row["Amount"] for symbol, row in positions(ops, account).items()}


def test_self_trade_prevention_cancels_the_newest(empty: FakeOMS, trader: httpx.Client) -> None:
    other = empty.place_order(13, 1, "Sell", 0.5, 60_400.0)
    own = empty.place_order(9, 1, "Sell", 1.0, 60_500.0)
    behind = empty.place_order(14, 1, "Sell", 1.0, 60_600.0)
    sent = empty.order(send(trader, Side="Buy", OrderType="Limit", Quantity=2, LimitPrice=61_000)["OrderId"])
    assert empty.order(other)["OrderState"] == "FullyExecuted"  # traded up to its own account's ask ...
    assert empty.order(own)["OrderState"] == "Working"  # ... never with it ...
    assert empty.order(behind)["QuantityExecuted"] == 0  # ... and not past it
    assert (sent["OrderState"], sent["QuantityExecuted"], sent["CancelReason"]) == (
        "Canceled", 0.5, "SystemCanceled_NoMoreMarket")
    resting = send(trader, Side="Buy", OrderType="Limit", Quantity=1, LimitPrice=60_000)  # crosses nothing
    assert empty.order(resting["OrderId"])["OrderState"] == "Working"


def test_ioc_and_fok(empty: FakeOMS, trader: httpx.Client) -> None:
    first, second, third = make_asks(empty)
    miss = send(trader, Side="Buy", OrderType="Limit", Quantity=1, LimitPrice=60_000, TimeInForce=3)
    order = empty.order(miss["OrderId"])
    assert miss["status"] == "Accepted"
    assert (order["OrderState"], order["QuantityExecuted"]) == ("Canceled", 0)
    assert order["ChangeReason"] == order["CancelReason"] == "SystemCanceled_NoMoreMarket"
    partial = empty.order(send(trader, Side="Buy", OrderType="Limit", Quantity=2.5, LimitPrice=61_000,
                               TimeInForce="IOC")["OrderId"])
    assert (partial["OrderState"], partial["QuantityExecuted"]) == ("Canceled", 2)  # both 61,000 asks; 0.5 dropped
    assert {first, second} & empty.open_order_ids() == set()
    fok_miss = empty.order(send(trader, Side="Buy", OrderType="Limit", Quantity=3, LimitPrice=62_000,
                                TimeInForce=4)["OrderId"])
    assert (fok_miss["OrderState"], fok_miss["QuantityExecuted"]) == ("Canceled", 0)  # only 2 available
    assert empty.order(third)["QuantityExecuted"] == 0
    fok = empty.order(send(trader, Side="Buy", OrderType="Limit", Quantity=2, LimitPrice=62_000,
                           TimeInForce="FOK")["OrderId"])
    assert fok["OrderState"] == "FullyExecuted" and fok["GrossValueExecuted"] == pytest.approx(124_000)
    assert empty.order(third)["OrderState"] == "FullyExecuted"


def test_market_order_with_an_empty_side_is_cancelled(empty: FakeOMS, trader: httpx.Client) -> None:
    order = empty.order(send(trader, Side="Sell", OrderType="Market", Quantity=1)["OrderId"])
    assert (order["OrderState"], order["QuantityExecuted"], order["CancelReason"]) == (
        "Canceled", 0, "SystemCanceled_NoMoreMarket")


def book_levels(sim: FakeOMS) -> list[tuple[int, float, float, int]]:
    """``(side, price, quantity, orders)`` per level computed from the open orders themselves."""
    levels: dict[tuple[int, float], tuple[float, int]] = {}
    for order in (sim.order(i) for i in sim.open_order_ids(instrument_id=1)):
        key = (0 if order["Side"] == "Buy" else 1, order["Price"])
        quantity, count = levels.get(key, (0.0, 0))
        levels[key] = (quantity + order["Quantity"], count + 1)
    ordered = sorted((k for k in levels if k[0] == 0), key=lambda k: -k[1])
    ordered += sorted((k for k in levels if k[0] == 1), key=lambda k: k[1])
    return [(side, price, round(levels[(side, price)][0], 8), levels[(side, price)][1]) for side, price in ordered]


def snapshot_levels(client: httpx.Client) -> list[tuple[int, float, float, int]]:
    entries = call(client, "GetL2Snapshot", OMSId=1, InstrumentId=1, Depth=1000)
    assert isinstance(entries, list)
    return [(e[9], e[6], round(e[8], 8), e[5]) for e in entries]


def test_book_levels_stay_right_through_many_cancels_and_fills(empty: FakeOMS, trader: httpx.Client) -> None:
    """Past 1,024 entries the book drops closed orders in bulk; the levels must not change."""
    rng = random.Random(3)
    placed = []
    for i in range(3000):
        side = rng.choice(["Buy", "Sell"])
        price = float(rng.randrange(59_000, 59_050) if side == "Buy" else rng.randrange(61_000, 61_050))
        placed.append(empty.place_order(13 + i % 2, 1, side, rng.choice([0.5, 1.0]), price))
    ops = httpx.Client(transport=empty.transport(), base_url=empty.url)
    ops.headers["aptoken"] = ops.get("/AP/Authenticate", auth=("ops", "demo")).json()["SessionToken"]
    for order_id in rng.sample(placed, 2600):
        if rng.random() < 0.8:
            assert call(ops, "CancelOrder", OMSId=1, OrderId=order_id)["result"] is True  # type: ignore[index]
        else:
            empty.fill(order_id)
    assert snapshot_levels(ops) == book_levels(empty)
    send(trader, Side="Buy", OrderType="Market", Quantity=1.2)
    send(trader, Side="Sell", OrderType="Limit", Quantity=2, LimitPrice=59_040, TimeInForce="IOC")
    assert snapshot_levels(ops) == book_levels(empty)


def test_quantities_below_the_minimum_are_refused(empty: FakeOMS, trader: httpx.Client) -> None:
    empty.place_order(13, 1, "Sell", 1.0, 60_000.0)
    for quantity in (1e-12, 0.00005):  # BTCUSD's MinimumQuantity is 0.0001
        body = call(trader, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=0, OrderType=2,
                    Quantity=quantity, LimitPrice=61_000)
        assert isinstance(body, dict) and body["errorcode"] == 100 and "MinimumQuantity" in body["detail"]
    order_id = send(trader, Side="Buy", OrderType="Limit", Quantity=1, LimitPrice=50_000)["OrderId"]
    body = call(trader, "ModifyOrder", OMSId=1, OrderId=order_id, InstrumentId=1, AccountId=9, Quantity=0.00001)
    assert isinstance(body, dict) and body["errorcode"] == 100
    assert empty.order(order_id)["Quantity"] == 1
