"""Drive ccxt's ``ndax`` exchange, unchanged but for its URL, against a running simulator.

Run by ``test_ccxt_ndax.py`` with the interpreter of ``.venvs/real-clients`` (see
``scripts/real_clients/install.py``): ``python ccxt_driver.py <base url> <scenario>``. Prints one
JSON object: what ccxt returned (reduced to what the tests check). Imports nothing from
apex_notebook; the simulator is only reached over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

import ccxt  # type: ignore[import-not-found]

SYMBOL = "BTC/USD"


def exchange(url: str, user: str = "trader", uid: str = "2") -> Any:
    """An ndax exchange with the demo user's credentials (default ``trader``, UserId 2), pointed at ``url``."""
    ex = ccxt.ndax({"apiKey": f"{user}-key", "secret": f"{user}-secret", "uid": uid, "login": user,
                    "password": "demo", "timeout": 20_000, "enableRateLimit": False})
    ex.urls["api"] = {"public": f"{url}/AP", "private": f"{url}/AP"}
    return ex


def public(url: str) -> dict[str, Any]:
    """Reference and market data, no credentials used."""
    ex = exchange(url)
    markets = ex.load_markets()
    ticker = ex.fetch_ticker(SYMBOL)
    book = ex.fetch_order_book(SYMBOL, 5)
    tickers = ex.fetch_tickers()
    candles = ex.fetch_ohlcv(SYMBOL, "1m", limit=5)
    return {
        "symbols": sorted(markets), "currencies": sorted(ex.currencies),
        "btc_market": {key: markets[SYMBOL][key] for key in ("id", "base", "quote", "active")},
        "ticker": {key: ticker[key] for key in ("bid", "ask", "last", "baseVolume")},
        "book": {"bids": book["bids"], "asks": book["asks"]},
        "tickers": sorted(tickers), "candles": candles, "status": ex.fetch_status()["status"],
    }


def trading(url: str) -> dict[str, Any]:
    """Balance, order entry and management, executions and ledger, error mapping."""
    ex = exchange(url)
    ex.load_markets()
    result: dict[str, Any] = {"accounts": [a["id"] for a in ex.fetch_accounts()]}
    result["balance_before"] = ex.fetch_balance()["USD"]
    limit = ex.create_order(SYMBOL, "limit", "buy", 0.01, 50_000)
    result["limit"] = {"id": limit["id"], "status": ex.fetch_order(limit["id"], SYMBOL)["status"]}
    result["open_ids"] = [order["id"] for order in ex.fetch_open_orders(SYMBOL)]
    result["balance_with_order"] = ex.fetch_balance()["USD"]
    edited = ex.edit_order(limit["id"], SYMBOL, "limit", "buy", 0.02, 50_500)
    result["edited"] = {"id": edited["id"], "old_status": ex.fetch_order(limit["id"], SYMBOL)["status"]}
    ex.cancel_order(edited["id"], SYMBOL)
    result["edited_status"] = ex.fetch_order(edited["id"], SYMBOL)["status"]
    market = ex.create_order(SYMBOL, "market", "buy", 0.01)
    filled = ex.fetch_order(market["id"], SYMBOL)
    result["market"] = {"id": market["id"], "status": filled["status"], "filled": filled["filled"],
                        "average": filled["average"]}
    result["my_trades"] = [(t["order"], t["side"], t["amount"], t["price"], t["takerOrMaker"])
                           for t in ex.fetch_my_trades(SYMBOL)]
    result["order_trades"] = [(t["order"], t["amount"]) for t in ex.fetch_order_trades(market["id"], SYMBOL)]
    result["orders"] = [(o["id"], o["status"]) for o in ex.fetch_orders(SYMBOL)]
    result["ledger"] = [(entry["currency"], entry["direction"], entry["amount"]) for entry in ex.fetch_ledger()]
    result["deposits"], result["withdrawals"] = ex.fetch_deposits(), ex.fetch_withdrawals()
    try:
        ex.create_order(SYMBOL, "limit", "buy", 1_000_000, 60_000)
        result["insufficient"] = "no error"
    except ccxt.InsufficientFunds as error:
        result["insufficient"] = type(error).__name__
    return result


