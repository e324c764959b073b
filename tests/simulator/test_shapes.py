"""Every call's reply shape: key names and order, PascalCase, as apex-api.md documents them."""

from __future__ import annotations

import httpx

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.orders import ORDER_FIELDS

from .conftest import Login, call

STANDARD = ["result", "errormsg", "errorcode", "detail"]
ORDER_KEYS = [
    "Side",
    "OrderId",
    "Price",
    "Quantity",
    "DisplayQuantity",
    "Instrument",
    "Account",
    "AccountName",
    "OrderType",
    "ClientOrderId",
    "OrderState",
    "ReceiveTime",
    "ReceiveTimeTicks",
    "LastUpdatedTime",
    "LastUpdatedTimeTicks",
    "OrigQuantity",
    "QuantityExecuted",
    "GrossValueExecuted",
    "ExecutableValue",
    "AvgPrice",
    "CounterPartyId",
    "ChangeReason",
    "OrigOrderId",
    "OrigClOrdId",
    "EnteredBy",
    "UserName",
    "IsQuote",
    "InsideAsk",
    "InsideAskSize",
    "InsideBid",
    "InsideBidSize",
    "LastTradePrice",
    "RejectReason",
    "IsLockedIn",
    "CancelReason",
    "OrderFlag",
    "UseMargin",
    "StopPrice",
    "PegPriceType",
    "PegOffset",
    "PegLimitOffset",
    "IpAddress",
    "IPv6a",
    "IPv6b",
    "ClientOrderIdUuid",
    "OMSId",
]
SESSION_KEYS = [
    "Authenticated",
    "SessionToken",
    "UserId",
    "User",
    "Locked",
    "Requires2FA",
    "EnforceEnable2FA",
    "TwoFAType",
    "TwoFAToken",
    "errormsg",
]
USER_KEYS = ["UserId", "UserName", "Email", "EmailVerified", "AccountId", "OMSId", "Use2FA"]
ACCOUNT_KEYS = [
    "OMSID",
    "AccountId",
    "AccountName",
    "AccountHandle",
    "FirmId",
    "FirmName",
    "AccountType",
    "FeeGroupID",
    "ParentID",
    "RiskType",
    "VerificationLevel",
    "FeeProductType",
    "FeeProduct",
    "RefererId",
    "LoyaltyProductId",
    "LoyaltyEnabled",
    "MarginEnabled",
    "LiabilityAccountId",
    "LendingAccountId",
    "ProfitLossAccountId",
    "VerificationLevelName",
    "CreditTier",
    "PriceTier",
    "Frozen",
]
POSITION_KEYS = [
    "OMSId",
    "AccountId",
    "ProductSymbol",
    "ProductId",
    "Amount",
    "Hold",
    "PendingDeposits",
    "PendingWithdraws",
    "TotalDayDeposits",
    "TotalMonthDeposits",
    "TotalYearDeposits",
    "TotalDayDepositNotional",
    "TotalMonthDepositNotional",
    "TotalYearDepositNotional",
    "TotalDayWithdraws",
    "TotalMonthWithdraws",
    "TotalYearWithdraws",
    "TotalDayWithdrawNotional",
    "TotalMonthWithdrawNotional",
    "TotalYearWithdrawNotional",
    "NotionalProductId",
    "NotionalProductSymbol",
    "NotionalValue",
    "NotionalHoldAmount",
    "NotionalRate",
    "TotalDayTransferNotional",
]


def test_order_object_has_the_46_documented_fields_in_order(login: Login) -> None:
    assert list(ORDER_FIELDS) == ORDER_KEYS and len(ORDER_KEYS) == 46
    orders = call(login("trader"), "GetOpenOrders", OMSId=1, AccountId=9)
    assert isinstance(orders, list) and orders
    for order in orders:
        assert list(order) == ORDER_KEYS
        assert order["OrderState"] == "Working" and order["Account"] == 9
        assert order["AccountName"] == "Alpha Desk" and order["OMSId"] == 1
        assert order["OrderType"] in ("Limit", "StopMarket", "StopLimit")
        assert order["ReceiveTimeTicks"] == order["ReceiveTime"] * 10_000 + 621_355_968_000_000_000
        assert order["Quantity"] > 0 and order["OrigQuantity"] >= order["Quantity"]


