"""GetAccountTransactions (the ledger's movements), GetOrderFee, and the calls that answer []."""

from __future__ import annotations

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, assert_error, call


def test_account_transactions_follow_the_ledger(login: Login) -> None:
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=ManualClock())
    client = httpx.Client(transport=sim.transport(), base_url=sim.url)
    client.headers["aptoken"] = client.get("/AP/Authenticate", auth=("trader", "demo")).json()["SessionToken"]
    opening = call(client, "GetAccountTransactions", OMSId=1, AccountId=9)
    assert isinstance(opening, list) and len(opening) == len(sim.catalog.products)
    assert all(row["ReferenceType"] == "Deposit" and row["TransactionType"] == "Other" for row in opening)
    assert all(row["CR"] == row["Balance"] > 0 and row["DR"] == 0 for row in opening)
    ask = sim.place_order(13, 1, "Sell", 1.0, 61_000.0)
    order_id = call(client, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=0, OrderType=2,
                    Quantity=0.5, LimitPrice=61_000)["OrderId"]  # type: ignore[index]
    rows = call(client, "GetAccountTransactions", OMSId=1, AccountId=9)
    assert isinstance(rows, list) and len(rows) == len(opening) + 2
    quote, base = rows[0], rows[1]  # newest first: the quote movement was journaled last
    assert (base["ProductId"], base["CR"], base["DR"], base["ReferenceId"]) == (1, 0.5, 0.0, order_id)
    assert (quote["ProductId"], quote["CR"], quote["DR"]) == (2, 0.0, 30_500.0)
    assert base["Counterparty"] == quote["Counterparty"] == 13 and base["TransactionType"] == "Trade"
    positions = {r["ProductId"]: r["Amount"] for r in call(client, "GetAccountPositions", OMSId=1,  # type: ignore[union-attr]
                                                           AccountId=9)}
    assert base["Balance"] == pytest.approx(positions[1]) and quote["Balance"] == pytest.approx(positions[2])
    page = call(client, "GetAccountTransactions", OMSId=1, AccountId=9, StartIndex=1, Depth=1)
    assert page == rows[1:2]
    assert sim.order(ask)["QuantityExecuted"] == 0.5


def test_order_fee_and_empty_calls(sim: FakeOMS, login: Login) -> None:
    trader = login("trader")
    fee = call(trader, "GetOrderFee", OMSId=1, AccountId=9, InstrumentId=4, Quantity=1, Price=2_800,
               OrderType=2, MakerTaker="Maker", Side=0)
    assert fee == {"OrderFee": 0.0, "ProductId": 4}  # EUR, the quote product of ETHEUR
    assert_error(call(trader, "GetOrderFee", OMSId=1, AccountId=9), 100, "InstrumentId")
    for name in ("GetDeposits", "GetWithdraws", "GetOpenTradeReports", "GetOpenQuotes"):
        assert call(trader, name, OMSId=1, AccountId=9) == []
        assert_error(call(trader, name, OMSId=1, AccountId=13), 20)
    assert_error(call(login("viewer"), "GetAccountTransactions", OMSId=1, AccountId=10), 20)
