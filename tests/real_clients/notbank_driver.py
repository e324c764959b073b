"""Drive notbank-python (the Notbank APEX SDK), unchanged, against a running simulator over TLS.

The SDK always speaks ``https://<host>/ap/<Call>`` and ``wss://<host>/wsgateway/``, so the
simulator serves TLS with a throwaway certificate that the test trusts through the standard
``REQUESTS_CA_BUNDLE`` / ``WEBSOCKET_CLIENT_CA_BUNDLE`` variables. Run by
``test_notbank.py`` with ``.venvs/real-clients-notbank``: ``python notbank_driver.py
<host:port> <scenario>``; prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from notbank_python_sdk.client_connection_factory import (  # type: ignore[import-not-found]
    new_rest_client_connection,
    new_websocket_client_connection,
)
from notbank_python_sdk.constants import OrderType, Side, TimeInForce  # type: ignore[import-not-found]
from notbank_python_sdk.notbank_client import NotbankClient  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.account_fees_request import AccountFeesRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.authenticate_request import AuthenticateRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.cancel_all_orders import CancelAllOrdersRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_account_positions_request import (  # type: ignore[import-not-found]
    GetAccountPositionsRequest,
)
from notbank_python_sdk.requests_models.get_account_transactions_request import (  # type: ignore[import-not-found]
    GetAccountTransactionsRequest,
)
from notbank_python_sdk.requests_models.get_instrument_request import GetInstrumentRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_l2_snapshot import GetL2SnapshotRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_last_trades import GetLastTradesRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_open_orders import GetOpenOrdersRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_order_history_by_order_id import (  # type: ignore[import-not-found]
    GetOrderHistoryByOrderIdRequest,
)
from notbank_python_sdk.requests_models.get_order_status import GetOrderStatusRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_orders_history import GetOrdersHistoryRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.get_ticker_history import GetTickerHistoryRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.level1 import GetLevel1Request  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.send_order import SendOrderRequest  # type: ignore[import-not-found]
from notbank_python_sdk.requests_models.subscribe_account_events_request import (  # type: ignore[import-not-found]
    SubscribeAccountEventsRequest,
)
from notbank_python_sdk.requests_models.subscribe_level1_request import (  # type: ignore[import-not-found]
    SubscribeLevel1Request,
)
from notbank_python_sdk.requests_models.subscribe_level2_request import (  # type: ignore[import-not-found]
    SubscribeLevel2Request,
)
from notbank_python_sdk.requests_models.subscribe_order_state_events_request import (  # type: ignore[import-not-found]
    SubscribeOrderStateEventsRequest,
)
from notbank_python_sdk.requests_models.subscribe_ticker_request import (  # type: ignore[import-not-found]
    SubscribeTickerRequest,
)
from notbank_python_sdk.requests_models.subscribe_trades_request import (  # type: ignore[import-not-found]
    SubscribeTradesRequest,
)

LOGIN = AuthenticateRequest(api_public_key="trader-key", api_secret_key="trader-secret", user_id="2")


def rest(host: str) -> dict[str, Any]:
    """HMAC login over GET /ap/AuthenticateUser, then reads, an order and a cancel, all over HTTPS."""
    client = NotbankClient(new_rest_client_connection(host))
    login = client.authenticate(LOGIN)
    instrument = client.get_instrument(GetInstrumentRequest(instrument_id=1))
    positions = client.get_account_positions(GetAccountPositionsRequest(account_id=9))
    book = client.get_l2_snapshot(GetL2SnapshotRequest(instrument_id=1, depth=5))
    level1 = client.get_level1(GetLevel1Request(instrument_id=1))
    sent = client.send_order(SendOrderRequest(instrument=instrument, account_id=9, time_in_force=TimeInForce.GTC,
                                              side=Side.BUY, order_type=OrderType.LIMIT,
                                              quantity=Decimal("0.01"), limit_price=Decimal("50000")))
    status = client.get_order_status(GetOrderStatusRequest(order_id=sent.order_id, account_id=9))
    client.cancel_all_orders(CancelAllOrdersRequest(account_id=9, instrument_id=1))
    still_open = client.get_open_orders(GetOpenOrdersRequest(account_id=9))
    return {
        "authenticated": login.authenticated, "symbol": instrument.symbol,
        "usd": [str(p.amount) for p in positions if p.product_symbol == "USD"],
        "book": len(book), "best_bid": str(level1.best_bid), "order": sent.order_id,
        "status": str(status.order_state), "open_instruments": sorted({o.instrument for o in still_open}),
    }


def reads(host: str) -> dict[str, Any]:
    """After a market buy: the history and market-data reads the SDK parses into its models.

    Not get_trades_history nor get_account_trades: notbank 2.5.0 parses GetTradesHistory into
    its ``TradeSummary`` model of the public ``/trades`` endpoint, and GetAccountTrades into a
    model that wants ``TradeTimeMs`` where APEX documents (and ccxt reads) ``TradeTimeMS``; the
    documented replies fill neither.
    """
    client = NotbankClient(new_rest_client_connection(host))
    client.authenticate(LOGIN)
    instrument = client.get_instrument(GetInstrumentRequest(instrument_id=1))
    sent = client.send_order(SendOrderRequest(instrument=instrument, account_id=9, time_in_force=TimeInForce.GTC,
                                              side=Side.BUY, order_type=OrderType.MARKET,
                                              quantity=Decimal("0.01")))
    states = client.get_order_history_by_order_id(GetOrderHistoryByOrderIdRequest(order_id=sent.order_id))
    history = client.get_orders_history(GetOrdersHistoryRequest(account_id=9))
    transactions = client.get_account_transactions(GetAccountTransactionsRequest(account_id=9))
    last = client.get_last_trades(GetLastTradesRequest(instrument_id=1, count=3))
    summary = client.get_level1_summary()
    candles = client.get_ticker_history(GetTickerHistoryRequest(
        instrument_id=1, interval=60, from_date="2020-01-01", to_date="2020-01-01 00:05:00"))
    return {
        "order": sent.order_id, "states": [str(s.order_state) for s in states],
        "history": len(history), "transactions": len(transactions),
        "last": [(t.order1, str(t.price)) for t in last][-1:], "summary": [s.instrument_id for s in summary],
        "candles": [(c.begin_date_time, c.end_date_time) for c in candles][:2],
    }


def websocket(host: str) -> dict[str, Any]:
    """The same SDK over wss://host/wsgateway/: AuthenticateUser on the socket, then calls."""
    connection = new_websocket_client_connection(host, request_timeout=15)
    client = NotbankClient(connection)
    connection.connect()
    try:
        login = client.authenticate(LOGIN)
        orders = client.get_open_orders(GetOpenOrdersRequest(account_id=9))
        return {"authenticated": login.authenticated, "open": sorted(o.order_id for o in orders)}
    finally:
        client.close()


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except Exception as error:  # what the SDK raises is what we document
        return type(error).__name__ + (f" {error.code.name}" if hasattr(error, "code") else "")
    return "returned"


