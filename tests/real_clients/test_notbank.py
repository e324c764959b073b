"""notbank-python 2.5.0 (the Notbank APEX SDK), unchanged, against ``sim.serve()`` over TLS.

The SDK hard-codes ``https://<host>/ap/<Call>`` (lower-case ``ap``), signs in with the HMAC
headers on ``GET /ap/AuthenticateUser``, then sends ``aptoken``; its WebSocket is
``wss://<host>/wsgateway/`` (lower case). Decimals travel as strings (``"Quantity": "0.01"``).
"""

from __future__ import annotations

from apex_notebook.simulator import FakeOMS

from .conftest import Drive


def test_rest_over_https(notbank: Drive, sim: FakeOMS) -> None:
    btc_usd_before = sim.open_order_ids(account_id=9, instrument_id=1)
    result = notbank("rest")
    assert result["authenticated"] is True and result["symbol"] == "BTCUSD"
    assert result["book"] == 10 and float(result["best_bid"]) > 0
    order = sim.order(result["order"])
    assert result["status"] == "Working" and order["OrigQuantity"] == 0.01 and order["Price"] == 50_000
    assert order["OrderState"] == "Canceled"  # the SDK's CancelAllOrders for instrument 1 took it too
    assert 1 not in result["open_instruments"] and sim.open_order_ids(account_id=9, instrument_id=1) == set()
    assert btc_usd_before  # there was something to cancel
    login = sim.requests[0]
    assert (login.name, login.payload, login.user) == ("AuthenticateUser", {}, "trader")  # HMAC in headers only
    sent = next(call for call in sim.requests if call.name == "SendOrder")
    assert sent.payload["Quantity"] == "0.01" and sent.user == "trader"


def test_websocket_over_wss(notbank: Drive, sim: FakeOMS) -> None:
    result = notbank("websocket")
    assert result == {"authenticated": True, "open": sorted(sim.open_order_ids(account_id=9))}
    login = next(call for call in sim.requests if call.name == "AuthenticateUser")
    assert login.payload["Signature"] == "***" and login.payload["UserId"] == "2"


def test_history_and_market_data_parse_into_the_sdk_models(notbank: Drive, sim: FakeOMS) -> None:
    result = notbank("reads")
    order = sim.order(result["order"])
    assert order["OrderState"] == "FullyExecuted"
    assert result["states"] == ["FullyExecuted", "Working"]  # GetOrderHistoryByOrderId, newest first
    assert result["history"] == len(sim.open_order_ids(account_id=9)) + 1
    assert result["transactions"] == len(sim.catalog.products) + 2  # opening balances + the fill's two rows
    assert result["last"] == [[result["order"], str(order["AvgPrice"])]]
    assert result["summary"] == list(range(1, 8))  # GetLevel1Summary: JSON strings the SDK decodes
    begin = 1_577_836_800_000  # 2020-01-01 00:00:00 UTC
    assert result["candles"] == [[begin, begin + 60_000], [begin + 60_000, begin + 120_000]]


def test_streams_over_wss(notbank: Drive, sim: FakeOMS) -> None:
    """subscribe_level_1/2, subscribe_trades, subscribe_ticker, subscribe_order_state_events and
    subscribe_account_events: snapshots, then the updates a market buy causes, parsed by the SDK."""
    result = notbank("streams")
    assert result["kinds"] == ["level1", "level1_update", "level2", "level2_update", "order_state", "position",
                               "ticker", "ticker_update", "trades", "trades_update"]
    assert float(result["level1_bid"]) > 0 and result["level2_snapshot"] == 10
    assert result["trade_update"] == [[result["order"], "0.01"]]
    assert result["order_states"] == ["Working", "FullyExecuted"]
    assert result["positions"] == ["BTC", "USD"] and result["ticker_update_instrument"] == 1
    assert sim.order(result["order"])["OrderState"] == "FullyExecuted"
