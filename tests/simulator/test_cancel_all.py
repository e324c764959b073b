"""CancelAllOrders exactly as the seed says: the full account x instrument x user x key-mode matrix,
delayed cancels, fill races, and refusals that change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock

from .conftest import Login, assert_error, call, session_token

ALL_ACCOUNTS = object()
ACCOUNTS: list[Any] = [9, 0, None]  # specific, explicit 0, omitted
INSTRUMENTS: list[tuple[str, int] | None] = [
    ("InstrumentId", 1),
    ("InstrumentId", 0),
    ("IntrumentId", 1),
    ("IntrumentId", 0),
    None,
]
HONOURED = {
    "both": {"InstrumentId", "IntrumentId"},
    "InstrumentId": {"InstrumentId"},
    "IntrumentId": {"IntrumentId"},
    "none": set(),
}
TRADER_ACCOUNTS = {9, 10}


@pytest.fixture
def sim(clock: ManualClock) -> FakeOMS:
    """Overrides the conftest simulator: every case of the matrix has orders to hit."""
    sim = FakeOMS.seeded(seed=11, accounts=13, orders_per_account=6, clock=clock)
    for account, instrument in ((9, 1), (9, 2), (10, 1), (10, 3), (11, 1), (13, 1), (13, 4)):
        sim.place_order(account, instrument, price=123.0)
    return sim


def send(client: httpx.Client, account: Any, instrument: tuple[str, int] | None) -> httpx.Response:
    payload: dict[str, Any] = {"OMSId": 1}
    if account is not None:
        payload["AccountId"] = account
    if instrument is not None:
        payload[instrument[0]] = instrument[1]
    return client.post("/AP/CancelAllOrders", json=payload)


def expected_targets(
    sim: FakeOMS,
    before: set[int],
    *,
    user: str,
    account: Any,
    instrument: tuple[str, int] | None,
    mode: str,
    trading_all: str,
) -> set[int] | None:
    """The orders the seed's semantics say must be cancelled (None: the call is refused)."""
    if account:
        accounts: set[int] | None = {account}
    elif user == "ops":
        accounts = None
    elif trading_all == "associated":
        accounts = TRADER_ACCOUNTS
    else:
        return None
    instrument_id = None
    if instrument is not None and instrument[0] in HONOURED[mode] and instrument[1]:
        instrument_id = instrument[1]
    targets = set()
    for order_id in before:
        order = sim.order(order_id)
        in_accounts = accounts is None or order["Account"] in accounts
        if in_accounts and instrument_id in (None, order["Instrument"]):
            targets.add(order_id)
    return targets


def assert_canceled(sim: FakeOMS, order_id: int, at_ms: int) -> None:
    order = sim.order(order_id)
    assert order["OrderState"] == "Canceled"
    assert order["Quantity"] == 0
    assert order["ChangeReason"] == "UserModified" and order["CancelReason"] == "UserModified"
    assert order["OrderFlag"] == "AddedToBook, RemovedFromBook"
    assert order["LastUpdatedTime"] == at_ms


def run_case(
    sim: FakeOMS,
    clock: ManualClock,
    *,
    user: str,
    account: Any,
    instrument: tuple[str, int] | None,
    mode: str,
    trading_all: str,
) -> None:
    sim.config.instrument_key = mode
    sim.config.trading_all_accounts = trading_all
    with httpx.Client(transport=sim.transport(), base_url=sim.url) as client:
        client.headers["aptoken"] = session_token(client, user)
        before = sim.open_order_ids()
        clock.advance(1.5)
        reply = send(client, account, instrument)
    expected = expected_targets(
        sim, before, user=user, account=account, instrument=instrument, mode=mode, trading_all=trading_all
    )
    after = sim.open_order_ids()
    if expected is None:
        assert_error(reply.json(), 20, "Operator only")
        assert after == before
        return
    assert reply.json() == {"result": True, "errormsg": None, "errorcode": 0, "detail": None}
    assert before - after == expected
    assert expected, "every case of the matrix must cancel something"
    for order_id in expected:
        assert_canceled(sim, order_id, round(clock.now() * 1000))


@pytest.mark.parametrize("mode", list(HONOURED))
@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=str)
@pytest.mark.parametrize("account", ACCOUNTS, ids=["account9", "account0", "account-omitted"])
@pytest.mark.parametrize("user", ["ops", "trader"])
def test_matrix(  # noqa: PLR0917
    sim: FakeOMS,
    clock: ManualClock,
    user: str,
    account: Any,
    instrument: tuple[str, int] | None,
    mode: str,
) -> None:
    run_case(sim, clock, user=user, account=account, instrument=instrument, mode=mode, trading_all="refuse")


@pytest.mark.parametrize("mode", ["both", "none"])
@pytest.mark.parametrize("instrument", INSTRUMENTS, ids=str)
@pytest.mark.parametrize("account", [0, None], ids=["account0", "account-omitted"])
def test_trader_all_accounts_associated_mode(
    sim: FakeOMS, clock: ManualClock, account: Any, instrument: tuple[str, int] | None, mode: str
) -> None:
    run_case(
        sim, clock, user="trader", account=account, instrument=instrument, mode=mode, trading_all="associated"
    )


def test_account_zero_really_means_every_account(sim: FakeOMS, login: Login) -> None:
    accounts_with_orders = {sim.order(i)["Account"] for i in sim.open_order_ids()}
    assert accounts_with_orders == set(range(1, 14))
    call(login("ops"), "CancelAllOrders", OMSId=1, AccountId=0)
    assert sim.open_order_ids() == set()


