"""Who listens to which account: the event subscriptions of WebSocket connections.

Two streams (apex-api.md §2.5):

* **AccountEvents** (``SubscribeAccountEvents``): every event of the account —
  ``OrderStateEvent``, ``CancelOrderRejectEvent``, ``CancelAllOrdersRejectEvent``.
* **OrderStateEvents** (``SubscribeOrderStateEvents``): only ``OrderStateEvent``, of every
  instrument (``InstrumentId`` 0 or omitted) or of one instrument.

A connection gets each event at most once, however many of its subscriptions match; the
event frame's ``i`` is the ``i`` of the Subscribe request that matched (AccountEvents first,
then all-instrument, then per-instrument OrderStateEvents). Registry methods are thread-safe:
engine threads look subscribers up while the event loop adds and drops connections.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import orjson

__all__ = [
    "ACCOUNT_EVENTS", "ORDER_STATE_EVENTS", "Sink", "Stream", "SubscriptionChange", "Subscriptions", "event_frame",
]

Stream = Literal["AccountEvents", "OrderStateEvents"]
ACCOUNT_EVENTS: Stream = "AccountEvents"
ORDER_STATE_EVENTS: Stream = "OrderStateEvents"


class Sink(Protocol):
    """A subscriber (a WebSocket connection): takes encoded frames from any thread, never blocks."""

    def deliver(self, frame: str) -> None:
        """Queue ``frame`` for sending."""
        ...


@dataclass(frozen=True)
class SubscriptionChange:
    """A (un)subscription a handler accepted; the gateway applies it to the calling connection.

    ``instrument_id`` 0 means every instrument (for UnSubscribeOrderStateEvents: every
    OrderStateEvents subscription of the account).
    """

    stream: Stream
    subscribe: bool
    account_id: int
    instrument_id: int = 0

    def reply(self) -> dict[str, Any]:
        """The reply object: ``{"Subscribed": true}`` or ``{"UnSubscribed": true}``."""
        return {"Subscribed": True} if self.subscribe else {"UnSubscribed": True}


@dataclass
class _Interest:
    """One connection's subscriptions on one account (values are the Subscribe frames' ``i``)."""

    account_events: int | None = None
    order_states: dict[int, int] = field(default_factory=dict)

    def empty(self) -> bool:
        return self.account_events is None and not self.order_states

    def order_state_seq(self, instrument_id: int) -> int | None:
        if self.account_events is not None:
            return self.account_events
        if 0 in self.order_states:
            return self.order_states[0]
        return self.order_states.get(instrument_id)


class Subscriptions:
    """The registry: account -> connection -> what it subscribed to."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_account: dict[int, dict[Sink, _Interest]] = {}

    def apply(self, sink: Sink, change: SubscriptionChange, seq: int) -> None:
        """Add or remove one subscription of ``sink``; ``seq`` is the request frame's ``i``."""
        with self._lock:
            sinks = self._by_account.setdefault(change.account_id, {})
            interest = sinks.setdefault(sink, _Interest())
            if change.stream == ACCOUNT_EVENTS:
                interest.account_events = seq if change.subscribe else None
            elif change.subscribe:
                interest.order_states[change.instrument_id] = seq
            elif change.instrument_id:
                interest.order_states.pop(change.instrument_id, None)
            else:
                interest.order_states.clear()
            if interest.empty():
                del sinks[sink]
            if not sinks:
                del self._by_account[change.account_id]

    def drop(self, sink: Sink) -> None:
        """Forget every subscription of ``sink`` (it disconnected or logged out)."""
        with self._lock:
            for account_id in list(self._by_account):
                sinks = self._by_account[account_id]
                sinks.pop(sink, None)
                if not sinks:
                    del self._by_account[account_id]

    def watched(self, account_id: int) -> bool:
        """True if any connection subscribed to ``account_id`` (a cheap test before rendering)."""
        return account_id in self._by_account

    def order_state_targets(self, account_id: int, instrument_id: int) -> list[tuple[Sink, int]]:
        """``(sink, i)`` of every connection that wants an OrderStateEvent of this order."""
        with self._lock:
            sinks = self._by_account.get(account_id, {})
            found = ((sink, interest.order_state_seq(instrument_id)) for sink, interest in sinks.items())
            return [(sink, seq) for sink, seq in found if seq is not None]

    def account_targets(self, account_id: int) -> list[tuple[Sink, int]]:
        """``(sink, i)`` of every connection subscribed to the account's AccountEvents."""
        with self._lock:
            sinks = self._by_account.get(account_id, {})
            return [(sink, interest.account_events) for sink, interest in sinks.items()
                    if interest.account_events is not None]

    def accounts(self) -> list[int]:
        """Every account someone subscribed to."""
        with self._lock:
            return list(self._by_account)

    def count(self, sink: Sink | None = None) -> int:
        """Number of (connection, account) pairs with subscriptions, of one sink or of all."""
        with self._lock:
            return sum(1 for sinks in self._by_account.values() for each in sinks
                       if sink is None or each is sink)


def event_frame(name: str, body: Any, targets: Iterable[tuple[Sink, int]]) -> int:
    """Deliver one ``m:3`` frame named ``name`` to every ``(sink, i)``; returns how many.

    ``o`` is encoded once and shared; only ``i`` differs per subscriber.
    """
    o_literal = orjson.dumps(orjson.dumps(body).decode()).decode()
    tail = f',"n":{orjson.dumps(name).decode()},"o":{o_literal}}}'
    sent = 0
    for sink, seq in targets:
        sink.deliver(f'{{"m":3,"i":{seq}{tail}')
        sent += 1
    return sent
