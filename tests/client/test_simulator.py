"""Contract tests: the client against the simulator, in process and over real HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pandas as pd
import pytest

from apex_notebook.cancel.scope import ALL
from apex_notebook.client import Client
from apex_notebook.frames.schema import ORDER_SCHEMA
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import (
    AuthenticationError,
    NotAuthorizedError,
    PartialSnapshotError,
    ScopeError,
    ServerError,
    TransportError,
)


@pytest.fixture
def sim() -> Any:
    return FakeOMS.seeded(seed=7)


@pytest.fixture
def clients(sim: Any) -> Iterator[Any]:
    made: list[Client] = []

    def make(user: str = "ops", **kw: Any) -> Client:
        kw.setdefault("password", "demo")
        kw.setdefault("progress", False)
        kw.setdefault("backoff", 0.0)
        client = Client(sim.url, username=user, transport=kw.pop("transport", sim.transport()), **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def ids(frame: pd.DataFrame) -> set[int]:
    return {int(i) for i in frame["order_id"]}


def logins(sim: Any) -> int:
    return sum(1 for r in sim.requests if r.name in ("Authenticate", "Authenticate2FA"))


def test_basic_login_ops_sees_every_account(sim: Any, clients: Any) -> None:
    ops = clients("ops")
    assert ops.is_operator and ops.user_id == 1 and ops.username == "ops"
    frame = ops.open_orders()
    assert ids(frame) == sim.open_order_ids()
    assert len(frame.attrs["accounts_requested"]) == len(ops.accounts()) >= 12
    assert {c: str(frame[c].dtype) for c in frame} == ORDER_SCHEMA
    assert frame["symbol"].notna().all() and frame.attrs["extra_fields"] == []
    assert (frame["order_state"] == "Working").all()


@pytest.mark.parametrize(("user", "accounts", "role"), [
    ("trader", [9, 10], "Trading"), ("trader2", [9, 11], "Trading"), ("viewer", [9], "AccountReadOnly")])
def test_each_user_sees_its_accounts(sim: Any, clients: Any, user: str, accounts: list[int],
                                     role: str) -> None:
    client = clients(user)
    assert not client.is_operator
    table = client.accounts()
    assert table["account_id"].tolist() == accounts and set(table["permission"]) == {role}
    frame = client.open_orders()
    assert frame.attrs["accounts_requested"] == accounts
    assert ids(frame) == set().union(*(sim.open_order_ids(account_id=a) for a in accounts))
    with pytest.raises(NotAuthorizedError):
        client.open_orders(12)


def test_hmac_login(sim: Any, clients: Any) -> None:
    client = clients(None, password=None, api_key="trader-key", api_secret="trader-secret", user_id=2)
    assert client.username == "trader" and client.permissions == frozenset({"Trading"})
    assert ids(client.open_orders(9, instrument_id=1)) == sim.open_order_ids(account_id=9, instrument_id=1)


def test_two_factor_login(sim: Any, clients: Any) -> None:
    client = clients("secure", two_factor=lambda: "123456")
    assert client.user_id == 5 and ids(client.open_orders()) == sim.open_order_ids(account_id=12)
    with pytest.raises(AuthenticationError, match="two_factor"):
        clients("secure")
    with pytest.raises(AuthenticationError):
        clients("secure", two_factor="000000")
    with pytest.raises(AuthenticationError):
        clients("ops", password="nope")


def test_empty_frame_keeps_schema(sim: Any, clients: Any) -> None:
    ops = clients("ops")
    for order_id in sorted(sim.open_order_ids(account_id=9)):
        ops.call("CancelOrder", AccountId=9, OrderId=order_id)
    sim.run_pending()
    frame = ops.open_orders(9)
    assert len(frame) == 0 and {c: str(frame[c].dtype) for c in frame} == ORDER_SCHEMA
    assert frame.attrs["accounts_failed"] == {}
    history = ops.order_history(9)
    assert len(history) > 0 and set(history["order_state"]) >= {"Canceled"}


def test_concurrency_and_progress(sim: Any, clients: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ops = clients("ops", progress=True, max_concurrency=4)
    frame = ops.open_orders(ALL, instrument_id=1)
    assert "GetOpenOrders" in capsys.readouterr().err
    assert ids(frame) == sim.open_order_ids(instrument_id=1)
    calls = [r for r in sim.requests if r.name == "GetOpenOrders"]
    assert len(calls) == len(frame.attrs["accounts_requested"]) > 20


def test_partial_failure_names_the_account(sim: Any, clients: Any) -> None:
    ops = clients("ops", max_concurrency=1)
    sim.faults.fail_next("GetOpenOrders", 102)
    with pytest.raises(PartialSnapshotError, match="1 of") as info:
        ops.open_orders([9, 10, 11])
    assert list(info.value.failed_accounts) == [9] and "ServerError" in info.value.failed_accounts[9]
    assert ".." not in str(info.value)
    sim.faults.fail_next("GetOpenOrders", 102)
    with pytest.warns(UserWarning):
        frame = ops.open_orders([9, 10, 11], strict=False)
    assert list(frame.attrs["accounts_failed"]) == [9]
    assert ids(frame) == sim.open_order_ids(account_id=10) | sim.open_order_ids(account_id=11)


def test_http_faults_on_reads_are_retried(sim: Any, clients: Any) -> None:
    ops = clients("ops")
    sim.faults.http_status_next("GetOpenOrders", 503, times=2)
    assert ids(ops.open_orders(9)) == sim.open_order_ids(account_id=9)
    sim.faults.http_status_next("GetOpenOrders", 503, times=9)
    with pytest.raises(ServerError):
        ops.open_orders(9)
    sim.faults.clear()


def test_session_expiry_mid_snapshot_logs_in_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock()
    sim = FakeOMS.seeded(seed=7, clock=clock)
    inner = sim.transport()
    seen = {"n": 0}

    class Expiring(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("GetOpenOrders"):
                seen["n"] += 1
                if seen["n"] == 10:
                    clock.advance(3601)  # the session times out in the middle of the snapshot
            return inner.handle_request(request)

    with Client(sim.url, username="ops", password="demo", transport=Expiring(), progress=False) as ops:
        assert logins(sim) == 1
        frame = ops.open_orders()
        assert logins(sim) == 2 and ops._auth.relogins == 1
        assert ids(frame) == sim.open_order_ids() and frame.attrs["accounts_failed"] == {}
    assert "logging in again" in caplog.text


def test_real_http_same_as_in_process(sim: Any) -> None:
    expected = sim.open_order_ids()
    with sim.serve(host="127.0.0.1", port=0) as server, \
            Client(server.url + "/AP", username="ops", password="demo", progress=False) as ops:
        frame = ops.open_orders()
        assert ids(frame) == expected and frame.attrs["source_url"] == server.url
        with Client(server.url, api_key="viewer-key", api_secret="viewer-secret", user_id=4) as viewer:
            assert ids(viewer.open_orders()) == sim.open_order_ids(account_id=9)
        with Client(server.url, username="secure", password="demo", two_factor="123456") as secure:
            assert ids(secure.open_orders()) == sim.open_order_ids(account_id=12)


def test_real_http_timeouts(sim: Any) -> None:
    with sim.serve(host="127.0.0.1", port=0) as server, \
            Client(server.url, username="ops", password="demo", timeout=0.3, backoff=0.0) as ops:
        sim.faults.hang_next("GetOpenOrders", 1.0)
        assert ids(ops.open_orders(9)) == sim.open_order_ids(account_id=9)  # read retried
        sim.faults.hang_next("CancelOrder", 1.0)
        with pytest.raises(TransportError, match="UNKNOWN"):
            ops.call("CancelOrder", AccountId=10, OrderId=min(sim.open_order_ids(account_id=10)))
        assert sum(1 for r in sim.requests if r.name == "CancelOrder") == 1


def test_secrets_stay_out_of_logs_and_frames(sim: Any, clients: Any,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = clients("secure", two_factor="123456")
    frame = client.open_orders()
    token = client._auth._token
    assert token
    for text in (caplog.text, repr(client), frame.to_csv(), repr(frame.attrs), repr(vars(client))):
        assert "password='demo'" not in text and "'demo'" not in text
        assert token not in text and "123456" not in text


def test_unknown_account(sim: Any, clients: Any) -> None:
    from apex_notebook.wire.errors import ApexError

    ops = clients("ops")
    with pytest.raises(ApexError) as info:
        ops.open_orders(99999)
    assert not isinstance(info.value, PartialSnapshotError) and info.value.call == "GetOpenOrders"
    with pytest.raises(PartialSnapshotError) as partial:
        ops.open_orders([9, 99999])
    assert list(partial.value.failed_accounts) == [99999]


def test_gateway_answering_404_for_expired_sessions() -> None:
    clock = ManualClock()
    sim = FakeOMS.seeded(seed=7, clock=clock)
    sim.config.unauthenticated_status = 404
    with Client(sim.url, username="trader", password="demo", transport=sim.transport()) as trader:
        clock.advance(3601)
        assert ids(trader.open_orders(9)) == sim.open_order_ids(account_id=9)
        assert trader._auth.relogins == 1
    with pytest.raises(AuthenticationError):
        Client(sim.url, username="trader", password="wrong", transport=sim.transport())


def test_rate_limited_reads_back_off_and_succeed(sim: Any, clients: Any) -> None:
    ops = clients("ops", backoff=0.1, max_concurrency=2)
    sim.faults.rate_limit(3, per_seconds=0.2)
    frame = ops.open_orders([9, 10, 11, 12])
    assert frame.attrs["accounts_failed"] == {}
    assert ids(frame) == set().union(*(sim.open_order_ids(account_id=a) for a in (9, 10, 11, 12)))
    sim.faults.clear()


@pytest.mark.parametrize("status", [401, 404])
def test_refused_login_says_what_apex_said(sim: Any, status: int) -> None:
    sim.config.unauthenticated_status = status
    with pytest.raises(AuthenticationError) as refused:
        Client(sim.url, username="ops", password="nope", transport=sim.transport())
    text = str(refused.value)
    assert f"APEX said 'Invalid username or password', HTTP {status}" in text, text
    assert "Check the credentials." in text and "base URL" not in text and "nope" not in text


def test_login_at_a_wrong_path_points_at_the_base_url(sim: Any) -> None:
    with pytest.raises(AuthenticationError) as refused:
        Client(sim.url + "/apex", username="ops", password="demo", transport=sim.transport())
    text = str(refused.value)
    assert "HTTP 404" in text and "HTTP 401" not in text
    assert f"Check the base URL (the gateway's host root; calls go to {sim.url}/apex/AP/<Name>)" in text


def test_unknown_instrument_is_named_before_any_order_request(sim: Any, clients: Any) -> None:
    ops = clients("ops")
    before = len(sim.requests)
    with pytest.raises(ScopeError, match="instrument_id 99 is not an instrument of OMS 1"):
        ops.open_orders([9, 10], instrument_id=99)
    assert [c.name for c in sim.requests[before:] if c.name == "GetOpenOrders"] == []


def test_session_results_are_typed_before_the_first_execution(sim: Any, clients: Any) -> None:
    results = clients("ops").results
    assert results.empty and {"order_id", "outcome", "account_id"} <= set(results.columns)
    assert results["outcome"].to_list() == []