def test_null_account_is_omitted_and_string_values_are_coerced(sim: FakeOMS, login: Login) -> None:
    before = sim.open_order_ids()
    call(login("ops"), "CancelAllOrders", OMSId="1", AccountId=None, IntrumentId="1")  # ccxt's exact shape
    assert before - sim.open_order_ids() == {i for i in before if sim.order(i)["Instrument"] == 1}


def test_query_string_cancel(sim: FakeOMS, login: Login) -> None:
    ops = login("ops")
    before = sim.open_order_ids(account_id=10)
    assert ops.get("/ap/cancelallorders", params={"omsid": "1", "accountid": "10"}).json()["result"] is True
    assert sim.open_order_ids(account_id=10) == set() and before


@pytest.mark.parametrize(
    ("payload", "errorcode", "detail"),
    [
        ({"AccountId": 9}, 100, "OMSId is required"),
        ({"OMSId": 2, "AccountId": 9}, 100, "OMSId 2"),
        ({"OMSId": 1, "AccountId": 9, "InstrumentId": 99}, 100, "Invalid InstrumentId: 99"),
        ({"OMSId": 1, "AccountId": 9, "IntrumentId": 99}, 100, "Invalid InstrumentId: 99"),
        ({"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "IntrumentId": 2}, 100, "disagree"),
        ({"OMSId": 1, "AccountId": 999}, 104, "Account 999"),
        ({"OMSId": 1, "AccountId": -9}, 100, "negative"),
        ({"OMSId": 1, "AccountId": True}, 100, "boolean"),
        ({"OMSId": 1, "AccountId": 9.5}, 100, "integer"),
        ({"OMSId": 1, "AccountId": 2**63}, 100, "out of range"),
        ({"OMSId": 1, "AccountId": "nine"}, 100, "integer"),
        ({"OMSId": 1, "AccountId": 9, "accountid": 0}, 100, "differ only in case"),
    ],
)
def test_refused_cancels_change_nothing(
    sim: FakeOMS, login: Login, payload: dict[str, Any], errorcode: int, detail: str
) -> None:
    before = sim.open_order_ids()
    assert_error(call(login("ops"), "CancelAllOrders", **payload), errorcode, detail)
    assert sim.open_order_ids() == before and sim.pending == 0


def test_same_value_under_both_spellings_is_fine(sim: FakeOMS, login: Login) -> None:
    before = sim.open_order_ids(account_id=9)
    call(login("ops"), "CancelAllOrders", OMSId=1, AccountId=9, InstrumentId=1, IntrumentId=1)
    assert before - sim.open_order_ids(account_id=9) == sim.open_order_ids(9, 1) | {
        i for i in before if sim.order(i)["Instrument"] == 1
    }


def test_unhonoured_key_is_ignored_even_when_invalid(sim: FakeOMS, login: Login) -> None:
    sim.config.instrument_key = "InstrumentId"
    call(login("ops"), "CancelAllOrders", OMSId=1, AccountId=9, IntrumentId=99)
    assert sim.open_order_ids(account_id=9) == set()  # widened to every instrument


def test_delayed_cancels_land_spread_over_time(sim: FakeOMS, clock: ManualClock, login: Login) -> None:
    sim.config.cancel_delay = 10
    targets = sim.open_order_ids(account_id=9)
    start = clock.now()
    assert call(login("ops"), "CancelAllOrders", OMSId=1, AccountId=9)["result"] is True  # type: ignore[index]
    assert sim.open_order_ids(account_id=9) == targets  # ack only: nothing cancelled yet
    assert sim.pending == len(targets)
    clock.advance(5)
    assert sim.run_pending() == len(targets) // 2
    half = targets - sim.open_order_ids(account_id=9)
    assert half and half == set(sorted(targets)[: len(targets) // 2])
    clock.advance(5)
    assert sim.open_order_ids(account_id=9) == set()  # applied lazily by any query
    assert sim.pending == 0
    for index, order_id in enumerate(sorted(targets)):
        lands = start + 10 * (index + 1) / len(targets)
        assert_canceled(sim, order_id, round(lands * 1000))


def test_delayed_cancels_are_applied_lazily_by_calls(sim: FakeOMS, clock: ManualClock, login: Login) -> None:
    sim.config.cancel_delay = 2
    ops = login("ops")
    call(ops, "CancelAllOrders", OMSId=1, AccountId=10)
    assert call(ops, "GetOpenOrders", OMSId=1, AccountId=10) != []
    clock.advance(2)
    assert call(ops, "GetOpenOrders", OMSId=1, AccountId=10) == []


def test_fill_race_without_delay(sim: FakeOMS, login: Login) -> None:
    sim.config.fill_race = 0.5
    targets = sim.open_order_ids(account_id=9)
    call(login("ops"), "CancelAllOrders", OMSId=1, AccountId=9)
    states = [sim.order(i)["OrderState"] for i in targets]
    assert states.count("FullyExecuted") == round(len(targets) * 0.5)
    assert states.count("Canceled") == len(targets) - states.count("FullyExecuted")
    for order_id in targets:
        order = sim.order(order_id)
        if order["OrderState"] == "FullyExecuted":
            assert order["Quantity"] == 0 and order["QuantityExecuted"] == order["OrigQuantity"]
            assert order["ChangeReason"] == "Trade" and order["CancelReason"] == ""


def test_fill_race_with_delay_fills_before_the_cancel_lands(
    sim: FakeOMS, clock: ManualClock, login: Login
) -> None:
    sim.config.cancel_delay = 4
    sim.config.fill_race = 1.0
    targets = sim.open_order_ids(account_id=10)
    call(login("ops"), "CancelAllOrders", OMSId=1, AccountId=10)
    assert sim.open_order_ids(account_id=10) == targets
    clock.advance(4)
    assert sim.open_order_ids(account_id=10) == set()
    assert {sim.order(i)["OrderState"] for i in targets} == {"FullyExecuted"}