def cancel_all(url: str) -> dict[str, Any]:
    """cancel_all_orders with a symbol: ccxt sends the documented typo ``IntrumentId`` as a string."""
    ex = exchange(url)
    ex.load_markets()
    ex.create_order(SYMBOL, "limit", "buy", 0.01, 50_000)
    ex.create_order("ETH/USD", "limit", "buy", 0.1, 2_000)
    ex.cancel_all_orders(SYMBOL)
    return {"open": sorted((o["symbol"], o["status"]) for o in ex.fetch_open_orders())}


def account_zero(url: str) -> dict[str, Any]:
    """``cancel_all_orders(params={"accountId": 0})`` — the all-accounts hazard — as trader, then as ops."""
    outcome: dict[str, Any] = {}
    for user, uid in (("trader", "2"), ("ops", "1")):
        ex = exchange(url, user, uid)
        ex.load_markets()
        try:
            outcome[user] = str(ex.cancel_all_orders(params={"accountId": 0})[0]["info"])
        except ccxt.BaseError as error:
            outcome[user] = type(error).__name__
    return outcome


def unknown(url: str) -> dict[str, Any]:
    """fetch_deposit_address calls GetDepositInfo, which the simulator does not serve."""
    ex = exchange(url)
    ex.load_markets()
    try:
        ex.fetch_deposit_address("BTC", params={"accountId": 9})
    except ccxt.BaseError as error:
        return {"error": type(error).__name__}
    return {"error": None}


def session(url: str) -> dict[str, Any]:
    """sign_in (Basic login -> SessionToken), then private calls carry only the APToken header."""
    ex = exchange(url)
    ex.load_markets()
    ex.sign_in()
    token = ex.options.get("sessionToken")
    orders = ex.fetch_open_orders(SYMBOL)
    return {"token": bool(token), "open": len(orders)}


def bad_login(url: str) -> dict[str, Any]:
    """A wrong API secret: the simulator answers 401 + errorcode 20; what does ccxt raise?"""
    ex = exchange(url)
    ex.secret = "wrong"
    ex.load_markets()
    try:
        ex.fetch_open_orders(SYMBOL, params={"accountId": 9})
    except ccxt.BaseError as error:
        return {"error": type(error).__name__}
    return {"error": None}


async def _pro(url: str) -> dict[str, Any]:
    import ccxt.pro  # type: ignore[import-not-found]

    ex = ccxt.pro.ndax({"apiKey": "trader-key", "secret": "trader-secret", "uid": "2", "login": "trader",
                        "password": "demo", "timeout": 20_000, "enableRateLimit": False})
    ex.urls["api"] = {"public": f"{url}/AP", "private": f"{url}/AP",
                      "ws": url.replace("http", "ws", 1) + "/WSGateway/"}
    try:
        await ex.load_markets()
        book = await ex.watch_order_book(SYMBOL)
        result: dict[str, Any] = {"book": [list(book["bids"][0]), list(book["asks"][0])]}  # books mutate
        ticker = await ex.watch_ticker(SYMBOL)
        result["ticker"] = [ticker["bid"], ticker["ask"]]
        result["first_trades"] = len(await ex.watch_trades(SYMBOL))
        next_trades = asyncio.ensure_future(ex.watch_trades(SYMBOL))
        next_book = asyncio.ensure_future(ex.watch_order_book(SYMBOL))
        await asyncio.sleep(0.2)
        order = await ex.create_order(SYMBOL, "market", "buy", 0.01)
        trades = await asyncio.wait_for(next_trades, 15)
        result["order"] = order["id"]
        result["new_trade"] = [(t["order"], t["side"], t["amount"], t["price"]) for t in trades][-1]
        updated = await asyncio.wait_for(next_book, 15)
        result["book_after"] = [list(updated["bids"][0]), list(updated["asks"][0])]
        return result
    finally:
        await ex.close()


def pro(url: str) -> dict[str, Any]:
    """ccxt.pro over the WebSocket gateway: watch_order_book, watch_ticker, watch_trades."""
    return asyncio.run(_pro(url))


SCENARIOS: dict[str, Callable[[str], dict[str, Any]]] = {
    "public": public, "trading": trading, "cancel_all": cancel_all, "session": session, "bad_login": bad_login,
    "pro": pro, "account_zero": account_zero, "unknown": unknown,
}

if __name__ == "__main__":
    base_url, scenario = sys.argv[1], sys.argv[2]
    print(json.dumps(SCENARIOS[scenario](base_url), default=str))