def test_authentication_replies(anon: httpx.Client) -> None:
    body = anon.get("/AP/Authenticate", auth=("trader", "demo")).json()
    assert list(body) == SESSION_KEYS and list(body["User"]) == USER_KEYS
    assert body["User"]["AccountId"] == 9 and body["UserId"] == 2
    body = anon.post("/AP/AuthenticateUser", json={"UserName": "viewer", "Password": "demo"}).json()
    assert list(body) == SESSION_KEYS and body["User"]["UserName"] == "viewer"
    pending = anon.get("/AP/Authenticate", auth=("secure", "demo")).json()
    assert list(pending) == ["Authenticated", "Requires2FA", "AuthType", "AddtlInfo", "Pending2FaToken"]
    done = anon.post(
        "/AP/Authenticate2FA",
        json={"Code": "123456"},
        headers={"Pending2FaToken": pending["Pending2FaToken"]},
    ).json()
    assert list(done) == ["Authenticated", "UserId", "SessionToken"] and done["UserId"] == 5
    assert anon.post("/AP/Ping", json={}).json() == {"msg": "PONG"}
    out = anon.post("/AP/LogOut", json={}, headers={"aptoken": body["SessionToken"]}).json()
    assert out == {"result": True, "errormsg": None, "errorcode": 0, "detail": None}


def test_user_and_account_replies(login: Login) -> None:
    trader = login("trader")
    info = call(trader, "GetUserInfo")
    assert isinstance(info, dict)
    assert list(info)[:5] == ["UserId", "UserName", "Email", "PasswordHash", "PendingEmailCode"]
    assert info["UserId"] == 2 and info["PasswordHash"] == "" and info["AccountId"] == 9
    assert call(trader, "GetUserAccounts", OMSId=1) == [9, 10]
    infos = call(trader, "GetUserAccountInfos", OMSId=1)
    assert isinstance(infos, list) and [list(row) for row in infos] == [ACCOUNT_KEYS, ACCOUNT_KEYS]
    assert [row["AccountId"] for row in infos] == [9, 10]
    account = call(trader, "GetAccountInfo", OMSId=1, AccountId=10)
    assert (
        isinstance(account, dict) and list(account) == ACCOUNT_KEYS and account["AccountName"] == "Beta Desk"
    )
    assert call(trader, "GetUserPermissions", UserId=2) == ["Trading"]


def test_positions_replies(login: Login, sim: FakeOMS) -> None:
    rows = call(login("viewer"), "GetAccountPositions", OMSId=1, AccountId=9)
    assert isinstance(rows, list) and len(rows) == len(sim.catalog.products)
    assert all(list(row) == POSITION_KEYS for row in rows)
    assert any(row["Hold"] > 0 for row in rows)
    assert all(row["Amount"] >= row["Hold"] for row in rows)


def test_product_and_instrument_replies(anon: httpx.Client) -> None:
    products = call(anon, "GetProducts", OMSId=1)
    assert isinstance(products, list) and len(products) >= 6
    assert list(products[0])[:6] == [
        "OMSId",
        "ProductId",
        "Product",
        "ProductFullName",
        "MasterDataUniqueProductSymbol",
        "ProductType",
    ]
    instruments = call(anon, "GetInstruments", OMSId=1)
    assert isinstance(instruments, list) and len(instruments) >= 6
    assert len({row["Product2Symbol"] for row in instruments}) >= 3
    first = call(anon, "GetInstrument", OMSId=1, InstrumentId=1)
    assert isinstance(first, dict) and first == instruments[0]
    assert list(first)[:8] == [
        "OMSId",
        "InstrumentId",
        "Symbol",
        "Product1",
        "Product1Symbol",
        "Product2",
        "Product2Symbol",
        "InstrumentType",
    ]
    assert first["Symbol"] == "BTCUSD" and first["SessionStatus"] == "Running"


def test_write_call_replies(login: Login, sim: FakeOMS) -> None:
    trader = login("trader")
    sent = call(
        trader,
        "SendOrder",
        OMSId=1,
        AccountId=9,
        InstrumentId=1,
        Side=0,
        OrderType=2,
        Quantity=0.5,
        LimitPrice=50_000,
        TimeInForce=1,
    )
    assert isinstance(sent, dict) and list(sent) == ["status", "errormsg", "OrderId"]
    assert sent["status"] == "Accepted"
    assert list(call(trader, "GetOrderStatus", OMSId=1, AccountId=9, OrderId=sent["OrderId"])) == ORDER_KEYS
    cancel = call(trader, "CancelOrder", OMSId=1, AccountId=9, OrderId=sent["OrderId"])
    assert isinstance(cancel, dict) and list(cancel) == STANDARD and cancel["result"] is True
    ack = call(trader, "CancelAllOrders", OMSId=1, AccountId=9, InstrumentId=1)
    assert ack == {"result": True, "errormsg": None, "errorcode": 0, "detail": None}
    history = call(trader, "GetOrdersHistory", OMSId=1, AccountId=9)
    assert isinstance(history, list) and all(list(order) == ORDER_KEYS for order in history)
