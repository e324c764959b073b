"""ccxt's ``ndax`` exchange (4.5.90), unchanged but for its URL, against ``sim.serve()``.

Each test runs one scenario of ``ccxt_driver.py`` in the real-clients environment and checks
what ccxt returned against the simulator's own state.
"""

from __future__ import annotations

from apex_notebook.simulator import FakeOMS

from .conftest import Drive


def test_public_market_data(ccxt_ndax: Drive, sim: FakeOMS) -> None:
    result = ccxt_ndax("public")
    assert result["symbols"] == ["BTC/EUR", "BTC/USD", "ETH/EUR", "ETH/USD", "LTC/BTC", "SOL/USD", "SOL/USDT"]
    assert result["tickers"] == result["symbols"]  # fetch_tickers reads GET /AP/summary
    assert result["currencies"] == sorted(p.symbol for p in sim.catalog.products.values())
    assert result["btc_market"] == {"id": "1", "base": "BTC", "quote": "USD", "active": True}
    bids, asks = result["book"]["bids"], result["book"]["asks"]
    assert len(bids) == len(asks) == 5
    assert [b[0] for b in bids] == sorted((b[0] for b in bids), reverse=True) and bids[0][0] < asks[0][0]
    resting = [sim.order(i) for i in sim.open_order_ids(instrument_id=1)]
    best_bid = max(o["Price"] for o in resting if o["Side"] == "Buy" and o["OrderType"] == "Limit")
    assert result["ticker"]["bid"] == bids[0][0] == best_bid
    assert result["ticker"]["ask"] == asks[0][0]
    assert len(result["candles"]) == 5 and all(len(candle) == 6 for candle in result["candles"])
    assert result["status"] == "ok"


def test_trading_lifecycle(ccxt_ndax: Drive, sim: FakeOMS) -> None:
    result = ccxt_ndax("trading")
    assert result["accounts"] == ["9", "10"]
    before, with_order = result["balance_before"], result["balance_with_order"]
    assert with_order["total"] == before["total"] and round(with_order["used"] - before["used"], 2) == 500
    limit_id = int(result["limit"]["id"])
    assert result["limit"]["status"] == "open" and str(limit_id) in result["open_ids"]
    edited_id = int(result["edited"]["id"])
    assert result["edited"]["old_status"] == "canceled" and result["edited_status"] == "canceled"
    assert sim.order(edited_id)["OrigOrderId"] == limit_id and sim.order(edited_id)["OrigQuantity"] == 0.02
    market = result["market"]
    assert market["status"] == "closed" and market["filled"] == 0.01
    assert market["average"] == sim.order(int(market["id"]))["AvgPrice"]
    assert result["my_trades"] == [[market["id"], "buy", 0.01, market["average"], "taker"]]
    assert [order_id for order_id, _ in result["order_trades"]] == [market["id"]]
    statuses = dict(result["orders"])
    assert statuses[str(limit_id)] == "canceled" and statuses[market["id"]] == "closed"
    assert [currency for currency, _, _ in result["ledger"]][-2:] == ["USD", "BTC"]  # the fill's two movements
    assert result["deposits"] == result["withdrawals"] == []
    assert result["insufficient"] == "InsufficientFunds"  # Not_Enough_Funds maps to ccxt's InsufficientFunds
    assert sim.requests[-1].name == "SendOrder" and sim.requests[-1].user == "trader"


def test_cancel_all_with_a_symbol_uses_the_typo_key(ccxt_ndax: Drive, sim: FakeOMS) -> None:
    eth_before = sim.open_order_ids(account_id=9, instrument_id=2)
    result = ccxt_ndax("cancel_all")
    sent = next(call for call in sim.requests if call.name == "CancelAllOrders")
    assert sent.payload == {"omsId": 1, "AccountId": 9, "IntrumentId": "1"}
    assert sim.open_order_ids(account_id=9, instrument_id=1) == set()
    assert len(sim.open_order_ids(account_id=9, instrument_id=2)) == len(eth_before) + 1  # ETH untouched
    assert "BTC/USD" not in {symbol for symbol, _ in result["open"]}


def test_session_login_and_bad_credentials(ccxt_ndax: Drive, sim: FakeOMS) -> None:
    assert ccxt_ndax("session") == {"token": True, "open": len(sim.open_order_ids(account_id=9, instrument_id=1))}
    login = next(call for call in sim.requests if call.name == "Authenticate")
    assert login.payload == {"grant_type": "client_credentials"}
    assert sim.requests[-1].name == "GetOpenOrders" and sim.requests[-1].user == "trader"
    assert ccxt_ndax("bad_login") == {"error": "ExchangeError"}  # 401 + errorcode 20 -> ExchangeError


def test_ccxt_pro_over_the_websocket_gateway(ccxt_ndax: Drive, sim: FakeOMS) -> None:
    result = ccxt_ndax("pro")
    (bid, bid_size, _), (ask, ask_size, _) = result["book"]
    assert result["ticker"] == [bid, ask] and bid < ask
    assert result["first_trades"] > 0  # the SubscribeTrades reply carries the seeded partial fills
    order_id, side, amount, price = result["new_trade"]
    assert (int(order_id), side, amount, price) == (int(result["order"]), "buy", 0.01, ask)
    assert sim.order(int(order_id))["OrderState"] == "FullyExecuted"
    (bid_after, bid_size_after, _), (ask_after, ask_size_after, _) = result["book_after"]
    assert (bid_after, bid_size_after) == (bid, bid_size)  # Level2UpdateEvent: only the ask level changed
    assert (ask_after, round(ask_size_after, 8)) == (ask, round(ask_size - 0.01, 8))


def test_account_zero_passes_straight_through(ccxt_ndax: Drive, sim: FakeOMS) -> None:
    """ccxt sends params={"accountId": 0} as "AccountId": 0: refused for a Trading user (20),
    honoured for an Operator — every open order of every account is cancelled."""
    assert len({sim.order(i)["Account"] for i in sim.open_order_ids()}) == len(sim.catalog.accounts)
    result = ccxt_ndax("account_zero")
    assert result["trader"] == "ExchangeError"
    assert "'result': True" in result["ops"]
    sent = [call.payload for call in sim.requests if call.name == "CancelAllOrders"]
    assert sent == [{"omsId": 1, "AccountId": 0}, {"omsId": 1, "AccountId": 0}]
    assert sim.open_order_ids() == set()
