"""Ambiguous WebSocket input is refused and changes nothing: duplicate frame keys -> m:5,
duplicate keys inside the ``o`` payload (any depth, case, escape) or non-ASCII digits -> m:1 + 100."""

from __future__ import annotations

import json

import pytest

from apex_notebook.simulator import FakeOMS

from .conftest import Connect, error_of

GOOD_O = json.dumps({"OMSId": 1, "AccountId": 9, "InstrumentId": 1})
WIDE_O = json.dumps({"OMSId": 1, "AccountId": 0})

AMBIGUOUS_FRAMES = [
    # two n: one client may mean Ping, the server might run CancelAllOrders
    '{"m":0,"i":4,"n":"Ping","n":"CancelAllOrders","o":' + json.dumps(WIDE_O) + "}",
    # two o: the second widens the cancel to every account
    '{"m":0,"i":4,"n":"CancelAllOrders","o":' + json.dumps(GOOD_O) + ',"o":' + json.dumps(WIDE_O) + "}",
    '{"m":0,"i":4,"n":"CancelAllOrders","o":' + json.dumps(GOOD_O) + ',"O":' + json.dumps(WIDE_O) + "}",
    '{"m":0,"i":4,"n":"CancelAllOrders","\\u006f":' + json.dumps(GOOD_O) + ',"o":' + json.dumps(WIDE_O) + "}",
    '{"m":0,"m":0,"i":4,"n":"CancelAllOrders","o":' + json.dumps(WIDE_O) + "}",
]


@pytest.mark.parametrize("text", AMBIGUOUS_FRAMES, ids=range(len(AMBIGUOUS_FRAMES)))
def test_duplicate_frame_keys_get_m5_and_change_nothing(ws_connect: Connect, sim: FakeOMS, text: str) -> None:
    client = ws_connect("ops")
    before = sim.open_order_ids()
    frame = client.raw(text)
    assert frame["m"] == 5 and frame["i"] == 4, frame
    body = json.loads(frame["o"])
    error_of(body, 100)
    assert "ambiguous frame" in body["detail"]
    assert sim.open_order_ids() == before
    assert client.call("Ping") == {"msg": "PONG"}


AMBIGUOUS_PAYLOADS = [
    '{"OMSId":1,"AccountId":9,"InstrumentId":1,"IntrumentId":1,"AccountId":0}',
    '{"OMSId":1,"AccountId":9,"accountId":0}',
    '{"OMSId":1,"AccountId":9,"Account\\u0049d":0}',
    '{"OMSId":1,"AccountId":9,"Extra":{"deep":[{"k":1,"K":2}]}}',
    '{"OMSId":1,"AccountId":9,"Account\\u0131d":0}',
]


@pytest.mark.parametrize("o", AMBIGUOUS_PAYLOADS, ids=range(len(AMBIGUOUS_PAYLOADS)))
def test_duplicate_payload_keys_get_100_and_change_nothing(ws_connect: Connect, sim: FakeOMS, o: str) -> None:
    client = ws_connect("ops")
    before = sim.open_order_ids()
    frame = client.raw(json.dumps({"m": 0, "i": 6, "n": "CancelAllOrders", "o": o}))
    assert (frame["m"], frame["i"], frame["n"]) == (1, 6, "CancelAllOrders"), frame
    body = json.loads(frame["o"])
    error_of(body, 100)
    assert "ambiguous payload" in body["detail"]
    assert sim.open_order_ids() == before


@pytest.mark.parametrize("account", ["\u0669", "\uff19", "1_0", "\u00a09"])
def test_unicode_digits_in_payload_get_100(ws_connect: Connect, sim: FakeOMS, account: str) -> None:
    client = ws_connect("ops")
    before = sim.open_order_ids()
    error_of(client.call("CancelAllOrders", {"OMSId": 1, "AccountId": account}), 100)
    assert sim.open_order_ids() == before


def test_unicode_digits_in_frame_i_are_not_salvaged(ws_connect: Connect) -> None:
    client = ws_connect()
    frame = client.raw('{"m":0,"i":\u0669,"n":"Ping","o":"{}"}')
    assert frame["m"] == 5 and frame["i"] == 0 and frame["n"] == "Ping"


def test_unambiguous_cancel_still_works(ws_connect: Connect, sim: FakeOMS) -> None:
    client = ws_connect("ops")
    assert client.call("CancelAllOrders", json.loads(GOOD_O))["result"] is True
    assert sim.open_order_ids(account_id=9, instrument_id=1) == set()
    assert sim.open_order_ids(instrument_id=1)
