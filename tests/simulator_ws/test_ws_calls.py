"""Every call family over WebSocket gives the HTTP gateway's reply; frames, sequence numbers, faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.sessions import sign

from .conftest import Connect, error_of

READS: list[tuple[str, str, dict[str, Any]]] = [
    ("trader", "GetProducts", {"OMSId": 1}),
    ("trader", "GetInstruments", {"OMSId": 1}),
    ("trader", "GetInstrument", {"OMSId": 1, "InstrumentId": 1}),
    ("trader", "GetUserInfo", {"OMSId": 1}),
    ("trader", "GetUserAccounts", {"OMSId": 1}),
    ("trader", "GetUserAccountInfos", {"OMSId": 1}),
    ("trader", "GetAccountInfo", {"OMSId": 1, "AccountId": 10}),
    ("trader", "GetUserPermissions", {"UserId": 2}),
    ("trader", "GetAccountPositions", {"OMSId": 1, "AccountId": 9}),
    ("ops", "GetAllAccountPositions", {"OMSId": 1, "StartIndex": 3, "Limit": 2}),
    ("viewer", "GetOpenOrders", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1}),
    ("trader", "GetOrderStatus", {"OMSId": 1, "AccountId": 9, "OrderId": 1001}),
    ("trader", "GetOrdersHistory", {"OMSId": 1, "AccountId": 10, "Depth": 3}),
    # refusals: the same standard error objects as over HTTP
    ("trader", "GetOpenOrders", {"OMSId": 1, "AccountId": 11}),
    ("viewer", "GetOrderStatus", {"OMSId": 1, "AccountId": 9, "OrderId": 1001}),
    ("trader", "GetOrderStatus", {"OMSId": 1, "AccountId": 9, "OrderId": 999999}),
    ("trader", "GetOpenOrders", {"OMSId": 1, "AccountId": "nine"}),
    ("trader", "GetOpenOrders", {"OMSId": 2, "AccountId": 9}),
    ("ops", "GetAllAccountPositions", {"OMSId": 1, "Limit": 0}),
]


@pytest.mark.parametrize(("user", "name", "payload"), READS, ids=[f"{r[1]}-{i}" for i, r in enumerate(READS)])
def test_reads_and_refusals_match_http(ws_connect: Connect, http: Callable[[str], httpx.Client],
                                       user: str, name: str, payload: dict[str, Any]) -> None:
    over_http = http(user).post(f"/AP/{name}", json=payload).json()
    assert ws_connect(user).call(name, payload) == over_http


def test_writes_behave_as_over_http(ws_connect: Connect, sim: FakeOMS) -> None:
    client = ws_connect("trader")
    sent = client.call("SendOrder", {"OMSId": 1, "AccountId": 10, "InstrumentId": 1, "Side": 0, "OrderType": 2,
                                     "Quantity": 0.5, "LimitPrice": 100.0, "TimeInForce": 1})
    assert sent["status"] == "Accepted" and sim.order(sent["OrderId"])["OrderState"] == "Working"
    ok = {"result": True, "errormsg": None, "errorcode": 0, "detail": None}
    assert client.call("CancelOrder", {"OMSId": 1, "AccountId": 10, "OrderId": sent["OrderId"]}) == ok
    assert sim.order(sent["OrderId"])["OrderState"] == "Canceled"
    error_of(client.call("CancelOrder", {"OMSId": 1, "OrderId": sent["OrderId"]}), 101)
    assert client.call("CancelAllOrders", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1}) == ok
    assert not sim.open_order_ids(account_id=9, instrument_id=1) and sim.open_order_ids(account_id=9)
    error_of(client.call("CancelAllOrders", {"OMSId": 1}), 20)  # all accounts: Operator only
    error_of(client.call("CancelAllOrders", {"OMSId": 1, "AccountId": 11}), 20)
    error_of(client.call("CancelAllOrders", {"OMSId": 1, "AccountId": 10, "InstrumentId": 999}), 100)
    assert sim.open_order_ids(account_id=10)


@pytest.mark.parametrize("style", ["npm", "ccxt"])
def test_sequence_numbers_as_clients_send_them(ws_connect: Connect, style: str) -> None:
    client = ws_connect(seq=style)
    sent = [client.send("Ping") for _ in range(4)]
    assert sent == ([0, 2, 4, 6] if style == "npm" else [1, 2, 3, 4])
    assert [client.reply(seq)["i"] for seq in sent] == sent


def test_any_sequence_number_is_echoed_with_the_name_as_sent(ws_connect: Connect) -> None:
    client = ws_connect()
    for seq in (7, 7, 0, -3, 2**63 - 1, 1):
        frame = client.reply(client.send("ping", i=seq))
        assert frame == {"m": 1, "i": seq, "n": "ping", "o": json.dumps({"msg": "PONG"}, separators=(",", ":"))}


def test_the_npm_library_frames_verbatim(ws_connect: Connect, sim: FakeOMS) -> None:
    """Byte-exact frames recorded from alphapoint-apex-api 3.2.19 (apex-api.md §7)."""
    client = ws_connect()
    quartet = {"APIKey": "trader-key", "Signature": "", "UserId": "2", "Nonce": "1"}
    quartet["Signature"] = sign("trader-secret", "1", "2", "trader-key")
    login = client.raw(json.dumps({"m": 0, "i": 0, "n": "AuthenticateUser", "o": json.dumps(quartet)}))
    assert login["m"] == 1 and json.loads(login["o"])["Authenticated"] is True
    npm_frame = '{"m":0,"i":4,"n":"CancelAllOrders","o":"{\\"OMSId\\":1,\\"AccountId\\":9,\\"InstrumentId\\":1}"}'
    reply = client.raw(npm_frame)
    assert reply == {"m": 1, "i": 4, "n": "CancelAllOrders",
                     "o": '{"result":true,"errormsg":null,"errorcode":0,"detail":null}'}
    refused = client.raw('{"m":0,"i":6,"n":"CancelAllOrders","o":"{\\"OMSId\\":1}"}')
    assert refused["m"] == 1 and json.loads(refused["o"])["errorcode"] == 20


def test_subscribe_and_unsubscribe_accept_m0_m2_and_m4(ws_connect: Connect) -> None:
    client = ws_connect("trader")
    account = {"OMSId": 1, "AccountId": 9}
    assert client.call("SubscribeAccountEvents", account, m=0) == {"Subscribed": True}
    assert client.call("SubscribeOrderStateEvents", account, m=2) == {"Subscribed": True}
    assert client.call("UnSubscribeAccountEvents", account, m=4) == {"UnSubscribed": True}
    assert client.call("UnsubscribeOrderStateEvents", account, m=0) == {"UnSubscribed": True}


def test_injected_faults_over_websocket(ws_connect: Connect, sim: FakeOMS) -> None:
    client = ws_connect("trader")
    sim.faults.fail_next("GetOpenOrders", 102)
    error_of(client.call("GetOpenOrders", {"OMSId": 1, "AccountId": 9}), 102)
    sim.faults.http_status_next("Ping", 503)
    frame = client.reply(client.send("Ping"))
    assert frame["m"] == 5 and "503" in json.loads(frame["o"])["detail"]
    sim.faults.malformed_next("Ping")
    client.send("Ping")
    garbled = client.ws.recv(timeout=10)
    with pytest.raises(ValueError):
        json.loads(garbled)
    sim.faults.rate_limit(1, 60.0)
    assert client.call("Ping") == {"msg": "PONG"}
    limited = client.reply(client.send("Ping"))
    assert limited["m"] == 5 and json.loads(limited["o"])["errormsg"] == "TOO MANY REQUESTS"
    sim.faults.clear()


def test_a_hung_reply_does_not_hold_back_later_calls(ws_connect: Connect, sim: FakeOMS) -> None:
    client = ws_connect("trader")
    sim.faults.hang_next("GetOpenOrders", 0.5)
    slow = client.send("GetOpenOrders", {"OMSId": 1, "AccountId": 9})
    fast = client.send("Ping")
    assert client.frame()["i"] == fast  # order of arrival, not time
    assert client.frame()["i"] == slow
