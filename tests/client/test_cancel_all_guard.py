"""DESIGN §2.1/§2.3 at the raw door: ``Client.call("CancelAllOrders", ...)`` against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from apex_notebook.cancel.scope import ALL
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS
from apex_notebook.wire.errors import ApexError, ScopeError


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


@pytest.mark.parametrize("payload", [
    {"InstrumentId": 1},                                   # AccountId omitted: every account
    {"AccountId": None, "InstrumentId": 1},
    {"AccountId": True, "InstrumentId": 1},               # bool is not an id
    {"AccountId": -9, "InstrumentId": 1},
    {"AccountId": "9", "InstrumentId": 1},
    {"AccountId": 9.0, "InstrumentId": 1},
    {"AccountId": 2**63, "InstrumentId": 1},
    {"AccountId": 9},                                      # instrument omitted: every instrument
    {"AccountId": 9, "InstrumentId": None},
    {"AccountId": 9, "InstrumentId": 1, "IntrumentId": 2},  # the spellings disagree
    {"AccountId": 9, "accountid": 10, "InstrumentId": 1},  # one key twice
])
def test_unsafe_raw_cancel_all_is_refused_before_any_request(sim: FakeOMS, ops: Client,
                                                             payload: dict[str, Any]) -> None:
    before = len(sim.requests)
    with pytest.raises(ScopeError):
        ops.call("CancelAllOrders", **payload)
    assert len(sim.requests) == before and sim.open_order_ids(9)


@pytest.mark.parametrize("name", ["CancelAllOrders", "cancelallorders", "/AP/CancelAllOrders"])
def test_raw_cancel_all_always_carries_account_and_both_spellings(sim: FakeOMS, ops: Client,
                                                                  name: str) -> None:
    sim.config.instrument_key = "IntrumentId"      # a gateway that reads only the table's typo
    widened = sim.open_order_ids(9) - sim.open_order_ids(9, 1)
    ops.call(name, AccountId=np.int64(9), InstrumentId=1)
    assert cancels(sim) == [{"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "IntrumentId": 1}]
    assert sim.open_order_ids(9) == widened        # only instrument 1 went, not everything


def test_raw_cancel_all_zero_and_all_mean_all_explicitly(sim: FakeOMS, ops: Client) -> None:
    ops.call("CancelAllOrders", AccountId=ALL, IntrumentId=0)
    assert cancels(sim) == [{"OMSId": 1, "AccountId": 0, "InstrumentId": 0, "IntrumentId": 0}]
    assert sim.open_order_ids() == set()


def test_none_never_means_all_in_open_orders(ops: Client) -> None:
    for bad in (None, [None], [], [9, None]):
        with pytest.raises(ScopeError):
            ops.open_orders(bad)  # type: ignore[arg-type]
    with pytest.raises(ScopeError):
        ops.open_orders(9, None)  # type: ignore[arg-type]


def test_account_ids_lists_every_visible_account(sim: FakeOMS, ops: Client) -> None:
    assert ops.account_ids() == sorted(sim.catalog.accounts)


@pytest.mark.parametrize("name", ["CancelAllOrders?", "CancelAllOrders?AccountId=0", "CancelAllOrders#",
                                  "CancelAllOrders%3F", "AP/CancelAllOrders/x", "Cancel AllOrders", ""])
def test_a_call_name_cannot_smuggle_a_url_past_the_guard(sim: FakeOMS, ops: Client, name: str) -> None:
    """``call("CancelAllOrders?")`` reached the gateway as a CancelAllOrders without AccountId: every
    order of every account was cancelled. A name is a path segment: letters and digits only."""
    before, open_before = len(sim.requests), sim.open_order_ids()
    with pytest.raises(ApexError, match=r"not an APEX call name.*nothing was sent"):
        ops.call(name)
    assert len(sim.requests) == before and sim.open_order_ids() == open_before
