"""``GetOrdersHistory``, ``GetOrders``, ``GetOrderHistory``: order rows in any state, newest first, paged.

``GetOrders`` (4.x) and ``GetOrderHistory`` (3.x) take the same filters and paging as
``GetOrdersHistory`` below but always one ``AccountId`` (required); ``GetOrderHistory`` is also
open to AccountReadOnly. Each order appears once, in its latest state.

Request ``{"OMSId", "AccountId", "InstrumentId", "OrderState", "OrderId", "ClientOrderId",
"StartTimestamp", "EndTimestamp", "StartIndex", "Depth"}`` (all but OMSId optional here).

* **Time window.** ``StartTimestamp``/``EndTimestamp`` (POSIX seconds, or milliseconds when
  >= 10**11; inclusive) select orders by the time of the state each row shows —
  ``LastUpdatedTime`` — so "what changed since I sent my cancel" finds orders received long
  before it. ``SimConfig.history_time_field = "ReceiveTime"`` emulates a gateway that filters
  on the order's receive time instead. Rows are sorted newest first by that same field; ties
  put the higher OrderId first. ``StartIndex`` (rows to skip) and ``Depth`` (page size,
  default 100; ``Limit`` is accepted as an alias) page the sorted rows.
* **Scope.** A specific ``AccountId`` must be one the caller may trade on (Operator or
  Trading). ``AccountId`` 0 or omitted: an Operator gets every account's history
  (``SimConfig.history_all_accounts = "operator"``, default); with ``"refuse"``, or for any
  non-Operator, the call is refused with errorcode 100 "AccountId is required" — never other
  users' orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .calls_orders import instrument_filter
from .context import CallContext
from .engine import Engine
from .orders import ORDER_STATES
from .params import Params
from .permissions import ALL_ROLES, OPERATOR, TRADING_ROLES, account_call, check_account, require_role
from .replies import ApiError

__all__ = [
    "get_order_history", "get_orders", "get_orders_history", "history_accounts", "timestamp_ms",
]

_MS_THRESHOLD = 10**11


def timestamp_ms(params: Params, key: str) -> int | None:
    """An optional POSIX timestamp in seconds or milliseconds, as milliseconds (0 = absent)."""
    value = params.id(key)
    if not value:
        return None
    return value * 1000 if value < _MS_THRESHOLD else value


def history_accounts(engine: Engine, ctx: CallContext, params: Params, call: str,
                     roles: frozenset[str] = TRADING_ROLES) -> list[int] | None:
    """The accounts a history call reads: ``[AccountId]``, or None for the whole OMS (Operator)."""
    params.require_oms(engine.config.oms_id)
    user = ctx.require_user()
    require_role(user, roles, call)
    account_id = params.id("AccountId")
    if account_id:
        check_account(user, account_id, engine.catalog)
        return [account_id]
    if engine.config.history_all_accounts == "refuse":
        raise ApiError(100, "AccountId is required")
    if user.role != OPERATOR:
        raise ApiError(100, "AccountId is required (only an Operator may read every account's history)")
    return None


def _candidates(engine: Engine, accounts: list[int] | None, order_id: int | None) -> Iterable[int]:
    book = engine.book
    if order_id:
        row = book.row(order_id)
        if row is None or (accounts is not None and book.account_of(row) not in accounts):
            return ()
        return (row,)
    if accounts is None:
        return range(len(book))
    return (row for account in accounts for row in book.rows_of(account))


def get_orders_history(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOrdersHistory`` of one account (or, for an Operator, the OMS): newest first, paged."""
    return _history(engine, params, history_accounts(engine, ctx, params, "GetOrdersHistory"))


def get_orders(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOrders`` (4.x): the latest state of each order of one account; GetOrdersHistory's filters."""
    account_id = account_call(engine, ctx, params, TRADING_ROLES, "GetOrders")
    return _history(engine, params, [account_id])


def get_order_history(engine: Engine, ctx: CallContext, params: Params) -> Any:
    """``GetOrderHistory`` (3.x; Operator, Trading, AccountReadOnly): one account's orders, newest first."""
    account_id = account_call(engine, ctx, params, ALL_ROLES, "GetOrderHistory")
    return _history(engine, params, [account_id])


def _history(engine: Engine, params: Params, accounts: list[int] | None) -> list[dict[str, Any]]:
    instrument_id = instrument_filter(engine, params)
    state = params.enum("OrderState", ORDER_STATES, default=0) if params.has("OrderState") else None
    order_id = params.id("OrderId")
    client_order_id = params.id("ClientOrderId")
    start_ms, end_ms = timestamp_ms(params, "StartTimestamp"), timestamp_ms(params, "EndTimestamp")
    depth = params.id("Depth") or params.id("Limit") or 100
    start_index = params.id("StartIndex") or 0
    table = engine.book.table
    times = table.updated_ms if engine.config.history_time_field == "LastUpdatedTime" else table.receive_ms
    rows = [
        row for row in _candidates(engine, accounts, order_id)
        if (instrument_id is None or table.instrument[row] == instrument_id)
        and (state is None or table.state[row] == state)
        and (not client_order_id or table.client_order_id[row] == client_order_id)
        and (start_ms is None or times[row] >= start_ms)
        and (end_ms is None or times[row] <= end_ms)
    ]
    rows.sort(key=lambda row: (times[row], row), reverse=True)
    return [engine.book.render(row) for row in rows[start_index:start_index + depth]]
