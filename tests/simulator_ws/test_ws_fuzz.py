"""Random payloads to every call over the WebSocket (subscriptions included): every request gets
exactly one reply (m:1, or m:5 for an unknown name), never errorcode 102, and the connection stays up."""

from __future__ import annotations

import json
import random
from typing import Any

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.calls_ws import WS_CALLS
from apex_notebook.simulator.dispatch import CALLS

from .conftest import Connect

KEYS = ["AccountId", "InstrumentId", "OrderId", "OrderIdToReplace", "Side", "OrderType", "Quantity", "LimitPrice",
        "StopPrice", "TimeInForce", "Depth", "IncludeLastCount", "Interval", "FromDate", "ToDate", "StartIndex"]
VALUES: list[Any] = [0, 1, 2, 9, 13, -1, 2**63, 2**64, 0.5, 1e308, True, None, "", "1", "\u0669", "NaN", "Buy",
                     "Limit", "IOC", "2026-01-01", [], {}, "x" * 200, 60_000, 3_000, 61_000]


def random_payload(rng: random.Random, order_ids: list[int]) -> dict[str, Any]:
    """Plausible and broken values in a mix, keys in random case."""
    payload: dict[str, Any] = {"OMSId": 1} if rng.random() < 0.9 else {}
    for key in ["AccountId", "InstrumentId", *rng.sample(KEYS, rng.randint(0, 6))]:
        spelled = "".join(c.upper() if rng.random() < 0.2 else c for c in key)
        if spelled.lower() in {k.lower() for k in payload}:
            continue
        if key in ("OrderId", "OrderIdToReplace") and order_ids:
            payload[spelled] = rng.choice(order_ids)
        elif key == "AccountId":
            payload[spelled] = rng.choice([9, 13, 0])
        elif key == "InstrumentId":
            payload[spelled] = rng.choice([1, 2, 99])
        else:
            payload[spelled] = rng.choice(VALUES)
    return payload


def test_random_ws_calls_always_get_one_sane_reply(ws_connect: Connect, sim: FakeOMS) -> None:
    client = ws_connect("ops")
    rng = random.Random(5)
    names = sorted({spec.name for spec in [*CALLS.values(), *WS_CALLS.values()]}
                   - {"LogOut", "Authenticate", "AuthenticateUser", "WebAuthenticateUser", "Authenticate2FA"})
    for _ in range(400):
        name = rng.choice(names)
        payload = random_payload(rng, sorted(sim.open_order_ids()))
        frame = client.reply(client.send(name, payload))
        assert frame["m"] == 1 and frame["n"] == name, frame
        body = json.loads(frame["o"])
        if isinstance(body, dict) and body.get("result") is False:
            assert body["errorcode"] != 102, (name, payload, body)
    assert client.call("Ping") == {"msg": "PONG"}
