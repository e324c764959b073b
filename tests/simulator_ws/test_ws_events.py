"""Account events: OrderStateEvent for every change whatever caused it, reject events, filters.

"Nothing arrived" is checked by ordering, not by waiting: an event caused by a call is queued
before that call returns, so :meth:`WsClient.drain_events` (which waits for a Ping reply)
sees every event already caused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.simulator.server import ServerHandle

from .conftest import Connect, error_of, serve_for_real

ACCOUNT_9 = {"OMSId": 1, "AccountId": 9}


@pytest.fixture
def server(sim: FakeOMS) -> Iterator[ServerHandle]:
    """These tests run on ``sim.serve()`` itself (its periodic task included)."""
    yield from serve_for_real(sim)


def test_cancel_all_over_http_on_another_connection_pushes_order_state_events(
        ws_connect: Connect, http: Callable[[str], httpx.Client], sim: FakeOMS) -> None:
    watcher = ws_connect("viewer")
    seq = watcher.send("SubscribeAccountEvents", ACCOUNT_9)
    assert watcher.reply(seq)["o"] == '{"Subscribed":true}'
    targets = sorted(sim.open_order_ids(account_id=9))
    assert targets
    reply = http("ops").post("/AP/CancelAllOrders", json={"OMSId": 1, "AccountId": 9}).json()
    assert reply["result"] is True
    events = [watcher.event() for _ in targets]
    assert all(event["n"] == "OrderStateEvent" and event["m"] == 3 and event["i"] == seq for event in events)
    assert sorted(event["o"]["OrderId"] for event in events) == targets
    for event in events:
        assert event["o"] == sim.order(event["o"]["OrderId"])  # the full order object, as it now is
        assert event["o"]["OrderState"] == "Canceled" and event["o"]["ChangeReason"] == "UserModified"
    assert watcher.drain_events() == []


def test_new_orders_fills_and_cancels_from_another_websocket(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("trader2")
    watcher.call("SubscribeAccountEvents", ACCOUNT_9)
    actor = ws_connect("trader", seq="ccxt")
    limit = actor.call("SendOrder", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 1, "OrderType": 2,
                                     "Quantity": 2, "LimitPrice": 90000})["OrderId"]
    market = actor.call("SendOrder", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 0, "OrderType": 1,
                                      "Quantity": 1})["OrderId"]
    sim.fill(limit, 0.5)
    actor.call("CancelOrder", {"OMSId": 1, "AccountId": 9, "OrderId": limit})
    seen = [(e["o"]["OrderId"], e["o"]["OrderState"], e["o"]["ChangeReason"])
            for e in watcher.drain_events() if e["n"] == "OrderStateEvent"]
    partial_fills = [item for item in seen if item == (market, "Working", "Trade")]  # one per resting ask hit
    assert seen == [
        (limit, "Working", "NewInputAccepted"),
        (market, "Working", "NewInputAccepted"),
        *partial_fills,
        (market, "FullyExecuted", "Trade"),
        (limit, "Working", "Trade"),
        (limit, "Canceled", "UserModified"),
    ]


def test_an_expiry_pushes_an_order_state_event(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("viewer")
    watcher.call("SubscribeAccountEvents", ACCOUNT_9)
    order_id = sim.place_order(9, 2, quantity=1.0, price=2_000.0)
    sim.expire(order_id)
    seen = [(e["o"]["OrderId"], e["o"]["OrderState"], e["o"]["ChangeReason"]) for e in watcher.drain_events()]
    assert seen == [(order_id, "Working", "NewInputAccepted"), (order_id, "Expired", "Expired")]


def test_delayed_cancels_and_the_fill_race_are_pushed_without_a_request(
        ws_connect: Connect, sim: FakeOMS, clock: ManualClock) -> None:
    sim.config.cancel_delay = 2.0
    sim.config.fill_race = 0.5
    watcher = ws_connect("trader")
    watcher.call("SubscribeOrderStateEvents", {"OMSId": 1, "AccountId": 10})
    targets = sim.open_order_ids(account_id=10)
    watcher.call("CancelAllOrders", {"OMSId": 1, "AccountId": 10})
    assert watcher.drain_events() == [] and sim.pending
    clock.advance(5.0)  # no call follows: the server's periodic task applies the due events
    final: dict[int, str] = {}
    while len(final) < len(targets) or any(state == "Working" for state in final.values()):
        event = watcher.event()
        final[event["o"]["OrderId"]] = event["o"]["OrderState"]
    assert set(final) == targets
    states = sorted(set(final.values()))
    assert states == ["Canceled", "FullyExecuted"]
    assert sim.pending == 0


def test_order_state_subscription_filters_by_instrument(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    watcher.call("SubscribeOrderStateEvents", {"OMSId": 1, "AccountId": 10, "InstrumentId": 2})
    two = sim.place_order(10, 2, price=3000.0)
    sim.place_order(10, 1, price=50000.0)
    assert [e["o"]["OrderId"] for e in watcher.drain_events()] == [two]
    error_of(watcher.call("SubscribeOrderStateEvents", {"OMSId": 1, "AccountId": 10, "InstrumentId": 99}), 100)


def test_both_subscriptions_give_each_event_once_and_unsubscribe_stops_them(ws_connect: Connect,
                                                                             sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    watcher.call("SubscribeAccountEvents", ACCOUNT_9)
    watcher.call("SubscribeOrderStateEvents", ACCOUNT_9)
    first = sim.place_order(9, 1)
    assert [e["o"]["OrderId"] for e in watcher.drain_events()] == [first]
    watcher.call("UnSubscribeAccountEvents", ACCOUNT_9)
    second = sim.place_order(9, 1)
    assert [e["o"]["OrderId"] for e in watcher.drain_events()] == [second]
    watcher.call("UnSubscribeOrderStateEvents", ACCOUNT_9)
    sim.place_order(9, 1)
    assert watcher.drain_events() == []
    assert sim.events.subscriptions.count() == 0


def test_events_only_for_subscribed_accounts(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    watcher.call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 10})
    sim.place_order(9, 1)
    ops = ws_connect("ops")
    ops.call("CancelAllOrders", {"OMSId": 1, "AccountId": 11})
    assert watcher.drain_events() == []


def test_subscribing_to_accounts_the_user_may_not_see_is_refused(ws_connect: Connect, sim: FakeOMS) -> None:
    viewer = ws_connect("viewer")
    error_of(viewer.call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 10}), 20)
    error_of(viewer.call("SubscribeOrderStateEvents", {"OMSId": 1, "AccountId": 12}), 20)
    error_of(ws_connect("ops").call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 9999}), 104)
    error_of(ws_connect().call("SubscribeAccountEvents", ACCOUNT_9), 20)  # not logged in
    error_of(viewer.call("SubscribeAccountEvents", {"OMSId": 1}), 100)
    assert sim.events.subscriptions.count() == 0
    sim.place_order(10, 1)
    assert viewer.drain_events() == []


def test_cancel_order_reject_event(ws_connect: Connect, http: Callable[[str], httpx.Client], sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    seq = watcher.send("SubscribeAccountEvents", ACCOUNT_9)
    watcher.reply(seq)
    order_id = sim.place_order(9, 1)
    sim.fill(order_id)
    watcher.drain_events()
    refused = http("trader2").post("/AP/CancelOrder", json={"OMSId": 1, "OrderId": order_id}).json()
    error_of(refused, 101)
    missing = http("trader2").post("/AP/CancelOrder", json={"OMSId": 1, "AccountId": 9, "OrderId": 999999}).json()
    error_of(missing, 104)
    first, second = watcher.drain_events()
    assert first["n"] == second["n"] == "CancelOrderRejectEvent" and first["i"] == seq
    assert first["o"] == {"OMSId": 1, "AccountId": 9, "OrderId": order_id, "OrderRevision": 0,
                          "OrderType": "Limit", "InstrumentId": 1, "Status": "Rejected",
                          "RejectReason": "Order Not Found"}
    assert second["o"]["OrderId"] == 999999 and second["o"]["AccountId"] == 9


def test_cancel_all_orders_reject_event(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    watcher.call("SubscribeAccountEvents", ACCOUNT_9)
    watcher.call("SubscribeOrderStateEvents", {"OMSId": 1, "AccountId": 10})  # no rejects on this stream
    error_of(watcher.call("CancelAllOrders", {"OMSId": 1, "AccountId": 9, "IntrumentId": "77"}), 100)
    ops = ws_connect("ops")
    error_of(ops.call("CancelAllOrders", {"OMSId": 1, "AccountId": 0, "InstrumentId": 78}), 100)
    events = watcher.drain_events()
    assert [e["n"] for e in events] == ["CancelAllOrdersRejectEvent"] * 2
    assert events[0]["o"] == {"OMSId": 1, "AccountId": 9, "InstrumentId": 77, "Status": "Rejected",
                              "RejectReason": "Instrument not found."}
    assert events[1]["o"]["AccountId"] == 0 and events[1]["o"]["InstrumentId"] == 78
    assert sim.open_order_ids(account_id=9)


def test_refused_callers_cause_no_events_on_other_accounts(ws_connect: Connect, sim: FakeOMS) -> None:
    ops = ws_connect("ops")
    ops.call("SubscribeAccountEvents", {"OMSId": 1, "AccountId": 11})
    intruder = ws_connect("trader")  # not associated with account 11
    error_of(intruder.call("CancelAllOrders", {"OMSId": 1, "AccountId": 11, "InstrumentId": 77}), 100)
    error_of(intruder.call("CancelAllOrders", {"OMSId": 1, "AccountId": 11}), 20)
    victim = sorted(sim.open_order_ids(account_id=11))[0]
    error_of(intruder.call("CancelOrder", {"OMSId": 1, "OrderId": victim}), 104)
    assert ops.drain_events() == []


def test_log_out_drops_the_connection_subscriptions(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("trader")
    watcher.call("SubscribeAccountEvents", ACCOUNT_9)
    assert sim.events.subscriptions.count() == 1
    watcher.call("LogOut")
    assert sim.events.subscriptions.count() == 0
    sim.place_order(9, 1)
    assert watcher.drain_events() == []
