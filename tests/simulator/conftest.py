"""Fixtures for the simulator tests: a small seeded OMS on a ManualClock and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

Login = Callable[[str], httpx.Client]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=8, clock=clock)


@pytest.fixture
def anon(sim: FakeOMS) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sim.transport(), base_url=sim.url) as client:
        yield client


def session_token(client: httpx.Client, user: str) -> str:
    """Log ``user`` in with Basic auth (no 2FA users) and return the session token."""
    reply = client.get("/AP/Authenticate", params={"grant_type": "client_credentials"}, auth=(user, "demo"))
    assert reply.status_code == 200, reply.text
    token = reply.json()["SessionToken"]
    assert isinstance(token, str)
    return token


@pytest.fixture
def login(sim: FakeOMS) -> Iterator[Login]:
    clients: list[httpx.Client] = []

    def make(user: str) -> httpx.Client:
        client = httpx.Client(transport=sim.transport(), base_url=sim.url)
        client.headers["aptoken"] = session_token(client, user)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def call(client: httpx.Client, name: str, **payload: object) -> object:
    """POST a call and return the decoded JSON (asserting HTTP 200)."""
    reply = client.post(f"/AP/{name}", json=payload)
    assert reply.status_code == 200, reply.text
    return reply.json()


def assert_error(body: object, errorcode: int, detail_part: str = "") -> None:
    """Assert ``body`` is the standard error object with ``errorcode`` (and detail text)."""
    assert isinstance(body, dict)
    assert list(body) == ["result", "errormsg", "errorcode", "detail"]
    assert body["result"] is False
    assert body["errorcode"] == errorcode, body
    assert detail_part.lower() in (body["detail"] or "").lower(), body
