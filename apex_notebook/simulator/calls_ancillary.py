"""Cheap ancillary calls: account transactions, fees, deposits, withdrawals, trade reports, quotes.

* ``GetAccountTransactions {OMSId, AccountId, StartIndex, Depth|Count}`` (any role on the
  account): ledger movements newest first (default 200): the opening balances
  (ReferenceType ``Deposit``, TransactionType ``Other``, one per product), two ``Trade`` rows
  per fill (base and quote product) and, with fees, a ``Fee`` row, each with ``CR``
  or ``DR``, the ``Balance`` after it, ``ReferenceId`` (the OrderId), ``Counterparty`` (the
  matched account, 0 for the outside market) and ``TimeStamp`` (ms).
* ``GetOrderFee {OMSId, AccountId, InstrumentId, Quantity, Price, OrderType, MakerTaker,
  Side}``: ``{"OrderFee": Quantity * Price * rate, "ProductId": <quote product>}`` with the
  ``SimConfig.maker_fee`` (MakerTaker ``"Maker"``) or ``taker_fee`` rate (0 by default);
  Price defaults to the instrument's mid.
* ``GetDeposits``, ``GetWithdraws``, ``GetOpenTradeReports``, ``GetOpenQuotes``
  ``{OMSId, AccountId, ...}``: ``[]`` (no deposit/withdraw tickets, block trades or quotes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .calls_orders import instrument_filter
from .context import CallContext
from .engine import Engine
from .ledger import Entry
from .params import Params
from .permissions import ALL_ROLES, TRADING_ROLES, account_call
from .replies import ApiError

__all__ = ["empty_list_call", "get_account_transactions", "get_order_fee"]


def _transaction(engine: Engine, index: int, entry: Entry) -> dict[str, Any]:
    kind = entry.kind if entry.kind in ("Trade", "Fee") else "Other"
    return {
        "TransactionId": index + 1, "OMSId": engine.config.oms_id, "AccountId": entry.account_id,
        "CR": entry.amount if entry.amount > 0 else 0.0, "DR": -entry.amount if entry.amount < 0 else 0.0,
        "Counterparty": entry.counterparty, "TransactionType": kind, "ReferenceId": entry.reference_id,
        "ReferenceType": "Trade" if entry.kind == "Fee" else entry.kind, "ProductId": entry.product_id,
        "Balance": entry.balance, "TimeStamp": entry.at_ms,
    }


def get_account_transactions(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetAccountTransactions``: the account's ledger movements, newest first, paged."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetAccountTransactions")
    depth = params.id("Depth") or params.id("Count") or 200
    start_index = params.id("StartIndex") or 0
    entries = list(enumerate(engine.ledger.journal.get(account_id, [])))[::-1]
    return [_transaction(engine, index, entry) for index, entry in entries[start_index:start_index + depth]]


def get_order_fee(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOrderFee``: Quantity x Price (default: the mid) x the maker or taker fee rate."""
    account_call(engine, ctx, params, TRADING_ROLES, "GetOrderFee")
    instrument_id = instrument_filter(engine, params)
    if instrument_id is None:
        raise ApiError(100, "InstrumentId is required")
    instrument = engine.catalog.instruments[instrument_id]
    quantity = params.number("Quantity", default=0.0) or 0.0
    price = params.number("Price", default=0.0) or instrument.mid
    maker = (params.text("MakerTaker") or "Taker").strip().lower() == "maker"
    rate = engine.config.maker_fee if maker else engine.config.taker_fee
    fee = quantity * price * rate
    if not math.isfinite(quantity * price):
        raise ApiError(100, "Quantity x Price is out of range")
    return {"OrderFee": round(fee, 10), "ProductId": instrument.product2.product_id}


def empty_list_call(call: str) -> Callable[[Engine, CallContext, Params], Any]:
    """A handler answering ``[]`` after the usual one-account checks (for calls with nothing to show)."""

    def handler(engine: Engine, ctx: CallContext, params: Params) -> Any:
        account_call(engine, ctx, params, ALL_ROLES, call)
        return []

    handler.__doc__ = f"``{call}``: ``[]`` (nothing of this kind exists in the simulator)."
    return handler
