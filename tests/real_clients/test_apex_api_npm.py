"""npm ``alphapoint-apex-api`` 3.2.19 (WebSocket), unchanged, against ``sim.serve()``.

It numbers requests 0, 2, 4, ... and settles an ``RPCPromise`` only on an ``m:1`` reply (see
``test_unknown_calls.py`` for what that means for calls the OMS does not serve).
"""

from __future__ import annotations

from apex_notebook.simulator import FakeOMS

from .conftest import Drive


def test_login_read_and_cancel(apex_api_npm: Drive, sim: FakeOMS) -> None:
    targets = sim.open_order_ids(account_id=9, instrument_id=1)
    before = sim.open_order_ids(account_id=9)
    result = apex_api_npm("trading")
    assert result["login"] == {"m": 1, "i": 0, "authenticated": True, "account": 9}
    assert set(result["open"]) == before
    assert result["cancel"] == {"result": True, "errormsg": None, "errorcode": 0, "detail": None}
    assert set(result["after"]) == before - targets == sim.open_order_ids(account_id=9)
    assert [call.name for call in sim.requests] == ["AuthenticateUser", "GetOpenOrders", "CancelAllOrders",
                                                    "GetOpenOrders"]




def test_subscriptions_and_their_events(apex_api_npm: Drive, sim: FakeOMS) -> None:
    """authenticateUser, subscribeLevel1/2, subscribeTrades (the library's helpers), then a market buy:
    every stream the library listens to gets its event."""
    result = apex_api_npm("streams")
    assert result["accountId"] == 9  # the helper read User.AccountId from the AuthenticateUser reply
    assert result["level1"] == [True, True] and result["level2"] == 10 and result["trades"] == 2
    assert result["events"] == ["AccountPositionEvent", "Level1UpdateEvent", "Level2UpdateEvent",
                                "OrderStateEvent", "OrderTradeEvent", "TradeDataUpdateEvent"]
    assert sim.order(result["order"])["OrderState"] == "FullyExecuted"


def test_order_helpers(apex_api_npm: Drive, sim: FakeOMS) -> None:
    """sendOrder, getOpenOrders, getAccountPositions, getAccountTrades, cancelOrder, getOrderHistory,
    cancelAllOrders: the library's helpers, account 9 taken from its login."""
    eth_before = sim.open_order_ids(account_id=9, instrument_id=2)
    result = apex_api_npm("orders")
    limit, market = result["limit"], result["market"]
    assert limit in result["open"] and result["usdHold"] >= 500  # 0.01 x 50,000 held
    assert result["trades"][0] == [market, 0.01]
    assert result["cancel"] is True and sim.order(limit)["OrderState"] == "Canceled"
    assert sorted(result["history"]) == [[limit, "Canceled"], [market, "FullyExecuted"]]  # the two newest changes
    assert result["cancelAll"] is True and eth_before and not sim.open_order_ids(account_id=9, instrument_id=2)
