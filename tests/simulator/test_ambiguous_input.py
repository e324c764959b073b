"""Ambiguous input is refused with errorcode 100 and changes nothing (HTTP bodies and query strings).

Duplicate keys (exact, in another case, or written with backslash-u escapes) at any depth,
non-ASCII keys, and numbers written with non-ASCII digits have no single meaning; a gateway
that guessed could widen a cancel to every account.
"""

from __future__ import annotations

import httpx
import pytest

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.sessions import sign

from .conftest import Login, assert_error


@pytest.fixture
def ops(login: Login) -> httpx.Client:
    return login("ops")


def state(sim: FakeOMS) -> tuple[set[int], int]:
    return sim.open_order_ids(), len(sim.open_order_ids(instrument_id=1))


def post_raw(client: httpx.Client, name: str, body: str) -> httpx.Response:
    return client.post(f"/AP/{name}", content=body.encode(), headers={"content-type": "application/json"})


AMBIGUOUS_BODIES = [
    # the brief's example: today json.loads keeps AccountId 0 -> instrument 1 in EVERY account
    '{"OMSId":1,"AccountId":9,"InstrumentId":1,"IntrumentId":1,"AccountId":0}',
    '{"OMSId":1,"AccountId":9,"accountid":0,"InstrumentId":1}',
    '{"OMSId":1,"AccountId":9,"ACCOUNTID":0}',
    '{"OMSId":1,"AccountId":9,"Account\\u0049d":0}',
    '{"OMSId":1,"\\u0041ccountId":9,"AccountId":0}',
    '{"OMSId":1,"OMSId":1,"AccountId":9}',
    '{"OMSId":1,"AccountId":9,"Nested":{"a":1,"A":2}}',
    '{"OMSId":1,"AccountId":9,"List":[{"x":1},{"y":[{"z":1,"z":2}]}]}',
    '{"OMSId":1,"Account\\u0131d":0,"AccountId":9}',  # dotless i: .NET OrdinalIgnoreCase reads it as AccountId
    '{"OMSId":1,"AccountId":9,"\\u212aey":1}',  # Kelvin sign: str.lower() makes it "key"
]


@pytest.mark.parametrize("body", AMBIGUOUS_BODIES)
def test_ambiguous_cancel_bodies_are_refused_and_change_nothing(sim: FakeOMS, ops: httpx.Client, body: str) -> None:
    before = state(sim)
    reply = post_raw(ops, "CancelAllOrders", body)
    assert reply.status_code == 200
    assert_error(reply.json(), 100)
    assert "JSON" in reply.json()["detail"]
    assert state(sim) == before
    assert sim.open_order_ids(instrument_id=1) - sim.open_order_ids(account_id=9)  # others untouched


def test_the_same_body_without_the_duplicate_works(sim: FakeOMS, ops: httpx.Client) -> None:
    reply = post_raw(ops, "CancelAllOrders", '{"OMSId":1,"AccountId":9,"InstrumentId":1}')
    assert reply.json()["result"] is True
    assert sim.open_order_ids(account_id=9, instrument_id=1) == set()
    assert sim.open_order_ids(instrument_id=1)  # only account 9 was cancelled


def test_detail_names_the_duplicate(ops: httpx.Client) -> None:
    body = post_raw(ops, "GetOpenOrders", '{"OMSId":1,"AccountId":9,"Account\\u0049d":9}').json()
    assert_error(body, 100, "'AccountId' is repeated")
    body = post_raw(ops, "GetOpenOrders", '{"OMSId":1,"AccountId":9,"accountID":9}').json()
    assert_error(body, 100, "differ only in case")


@pytest.mark.parametrize(
    "query",
    [
        "OMSId=1&AccountId=9&AccountId=0",
        "OMSId=1&AccountId=9&accountid=0",
        "OMSId=1&AccountId=9&Account%49d=0",  # percent-encoded I
        "OMSId=1&AccountId=9&Account%C4%B1d=0",  # percent-encoded dotless i (non-ASCII key)
    ],
)
def test_duplicate_query_keys_are_refused(sim: FakeOMS, ops: httpx.Client, query: str) -> None:
    before = state(sim)
    reply = ops.get(f"/AP/CancelAllOrders?{query}")
    assert reply.status_code == 200
    assert_error(reply.json(), 100, "query string")
    assert state(sim) == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("AccountId", "\u0669"),  # Arabic-Indic nine: int() reads 9
        ("AccountId", "\uff19"),  # fullwidth nine
        ("AccountId", "1\u0660"),  # "10" with an Arabic-Indic zero
        ("AccountId", "\u00a09"),  # no-break space around the digits
        ("AccountId", "9\u2003"),
        ("AccountId", "1_0"),  # int() accepts underscores
        ("InstrumentId", "\u0661"),
    ],
)
def test_only_ascii_digits_make_ids(sim: FakeOMS, ops: httpx.Client, key: str, value: str) -> None:
    before = state(sim)
    payload = {"OMSId": 1, "AccountId": 9, key: value}
    assert_error(ops.post("/AP/CancelAllOrders", json=payload).json(), 100, key)
    assert_error(ops.get("/AP/CancelAllOrders", params=payload).json(), 100, key)
    assert state(sim) == before


def test_ascii_digit_strings_still_work(sim: FakeOMS, ops: httpx.Client) -> None:
    reply = ops.get("/AP/GetOpenOrders", params={"OMSId": "1", "AccountId": " 9 "})
    assert {o["OrderId"] for o in reply.json()} == sim.open_order_ids(account_id=9)


@pytest.mark.parametrize("quantity", ["\u0661", "1\u0660.5", "\uff11", "1_0", "infinity", "0x10", "1e"])
def test_only_ascii_digits_make_numbers(sim: FakeOMS, login: Login, quantity: str) -> None:
    trader = login("trader")
    before = state(sim)
    payload = {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 0, "OrderType": 2,
               "Quantity": quantity, "LimitPrice": "100"}
    assert_error(trader.post("/AP/SendOrder", json=payload).json(), 100, "Quantity")
    assert state(sim) == before


@pytest.mark.parametrize("quantity", ["1", "0.5", ".5", "1e-3", "+2.", " 3 "])
def test_ascii_number_texts_are_accepted(sim: FakeOMS, login: Login, quantity: str) -> None:
    trader = login("trader")
    payload = {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 0, "OrderType": 2,
               "Quantity": quantity, "LimitPrice": "100"}
    reply = trader.post("/AP/SendOrder", json=payload).json()
    assert reply["status"] == "Accepted", reply
    assert sim.order(reply["OrderId"])["OrigQuantity"] == float(quantity)


def test_unicode_digits_in_an_api_key_login_user_id_are_refused(anon: httpx.Client) -> None:
    user_id = "\u0661"  # int() reads 1 (ops); the signature below is valid for that text
    signature = sign("ops-secret", "5", user_id, "ops-key")
    payload = {"APIKey": "ops-key", "Signature": signature, "UserId": user_id, "Nonce": "5"}
    reply = anon.post("/AP/AuthenticateUser", json=payload)
    assert reply.json()["Authenticated"] is False
    good = {**payload, "UserId": "1", "Signature": sign("ops-secret", "5", "1", "ops-key")}
    assert anon.post("/AP/AuthenticateUser", json=good).json()["Authenticated"] is True
