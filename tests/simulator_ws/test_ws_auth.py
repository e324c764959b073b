"""Per-connection authentication over /WSGateway/: AuthenticateUser (password and HMAC),
WebAuthenticateUser (password, authCode, SessionToken re-attach), Authenticate2FA, LogOut, Ping."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.sessions import sign

from .conftest import Connect, error_of

ORDERS_9 = {"OMSId": 1, "AccountId": 9}


def test_path_is_case_insensitive_and_ping_needs_no_login(ws_connect: Connect) -> None:
    for path in ("/WSGateway/", "/wsgateway", "/WSGATEWAY/"):
        assert ws_connect(path=path).call("Ping") == {"msg": "PONG"}


def test_calls_before_login_are_refused_with_errorcode_20(ws_connect: Connect) -> None:
    client = ws_connect()
    reply = client.call("GetOpenOrders", ORDERS_9)
    error_of(reply, 20)
    assert "AuthenticateUser" in reply["detail"]
    assert client.call("GetInstruments", {"OMSId": 1})[0]["Symbol"] == "BTCUSD"  # public


def test_authenticate_user_with_password(ws_connect: Connect) -> None:
    client = ws_connect()
    reply = client.call("AuthenticateUser", {"UserName": "trader", "Password": "demo"})
    assert reply["Authenticated"] is True and reply["User"]["AccountId"] == 9 and reply["SessionToken"]
    assert isinstance(client.call("GetOpenOrders", ORDERS_9), list)


@pytest.mark.parametrize("user_id", ["2", 2])
def test_authenticate_user_with_hmac_string_or_int_user_id(ws_connect: Connect, user_id: object) -> None:
    client = ws_connect()
    nonce = "2247733562"
    signature = sign("trader-secret", nonce, "2", "trader-key")
    reply = client.call("AuthenticateUser", {"APIKey": "trader-key", "Signature": signature,
                                             "UserId": user_id, "Nonce": nonce})
    assert reply["Authenticated"] is True and reply["User"]["UserId"] == 2
    assert isinstance(client.call("GetOpenOrders", ORDERS_9), list)


def test_failed_logins_reply_authenticated_false_and_leave_the_connection_anonymous(ws_connect: Connect) -> None:
    client = ws_connect()
    for payload in ({"UserName": "trader", "Password": "wrong"},
                    {"APIKey": "trader-key", "Signature": "00" * 32, "UserId": "2", "Nonce": "1"},
                    {"APIKey": "trader-key"}, {}):
        reply = client.call("AuthenticateUser", payload)
        assert reply["Authenticated"] is False and reply["errormsg"], reply
    assert client.call("WebAuthenticateUser", {"SessionToken": "nope"})["Authenticated"] is False
    error_of(client.call("GetOpenOrders", ORDERS_9), 20)


def test_web_authenticate_user_with_password(ws_connect: Connect) -> None:
    client = ws_connect()
    reply = client.call("WebAuthenticateUser", {"UserName": "ops", "Password": "demo"})
    assert reply["Authenticated"] is True and reply["UserId"] == 1 and reply["SessionToken"]
    assert client.call("GetUserInfo", {"OMSId": 1})["UserName"] == "ops"


def test_web_authenticate_user_reattaches_an_http_session(ws_connect: Connect,
                                                           http: Callable[[str], httpx.Client]) -> None:
    token = http("trader2").headers["aptoken"]
    client = ws_connect()
    reply = client.call("WebAuthenticateUser", {"SessionToken": token})
    assert reply == {"Authenticated": True, "SessionToken": token, "UserId": 3}
    assert client.call("GetUserAccounts", {"OMSId": 1}) == [9, 11]


def test_two_factor_by_authenticate_2fa_on_the_same_connection(ws_connect: Connect) -> None:
    client = ws_connect()
    first = client.call("AuthenticateUser", {"UserName": "secure", "Password": "demo"})
    assert first["Requires2FA"] is True and first["TwoFAToken"] and first["SessionToken"] is None
    error_of(client.call("GetOpenOrders", {"OMSId": 1, "AccountId": 12}), 20)
    assert client.call("Authenticate2FA", {"Code": "000000"})["Authenticated"] is False
    done = client.call("Authenticate2FA", {"Code": "123456"})
    assert done["Authenticated"] is True and done["UserId"] == 5
    assert isinstance(client.call("GetOpenOrders", {"OMSId": 1, "AccountId": 12}), list)


def test_web_authenticate_user_two_factor_with_and_without_auth_code(ws_connect: Connect) -> None:
    pending = ws_connect().call("WebAuthenticateUser", {"username": "secure", "password": "demo"})
    assert pending["Requires2FA"] is True and pending["TwoFAToken"]
    client = ws_connect()
    wrong = client.call("WebAuthenticateUser", {"username": "secure", "password": "demo", "authCode": "1"})
    assert wrong["Authenticated"] is False
    reply = client.call("WebAuthenticateUser", {"username": "secure", "password": "demo", "authCode": "123456"})
    assert reply["Authenticated"] is True and reply["SessionToken"] and reply["UserId"] == 5


def test_authentication_is_per_connection(ws_connect: Connect) -> None:
    trader = ws_connect("trader")
    other = ws_connect()
    assert isinstance(trader.call("GetOpenOrders", ORDERS_9), list)
    error_of(other.call("GetOpenOrders", ORDERS_9), 20)


def test_log_out_ends_the_session_everywhere(ws_connect: Connect, sim: FakeOMS) -> None:
    client = ws_connect()
    token = client.login("trader")["SessionToken"]
    assert client.call("LogOut") == {"result": True, "errormsg": None, "errorcode": 0, "detail": None}
    error_of(client.call("GetOpenOrders", ORDERS_9), 20)
    assert ws_connect().call("WebAuthenticateUser", {"SessionToken": token})["Authenticated"] is False
    client.login("viewer")  # the connection can log in again
    assert isinstance(client.call("GetOpenOrders", ORDERS_9), list)


def test_calls_are_recorded_with_secrets_masked(ws_connect: Connect, sim: FakeOMS) -> None:
    sim.requests.clear()
    client = ws_connect("trader")
    client.call("GetOpenOrders", ORDERS_9)
    login, orders = sim.requests
    assert login.name == "AuthenticateUser" and login.payload["Password"] == "***"
    assert orders.name == "GetOpenOrders" and orders.user == "trader" and orders.payload == ORDERS_9
