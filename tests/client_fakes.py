"""A programmable fake APEX gateway on ``httpx.MockTransport``, for the client fault tests."""

from __future__ import annotations

import base64
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

from apex_notebook.client import Client

PASSWORD = "s3cret-Pa55word"
API_SECRET = "api-SECRET-value-42"
TOKEN = "sess-TOKEN-0123456789abcdef"
PENDING = "pending-2FA-TOKEN-xyz"
CODE = "654321"
URL = "http://gw.test"

Handler = Callable[[httpx.Request, dict[str, Any]], httpx.Response]


def order(order_id: int, account: int, instrument: int = 1, **over: Any) -> dict[str, Any]:
    """A full APEX order object (documented field order)."""
    base: dict[str, Any] = {
        "Side": "Buy", "OrderId": order_id, "Price": 100.5, "Quantity": 2.0, "DisplayQuantity": 2.0,
        "Instrument": instrument, "Account": account, "AccountName": f"acct-{account}", "OrderType": "Limit",
        "ClientOrderId": 0, "OrderState": "Working", "ReceiveTime": 1700000000123,
        "ReceiveTimeTicks": 638356000001230000, "LastUpdatedTime": 1700000000456,
        "LastUpdatedTimeTicks": 638356000004560000, "OrigQuantity": 2.0, "QuantityExecuted": 0.0,
        "GrossValueExecuted": 0.0, "ExecutableValue": 0.0, "AvgPrice": 0.0, "CounterPartyId": 0,
        "ChangeReason": "NewInputAccepted", "OrigOrderId": order_id, "OrigClOrdId": 0, "EnteredBy": 1,
        "UserName": "ops", "IsQuote": False, "InsideAsk": 101.0, "InsideAskSize": 1.0, "InsideBid": 100.0,
        "InsideBidSize": 1.0, "LastTradePrice": 100.2, "RejectReason": "", "IsLockedIn": False,
        "CancelReason": "", "OrderFlag": "AddedToBook", "UseMargin": False, "StopPrice": 0.0,
        "PegPriceType": "Unknown", "PegOffset": 0.0, "PegLimitOffset": 0.0, "IpAddress": None,
        "IPv6a": 0, "IPv6b": 0, "ClientOrderIdUuid": None, "OMSId": 1,
    }
    base.update(over)
    return base


def json_response(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(data), headers={"Content-Type": "application/json"})


class FakeGateway:
    """Routes ``/AP/<Name>``; ``script[name]`` is a list of one-shot handlers used before the default."""

    def __init__(self, *, accounts: tuple[int, ...] = (9, 10), operator: bool = False) -> None:
        self.accounts = list(accounts)
        self.operator = operator
        self.token = TOKEN
        self.logins = 0
        self.calls: list[tuple[str, dict[str, Any], httpx.Headers]] = []
        self.script: dict[str, list[Handler]] = defaultdict(list)
        self.orders: dict[int, list[dict[str, Any]]] = {a: [order(a * 100 + i, a) for i in range(3)]
                                                        for a in accounts}
        self.require_2fa = False
        self._lock = threading.Lock()

    def count(self, name: str) -> int:
        return sum(1 for n, _, _ in self.calls if n == name)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        payload = orjson.loads(request.content) if request.content else dict(request.url.params)
        with self._lock:
            self.calls.append((name, payload, request.headers))
            scripted = self.script[name].pop(0) if self.script[name] else None
        if scripted is not None:
            return scripted(request, payload)
        if name in ("Authenticate", "Authenticate2FA"):
            return self.authenticate(name, request, payload)
        if request.headers.get("aptoken") != self.token:
            return json_response({"result": False, "errormsg": "Not Authorized", "errorcode": 20,
                                  "detail": None}, 401)
        return self.default(name, payload)

    def authenticate(self, name: str, request: httpx.Request, payload: dict[str, Any]) -> httpx.Response:
        if name == "Authenticate2FA":
            ok = request.headers.get("Pending2FaToken") == PENDING and payload.get("Code") == CODE
        else:
            auth = request.headers.get("Authorization", "")
            ok = auth == "Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode() or (
                request.headers.get("APIKey") == "ops-key")
            if ok and self.require_2fa:
                return json_response({"Authenticated": True, "Requires2FA": True, "AuthType": "Google",
                                      "Pending2FaToken": PENDING})
        if not ok:
            return json_response({"Authenticated": False, "errormsg": "Invalid username or password"})
        with self._lock:
            self.logins += 1
        return json_response({"Authenticated": True, "SessionToken": self.token, "UserId": 1})

    def default(self, name: str, payload: dict[str, Any]) -> httpx.Response:
        if name == "GetUserInfo":
            return json_response({"UserId": 1, "UserName": "ops", "OMSId": 1, "AccountId": 9})
        if name == "GetUserPermissions":
            return json_response(["Operator"] if self.operator else ["Trading"])
        if name == "GetUserAccounts":
            return json_response(self.accounts)
        if name == "GetAllAccountPositions":
            start = int(payload.get("StartIndex", 0))
            rows = [{"AccountId": a, "ProductId": p} for a in self.accounts if a >= start for p in (1, 2)]
            return json_response(rows[: int(payload.get("Limit", 500))])
        if name == "GetAccountInfo":
            account = payload["AccountId"]
            return json_response({"AccountId": account, "AccountName": f"acct-{account}"})
        if name == "GetInstruments":
            return json_response([{"InstrumentId": 1, "Symbol": "BTCUSD", "Product1Symbol": "BTC",
                                   "Product2Symbol": "USD", "SessionStatus": "Running", "OMSId": 1},
                                  {"InstrumentId": 2, "Symbol": "ETHUSD", "Product1Symbol": "ETH",
                                   "Product2Symbol": "USD", "SessionStatus": "Running", "OMSId": 1}])
        if name == "GetOpenOrders":
            return json_response(self.orders.get(int(payload["AccountId"]), []))
        if name == "GetOrdersHistory":
            return json_response(self.orders.get(int(payload["AccountId"]), []))
        if name in ("LogOut", "CancelAllOrders", "CancelOrder"):
            return json_response({"result": True, "errormsg": None, "errorcode": 0, "detail": None})
        if name == "Ping":
            return json_response({"msg": "PONG"})
        return json_response({"result": False, "errormsg": "Operation Not Supported", "errorcode": 106,
                              "detail": name})


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def make_client(gateway: FakeGateway) -> Iterator[Callable[..., Any]]:
    made: list[Client] = []

    def make(**kw: Any) -> Client:
        kw.setdefault("username", "ops")
        kw.setdefault("password", PASSWORD)
        kw.setdefault("backoff", 0.0)
        kw.setdefault("progress", False)
        client = Client(URL, transport=gateway.transport(), **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
