"""NewOrderRejectEvent (SendOrder answered "Rejected") and CancelReplaceOrderRejectEvent
(CancelReplaceOrder refused with 101/104) reach the account's AccountEvents subscribers."""

from __future__ import annotations

from apex_notebook.simulator import FakeOMS

from .conftest import Connect

ACCOUNT_9 = {"OMSId": 1, "AccountId": 9}


def test_rejected_send_order_pushes_new_order_reject_event(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("viewer")
    seq = watcher.send("SubscribeAccountEvents", ACCOUNT_9)
    watcher.reply(seq)
    trader = ws_connect("trader")
    rejected = trader.call("SendOrder", {"OMSId": 1, "AccountId": 9, "InstrumentId": 1, "Side": 0, "OrderType": 2,
                                         "Quantity": 1_000_000, "LimitPrice": 60_000, "ClientOrderId": 42})
    assert rejected == {"status": "Rejected", "errormsg": "Not_Enough_Funds", "errorcode": 101}
    events = watcher.drain_events()
    assert [(e["n"], e["i"]) for e in events] == [("NewOrderRejectEvent", seq)]
    assert events[0]["o"] == {"OMSId": 1, "AccountId": 9, "ClientOrderId": 42, "Status": "Rejected",
                              "RejectReason": "Not_Enough_Funds"}
    trader.call("SendOrder", {"OMSId": 1, "AccountId": 10, "InstrumentId": 1, "Side": 0, "OrderType": 2,
                              "Quantity": 1_000_000, "LimitPrice": 60_000})
    assert watcher.drain_events() == []  # account 10's reject is not account 9's business


def test_refused_cancel_replace_pushes_its_reject_event(ws_connect: Connect, sim: FakeOMS) -> None:
    watcher = ws_connect("viewer")
    watcher.call("SubscribeAccountEvents", ACCOUNT_9)
    trader = ws_connect("trader")
    order_id = sim.place_order(9, 1, "Buy", 1.0, 50_000.0, client_order_id=5)
    sim.fill(order_id)
    watcher.drain_events()
    refused = trader.call("CancelReplaceOrder", {"OMSId": 1, "OrderIdToReplace": order_id, "LimitPrice": 50_500,
                                                 "Quantity": 1, "ClientOrderId": 6})
    assert refused["errorcode"] == 101
    events = watcher.drain_events()
    assert [e["n"] for e in events] == ["CancelReplaceOrderRejectEvent"]
    assert events[0]["o"]["OrderId"] == order_id and events[0]["o"]["AccountId"] == 9
    assert events[0]["o"]["ClientOrderId"] == 6 and "FullyExecuted" in events[0]["o"]["RejectReason"]
