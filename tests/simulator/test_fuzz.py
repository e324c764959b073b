"""Random payloads to every call never crash a handler (errorcode 102) nor a gateway (HTTP 5xx).

Values are drawn (seeded) from the shapes that break parsers: wrong types, negatives, huge
numbers, non-ASCII digits, NaN-ish text, nested containers; keys are the documented ones in
random case plus strays. A refused call must leave the orders as they were.
"""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.simulator.dispatch import CALLS

KEYS = ["OMSId", "AccountId", "InstrumentId", "IntrumentId", "OrderId", "OrderIdToReplace", "Side", "OrderType",
        "Quantity", "LimitPrice", "StopPrice", "TimeInForce", "ClientOrderId", "StartTimestamp", "EndTimestamp",
        "StartIndex", "Depth", "Count", "Limit", "Interval", "FromDate", "ToDate", "ProductId", "UserId",
        "UserName", "MakerTaker", "OrderState", "ExecutionId", "TradeId", "IncludeLastCount", "Price", "Extra"]
VALUES: list[Any] = [0, 1, 2, 9, 13, -1, 2**63 - 1, 2**63, 2**64, 1.5, 0.0001, 1e308, True, False, None, "", "1", "9",
                     "\u0669", "NaN", "Infinity", "-0", "1e3", "Buy", "Sell", "Limit", "Market", "IOC", "FOK",
                     "2026-01-01", "2026-01-01 00:00:00", "yesterday", [], [1], {}, {"a": 1}, "x" * 300]


GOOD: dict[str, list[Any]] = {
    "AccountId": [9, 10, 13, 1], "InstrumentId": [1, 2, 5, 6], "Side": [0, 1, "Sell"], "OrderType": [1, 2, 2, 3, 4],
    "Quantity": [0.01, 0.5, 2, "0.1"], "LimitPrice": [60_000, 59_000, 3_000, 150, 0.0013],
    "StopPrice": [61_000, 59_000, 3_100], "TimeInForce": [1, 3, 4], "Depth": [1, 5, 100], "Count": [1, 10],
    "Interval": [60, 3600], "MakerTaker": ["Maker", "Taker"], "ProductId": [1, 2], "IncludeLastCount": [0, 3],
}


#: Keys a call needs, offered most of the time so that its handler runs past validation.
NEEDS = {
    "SendOrder": ("AccountId", "InstrumentId", "Side", "OrderType", "Quantity", "LimitPrice", "StopPrice",
                  "TimeInForce"),
    "CancelReplaceOrder": ("OrderIdToReplace", "LimitPrice", "Quantity", "StopPrice", "TimeInForce"),
    "ModifyOrder": ("OrderId", "AccountId", "InstrumentId", "Quantity"),
    "CancelOrder": ("OrderId",), "GetOrderHistoryByOrderId": ("OrderId",), "GetOrderStatus": ("OrderId",),
    "GetTickerHistory": ("InstrumentId", "Interval", "FromDate", "ToDate"),
}


def random_payload(rng: random.Random, name: str, order_ids: list[int]) -> dict[str, Any]:
    """Mostly plausible values (so handlers run past validation), some junk, keys in random case."""
    payload: dict[str, Any] = {"OMSId": 1} if rng.random() < 0.9 else {}
    needed = [key for key in NEEDS.get(name, ("AccountId", "InstrumentId")) if rng.random() < 0.85]
    keys = needed + rng.sample(KEYS, rng.randint(0, 4))
    for key in keys:
        spelled = "".join(c.upper() if rng.random() < 0.2 else c for c in key)
        if spelled.lower() in {k.lower() for k in payload}:
            continue
        if key in ("OrderId", "OrderIdToReplace") and order_ids and rng.random() < 0.8:
            payload[spelled] = rng.choice(order_ids)
        elif key in GOOD and rng.random() < 0.8:
            payload[spelled] = rng.choice(GOOD[key])
        else:
            payload[spelled] = rng.choice(VALUES)
    return payload


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_random_payloads_never_crash(seed: int) -> None:
    sim = FakeOMS.seeded(seed=seed, accounts=14, orders_per_account=4, clock=ManualClock())
    ops = httpx.Client(transport=sim.transport(), base_url=sim.url)
    ops.headers["aptoken"] = ops.get("/AP/Authenticate", auth=("ops", "demo")).json()["SessionToken"]
    rng = random.Random(seed)
    names = sorted(spec.name for spec in CALLS.values() if spec.name not in ("LogOut",))
    for _ in range(1500):
        name = rng.choice(names)
        before = sim.open_order_ids()
        payload = random_payload(rng, name, sorted(before))
        reply = ops.post(f"/AP/{name}", json=payload)
        assert reply.status_code < 500, (name, payload, reply.text)
        body = reply.json() if reply.headers["content-type"].startswith("application/json") else None
        if isinstance(body, dict) and body.get("result") is False:
            assert body["errorcode"] != 102, (name, payload, body)
            assert sim.open_order_ids() == before, (name, payload)
