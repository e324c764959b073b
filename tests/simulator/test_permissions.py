"""Roles (Operator, Trading, AccountReadOnly) and account associations, call by call."""

from __future__ import annotations

import pytest

from apex_notebook.simulator import FakeOMS

from .conftest import Login, assert_error, call

READ_CALLS = ["GetOpenOrders", "GetAccountInfo", "GetAccountPositions"]
# (user, account, expected errorcode or 0)
READ_MATRIX = [
    ("ops", 9, 0),
    ("ops", 13, 0),
    ("ops", 999, 104),
    ("trader", 9, 0),
    ("trader", 10, 0),
    ("trader", 11, 20),
    ("trader", 999, 20),
    ("trader2", 9, 0),
    ("trader2", 11, 0),
    ("trader2", 10, 20),
    ("viewer", 9, 0),
    ("viewer", 10, 20),
]


def outcome(body: object) -> int:
    if isinstance(body, dict) and body.get("result") is False:
        return int(body["errorcode"])
    return 0


@pytest.mark.parametrize("name", READ_CALLS)
@pytest.mark.parametrize(("user", "account", "expected"), READ_MATRIX)
def test_read_calls_follow_associations(
    login: Login, name: str, user: str, account: int, expected: int
) -> None:
    assert outcome(call(login(user), name, OMSId=1, AccountId=account)) == expected


@pytest.mark.parametrize("name", ["GetOrderStatus", "GetOrdersHistory"])
@pytest.mark.parametrize(
    ("user", "account", "expected"),
    [
        ("ops", 13, 0),
        ("trader", 9, 0),
        ("trader", 11, 20),
        ("viewer", 9, 20),
    ],
)
def test_order_status_and_history_are_operator_or_trading(  # noqa: PLR0917
    sim: FakeOMS, login: Login, name: str, user: str, account: int, expected: int
) -> None:
    order_id = min(sim.open_order_ids(account_id=account)) if account in sim.catalog.accounts else 1
    body = call(login(user), name, OMSId=1, AccountId=account, OrderId=order_id)
    assert outcome(body) == expected


@pytest.mark.parametrize(
    ("user", "account", "expected"),
    [
        ("ops", 13, 0),
        ("trader", 9, 0),
        ("trader2", 9, 0),
        ("trader", 11, 20),
        ("viewer", 9, 20),
    ],
)
def test_write_calls_need_trading_on_an_associated_account(
    sim: FakeOMS, login: Login, user: str, account: int, expected: int
) -> None:
    client = login(user)
    before = sim.open_order_ids()
    order_id = min(sim.open_order_ids(account_id=account))
    sent = call(
        client,
        "SendOrder",
        OMSId=1,
        AccountId=account,
        InstrumentId=1,
        Side=1,
        OrderType=2,
        Quantity=1,
        LimitPrice=70_000,
    )
    cancel = call(client, "CancelOrder", OMSId=1, AccountId=account, OrderId=order_id)
    cancel_all = call(client, "CancelAllOrders", OMSId=1, AccountId=account, InstrumentId=2)
    assert [outcome(sent), outcome(cancel), outcome(cancel_all)] == [expected] * 3
    if expected:
        assert sim.open_order_ids() == before


def test_cancel_order_without_account_hides_other_accounts_orders(sim: FakeOMS, login: Login) -> None:
    foreign = min(sim.open_order_ids(account_id=11))
    assert_error(call(login("trader"), "CancelOrder", OMSId=1, OrderId=foreign), 104)
    assert foreign in sim.open_order_ids()
    assert call(login("trader2"), "CancelOrder", OMSId=1, OrderId=foreign)["result"] is True  # type: ignore[index]
    assert sim.order(foreign)["OrderState"] == "Canceled"


def test_shared_account_orders_can_be_cancelled_by_either_trader(sim: FakeOMS, login: Login) -> None:
    mine = [
        o
        for o in call(login("trader"), "GetOpenOrders", OMSId=1, AccountId=9)  # type: ignore[union-attr]
        if o["EnteredBy"] == 2
    ]
    assert mine and {
        o["EnteredBy"]
        for o in call(
            login("viewer"),
            "GetOpenOrders",  # type: ignore[union-attr]
            OMSId=1,
            AccountId=9,
        )
    } == {2, 3}
    assert (
        outcome(call(login("trader2"), "CancelOrder", OMSId=1, AccountId=9, OrderId=mine[0]["OrderId"])) == 0
    )


def test_get_all_account_positions_is_operator_only(login: Login) -> None:
    for user in ("trader", "viewer"):
        assert_error(call(login(user), "GetAllAccountPositions", OMSId=1), 20, "Operator")
    rows = call(login("ops"), "GetAllAccountPositions", OMSId=1)
    assert isinstance(rows, list) and len({row["AccountId"] for row in rows}) == 14


def test_operator_enumerates_every_account_by_paging(sim: FakeOMS, login: Login) -> None:
    ops, seen, start = login("ops"), [], 0
    while True:
        rows = call(ops, "GetAllAccountPositions", OMSId=1, StartIndex=start, Limit=5)
        assert isinstance(rows, list)
        if not rows:
            break
        accounts = sorted({row["AccountId"] for row in rows})
        assert len(accounts) <= 5
        seen += accounts
        start = accounts[-1] + 1
    assert seen == sorted(sim.catalog.accounts)


@pytest.mark.parametrize(
    "name", ["GetUserInfo", "GetUserAccounts", "GetUserAccountInfos", "GetUserPermissions"]
)
def test_only_operators_query_other_users(login: Login, name: str) -> None:
    assert_error(call(login("trader"), name, OMSId=1, UserId=3), 20)
    assert_error(call(login("viewer"), name, OMSId=1, UserName="trader"), 20)
    assert outcome(call(login("ops"), name, OMSId=1, UserId=3)) == 0
    assert_error(call(login("ops"), name, OMSId=1, UserId=77), 104)
    assert outcome(call(login("trader"), name, OMSId=1, UserId=2)) == 0


def test_operator_sees_other_users(login: Login) -> None:
    ops = login("ops")
    assert call(ops, "GetUserAccounts", OMSId=1, UserId=3) == [9, 11]
    assert call(ops, "GetUserPermissions", UserId=4) == ["AccountReadOnly"]
    assert call(ops, "GetUserPermissions") == ["Operator"]
    info = call(ops, "GetUserInfo", UserName="secure")
    assert isinstance(info, dict) and info["UserId"] == 5 and info["Use2FA"] is True
