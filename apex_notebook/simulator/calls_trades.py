"""Executions: ``GetTradesHistory``, ``GetAccountTrades``, ``GetOrderHistoryByOrderId``.

* ``GetTradesHistory`` (Operator, Trading) ``{OMSId, AccountId, InstrumentId, TradeId, OrderId,
  ExecutionId, UserId, StartTimestamp, EndTimestamp, StartIndex, Depth}``: trade records
  (:mod:`.trades`) newest first by ``TradeTimeMS`` (ties: higher TradeId first), window on
  TradeTimeMS (seconds or ms), ``StartIndex``/``Depth`` (default 100) paging. AccountId 0 or
  omitted: the whole OMS for an Operator, under the same ``history_all_accounts`` switch as
  GetOrdersHistory.
* ``GetAccountTrades`` (Operator, Trading, AccountReadOnly) ``{OMSId, AccountId, StartIndex,
  Count}``: one account's trade records, newest first (``Count`` default 100).
* ``GetOrderHistoryByOrderId`` (Operator, Trading, AccountReadOnly on the order's account)
  ``{OMSId, OrderId}``: every recorded state of one order, newest first (:mod:`.revisions`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .calls_history import history_accounts, timestamp_ms
from .calls_orders import instrument_filter
from .context import CallContext
from .engine import Engine
from .params import Params
from .permissions import ALL_ROLES, account_call, check_account, require_role
from .replies import ApiError
from .trades import FIRST_TRADE_ID

__all__ = ["get_account_trades", "get_order_history_by_order_id", "get_trades_history"]


def _newest_first(engine: Engine, indexes: Iterable[int]) -> list[int]:
    at_ms = engine.trades.at_ms
    return sorted(indexes, key=lambda index: (at_ms[index], index), reverse=True)


def get_trades_history(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetTradesHistory``: filtered trade records, newest first, paged."""
    accounts = history_accounts(engine, ctx, params, "GetTradesHistory")
    instrument_id = instrument_filter(engine, params)
    trade_id, order_id, execution_id = params.id("TradeId"), params.id("OrderId"), params.id("ExecutionId")
    user_id = params.id("UserId")
    start_ms, end_ms = timestamp_ms(params, "StartTimestamp"), timestamp_ms(params, "EndTimestamp")
    depth = params.id("Depth") or params.id("Limit") or 100
    start_index = params.id("StartIndex") or 0
    log, table = engine.trades, engine.book.table
    candidates: Iterable[int]
    if accounts is None:
        candidates = range(len(log))
    else:
        candidates = (index for account in accounts for index in log.by_account.get(account, ()))
    chosen = [
        index for index in candidates
        if (instrument_id is None or table.instrument[log.order_row[index]] == instrument_id)
        and (not trade_id or FIRST_TRADE_ID + index == trade_id)
        and (not order_id or engine.book.row(order_id) == log.order_row[index])
        and (not execution_id or log.execution[index] == execution_id)
        and (not user_id or table.entered_by[log.order_row[index]] == user_id)
        and (start_ms is None or log.at_ms[index] >= start_ms)
        and (end_ms is None or log.at_ms[index] <= end_ms)
    ]
    return [log.render(index) for index in _newest_first(engine, chosen)[start_index:start_index + depth]]


def get_account_trades(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetAccountTrades``: one account's trade records, newest first, ``StartIndex``/``Count``."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetAccountTrades")
    count = params.id("Count") or params.id("Depth") or 100
    start_index = params.id("StartIndex") or 0
    indexes = _newest_first(engine, engine.trades.by_account.get(account_id, ()))
    return [engine.trades.render(index) for index in indexes[start_index:start_index + count]]


def get_order_history_by_order_id(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOrderHistoryByOrderId``: every recorded state of one order, newest first."""
    params.require_oms(engine.config.oms_id)
    order_id = params.required_id("OrderId")
    user = ctx.require_user()
    require_role(user, ALL_ROLES, "GetOrderHistoryByOrderId")
    row = engine.book.row(order_id)
    if row is None:
        raise ApiError(104, f"Order {order_id} not found")
    try:
        check_account(user, engine.book.account_of(row), engine.catalog)
    except ApiError:
        raise ApiError(104, f"Order {order_id} not found") from None
    return engine.revisions.of(row)[::-1]
