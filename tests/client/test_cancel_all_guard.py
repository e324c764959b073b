"""DESIGN §2.1 at the raw door: no ``CancelAllOrders`` leaves except through preview -> execute.

``Client.call`` refuses it under any spelling; ``Rpc.call`` refuses it too unless the private opt-in of
``Client.send_cancel_all`` is given; payload keys a gateway could misread are refused in every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS
from apex_notebook.wire.errors import AlreadyExecutedError, ApexError, ScopeError
from apex_notebook.wire.rpc import Rpc
from apex_notebook.wire.session import Credentials, login

REFUSED = r"never sends CancelAllOrders.*Nothing was sent.*apex\.preview\(.*apex\.execute\("


@pytest.fixture
def sim() -> FakeOMS:
    return FakeOMS.seeded(seed=3, accounts=12, orders_per_account=6)


@pytest.fixture
def ops(sim: FakeOMS) -> Iterator[Client]:
    client = Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)
    yield client
    client.close()


def cancels(sim: FakeOMS) -> list[dict[str, Any]]:
    return [c.payload for c in sim.requests if c.name == "CancelAllOrders"]


SPELLINGS = ["CancelAllOrders", "cancelallorders", "CANCELALLORDERS", " CancelAllOrders ", "CancelAllOrders\n",
             "\tCancelAllOrders", "/AP/CancelAllOrders", "ap/cancelallorders", "AP/CancelAllOrders/x",
             "Cancel_All_Orders", "Cancel AllOrders", "CancelAllOrders?", "CancelAllOrders?AccountId=0",
             "CancelAllOrders#", "CancelAllOrders%3F",
             "\uff23\uff41\uff4e\uff43\uff45\uff4c\uff21\uff4c\uff4c\uff2f\uff52\uff44\uff45\uff52\uff53",  # full-width
             "CancelAll\u24c4rders",      # circled O: NFKC makes it an O
             "CancelAllOrders\u200b"]  # a zero-width space


@pytest.mark.parametrize("name", SPELLINGS)
@pytest.mark.parametrize("payload", [{"AccountId": 9, "InstrumentId": 1}, {"AccountId": 0, "InstrumentId": 0},
                                     {}])
def test_raw_cancel_all_is_refused_under_every_spelling(sim: FakeOMS, ops: Client, name: str,
                                                        payload: dict[str, Any]) -> None:
    before, open_before = len(sim.requests), sim.open_order_ids()
    with pytest.raises(ScopeError, match=REFUSED) as info:
        ops.call(name, **payload)
    assert info.value.call == "CancelAllOrders"
    assert len(sim.requests) == before and sim.open_order_ids() == open_before


@pytest.mark.parametrize("payload", [
    {"InstrumentId": 1}, {"AccountId": None, "InstrumentId": 1}, {"AccountId": True, "InstrumentId": 1},
    {"AccountId": -9, "InstrumentId": 1}, {"AccountId": "9", "InstrumentId": 1}, {"AccountId": 9},
    {"AccountId": 9, "InstrumentId": 1, "IntrumentId": 2}, {"AccountId": ALL, "IntrumentId": 0},
])
def test_no_payload_opens_the_raw_door(sim: FakeOMS, ops: Client, payload: dict[str, Any]) -> None:
    before = len(sim.requests)
    with pytest.raises(ScopeError, match=REFUSED):
        ops.call("CancelAllOrders", **payload)
    assert len(sim.requests) == before and sim.open_order_ids(9)


def test_the_rpc_layer_refuses_cancel_all_without_the_private_opt_in(sim: FakeOMS) -> None:
    """Defence in depth: even code that reaches past Client.call cannot send it by accident."""
    rpc = Rpc(httpx.Client(transport=sim.transport()), sim.url)
    rpc.http.headers["aptoken"] = login(rpc, Credentials(username="ops", password="demo")).token
    payload = {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "IntrumentId": 1}
    for name in ("CancelAllOrders", "cancelAllOrders"):
        with pytest.raises(ScopeError, match=REFUSED):
            rpc.call(name, payload)
    with pytest.raises(ScopeError, match=REFUSED):  # the opt-in takes the exact name only
        rpc.call("cancelallorders", payload, _send_cancel_all=True)
    assert cancels(sim) == [] and sim.open_order_ids(9, 1)
    rpc.call("CancelAllOrders", payload, _send_cancel_all=True)  # what send_cancel_all does
    assert cancels(sim) == [payload] and not sim.open_order_ids(9, 1)
    rpc.http.close()


def test_the_only_way_out_is_preview_then_execute(sim: FakeOMS, ops: Client) -> None:
    plan = ops.preview(CancelScope(account_id=9, instrument_id=1))
    with pytest.raises(AlreadyExecutedError, match="Nothing was sent"):
        ops.send_cancel_all(plan)  # not journalled by execute: refused
    assert cancels(sim) == []
    sim.config.instrument_key = "IntrumentId"  # a gateway that reads only the table's typo
    widened = sim.open_order_ids(9) - sim.open_order_ids(9, 1)
    ops.execute(plan, reason="test", confirm=plan.confirmation_phrase, journal=Journal(":memory:"))
    assert cancels(sim) == [{"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "IntrumentId": 1}]
    assert sim.open_order_ids(9) == widened


@pytest.mark.parametrize("name", ["GetOpenOrders", "CancelOrder", "SendOrder", "GetOrderStatus"])
@pytest.mark.parametrize(("payload", "words"), [
    ({" AccountId": 0}, "white space"), ({"AccountId ": 0}, "white space"), ({"AccountId\t": 9}, "white space"),
    ({"AccountId\n": 9}, "white space"), ({"Account\x00Id": 9}, "control or non-ASCII"),
    ({"Account\u0130d": 9}, "control or non-ASCII"), ({"AccountId\u200b": 9}, "control or non-ASCII"),
    ({"\uff21ccountId": 9}, "control or non-ASCII"), ({"": 9}, "empty"),
    ({"AccountId": 9, "accountid": 0}, "differ only in case"),
    ({"AccountId": 9, "ACCOUNTID": 9}, "differ only in case"),
    ({"AccountId": 9, "Extra": {"Side": 0, "side": 1}}, "differ only in case"),
    ({"AccountId": 9, "Legs": [{"OrderId": 1, " OrderId": 2}]}, "white space"),
])
def test_keys_a_gateway_could_misread_are_refused_in_every_call(sim: FakeOMS, ops: Client, name: str,
                                                                payload: dict[str, Any], words: str) -> None:
    before, open_before = len(sim.requests), sim.open_order_ids()
    with pytest.raises(ScopeError, match=rf"{name} was not sent: .*{words}.*Nothing was sent"):
        ops.call(name, **payload)
    assert len(sim.requests) == before and sim.open_order_ids() == open_before


def test_keys_are_refused_in_snapshots_reads_too(sim: FakeOMS, ops: Client) -> None:
    before = len(sim.requests)
    with pytest.raises(ScopeError, match="white space"):
        ops.read("GetOpenOrders", {"OMSId": 1, "AccountId ": 9})
    assert len(sim.requests) == before


@pytest.mark.parametrize("name", ["GetOpenOrders?AccountId=0", "GetOpenOrders#", "GetOpenOrders%3F",
                                  "AP/GetOpenOrders/x", "Get OpenOrders", "CancelOrder?OrderId=1", "",
                                  "Get\uff2fpenOrders"])
def test_a_call_name_cannot_smuggle_a_url_past_the_guard(sim: FakeOMS, ops: Client, name: str) -> None:
    """``call("CancelAllOrders?")`` once reached the gateway as a CancelAllOrders without AccountId:
    every order of every account was cancelled. A name is a path segment: letters and digits only."""
    before, open_before = len(sim.requests), sim.open_order_ids()
    with pytest.raises(ApexError, match=r"not an APEX call name.*nothing was sent"):
        ops.call(name)
    assert len(sim.requests) == before and sim.open_order_ids() == open_before
