"""Fault injection: errors, HTTP statuses, 429s, hangs, malformed bodies, latency — and which of them
change state (hang/malformed: the call took effect) and which do not (the rest)."""

from __future__ import annotations

import threading

import httpx
import orjson
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, assert_error, call

OPEN = {"OMSId": 1, "AccountId": 9}


def test_fail_next_answers_the_errorcode_n_times(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.faults.fail_next("getopenorders", 102, times=2)
    assert_error(call(ops, "GetOpenOrders", **OPEN), 102, "injected")
    assert_error(call(ops, "GetOpenOrders", **OPEN), 102)
    assert isinstance(call(ops, "GetOpenOrders", **OPEN), list)


def test_failed_cancel_changes_nothing(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    before = sim.open_order_ids()
    sim.faults.fail_next("CancelAllOrders", 101)
    assert_error(call(ops, "CancelAllOrders", OMSId=1, AccountId=0), 101)
    assert sim.open_order_ids() == before


def test_http_status_next(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.faults.http_status_next("GetOpenOrders", 503)
    reply = ops.post("/AP/GetOpenOrders", json=OPEN)
    assert reply.status_code == 503 and reply.text == "503 Service Unavailable"
    assert ops.post("/AP/GetOpenOrders", json=OPEN).status_code == 200
    sim.faults.http_status_next("*", 502)
    assert ops.post("/AP/Ping", json={}).status_code == 502


def test_rate_limit_answers_429_until_the_window_passes(
    sim: FakeOMS, clock: ManualClock, login: Login
) -> None:
    ops = login("ops")
    sim.faults.rate_limit(3, per_seconds=10)
    before = sim.open_order_ids()
    assert [ops.post("/AP/Ping", json={}).status_code for _ in range(3)] == [200, 200, 200]
    limited = ops.post("/AP/CancelAllOrders", json={"OMSId": 1, "AccountId": 0})
    assert limited.status_code == 429 and limited.text == "TOO MANY REQUESTS"
    assert limited.headers["content-type"].startswith("text/plain")
    assert sim.open_order_ids() == before
    clock.advance(10)
    assert ops.post("/AP/Ping", json={}).status_code == 200
    sim.faults.rate_limit(None)
    assert all(ops.post("/AP/Ping", json={}).status_code == 200 for _ in range(5))


def test_hang_makes_the_client_time_out_but_the_call_takes_effect(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.faults.hang_next("CancelAllOrders", 5.0)
    with pytest.raises(httpx.ReadTimeout):
        ops.post("/AP/CancelAllOrders", json={"OMSId": 1, "AccountId": 9}, timeout=0.05)
    assert sim.open_order_ids(account_id=9) == set()
    assert [r.name for r in sim.requests].count("CancelAllOrders") == 1


def test_malformed_reply_after_the_call_took_effect(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.faults.malformed_next("CancelAllOrders")
    reply = ops.post("/AP/CancelAllOrders", json={"OMSId": 1, "AccountId": 10})
    assert reply.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(reply.content)
    assert sim.open_order_ids(account_id=10) == set()
    sim.faults.malformed_next("GetOpenOrders")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(ops.post("/AP/GetOpenOrders", json=OPEN).content)


def test_latency_delays_without_blocking_other_threads(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.faults.latency("GetOpenOrders", 0.3)
    sim.config.latency = 0.0
    started = threading.Event()
    results: list[int] = []

    def slow() -> None:
        started.set()
        results.append(ops.post("/AP/GetOpenOrders", json=OPEN).status_code)

    worker = threading.Thread(target=slow)
    worker.start()
    started.wait()
    assert ops.post("/AP/Ping", json={}).json() == {"msg": "PONG"}  # served while the other call sleeps
    worker.join()
    assert results == [200]
    with pytest.raises(httpx.ReadTimeout):
        ops.post("/AP/GetOpenOrders", json=OPEN, timeout=0.05)
    sim.faults.clear()


def test_global_latency_switch(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.config.latency = 0.2
    with pytest.raises(httpx.ReadTimeout):
        ops.post("/AP/Ping", json={}, timeout=0.05)
    sim.config.latency = 0.0
    assert ops.post("/AP/Ping", json={}, timeout=0.05).status_code == 200


def test_clear_disarms_everything(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    sim.faults.fail_next("Ping", 102)
    sim.faults.http_status_next("Ping", 500)
    sim.faults.hang_next("Ping", 9)
    sim.faults.malformed_next("Ping")
    sim.faults.rate_limit(1, 100)
    sim.faults.latency("Ping", 9)
    sim.faults.clear()
    assert [ops.post("/AP/Ping", json={}).json() for _ in range(3)] == [{"msg": "PONG"}] * 3


def test_fault_arguments_are_validated(sim: FakeOMS) -> None:
    for arm in (
        lambda: sim.faults.fail_next("Ping", 0),
        lambda: sim.faults.http_status_next("Ping", 200),
        lambda: sim.faults.hang_next("Ping", 0),
        lambda: sim.faults.malformed_next("Ping", times=0),
        lambda: sim.faults.rate_limit(0),
        lambda: sim.faults.latency("Ping", -1),
    ):
        with pytest.raises(ValueError):
            arm()
