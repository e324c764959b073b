"""Bad frames get m:5 (echoing i and n where they can be recovered); bad payloads get m:1 with
errorcode 100 as over HTTP; the connection and every other connection keep being served."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from .conftest import Connect, error_of

BAD_FRAMES: list[tuple[str, int, str, str]] = [
    # (raw text, expected i, expected n, part of detail)
    ("not json", 0, "", "not valid JSON"),
    ('{"m":0,"i":12,"n":"Ping","o":"{}"', 12, "Ping", "not valid JSON"),  # truncated: i, n recovered
    ("[1, 2]", 0, "", "JSON object"),
    ('"just a string"', 0, "", "JSON object"),
    ('{"m":0,"i":3,"n":"Ping"}', 3, "Ping", "lacks key(s) o"),
    ('{"i":4,"n":"Ping","o":"{}"}', 4, "Ping", "lacks key(s) m"),
    ('{"m":0,"n":"Ping","o":"{}"}', 0, "Ping", "lacks key(s) i"),
    ('{"m":0,"i":5,"o":"{}"}', 5, "", "lacks key(s) n"),
    ("{}", 0, "", "lacks key(s) m, i, n, o"),
    ('{"m":"0","i":6,"n":"Ping","o":"{}"}', 6, "Ping", "m must be"),
    ('{"m":1,"i":7,"n":"Ping","o":"{}"}', 7, "Ping", "m must be"),
    ('{"m":3,"i":8,"n":"Ping","o":"{}"}', 8, "Ping", "m must be"),
    ('{"m":true,"i":8,"n":"Ping","o":"{}"}', 8, "Ping", "m must be"),
    ('{"m":0,"i":"9","n":"Ping","o":"{}"}', 0, "Ping", "i must be an integer"),
    ('{"m":0,"i":9.5,"n":"Ping","o":"{}"}', 0, "Ping", "i must be an integer"),
    ('{"m":0,"i":99999999999999999999,"n":"Ping","o":"{}"}', 0, "Ping", "64-bit"),
    ('{"m":0,"i":10,"n":42,"o":"{}"}', 10, "", "n must be"),
    ('{"m":0,"i":10,"n":"  ","o":"{}"}', 10, "", "n must be"),
    ('{"m":0,"i":11,"n":"Ping","o":{}}', 11, "Ping", "o must be the payload JSON-encoded"),
    ('{"m":0,"i":11,"n":"Ping","o":null}', 11, "Ping", "o must be the payload JSON-encoded"),
    ("[" * 100_000, 0, "", "not valid JSON"),
]


@pytest.mark.parametrize(("text", "i", "n", "detail"), BAD_FRAMES, ids=range(len(BAD_FRAMES)))
def test_bad_frames_get_m5(ws_connect: Connect, text: str, i: int, n: str, detail: str) -> None:
    client = ws_connect()
    frame = client.raw(text)
    assert (frame["m"], frame["i"], frame["n"]) == (5, i, n), frame
    body = json.loads(frame["o"])
    error_of(body, 100)
    assert detail in body["detail"], body
    assert client.call("Ping") == {"msg": "PONG"}  # still served


def test_unknown_call_gets_m5_with_errorcode_106(ws_connect: Connect) -> None:
    client = ws_connect("trader")
    frame = client.reply(client.send("GetEverything", {"OMSId": 1}))
    assert (frame["m"], frame["n"]) == (5, "GetEverything")
    error_of(json.loads(frame["o"]), 106)


def test_binary_frames_get_m5(ws_connect: Connect) -> None:
    client = ws_connect()
    frame = client.raw(b'{"m":0,"i":14,"n":"Ping","o":"{}"}')
    assert (frame["m"], frame["i"], frame["n"]) == (5, 14, "Ping")
    assert "binary" in json.loads(frame["o"])["detail"]
    assert client.raw(b"\xff\xfe\x00")["m"] == 5
    assert client.call("Ping") == {"msg": "PONG"}


def test_frames_over_the_size_limit_get_m5_and_the_connection_survives(ws_connect: Connect) -> None:
    client = ws_connect("trader")
    huge = json.dumps({"m": 0, "i": 42, "n": "GetOpenOrders",
                       "o": json.dumps({"OMSId": 1, "AccountId": 9, "Pad": "x" * 1_100_000})})
    frame = client.raw(huge)
    assert (frame["m"], frame["i"], frame["n"]) == (5, 42, "GetOpenOrders")
    assert "exceeds the 1048576-byte limit" in json.loads(frame["o"])["detail"]
    assert isinstance(client.call("GetOpenOrders", {"OMSId": 1, "AccountId": 9}), list)


def test_frames_over_the_protocol_limit_close_only_that_connection(ws_connect: Connect) -> None:
    victim = ws_connect()
    bystander = ws_connect("trader")
    victim.ws.send("x" * (17 * 1024 * 1024))
    with pytest.raises(ConnectionClosed) as closed:
        victim.frame()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert bystander.call("Ping") == {"msg": "PONG"}


BAD_PAYLOADS: list[tuple[str, Any, str]] = [
    ('{"OMSId": 1, "AccountId": 9', None, "o is not valid JSON"),
    ("[9]", None, "JSON object"),
    ('"text"', None, "JSON object"),
    ('{"OMSId": 1, "AccountId": true}', None, "boolean"),
    ('{"OMSId": 1, "AccountId": 9.5}', None, "integer id"),
    ('{"OMSId": 1, "AccountId": -9}', None, "negative"),
    ('{"OMSId": 1, "AccountId": 9, "accountid": 9}', None, "differ only in case"),
    ('{"OMSId": 1, "AccountId": [9]}', None, "integer id"),
]


@pytest.mark.parametrize(("o", "unused", "detail"), BAD_PAYLOADS, ids=range(len(BAD_PAYLOADS)))
def test_bad_payloads_get_m1_errorcode_100(ws_connect: Connect, o: str, unused: Any, detail: str) -> None:
    client = ws_connect("trader")
    frame = client.raw(json.dumps({"m": 0, "i": 2, "n": "GetOpenOrders", "o": o}))
    assert (frame["m"], frame["i"], frame["n"]) == (1, 2, "GetOpenOrders")
    body = json.loads(frame["o"])
    error_of(body, 100)
    assert detail in body["detail"], body


def test_empty_o_means_no_parameters(ws_connect: Connect) -> None:
    client = ws_connect()
    frame = client.raw('{"m":0,"i":2,"n":"Ping","o":""}')
    assert json.loads(frame["o"]) == {"msg": "PONG"}
