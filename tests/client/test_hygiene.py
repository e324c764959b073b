"""Client hygiene: a closed client says so (``ClientClosedError``), and ``execute`` names its own arguments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import apex_notebook as apx
from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS
from apex_notebook.wire.errors import ApexError, ClientClosedError

CLOSED = r"Client is closed.*Nothing was sent; create a new Client"


@pytest.fixture
def sim() -> FakeOMS:
    return FakeOMS.seeded(seed=3, accounts=12, orders_per_account=4)


def connect(sim: FakeOMS) -> Client:
    return Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)


USES: dict[str, Callable[[Client], Any]] = {
    "call": lambda c: c.call("GetOpenOrders", AccountId=9),
    "read": lambda c: c.read("GetOpenOrders", {"OMSId": 1, "AccountId": 9}),
    "open_orders": lambda c: c.open_orders(9),
    "open_orders_all": lambda c: c.open_orders(),
    "open_orders_list": lambda c: c.open_orders([9, 10, 11]),
    "open_orders_one_in_list": lambda c: c.open_orders([9]),
    "accounts": lambda c: c.accounts(),
    "account_ids": lambda c: c.account_ids(),
    "instruments": lambda c: c.instruments(),
    "order_history": lambda c: c.order_history(9),
    "preview": lambda c: c.preview(CancelScope(account_id=9, instrument_id=ALL)),
}


@pytest.mark.parametrize("use", list(USES))
@pytest.mark.parametrize("how", ["close", "with"])
def test_a_closed_client_raises_client_closed_error(sim: FakeOMS, use: str, how: str) -> None:
    client = connect(sim)
    if how == "close":
        client.close()
    else:
        with client:
            pass
    before = len(sim.requests)
    with pytest.raises(ClientClosedError, match=CLOSED) as info:
        USES[use](client)
    assert isinstance(info.value, ApexError) and not isinstance(info.value, RuntimeError)
    assert len(sim.requests) == before
    client.close()  # still idempotent


def test_execute_on_a_closed_client_sends_nothing(sim: FakeOMS) -> None:
    client = connect(sim)
    plan = client.preview(CancelScope(account_id=9, instrument_id=ALL))
    client.close()
    before = len(sim.requests)
    with pytest.raises(ClientClosedError, match=CLOSED):
        client.execute(plan, reason="test", confirm=plan.confirmation_phrase, journal=Journal(":memory:"))
    assert len(sim.requests) == before and sim.open_order_ids(9)
    assert not any(r.name == "CancelAllOrders" for r in sim.requests)


def test_client_closed_error_is_public() -> None:
    assert apx.ClientClosedError is ClientClosedError and "ClientClosedError" in apx.__all__
    assert issubclass(ClientClosedError, apx.ApexError)


@pytest.mark.parametrize(("kwargs", "needs"), [
    ({"confirm": "x"}, r"needs reason=\.\.\. \(why, for the journal\); nothing was sent"),
    ({"reason": "why"}, r"needs confirm=plan\.confirmation_phrase; nothing was sent"),
    ({}, r"needs reason=\.\.\. \(why, for the journal\) and confirm=plan\.confirmation_phrase"),
])
def test_execute_names_its_own_missing_arguments(sim: FakeOMS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 kwargs: dict[str, str], needs: str) -> None:
    monkeypatch.chdir(tmp_path)
    with connect(sim) as client:
        plan = client.preview(CancelScope(account_id=9, instrument_id=ALL))
        if "confirm" in kwargs:
            kwargs = {**kwargs, "confirm": plan.confirmation_phrase}
        with pytest.raises(TypeError, match=r"^Client\.execute\(\) " + needs) as info:
            client.execute(plan, **kwargs)
        assert "execute_plan" not in str(info.value)
        assert not any(r.name == "CancelAllOrders" for r in sim.requests)
        assert list(tmp_path.iterdir()) == [] and client.journal is None  # no journal made either
        result = client.execute(plan, reason="now with a reason", confirm=plan.confirmation_phrase,
                                journal=Journal(":memory:"))
        assert result.ok and not sim.open_order_ids(9)  # the plan was not spent by the refusal
