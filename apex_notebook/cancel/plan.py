"""The binding preview: :class:`CancelPlan`, made by :func:`make_plan` (``Client.preview``).

A plan freezes the working orders a scope would cancel *now*, from a fresh and complete snapshot
(a partial snapshot raises ``PartialSnapshotError``; it is never called complete). It knows whether
the user may run it: a Trading user's all-accounts scope, an account the user is not associated
with, or a user without Operator/Trading permission gives a plan that says the gateway would answer
``Not Authorized`` and that cannot be executed (no order snapshot is taken for it).

A plan executes at most once: :meth:`CancelPlan._claim` is thread-safe, and once a plan's intent has
been journalled (:meth:`CancelPlan._consume`) it can never be executed again. A refusal before the
send (wrong phrase, drift, partial snapshot) releases the claim, so the same plan can be retried.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from apex_notebook.cancel.plan_html import HTML_ROWS, plan_html
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.frames import display
from apex_notebook.frames.tables import empty_orders_frame
from apex_notebook.wire.errors import AlreadyExecutedError, ApexError, PlanError

__all__ = ["HTML_ROWS", "CancelPlan", "PlanClient", "fingerprint", "make_plan", "plan_refusal"]


class PlanClient(Protocol):
    """What :func:`make_plan` needs from a client (``apex_notebook.Client`` provides it)."""

    oms_id: int
    is_operator: bool

    def accounts(self) -> pd.DataFrame:
        """The accounts the user can see (``Client.accounts``)."""

    def instrument_symbols(self) -> dict[int, str]:
        """Instrument id -> symbol (``Client.instrument_symbols``)."""

    def open_orders(self, account_id: Any = ..., instrument_id: Any = ..., *, strict: bool = True
                    ) -> pd.DataFrame:
        """A typed open-orders snapshot (``Client.open_orders``)."""


def fingerprint(order_ids: Any) -> str:
    """sha256 (hex) of the sorted, comma-joined order ids; the empty set has a fingerprint too."""
    ids = sorted(int(i) for i in order_ids)
    return hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()


def _phrase(scope: CancelScope, count: int, symbols: Mapping[int, str]) -> str:
    noun = "ORDER" if count == 1 else "ORDERS"
    where = (f"ALL ACCOUNTS OF OMS {scope.oms_id}" if scope.all_accounts
             else f"ACCOUNT {scope.account_id}")
    return f"CANCEL {count} {noun} ON {where}, {scope.instrument_words(symbols).upper()}"


class _Guard:
    """Thread-safe at-most-once state: ``ready`` -> ``executing`` -> ``executed`` (or back to ready)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.state = "ready"

    def claim(self, plan_id: str) -> None:
        with self._lock:
            if self.state != "ready":
                raise AlreadyExecutedError(f"plan {plan_id} is {self.state}; a plan executes at most once "
                                           "-- preview again for a new plan")
            self.state = "executing"

    def release(self) -> None:
        with self._lock:
            if self.state == "executing":
                self.state = "ready"

    def consume(self) -> None:
        with self._lock:
            self.state = "executed"

    def take_send(self, plan_id: str) -> None:
        """The one send of an executed plan: ``executed`` -> ``sent``; anything else is refused."""
        with self._lock:
            if self.state != "executed":
                raise AlreadyExecutedError(
                    f"plan {plan_id} is {self.state}: its cancel can be sent only once, by execute(), after "
                    "its intent is journalled. Nothing was sent")
            self.state = "sent"