def unknown(host: str) -> dict[str, Any]:
    """get_account_fees (GetAccountFees, a call the simulator does not serve) over HTTPS and WSS."""
    rest_client = NotbankClient(new_rest_client_connection(host))
    rest_client.authenticate(LOGIN)
    outcome = {"rest": _outcome(lambda: rest_client.get_account_fees(AccountFeesRequest(account_id=9)))}
    connection = new_websocket_client_connection(host, request_timeout=3)
    ws_client = NotbankClient(connection)
    connection.connect()
    try:
        ws_client.authenticate(LOGIN)
        outcome["websocket"] = _outcome(lambda: ws_client.get_account_fees(AccountFeesRequest(account_id=9)))
        outcome["still_served"] = len(ws_client.get_open_orders(GetOpenOrdersRequest(account_id=9)))
    finally:
        ws_client.close()
    return outcome


def streams(host: str) -> dict[str, Any]:
    """Market-data and account subscriptions on one WSS connection, then a market buy on another."""
    connection = new_websocket_client_connection(host, request_timeout=15)
    client = NotbankClient(connection)
    connection.connect()
    seen: dict[str, list[Any]] = {}
    done = threading.Event()

    def keep(name: str) -> Callable[[Any], None]:
        def handler(value: Any) -> None:
            seen.setdefault(name, []).append(value)
            wanted = ("trades_update", "level2_update", "position", "level1_update", "ticker_update")
            executed = any("FullyExecuted" in str(order.order_state) for order in seen.get("order_state", []))
            if executed and all(name in seen for name in wanted):
                done.set()
        return handler

    try:
        client.authenticate(LOGIN)
        client.subscribe_level_1(SubscribeLevel1Request(instrument_id=1), keep("level1"), keep("level1_update"))
        client.subscribe_level_2(SubscribeLevel2Request(depth=5, instrument_id=1), keep("level2"),
                                 keep("level2_update"))
        client.subscribe_trades(SubscribeTradesRequest(instrument_id=1, include_last_count=2), keep("trades"),
                                keep("trades_update"))
        client.subscribe_ticker(SubscribeTickerRequest(instrument_id=1, interval=60, include_last_count=2),
                                keep("ticker"), keep("ticker_update"))
        client.subscribe_order_state_events(SubscribeOrderStateEventsRequest(account_id=9), keep("order_state"))
        client.subscribe_account_events(SubscribeAccountEventsRequest(account_id=9),
                                        account_position_handler=keep("position"))
        trader = NotbankClient(new_rest_client_connection(host))
        trader.authenticate(LOGIN)
        instrument = trader.get_instrument(GetInstrumentRequest(instrument_id=1))
        sent = trader.send_order(SendOrderRequest(instrument=instrument, account_id=9,
                                                  time_in_force=TimeInForce.GTC, side=Side.BUY,
                                                  order_type=OrderType.MARKET, quantity=Decimal("0.01")))
        done.wait(15)
    finally:
        client.close()
    return {
        "order": sent.order_id, "kinds": sorted(seen),
        "level1_bid": str(seen["level1"][0].best_bid), "level2_snapshot": len(seen["level2"][0]),
        "trade_update": [(t.order1, str(t.quantity)) for t in seen["trades_update"][0]],
        "order_states": [str(o.order_state) for o in seen["order_state"] if o.order_id == sent.order_id],
        "positions": sorted({p.product_symbol for p in seen["position"]}),
        "ticker_update_instrument": seen["ticker_update"][0][0].instrument_id,
    }


SCENARIOS: dict[str, Callable[[str], dict[str, Any]]] = {
    "streams": streams,
    "rest": rest, "reads": reads, "websocket": websocket, "unknown": unknown,
}

if __name__ == "__main__":
    print(json.dumps(SCENARIOS[sys.argv[2]](sys.argv[1]), default=str))
