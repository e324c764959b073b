"""The unknown_call and web_auth_user_id switches, over HTTP and WebSocket."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, SimConfig

from .conftest import Connect, error_of


def test_unknown_call_default_is_106_in_m5_and_http_200(ws_connect: Connect, sim: FakeOMS,
                                                         http: Callable[[str], httpx.Client]) -> None:
    assert SimConfig().unknown_call == "error106"
    client = ws_connect("ops")
    frame = client.reply(client.send("GetEverything", {"OMSId": 1}))
    assert (frame["m"], frame["n"]) == (5, "GetEverything")
    error_of(json.loads(frame["o"]), 106)
    reply = http("ops").post("/AP/GetEverything", json={"OMSId": 1})
    assert reply.status_code == 200 and reply.json()["errorcode"] == 106


def test_unknown_call_m1(ws_connect: Connect, sim: FakeOMS, http: Callable[[str], httpx.Client]) -> None:
    sim.config.unknown_call = "m1"
    client = ws_connect("ops")
    frame = client.reply(client.send("GetEverything", {"OMSId": 1}))
    assert (frame["m"], frame["n"]) == (1, "GetEverything")  # npm 3.2.19 settles only on m:1
    error_of(json.loads(frame["o"]), 106)
    bad = client.raw('{"m":0,"i":8,"n":"Ping"}')  # broken frames are still m:5
    assert bad["m"] == 5
    assert http("ops").post("/AP/GetEverything", json={}).json()["errorcode"] == 106


def test_unknown_call_http404(ws_connect: Connect, sim: FakeOMS, http: Callable[[str], httpx.Client]) -> None:
    sim.config.unknown_call = "http404"
    reply = http("ops").post("/AP/GetEverything", json={"OMSId": 1})
    assert (reply.status_code, reply.text) == (404, "Not Found")
    assert http("ops").post("/AP/Ping", json={}).json() == {"msg": "PONG"}  # known calls unchanged
    client = ws_connect("ops")
    assert client.reply(client.send("GetEverything"))["m"] == 5
    with pytest.raises(ValueError, match="unknown_call"):
        sim.config.unknown_call = "m5"


@pytest.mark.parametrize(("mode", "expected"), [("int", 2), ("string", "2")])
def test_web_authenticate_user_id_type(ws_connect: Connect, sim: FakeOMS, mode: str, expected: object) -> None:
    sim.config.web_auth_user_id = mode
    client = ws_connect()
    reply = client.call("WebAuthenticateUser", {"UserName": "trader", "Password": "demo"})
    assert reply["Authenticated"] is True and reply["UserId"] == expected
    again = client.call("WebAuthenticateUser", {"SessionToken": reply["SessionToken"]})
    assert again["UserId"] == expected
    assert client.call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 9}) == {"Subscribed": True}
    # logging in again as the same user keeps the subscription, whatever the UserId type
    client.call("WebAuthenticateUser", {"UserName": "trader", "Password": "demo"})
    sim.place_order(9, 1)
    assert [event["n"] for event in client.drain_events()] == ["OrderStateEvent"]
    # logging in as another user drops the connection's subscriptions, whatever the UserId type
    client.call("WebAuthenticateUser", {"UserName": "ops", "Password": "demo"})
    sim.place_order(9, 1)
    assert client.drain_events() == []
    pending = client.call("WebAuthenticateUser", {"UserName": "secure", "Password": "demo"})
    assert pending["Requires2FA"] is True and pending["UserId"] == (5 if mode == "int" else "5")
    with pytest.raises(ValueError, match="web_auth_user_id"):
        sim.config.web_auth_user_id = "long"


def test_unknown_call_error100(ws_connect: Connect, sim: FakeOMS, http: Callable[[str], httpx.Client]) -> None:
    sim.config.unknown_call = "error100"
    client = ws_connect("ops")
    frame = client.reply(client.send("GetEverything", {"OMSId": 1}))
    assert frame["m"] == 1
    error_of(json.loads(frame["o"]), 100)
    reply = http("ops").post("/AP/GetEverything", json={"OMSId": 1})
    assert reply.status_code == 200 and reply.json()["errorcode"] == 100 and "Unknown call" in reply.json()["detail"]
    error_of(client.call("GetOpenOrders", {"OMSId": 1, "AccountId": "nine"}), 100)  # known calls unchanged