@dataclass(frozen=True, eq=False)
class CancelPlan:
    """A frozen preview of one cancel: what it would hit, when it was seen, and the phrase to type."""

    scope: CancelScope
    orders: pd.DataFrame
    taken_at: pd.Timestamp
    symbols: Mapping[int, str]
    username: str = ""
    base_url: str = ""
    refusal: str | None = None
    plan_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    fingerprint: str = ""
    _guard: _Guard = field(default_factory=_Guard, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "orders", self.orders.copy())
        object.__setattr__(self, "fingerprint", fingerprint(self.orders["order_id"]))
        object.__setattr__(self, "symbols", dict(self.symbols))

    # -- facts ---------------------------------------------------------------------------------
    @property
    def order_ids(self) -> frozenset[int]:
        """The ids of the orders this plan will cancel."""
        return frozenset(int(i) for i in self.orders["order_id"])

    @property
    def count(self) -> int:
        """How many orders this plan will cancel."""
        return len(self.orders)

    @property
    def executable(self) -> bool:
        """False when the gateway would refuse this scope for this user (see ``refusal``)."""
        return self.refusal is None

    @property
    def executed(self) -> bool:
        """True once this plan's intent has been journalled (it can never run again)."""
        return self._guard.state in {"executed", "sent"}

    @property
    def confirmation_phrase(self) -> str:
        """What the user must type to execute, e.g. ``CANCEL 37 ORDERS ON ACCOUNT 9, ALL INSTRUMENTS``.

        Empty for a plan that cannot be executed: there is nothing to confirm.
        """
        return _phrase(self.scope, self.count, self.symbols) if self.executable else ""

    def describe(self) -> str:
        """The scope in plain words, e.g. "every order of account 9, all instruments"."""
        return self.scope.describe(self.symbols)

    def _counts(self, column: str) -> pd.Series:
        counts = self.orders[column].value_counts(dropna=False).sort_index()
        return counts[counts > 0]  # a categorical column also counts its unused categories

    @property
    def by_account(self) -> pd.Series:
        """Orders in the plan per account id."""
        return self._counts("account_id")

    @property
    def by_instrument(self) -> pd.Series:
        """Orders in the plan per instrument symbol (per id if a symbol is unknown)."""
        symbols_known = "symbol" in self.orders and bool(self.orders["symbol"].notna().all())
        column = "symbol" if symbols_known else "instrument_id"
        return self._counts(column)

    @property
    def by_side(self) -> pd.Series:
        """Orders in the plan per side (Buy, Sell, ...)."""
        return self._counts("side")

    @property
    def by_order_type(self) -> pd.Series:
        """Orders in the plan per order type (Limit, StopMarket, ...)."""
        return self._counts("order_type")

    # -- display: notional per quote currency (never summed across currencies) -----------------------
    @property
    def notional_by_currency(self) -> pd.Series:
        """Notional (price x remaining quantity) per quote currency, never summed across currencies."""
        return display.notional_by_currency(self.orders)

    @property
    def total_notional(self) -> pd.Series:
        """Per quote currency, as :attr:`notional_by_currency` (it used to add USD, EUR and BTC together)."""
        return self.notional_by_currency

    def notional_text(self) -> str:
        """The notional per quote currency for people: ``998.49 USD · 0.006000 BTC`` (``nothing`` if none)."""
        return display.money_text(self.notional_by_currency, display.currency_decimals(self.orders))

    def _extreme(self, newest: bool) -> pd.Series | None:
        # Orders received in the same millisecond are ordered by order id (the gateway's sequence), so
        # the answer never depends on where millisecond boundaries happened to fall.
        timed = self.orders[self.orders["receive_time"].notna()]
        if timed.empty:
            return None
        ranked = timed.sort_values(["receive_time", "order_id"], kind="stable")
        return ranked.iloc[-1 if newest else 0]

    @property
    def oldest_order(self) -> pd.Series | None:
        """The plan's order received first, or None for an empty plan."""
        return self._extreme(newest=False)

    @property
    def newest_order(self) -> pd.Series | None:
        """The plan's order received last, or None for an empty plan."""
        return self._extreme(newest=True)

    # -- at-most-once --------------------------------------------------------------------------
    def _claim(self) -> None:
        self._guard.claim(self.plan_id)

    def _release(self) -> None:
        self._guard.release()

    def _consume(self) -> None:
        self._guard.consume()

    def _take_send(self) -> None:
        self._guard.take_send(self.plan_id)

    def __repr__(self) -> str:
        state = self._guard.state if self.executable else "not executable"
        return (f"<CancelPlan {self.plan_id}: {self.count} orders, {self.describe()}, "
                f"notional {self.notional_text()}, taken {self.taken_at:%Y-%m-%d %H:%M:%S} UTC, {state}>")

    def _repr_html_(self) -> str:
        return plan_html(self)


