"""Market data from the book and the trades: GetLevel1, GetL2Snapshot, GetLastTrades,
GetTickerHistory, GetLevel1Summary and /AP/summary."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.simulator.replies import dumps_reply

from .conftest import assert_error, call

START = 1_767_225_600.0  # ManualClock's default start (2026-01-01 00:00:00 UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def market(clock: ManualClock) -> FakeOMS:
    """Bids 59,900 x1 (13) + 59,900 x2 (14) + 59,800 x1 (13); asks 60,100 x1 (13), 60,200 x3 (14)."""
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=0, clock=clock)
    sim.place_order(13, 1, "Buy", 1.0, 59_900.0)
    sim.place_order(14, 1, "Buy", 2.0, 59_900.0)
    sim.place_order(13, 1, "Buy", 1.0, 59_800.0)
    sim.place_order(13, 1, "Sell", 1.0, 60_100.0)
    sim.place_order(14, 1, "Sell", 3.0, 60_200.0)
    return sim


@pytest.fixture
def anon(market: FakeOMS) -> httpx.Client:
    return httpx.Client(transport=market.transport(), base_url=market.url)


def trade(sim: FakeOMS, side: int, quantity: float) -> int:
    with httpx.Client(transport=sim.transport(), base_url=sim.url) as client:
        client.headers["aptoken"] = client.get("/AP/Authenticate", auth=("trader", "demo")).json()["SessionToken"]
        body = call(client, "SendOrder", OMSId=1, AccountId=9, InstrumentId=1, Side=side, OrderType=1,
                    Quantity=quantity)
        assert isinstance(body, dict) and body["status"] == "Accepted", body
        return int(body["OrderId"])


def test_l2_snapshot_aggregates_levels(market: FakeOMS, anon: httpx.Client) -> None:
    entries = call(anon, "GetL2Snapshot", OMSId=1, InstrumentId=1, Depth=10)
    assert isinstance(entries, list)
    levels = [(e[9], e[6], e[8], e[5], e[1], e[3], e[7]) for e in entries]  # side, price, qty, orders, accounts
    assert levels == [
        (0, 59_900.0, 3.0, 2, 2, 0, 1), (0, 59_800.0, 1.0, 1, 1, 0, 1),
        (1, 60_100.0, 1.0, 1, 1, 0, 1), (1, 60_200.0, 3.0, 1, 1, 0, 1),
    ]
    assert all(len(e) == 10 and e[2] == round(START * 1000) for e in entries)
    assert len(call(anon, "GetL2Snapshot", OMSId=1, InstrumentId=1, Depth=1)) == 2  # type: ignore[arg-type]
    assert call(anon, "GetL2Snapshot", OMSId=1, InstrumentId=2) == []
    assert_error(call(anon, "GetL2Snapshot", OMSId=1, InstrumentId=99), 100, "Invalid InstrumentId")


def test_level1_and_last_trades_follow_the_trades(market: FakeOMS, anon: httpx.Client, clock: ManualClock) -> None:
    empty = call(anon, "GetLevel1", OMSId=1, InstrumentId=1)
    assert isinstance(empty, dict)
    assert (empty["BestBid"], empty["BestOffer"], empty["BidQty"], empty["AskOrderCt"]) == (59_900, 60_100, 3, 1)
    assert empty["LastTradedPx"] == 0 and empty["Rolling24NumTrades"] == 0
    clock.advance(60)
    buy = trade(market, 0, 2.0)  # 1 @ 60,100 then 1 @ 60,200
    clock.advance(60)
    sell = trade(market, 1, 0.5)  # 0.5 @ 59,900 (account 13's, the oldest at the level)
    one = call(anon, "GetLevel1", OMSId=1, InstrumentId=1)
    assert isinstance(one, dict)
    assert (one["BestBid"], one["BestOffer"], one["BidQty"], one["AskQty"]) == (59_900, 60_200, 2.5, 2.0)
    assert (one["LastTradedPx"], one["LastTradedQty"]) == (59_900, 0.5)
    assert one["LastTradeTime"] == round(clock.now() * 1000) and one["TimeStamp"] == str(round(clock.now() * 1000))
    assert (one["SessionOpen"], one["SessionHigh"], one["SessionLow"], one["SessionClose"]) == (
        60_100, 60_200, 59_900, 59_900)
    assert one["Rolling24HrVolume"] == 2.5 and one["Rolling24NumTrades"] == 3
    assert one["Rolling24HrNotional"] == pytest.approx(60_100 + 60_200 + 0.5 * 59_900)
    assert one["Rolling24HrPxChange"] == -200
    last = call(anon, "GetLastTrades", OMSId=1, InstrumentId=1)
    assert isinstance(last, list) and [t[3] for t in last] == [60_100, 60_200, 59_900]
    assert [(t[4], t[8], t[7]) for t in last] == [(buy, 0, 0), (buy, 0, 1), (sell, 1, 2)]  # order, taker, direction
    assert call(anon, "GetLastTrades", OMSId=1, InstrumentId=1, Count=1) == last[-1:]
    clock.advance(86_401)  # the window is [now - 24 h, now]
    assert call(anon, "GetLevel1", OMSId=1, InstrumentId=1)["Rolling24NumTrades"] == 0  # type: ignore[index]
    summary = call(anon, "GetLevel1Summary", OMSId=1)  # one JSON string per instrument
    assert isinstance(summary, list) and all(isinstance(text, str) for text in summary)
    decoded = [json.loads(text) for text in summary]
    assert [row["InstrumentId"] for row in decoded] == list(range(1, 8))
    assert decoded[0] == call(anon, "GetLevel1", OMSId=1, InstrumentId=1)


def test_ticker_history(market: FakeOMS, anon: httpx.Client, clock: ManualClock) -> None:
    clock.advance(90)  # minute 1 (START is on a minute boundary)
    trade(market, 0, 1.5)
    clock.advance(120)  # minute 3
    trade(market, 1, 1.0)
    rows = call(anon, "GetTickerHistory", OMSId=1, InstrumentId=1, Interval=60,
                FromDate="2026-01-01 00:00:00", ToDate="2026-01-01T00:04:00Z")
    assert isinstance(rows, list) and len(rows) == 5
    begin = round(START * 1000)
    assert [r[9] for r in rows] == [begin + i * 60_000 for i in range(5)]  # BeginDateTime
    assert [r[0] for r in rows] == [begin + (i + 1) * 60_000 for i in range(5)]  # EndDateTime
    assert rows[0][1:6] == [60_000.0, 60_000.0, 60_000.0, 60_000.0, 0]  # before any trade: the mid
    assert rows[1][1:6] == [60_200.0, 60_100.0, 60_100.0, 60_200.0, 1.5]  # high, low, open, close, volume
    assert rows[2][1:6] == [60_200.0, 60_200.0, 60_200.0, 60_200.0, 0]
    assert rows[3][1:6] == [59_900.0, 59_900.0, 59_900.0, 59_900.0, 1.0]
    assert all(r[8] == 1 for r in rows)
    assert call(anon, "GetTickerHistory", OMSId=1, InstrumentId=1, Interval="60", FromDate=int(START),
                ToDate=int(START) + 240) == rows
    assert_error(call(anon, "GetTickerHistory", OMSId=1, InstrumentId=1, FromDate="yesterday"), 100, "FromDate")


def test_summary_for_ccxt_fetch_tickers(market: FakeOMS, anon: httpx.Client) -> None:
    trade(market, 0, 1.0)
    rows: Any = anon.get("/AP/summary").json()
    btc = rows[0]
    assert btc == {"trading_pairs": "BTC_USD", "last_price": 60_100.0, "lowest_ask": 60_200.0,
                   "highest_bid": 59_900.0, "base_volume": 1.0, "quote_volume": 60_100.0,
                   "price_change_percent_24h": 0.0, "highest_price_24h": 60_100.0, "lowest_price_24h": 60_100.0}
    assert len(rows) == 7 and rows[5]["trading_pairs"] == "LTC_BTC"


@pytest.mark.parametrize(
    "payload",
    [{"ToDate": 2**64}, {"ToDate": 2**63 - 1}, {"FromDate": "99999-01-01"}, {"Interval": 2**63 - 1},
     {"ToDate": "99999999999999999999"}],
)
def test_ticker_history_refuses_dates_and_intervals_out_of_range(anon: httpx.Client, payload: dict[str, Any]) -> None:
    reply = anon.post("/AP/GetTickerHistory", json={"OMSId": 1, "InstrumentId": 1, **payload})
    assert reply.status_code == 200
    assert_error(reply.json(), 100)


def test_a_reply_json_cannot_carry_becomes_102() -> None:
    assert json.loads(dumps_reply({"big": 2**64}))["errorcode"] == 102
    assert json.loads(dumps_reply({"ok": 2**63 - 1})) == {"ok": 2**63 - 1}
