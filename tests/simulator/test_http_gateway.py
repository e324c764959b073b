"""The HTTP gateway: GET vs POST, case-insensitive paths and keys, numeric strings, the call log,
and concurrent use of the in-process transport."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, RecordedCall

from .conftest import Login


def test_get_and_post_give_the_same_reply(login: Login) -> None:
    trader = login("trader")
    by_get = trader.get("/AP/GetOpenOrders", params={"OMSId": 1, "AccountId": 9})
    by_post = trader.post("/AP/GetOpenOrders", json={"OMSId": 1, "AccountId": 9})
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.json() == by_post.json() and by_get.json()
    assert by_get.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("path", ["/AP/GetOpenOrders", "/ap/getopenorders", "/Ap/GETOPENORDERS/"])
def test_paths_are_case_insensitive(login: Login, path: str) -> None:
    assert len(login("trader").get(path, params={"omsid": "1", "accountid": "9"}).json()) == 8


@pytest.mark.parametrize(
    "payload",
    [
        {"OMSId": 1, "AccountId": 9},
        {"omsId": 1, "accountId": 9},
        {"OMSID": "1", "ACCOUNTID": "9"},
        {"omsid": " 1 ", "AccountId": 9.0},
    ],
)
def test_keys_are_case_insensitive_and_numeric_strings_accepted(
    login: Login, payload: dict[str, object]
) -> None:
    reply = login("trader").post("/AP/GetOpenOrders", json=payload)
    assert reply.status_code == 200 and len(reply.json()) == 8


def test_ccxt_style_requests(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    products = ops.get("/AP/GetProducts", params={"omsId": 1})
    instruments = ops.get("/AP/GetInstruments", params={"omsId": 1})
    assert products.status_code == instruments.status_code == 200
    accounts = ops.get("/AP/GetUserAccounts", params={"omsId": 1, "UserId": 1, "UserName": "ops"})
    assert accounts.json() == [1]
    ack = ops.post("/AP/CancelAllOrders", json={"omsId": 1, "AccountId": 11, "IntrumentId": "1"})
    assert ack.json()["result"] is True
    assert sim.open_order_ids(account_id=11, instrument_id=1) == set()


def test_requests_are_recorded_as_received_with_secrets_masked(sim: FakeOMS, anon: httpx.Client) -> None:
    sim.requests.clear()
    anon.post("/AP/AuthenticateUser", json={"UserName": "ops", "password": "demo"})
    anon.post(
        "/AP/AuthenticateUser",
        json={"APIKey": "ops-key", "Signature": "ab", "UserId": "1", "Nonce": "1", "APISecret": "oops"},
    )
    token = anon.get("/AP/Authenticate", auth=("trader", "demo")).json()["SessionToken"]
    anon.get("/ap/getopenorders", params={"omsId": "1", "AccountId": "9"}, headers={"aptoken": token})
    anon.post("/AP/Authenticate2FA", json={"Code": "1"}, headers={"Pending2FaToken": "secret-token"})
    first, second, third, fourth, fifth = sim.requests
    assert first == RecordedCall("AuthenticateUser", {"UserName": "ops", "password": "***"}, None, first.time)
    assert second.payload == {
        "APIKey": "ops-key",
        "Signature": "***",
        "UserId": "1",
        "Nonce": "1",
        "APISecret": "***",
    }
    assert third.name == "Authenticate" and third.payload == {} and third.user is None
    assert fourth == RecordedCall(
        "GetOpenOrders", {"omsId": "1", "AccountId": "9"}, "trader", sim.clock.now()
    )
    assert "secret-token" not in repr(sim.requests) and "demo" not in repr(sim.requests)
    assert token not in repr(sim.requests) and fifth.payload == {"Code": "***"}  # 2FA codes are secrets too


def test_concurrent_use_of_one_transport(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    accounts = sorted(sim.catalog.accounts)

    def fetch(account: int) -> set[int]:
        reply = ops.post("/AP/GetOpenOrders", json={"OMSId": 1, "AccountId": account})
        return {order["OrderId"] for order in reply.json()}

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetch, accounts * 5))
    for account, ids in zip(accounts * 5, results, strict=True):
        assert ids == sim.open_order_ids(account_id=account)


def test_scale_of_open_orders_per_account() -> None:
    sim = FakeOMS.seeded(seed=7, accounts=300, orders_per_account=100)
    assert len(sim.open_order_ids()) == 30_000
    with httpx.Client(transport=sim.transport(), base_url=sim.url) as client:
        token = client.get("/AP/Authenticate", auth=("ops", "demo")).json()["SessionToken"]
        reply = client.get(
            "/AP/GetOpenOrders", params={"OMSId": 1, "AccountId": 250}, headers={"aptoken": token}
        )
    assert len(reply.json()) == 100


def test_call_log_is_bounded(sim: FakeOMS, anon: httpx.Client) -> None:
    sim.config.max_recorded_calls = 10
    for _ in range(25):
        anon.post("/AP/Ping", json={})
    assert 5 <= len(sim.requests) <= 10
    assert all(call.name == "Ping" for call in sim.requests)
