"""Account events: turn engine changes and refused cancels into ``m:3`` frames for subscribers.

:class:`EventHub` listens to the engine in two places, both called under the engine lock,
whatever caused the change (an HTTP call, a WebSocket call on any connection, a delayed
cancel or racing fill applied by the clock, a ``FakeOMS`` helper):

* ``Book.fill_listeners`` -> **OrderTradeEvent** and **AccountPositionEvent** on every fill
  (:mod:`.trade_events`), to AccountEvents subscribers of the order's account.
* ``Book.listeners`` -> **OrderStateEvent**, the full order object (apex-api.md §3) as it is
  right after the change, on every new order, partial or full fill and cancel. It is rendered
  only when someone subscribed to the order's account.
* ``Dispatcher.observers`` -> **NewOrderRejectEvent** when SendOrder answers ``"status":
  "Rejected"`` (Not_Enough_Funds, Invalid_ClientOrderId), **CancelReplaceOrderRejectEvent**
  when CancelReplaceOrder gets 101/104, and the documented cancel rejects (apex-api.md §2.5, §2.6):
  **CancelOrderRejectEvent** when CancelOrder finds the order missing or no longer Working
  (errorcode 104/101), and **CancelAllOrdersRejectEvent** when CancelAllOrders names an
  instrument that does not exist (errorcode 100). The synchronous reply is unchanged; the
  event goes to the AccountEvents subscribers of the account the caller named (or of the
  order's account) — only of accounts the caller may act on, so a refused caller cannot make
  events about other accounts appear. For AccountId 0/omitted the reject carries AccountId 0
  and goes to every subscribed account the caller may act on.

Frames are handed to each subscriber's :meth:`~.subscriptions.Sink.deliver`, which never
blocks, so a slow WebSocket client cannot stall the engine. A bug here is logged, never
raised into the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .calls_cancel_all import honoured_instrument_keys
from .catalog import User
from .context import CallContext
from .dispatch import Dispatcher, OutcomeKind
from .engine import Engine
from .market_feed import MarketFeed
from .orders import ORDER_TYPES
from .params import Params
from .permissions import OPERATOR, TRADING_ROLES
from .replies import ApiError
from .subscriptions import Sink, Subscriptions, event_frame
from .trade_events import TradeEvents

__all__ = ["EventHub"]

_log = logging.getLogger(__name__)


class EventHub:
    """The account events of one simulated OMS and the registry of who subscribed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.subscriptions = Subscriptions()
        #: Market-data subscriptions (Level1, Level2, Trades, Ticker) and their update events.
        self.market = MarketFeed(engine)

    @classmethod
    def attached_to(cls, dispatcher: Dispatcher) -> EventHub:
        """A hub listening to ``dispatcher`` (every call) and its engine's book (every change)."""
        hub = cls(dispatcher.engine)
        dispatcher.engine.book.fill_listeners.append(TradeEvents(dispatcher.engine, hub.subscriptions).filled)
        dispatcher.engine.book.listeners.append(hub.order_changed)
        hub.market.attach()
        dispatcher.observers.append(hub.call_finished)
        return hub

    # -- listeners (engine lock held) ------------------------------------------------------
    def order_changed(self, row: int) -> None:
        """Book listener: push an OrderStateEvent of ``row`` to its account's subscribers."""
        book = self.engine.book
        try:
            account_id = book.account_of(row)
            if not self.subscriptions.watched(account_id):
                return
            targets = self.subscriptions.order_state_targets(account_id, book.table.instrument[row])
            if targets:
                event_frame("OrderStateEvent", book.render(row), targets)
        except Exception:  # never break the engine's change because of an event
            _log.exception("OrderStateEvent for row %s failed", row)

    def call_finished(self, name: str, payload: Mapping[str, Any], ctx: CallContext, kind: OutcomeKind,
                      body: Any) -> None:
        """Dispatcher observer: push the reject events of refused orders and cancels."""
        if kind not in ("error", "ok") or ctx.user is None or not isinstance(body, dict):
            return
        code = body.get("errorcode")
        try:
            if name == "SendOrder" and body.get("status") == "Rejected":
                self._new_order_rejected(Params(payload), ctx.user, str(body.get("errormsg")))
            elif kind == "ok":
                return
            elif name == "CancelReplaceOrder" and code in (101, 104):
                self._cancel_replace_rejected(Params(payload), ctx.user, body)
            elif name == "CancelOrder" and code in (101, 104):
                self._cancel_order_rejected(Params(payload), ctx.user)
            elif name == "CancelAllOrders" and code == 100:
                self._cancel_all_rejected(Params(payload), ctx.user)
        except ApiError:
            return  # the payload itself was bad: nothing to reject on anyone's behalf
        except Exception:
            _log.exception("reject event for %s failed", name)

    # -- rejects ---------------------------------------------------------------------------
    def _may_act_on(self, user: User, account_id: int) -> bool:
        if user.role not in TRADING_ROLES:
            return False
        if user.role == OPERATOR:
            return account_id in self.engine.catalog.accounts
        return account_id in user.accounts

    def _account_event(self, user: User, account_id: int, name: str, body: dict[str, Any]) -> None:
        if account_id and self._may_act_on(user, account_id):
            targets = self.subscriptions.account_targets(account_id)
            if targets:
                event_frame(name, body, targets)

    def _new_order_rejected(self, params: Params, user: User, reason: str) -> None:
        account_id = params.id("AccountId") or 0
        self._account_event(user, account_id, "NewOrderRejectEvent", {
            "OMSId": self.engine.config.oms_id, "AccountId": account_id,
            "ClientOrderId": params.id("ClientOrderId") or 0, "Status": "Rejected", "RejectReason": reason,
        })

    def _cancel_replace_rejected(self, params: Params, user: User, body: dict[str, Any]) -> None:
        book = self.engine.book
        order_id = params.id("OrderIdToReplace") or 0
        row = book.row(order_id) if order_id else None
        account_id = params.id("AccountId") or (book.account_of(row) if row is not None else 0)
        if row is not None and book.account_of(row) != account_id:
            return  # named another account's order: nothing to tell anyone
        self._account_event(user, account_id, "CancelReplaceOrderRejectEvent", {
            "OMSId": self.engine.config.oms_id, "AccountId": account_id, "OrderId": order_id,
            "ClientOrderId": params.id("ClientOrderId") or 0, "Status": "Rejected",
            "RejectReason": body.get("detail") or body.get("errormsg"),
        })

    def _cancel_order_rejected(self, params: Params, user: User) -> None:
        book, oms_id = self.engine.book, self.engine.config.oms_id
        order_id = params.id("OrderId") or 0
        named_account = params.id("AccountId") or 0
        row = book.row(order_id) if order_id else None
        order_type, instrument_id, account_id = "Unknown", 0, named_account
        if row is not None and named_account in (0, book.account_of(row)):
            account_id = book.account_of(row)
            order_type = ORDER_TYPES[book.table.order_type[row]]
            instrument_id = book.table.instrument[row]
        if not account_id or not self._may_act_on(user, account_id):
            return
        targets = self.subscriptions.account_targets(account_id)
        if targets:
            event_frame("CancelOrderRejectEvent", {
                "OMSId": oms_id, "AccountId": account_id, "OrderId": order_id, "OrderRevision": 0,
                "OrderType": order_type, "InstrumentId": instrument_id, "Status": "Rejected",
                "RejectReason": "Order Not Found",
            }, targets)

    def _cancel_all_rejected(self, params: Params, user: User) -> None:
        catalog = self.engine.catalog
        unknown = [
            value for key in honoured_instrument_keys(self.engine.config.instrument_key)
            if (value := params.id(key)) and value not in catalog.instruments
        ]
        if not unknown:
            return
        account_id = params.id("AccountId") or 0
        accounts = [account_id] if account_id else self.subscriptions.accounts()
        body = {"OMSId": self.engine.config.oms_id, "AccountId": account_id, "InstrumentId": unknown[0],
                "Status": "Rejected", "RejectReason": "Instrument not found."}
        targets = [target for account in accounts if self._may_act_on(user, account)
                   for target in self.subscriptions.account_targets(account)]
        if targets:
            event_frame("CancelAllOrdersRejectEvent", body, _unique(targets))


def _unique(targets: list[tuple[Sink, int]]) -> list[tuple[Sink, int]]:
    """One frame per sink (the first matching subscription's ``i``)."""
    seen: dict[Sink, int] = {}
    for sink, seq in targets:
        seen.setdefault(sink, seq)
    return list(seen.items())
