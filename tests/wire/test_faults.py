"""Fault handling against httpx.MockTransport: bad bodies, retries, writes, sessions, snapshots."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import pandas as pd
import pytest
from client_fakes import TOKEN, FakeGateway, json_response

from apex_notebook.wire.errors import (
    ApexError,
    BadResponseError,
    InvalidRequestError,
    NotAuthorizedError,
    NotFoundError,
    OperationFailedError,
    PartialSnapshotError,
    RateLimitedError,
    ScopeError,
    ServerError,
    TransportError,
)

MakeClient = Callable[..., Any]


def reply(data: Any = None, status: int = 200, body: bytes | None = None) -> Any:
    def handler(request: httpx.Request, payload: dict[str, Any]) -> httpx.Response:
        if body is not None:
            return httpx.Response(status, content=body)
        return json_response(data, status)
    return handler


def raise_(exc: type[Exception]) -> Any:
    def handler(request: httpx.Request, payload: dict[str, Any]) -> httpx.Response:
        raise exc("boom", request=request)  # type: ignore[call-arg]
    return handler


@pytest.mark.parametrize(("body", "words"), [
    (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
    (b"", "empty body"),
    (b"not json at all", "non-JSON"),
])
def test_bad_bodies_are_bad_response_errors(gateway: FakeGateway, make_client: MakeClient,
                                             body: bytes, words: str) -> None:
    client = make_client()
    gateway.script["GetInstruments"].append(reply(body=body))
    with pytest.raises(BadResponseError, match=words) as info:
        client.instruments()
    assert info.value.call == "GetInstruments"


def test_wrong_json_shape(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetOpenOrders"].append(reply({"Orders": []}))
    with pytest.raises(BadResponseError, match="expected a JSON array"):
        client.open_orders(9)
    gateway.script["GetOpenOrders"].append(reply([1, 2]))
    with pytest.raises(BadResponseError, match="order objects"):
        client.open_orders(9)


@pytest.mark.parametrize(("code", "cls"), [(20, NotAuthorizedError), (100, InvalidRequestError),
                                           (101, OperationFailedError), (102, ServerError),
                                           (104, NotFoundError), (999, ApexError)])
def test_standard_error_object_maps_to_class(gateway: FakeGateway, make_client: MakeClient,
                                             code: int, cls: type[ApexError]) -> None:
    client = make_client()
    gateway.script["GetOrderStatus"].append(
        reply({"result": False, "errormsg": "Nope", "errorcode": code, "detail": "why"}))
    with pytest.raises(cls) as info:
        client.call("GetOrderStatus", AccountId=9, OrderId=5)
    err = info.value
    assert (err.call, err.errorcode, err.errormsg, err.detail) == ("GetOrderStatus", code, "Nope", "why")
    assert err.payload == {"OMSId": 1, "AccountId": 9, "OrderId": 5}
    assert "Nope" in str(err) and "Next:" in str(err)


def test_429_then_success_is_retried(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetOpenOrders"].append(reply(status=429, body=b"TOO MANY REQUESTS"))
    frame = client.open_orders(9)
    assert len(frame) == 3
    assert gateway.count("GetOpenOrders") == 2


def test_5xx_retries_are_bounded(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client(max_retries=3)
    gateway.script["GetOpenOrders"].extend([reply(status=503, body=b"unavailable")] * 10)
    with pytest.raises(ServerError, match="HTTP 503"):
        client.open_orders(9)
    assert gateway.count("GetOpenOrders") == 4


def test_429_exhausted_raises_rate_limited(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client(max_retries=1)
    gateway.script["GetInstruments"].extend([reply(status=429, body=b"TOO MANY REQUESTS")] * 3)
    with pytest.raises(RateLimitedError, match="max_rate"):
        client.instruments()
    assert gateway.count("GetInstruments") == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_writes_are_never_retried(gateway: FakeGateway, make_client: MakeClient, status: int) -> None:
    client = make_client()
    gateway.script["CancelOrder"].extend([reply(status=status, body=b"x")] * 5)
    with pytest.raises(ApexError):
        client.call("CancelOrder", AccountId=9, OrderId=900)
    assert gateway.count("CancelOrder") == 1


def test_write_timeout_says_outcome_unknown(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["CancelOrder"].append(raise_(httpx.ReadTimeout))
    with pytest.raises(TransportError, match="UNKNOWN") as info:
        client.call("CancelOrder", AccountId=9, OrderId=900)
    assert "Do NOT re-send" in str(info.value) and "verify" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert gateway.count("CancelOrder") == 1


def test_write_connect_error_says_not_sent(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["CancelOrder"].append(raise_(httpx.ConnectError))
    with pytest.raises(TransportError, match="NOT sent"):
        client.call("CancelOrder", AccountId=9, OrderId=1)


def test_read_timeout_is_retried(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetInstruments"].extend([raise_(httpx.ReadTimeout), raise_(httpx.RemoteProtocolError)])
    assert len(client.instruments()) == 2


def test_raw_cancel_all_is_refused_with_or_without_account(gateway: FakeGateway,
                                                            make_client: MakeClient) -> None:
    client = make_client()
    before = len(gateway.calls)
    for payload in ({"InstrumentId": 1}, {"AccountId": None}, {"AccountId": 9, "InstrumentId": 1}):
        with pytest.raises(ScopeError, match=r"never sends CancelAllOrders.*Nothing was sent"):
            client.call("CancelAllOrders", **payload)
    assert gateway.count("CancelAllOrders") == 0 and len(gateway.calls) == before


def test_dropped_connection_mid_snapshot_is_retried(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetOpenOrders"].append(raise_(httpx.RemoteProtocolError))
    frame = client.open_orders([9, 10])
    assert len(frame) == 6 and frame.attrs["accounts_failed"] == {}


def test_persistent_failure_names_the_account(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client(max_retries=1)

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("GetOpenOrders") and b'"AccountId":10' in request.content:
            raise httpx.ReadError("connection reset", request=request)
        return gateway.handle(request)

    client._http._transport = httpx.MockTransport(flaky)
    with pytest.raises(PartialSnapshotError, match=r"1 of 2 accounts \(10\)") as info:
        client.open_orders([9, 10])
    assert list(info.value.failed_accounts) == [10]
    assert "ReadError" in info.value.failed_accounts[10]
    partial = info.value.frame
    assert partial is not None and set(partial["account_id"]) == {9}
    with pytest.warns(UserWarning, match="incomplete"):
        frame = client.open_orders([9, 10], strict=False)
    assert len(frame) == 3 and list(frame.attrs["accounts_failed"]) == [10]
    assert frame.attrs["accounts_requested"] == [9, 10]


def test_every_account_failing_is_never_an_empty_frame(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetOpenOrders"].extend([reply({"result": False, "errormsg": "Not Authorized",
                                                   "errorcode": 20})] * 2)
    with pytest.raises(PartialSnapshotError):
        client.open_orders([9, 10], strict=False)


def test_expired_session_mid_snapshot_logs_in_once(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client(max_concurrency=4)
    accounts = list(range(1, 41))
    gateway.orders = {a: [] for a in accounts}
    gateway.orders[7] = [{"OrderId": 1, "Account": 7}]
    assert gateway.logins == 1
    gateway.token = "renewed-" + TOKEN  # the old session expires server side
    frame = client.open_orders(accounts)
    assert gateway.logins == 2
    assert len(frame) == 1 and client._auth.relogins == 1
    assert frame.attrs["accounts_failed"] == {}


def test_expired_session_write_is_resent_once(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.token = "renewed"
    assert client.call("CancelOrder", AccountId=9, OrderId=900)["result"] is True
    assert gateway.count("CancelOrder") == 2 and gateway.logins == 2


def test_relogin_happens_once_per_request(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetInstruments"].extend([reply({"result": False, "errormsg": "Not Authorized",
                                                    "errorcode": 20}, status=401)] * 3)
    with pytest.raises(NotAuthorizedError):
        client.instruments()
    assert gateway.count("GetInstruments") == 2 and gateway.logins == 2


def test_concurrency_is_bounded(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client(max_concurrency=3)
    lock, active, peak = threading.Lock(), [0], [0]
    done = threading.Event()

    def slow(request: httpx.Request, payload: dict[str, Any]) -> httpx.Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        done.wait(0.02)
        with lock:
            active[0] -= 1
        return json_response([])

    gateway.script["GetOpenOrders"].extend([slow] * 12)
    frame = client.open_orders(list(range(1, 13)))
    assert len(frame) == 0 and frame.attrs["accounts_requested"] == list(range(1, 13))
    assert 1 < peak[0] <= 3


def test_max_rate_spaces_requests(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client(max_rate=50.0)
    start = pd.Timestamp.now()
    client.open_orders(list(range(1, 11)))
    assert (pd.Timestamp.now() - start).total_seconds() >= 10 / 50 * 0.8
