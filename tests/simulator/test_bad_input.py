"""Bad input never crashes the simulator or changes state: each gets a standard error with a useful detail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, SimConfig

from .conftest import Login, assert_error, call


@pytest.fixture
def ops(login: Login) -> httpx.Client:
    return login("ops")


def snapshot(sim: FakeOMS) -> tuple[set[int], int]:
    return sim.open_order_ids(), sim.pending


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "OMSId is required"),
        ({"OMSId": 1}, "AccountId is required"),
        ({"OMSId": 1, "AccountId": True}, "boolean"),
        ({"OMSId": 1, "AccountId": -1}, "negative"),
        ({"OMSId": 1, "AccountId": 2**64}, "out of range"),
        ({"OMSId": 1, "AccountId": "9" * 5000}, "out of range"),
        ({"OMSId": 1, "AccountId": 9.25}, "integer"),
        ({"OMSId": 1, "AccountId": [9]}, "integer"),
        ({"OMSId": 1, "AccountId": {"id": 9}}, "integer"),
        ({"OMSId": 1, "AccountId": ""}, "integer"),
        ({"OMSId": "one", "AccountId": 9}, "OMSId"),
        ({"OMSId": 1, "AccountId": 9, "InstrumentId": "btc"}, "InstrumentId"),
    ],
)
def test_bad_ids_get_errorcode_100(
    sim: FakeOMS, ops: httpx.Client, payload: dict[str, Any], detail: str
) -> None:
    assert_error(call(ops, "GetOpenOrders", **payload), 100, detail)


def test_unknown_call_gets_106(sim: FakeOMS, ops: httpx.Client, anon: httpx.Client) -> None:
    assert_error(call(ops, "GetEverything", OMSId=1), 106, "GetEverything")
    assert_error(call(anon, "DropTables"), 106)
    assert sim.requests[-1].name == "DropTables"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000, b"null"])
def test_bodies_that_are_not_json_objects(sim: FakeOMS, ops: httpx.Client, body: bytes) -> None:
    before = snapshot(sim)
    reply = ops.post("/AP/CancelAllOrders", content=body, headers={"content-type": "application/json"})
    assert reply.status_code == 200
    assert_error(reply.json(), 100, "JSON")
    assert snapshot(sim) == before


def test_oversized_body_gets_413(sim: FakeOMS, ops: httpx.Client) -> None:
    before = snapshot(sim)
    big = b'{"OMSId": 1, "AccountId": 0, "Pad": "' + b"x" * SimConfig().max_body_bytes + b'"}'
    reply = ops.post("/AP/CancelAllOrders", content=big)
    assert reply.status_code == 413
    assert_error(reply.json(), 100, "exceeds the 1048576-byte limit")
    assert snapshot(sim) == before
    sim.config.max_body_bytes = 10
    assert ops.post("/AP/Ping", content=b'{"padding": 1234}').status_code == 413


def test_other_methods_and_paths(ops: httpx.Client) -> None:
    reply = ops.put("/AP/GetOpenOrders", json={"OMSId": 1, "AccountId": 9})
    assert reply.status_code == 405
    assert_error(reply.json(), 100, "PUT")
    assert ops.get("/nothing/here").status_code == 404
    assert ops.get("/AP/").status_code == 404


def test_conflicting_and_repeated_keys(sim: FakeOMS, ops: httpx.Client) -> None:
    before = snapshot(sim)
    assert_error(
        ops.post("/AP/CancelAllOrders?AccountId=9", json={"OMSId": 1, "accountid": 0}).json(),
        100,
        "both the query string and the body",
    )
    assert_error(ops.get("/AP/CancelAllOrders?OMSId=1&AccountId=9&AccountId=0").json(), 100, "repeated")
    assert snapshot(sim) == before


def test_wrong_types_for_other_calls(sim: FakeOMS, ops: httpx.Client) -> None:
    before = snapshot(sim)
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            "SendOrder",
            {
                "OMSId": 1,
                "AccountId": 9,
                "InstrumentId": 1,
                "Side": 0,
                "OrderType": 2,
                "Quantity": "NaN",
                "LimitPrice": 1,
            },
            "finite",
        ),
        (
            "SendOrder",
            {
                "OMSId": 1,
                "AccountId": 9,
                "InstrumentId": 1,
                "Side": 0,
                "OrderType": 2,
                "Quantity": True,
                "LimitPrice": 1,
            },
            "boolean",
        ),
        ("CancelOrder", {"OMSId": 1, "AccountId": 9}, "OrderId is required"),
        ("CancelOrder", {"OMSId": 1, "OrderId": -5}, "negative"),
        ("GetOrdersHistory", {"OMSId": 1, "AccountId": 9, "OrderState": "Exploded"}, "OrderState"),
        ("GetInstrument", {"OMSId": 1}, "InstrumentId is required"),
        ("GetAllAccountPositions", {"OMSId": 1, "Limit": 0}, "Limit"),
        ("Authenticate2FA", {"Code": "1"}, ""),
    ]
    for name, payload, detail in cases:
        body = ops.post(f"/AP/{name}", json=payload).json()
        if name == "Authenticate2FA":
            assert body["Authenticated"] is False
        else:
            assert_error(body, 100, detail)
    assert snapshot(sim) == before


def test_simulator_keeps_serving_after_a_handler_bug(
    sim: FakeOMS, ops: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apex_notebook.simulator import dispatch

    def broken(*_: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setitem(dispatch.CALLS, "ping", dispatch.CallSpec("Ping", broken, public=True))
    assert_error(call(ops, "Ping"), 102, "RuntimeError")
    monkeypatch.undo()
    assert call(ops, "Ping") == {"msg": "PONG"}


def test_config_switches_are_validated() -> None:
    config = SimConfig()
    for name, value in (
        ("instrument_key", "instrumentid"),
        ("trading_all_accounts", "all"),
        ("cancel_delay", -1),
        ("fill_race", 1.5),
        ("latency", float("nan")),
        ("unauthenticated_status", 403),
        ("max_body_bytes", 0),
        ("no_such_switch", 1),
    ):
        with pytest.raises((ValueError, TypeError, AttributeError)):
            setattr(config, name, value)