def plan_refusal(client: PlanClient, scope: CancelScope) -> str | None:
    """Why the gateway would refuse this scope for this user (``Not Authorized``), or None."""
    if scope.oms_id != client.oms_id:
        return f"the client is on OMS {client.oms_id}, the scope names OMS {scope.oms_id}"
    if client.is_operator:
        return None
    # Fail closed: a client that cannot tell its permissions is treated as having none.
    permissions = {str(p).lower() for p in getattr(client, "permissions", frozenset())}
    if "trading" not in permissions:
        return ("Not Authorized: CancelAllOrders needs Operator or Trading permission; "
                "this user has neither")
    if scope.all_accounts:
        return ("Not Authorized: a Trading user cannot cancel on all accounts (AccountId 0); "
                "only an Operator can -- choose one of your accounts")
    accounts = {int(a) for a in client.accounts()["account_id"].dropna()}
    if scope.account_id not in accounts:
        return (f"Not Authorized: this user is not associated with account {scope.account_id} "
                f"(its accounts: {sorted(accounts)})")
    return None


def _readable_orders(client: PlanClient, scope: CancelScope, refusal: str) -> tuple[pd.DataFrame, str]:
    """The orders of a refused scope that the user may still *see* (a read-only user's account).

    A plan that cannot run must not look empty when it is not: it shows the orders in scope and says
    why it cannot be executed. Another OMS, or every account of the OMS for a non-Operator, cannot be
    read: the plan stays empty and the refusal says so.
    """
    if scope.oms_id != client.oms_id or scope.all_accounts:
        note = "" if scope.oms_id != client.oms_id else " (this user cannot see the other accounts' orders)"
        return empty_orders_frame(), refusal + note
    try:
        frame = client.open_orders(account_id=scope.account_id, instrument_id=scope.instrument_id, strict=True)
    except ApexError as exc:
        return empty_orders_frame(), f"{refusal} (its orders could not be read either: {type(exc).__name__})"
    return scope.select(frame).reset_index(drop=True), refusal


def make_plan(client: PlanClient, scope: CancelScope) -> CancelPlan:
    """Take a fresh, complete snapshot of the scope and freeze it into a :class:`CancelPlan`.

    A scope the gateway would refuse for this user still shows the orders the user can read, with the
    reason it cannot be executed (``refusal``); such a plan has no confirmation phrase.
    """
    if not isinstance(scope, CancelScope):
        raise PlanError(f"preview needs a CancelScope, not {type(scope).__name__}")
    symbols = client.instrument_symbols()
    refusal = plan_refusal(client, scope)
    if refusal is not None:
        frame, refusal = _readable_orders(client, scope, refusal)
    else:
        frame = client.open_orders(account_id=scope.account_id if not scope.all_accounts else ALL,
                                   instrument_id=scope.instrument_id, strict=True)
        frame = scope.select(frame).reset_index(drop=True)
    taken = frame.attrs.get("taken_at")
    taken_at = pd.Timestamp(taken) if taken is not None else pd.Timestamp.now(tz="UTC")
    if taken_at.tzinfo is None:
        taken_at = taken_at.tz_localize("UTC")
    return CancelPlan(scope=scope, orders=frame, taken_at=taken_at, symbols=symbols,
                      username=str(getattr(client, "username", "")),
                      base_url=str(getattr(client, "base_url", "")), refusal=refusal)
