"""Fees (SimConfig.maker_fee / taker_fee, 0 by default): paid in the quote product on every
fill, shown on trade records and in GetAccountTransactions, held for by buy orders."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock, SimConfig

from .conftest import assert_error, call


@pytest.fixture
def fees() -> FakeOMS:
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=ManualClock())
    sim.config.maker_fee, sim.config.taker_fee = 0.001, 0.002
    return sim


def client(sim: FakeOMS, user: str) -> httpx.Client:
    made = httpx.Client(transport=sim.transport(), base_url=sim.url)
    made.headers["aptoken"] = made.get("/AP/Authenticate", auth=(user, "demo")).json()["SessionToken"]
    return made


def amounts(ops: httpx.Client, account: int) -> dict[str, dict[str, Any]]:
    rows = call(ops, "GetAccountPositions", OMSId=1, AccountId=account)
    return {row["ProductSymbol"]: row for row in rows}  # type: ignore[union-attr]


def test_a_match_charges_maker_and_taker_fees(fees: FakeOMS) -> None:
    ops = client(fees, "ops")
    ask = fees.place_order(13, 1, "Sell", 1.0, 61_000.0)
    before9, before13 = amounts(ops, 9), amounts(ops, 13)
    sent = call(ops, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=0, OrderType=2, Quantity=0.5,
                LimitPrice=61_000)
    after9, after13 = amounts(ops, 9), amounts(ops, 13)
    assert after9["USD"]["Amount"] == pytest.approx(before9["USD"]["Amount"] - 30_500 - 61.0)  # taker 0.2 %
    assert after9["BTC"]["Amount"] == pytest.approx(before9["BTC"]["Amount"] + 0.5)
    assert after13["USD"]["Amount"] == pytest.approx(before13["USD"]["Amount"] + 30_500 - 30.5)  # maker 0.1 %
    trades = call(ops, "GetTradesHistory", OMSId=1, Depth=10)
    by_order = {t["OrderId"]: t for t in trades}  # type: ignore[union-attr]
    assert by_order[sent["OrderId"]]["Fee"] == pytest.approx(61.0)  # type: ignore[index]
    assert by_order[ask]["Fee"] == pytest.approx(30.5) and by_order[ask]["FeeProductId"] == 2
    newest = call(ops, "GetAccountTransactions", OMSId=1, AccountId=9, Depth=3)[0]  # type: ignore[index]
    assert (newest["TransactionType"], newest["ReferenceType"], newest["DR"]) == ("Fee", "Trade", pytest.approx(61.0))


def test_buys_hold_for_the_fee_and_funds_include_it(fees: FakeOMS) -> None:
    ops = client(fees, "ops")
    usd = amounts(ops, 10)["USD"]["Amount"]
    call(ops, "SendOrder", OMSId=1, AccountId=10, InstrumentId=1, Side=0, OrderType=2, Quantity=1,
         LimitPrice=50_000)
    assert amounts(ops, 10)["USD"]["Hold"] == pytest.approx(50_000 * 1.002)
    just_too_much = round((usd - 50_000 * 1.002) / (40_000 * 1.002) * 1.0005, 4)  # fits without the fee only
    rejected = call(ops, "SendOrder", OMSId=1, AccountId=10, InstrumentId=1, Side=0, OrderType=2,
                    Quantity=just_too_much, LimitPrice=40_000)
    assert rejected == {"status": "Rejected", "errormsg": "Not_Enough_Funds", "errorcode": 101}


def test_get_order_fee_and_validation(fees: FakeOMS) -> None:
    ops = client(fees, "ops")
    taker = call(ops, "GetOrderFee", OMSId=1, AccountId=9, InstrumentId=1, Quantity=2, Price=60_000,
                 MakerTaker="Taker")
    maker = call(ops, "GetOrderFee", OMSId=1, AccountId=9, InstrumentId=1, Quantity=2, Price=60_000,
                 MakerTaker="Maker")
    assert taker == {"OrderFee": 240.0, "ProductId": 2} and maker == {"OrderFee": 120.0, "ProductId": 2}
    assert_error(call(ops, "GetOrderFee", OMSId=1, AccountId=9), 100)
    assert_error(call(ops, "GetOrderFee", OMSId=1, AccountId=9, InstrumentId=1, Quantity=1e308, Price=1e308), 100)
    assert SimConfig().maker_fee == SimConfig().taker_fee == 0.0
    for bad in (-0.01, 0.2, True, "0.1"):
        with pytest.raises((TypeError, ValueError)):
            fees.config.taker_fee = bad  # type: ignore[assignment]
