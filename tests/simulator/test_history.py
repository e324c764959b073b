"""GetOrdersHistory: the execution window (LastUpdatedTime or ReceiveTime), newest-first order,
paging, and the OMS-wide history an Operator may read."""

from __future__ import annotations

from typing import Any

import pytest

from apex_notebook.simulator import FakeOMS, ManualClock, SimConfig

from .conftest import Login, assert_error, call


def history(client: Any, **payload: Any) -> list[dict[str, Any]]:
    rows = call(client, "GetOrdersHistory", OMSId=1, **payload)
    assert isinstance(rows, list), rows
    return rows


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["OrderId"] for row in rows]


@pytest.fixture
def timeline(sim: FakeOMS, clock: ManualClock) -> tuple[float, int, int, int]:
    """Order a received at t0 and cancelled at t0+200; b received at t0+100; c received at t0+300."""
    t0 = clock.advance(60)
    a = sim.place_order(9, 1, "Buy", 1.0, 100.0)
    clock.advance(100)
    b = sim.place_order(9, 1, "Buy", 1.0, 100.0)
    clock.advance(100)
    sim.fill(a, 0.5)
    sim.place_order(10, 1, "Sell", 1.0, 90_000.0)  # other account, same instant
    clock.advance(100)
    c = sim.place_order(9, 2, "Sell", 1.0, 9_000.0)
    return t0, a, b, c


def test_window_selects_by_last_updated_time(sim: FakeOMS, login: Login,
                                            timeline: tuple[float, int, int, int]) -> None:
    t0, a, b, c = timeline
    trader = login("trader")
    # a was received before the window but changed (filled) inside it: a post-send read must see it
    assert ids(history(trader, AccountId=9, StartTimestamp=int(t0 + 150), EndTimestamp=int(t0 + 250))) == [a]
    assert ids(history(trader, AccountId=9, StartTimestamp=int(t0 + 150))) == [c, a]
    assert ids(history(trader, AccountId=9, StartTimestamp=int(t0 + 150) * 1000)) == [c, a]  # ms too
    rows = history(trader, AccountId=9, StartTimestamp=int(t0 - 1))
    assert ids(rows) == [c, a, b]
    assert [r["LastUpdatedTime"] for r in rows] == sorted((r["LastUpdatedTime"] for r in rows), reverse=True)


def test_receive_time_switch(sim: FakeOMS, login: Login, timeline: tuple[float, int, int, int]) -> None:
    t0, a, b, c = timeline
    sim.config.history_time_field = "ReceiveTime"
    trader = login("trader")
    assert ids(history(trader, AccountId=9, StartTimestamp=int(t0 + 150), EndTimestamp=int(t0 + 250))) == []
    assert ids(history(trader, AccountId=9, StartTimestamp=int(t0 - 1))) == [c, b, a]
    with pytest.raises(ValueError, match="history_time_field"):
        sim.config.history_time_field = "UpdateTime"


def test_ties_put_the_higher_order_id_first_and_paging_follows(sim: FakeOMS, login: Login,
                                                               clock: ManualClock) -> None:
    clock.advance(10)
    placed = [sim.place_order(9, 1, "Buy", 1.0, 100.0) for _ in range(5)]  # same instant
    trader = login("trader")
    since = int(clock.now())
    assert ids(history(trader, AccountId=9, StartTimestamp=since)) == placed[::-1]
    assert ids(history(trader, AccountId=9, StartTimestamp=since, StartIndex=1, Depth=2)) == placed[3:1:-1]


def test_operator_reads_the_whole_oms(sim: FakeOMS, login: Login, timeline: tuple[float, int, int, int]) -> None:
    t0, a, _b, c = timeline
    ops = login("ops")
    everything = history(ops, Depth=10_000)
    assert len(everything) == 14 * 8 + 4  # the seeded orders of the 14 accounts + the timeline's 4
    assert {r["Account"] for r in everything} == set(sim.catalog.accounts)
    assert history(ops, AccountId=0, Depth=10_000) == everything
    stamps = [(r["LastUpdatedTime"], r["OrderId"]) for r in everything]
    assert stamps == sorted(stamps, reverse=True)
    recent = history(ops, StartTimestamp=int(t0 + 150))
    assert {r["Account"] for r in recent} == {9, 10}
    assert ids(recent)[0] == c and a in ids(recent)
    assert history(ops, StartIndex=5, Depth=7) == everything[5:12]
    assert len(history(ops)) == 100  # default Depth


def test_history_without_account_is_refused_for_non_operators(sim: FakeOMS, login: Login) -> None:
    trader = login("trader")
    assert_error(call(trader, "GetOrdersHistory", OMSId=1), 100, "AccountId is required")
    assert_error(call(trader, "GetOrdersHistory", OMSId=1, AccountId=0), 100, "AccountId is required")
    assert_error(call(login("viewer"), "GetOrdersHistory", OMSId=1), 20)
    assert_error(call(trader, "GetOrdersHistory", OMSId=1, AccountId=13), 20)


def test_history_all_accounts_refuse_switch(sim: FakeOMS, login: Login) -> None:
    sim.config.history_all_accounts = "refuse"
    ops = login("ops")
    assert_error(call(ops, "GetOrdersHistory", OMSId=1), 100, "AccountId is required")
    assert history(ops, AccountId=13)  # one account still works
    with pytest.raises(ValueError, match="history_all_accounts"):
        sim.config.history_all_accounts = "all"
    assert SimConfig().history_all_accounts == "operator" and SimConfig().history_time_field == "LastUpdatedTime"


def test_order_id_filter_respects_the_scope(sim: FakeOMS, login: Login) -> None:
    order_in_13 = sim.place_order(13, 1)
    assert ids(history(login("ops"), OrderId=order_in_13)) == [order_in_13]
    assert history(login("trader"), AccountId=9, OrderId=order_in_13) == []
