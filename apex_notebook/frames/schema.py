"""Declared frame schemas: which APEX field becomes which column, with which dtype, in which order.

:data:`ORDER_FIELDS` maps every field of the APEX order object (``apex-api.md`` §3) to a snake_case
column and its dtype. :data:`ORDER_SCHEMA` is the frame's column -> dtype, **human first**: ids,
account, symbol, side, type, prices, quantity, ``notional`` and its ``quote_currency``, state and
times (:data:`FIRST_COLUMNS`), then the other APEX fields in their documented order, then
``extras``. Derived columns: ``symbol`` (from GetInstruments), ``notional`` (price x remaining
quantity; the stop price for stop-market orders) and ``quote_currency`` (the instrument's
``Product2Symbol``: the currency ``notional`` is in). Ids are nullable ``Int64``, prices and
quantities ``float64``, enums and low-cardinality text ``category``, times ``datetime64[ns, UTC]``
from the millisecond fields.

**Not applicable is missing, never a sentinel** (:data:`NOT_APPLICABLE`, applied by
``frames.not_applicable`` on whole columns after the build). APEX fills fields that do not apply
with 0 or with ``9223372036.854775807``; the frame shows NaN / ``<NA>`` / ``NaT`` instead, field by
field from the order type:

* ``price``: N/A for Market, StopMarket and TrailingStopMarket (no limit price);
* ``stop_price``: N/A for Market, Limit and BlockTrade (no trigger);
* ``display_quantity``: N/A for the types that never rest on the book (those without a limit price);
* ``avg_price``: N/A while nothing has executed (``quantity_executed`` is 0);
* ``peg_offset`` / ``peg_limit_offset``: N/A unless the order is pegged (a ``peg_price_type`` other
  than Unknown) or trailing;
* ``inside_ask`` / ``inside_bid`` / ``last_trade_price``: N/A when 0 or the no-value sentinel, and
  the two sizes with them; any decimal at the sentinel is N/A;
* ids that APEX sends as 0 for "none" (``client_order_id``, ``orig_cl_ord_id``,
  ``counter_party_id``, ``ipv6a``, ``ipv6b``) and tick counts of 0: ``<NA>``; times <= 0: ``NaT``;
* empty text (``reject_reason`` "" ...): missing.

An order type the rules do not know (``Unknown``, a newer type, missing) keeps what APEX sent. The
reply as sent stays reachable: ``orders_frame(records, raw=True)`` (and ``raw=True`` on the
snapshots of ``frames.snapshots``) builds the same columns without these rules.

Unknown fields from a newer gateway are not dropped and do not break the schema: they are kept per
row in ``extras`` (a dict, or None when the row has none) and listed in
``df.attrs["extra_fields"]``. Keys are matched case-insensitively (``orderId`` == ``OrderId``).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ACCOUNT_SCHEMA", "DECIMAL_SENTINEL", "FIRST_COLUMNS", "INSTRUMENT_FIELDS", "INSTRUMENT_SCHEMA",
           "NOT_APPLICABLE", "NO_BOOK_TYPES", "NO_STOP_TYPES", "ORDER_FIELDS", "ORDER_SCHEMA", "TRAILING_TYPES",
           "ZERO_IS_NONE"]

_UTC = pd.DatetimeTZDtype("ns", "UTC")

#: APEX order field -> (column, dtype), in the documented field order.
ORDER_FIELDS: dict[str, tuple[str, str]] = {
    "Side": ("side", "category"),
    "OrderId": ("order_id", "Int64"),
    "Price": ("price", "float64"),
    "Quantity": ("quantity", "float64"),
    "DisplayQuantity": ("display_quantity", "float64"),
    "Instrument": ("instrument_id", "Int64"),
    "Account": ("account_id", "Int64"),
    "AccountName": ("account_name", "category"),
    "OrderType": ("order_type", "category"),
    "ClientOrderId": ("client_order_id", "Int64"),
    "OrderState": ("order_state", "category"),
    "ReceiveTime": ("receive_time", "datetime64[ns, UTC]"),
    "ReceiveTimeTicks": ("receive_time_ticks", "Int64"),
    "LastUpdatedTime": ("last_updated_time", "datetime64[ns, UTC]"),
    "LastUpdatedTimeTicks": ("last_updated_time_ticks", "Int64"),
    "OrigQuantity": ("orig_quantity", "float64"),
    "QuantityExecuted": ("quantity_executed", "float64"),
    "GrossValueExecuted": ("gross_value_executed", "float64"),
    "ExecutableValue": ("executable_value", "float64"),
    "AvgPrice": ("avg_price", "float64"),
    "CounterPartyId": ("counter_party_id", "Int64"),
    "ChangeReason": ("change_reason", "category"),
    "OrigOrderId": ("orig_order_id", "Int64"),
    "OrigClOrdId": ("orig_cl_ord_id", "Int64"),
    "EnteredBy": ("entered_by", "Int64"),
    "UserName": ("user_name", "category"),
    "IsQuote": ("is_quote", "boolean"),
    "InsideAsk": ("inside_ask", "float64"),
    "InsideAskSize": ("inside_ask_size", "float64"),
    "InsideBid": ("inside_bid", "float64"),
    "InsideBidSize": ("inside_bid_size", "float64"),
    "LastTradePrice": ("last_trade_price", "float64"),
    "RejectReason": ("reject_reason", "category"),
    "IsLockedIn": ("is_locked_in", "boolean"),
    "CancelReason": ("cancel_reason", "category"),
    "OrderFlag": ("order_flag", "category"),
    "UseMargin": ("use_margin", "boolean"),
    "StopPrice": ("stop_price", "float64"),
    "PegPriceType": ("peg_price_type", "category"),
    "PegOffset": ("peg_offset", "float64"),
    "PegLimitOffset": ("peg_limit_offset", "float64"),
    "IpAddress": ("ip_address", "category"),
    "IPv6a": ("ipv6a", "Int64"),
    "IPv6b": ("ipv6b", "Int64"),
    "ClientOrderIdUuid": ("client_order_id_uuid", "category"),
    "OMSId": ("oms_id", "Int64"),
}

#: The columns a person reads first, in this order; the other APEX fields follow in documented order.
FIRST_COLUMNS: tuple[str, ...] = (
    "order_id", "account_id", "account_name", "symbol", "side", "order_type", "price", "stop_price",
    "quantity", "notional", "quote_currency", "order_state", "receive_time", "last_updated_time",
)
_DERIVED = {"symbol": "category", "notional": "float64", "quote_currency": "category"}
_FIELD_DTYPES = {column: dtype for column, dtype in ORDER_FIELDS.values()}

#: column -> dtype, in column order: :data:`FIRST_COLUMNS`, the other APEX fields, then ``extras``.
ORDER_SCHEMA: dict[str, str] = {
    **{column: {**_FIELD_DTYPES, **_DERIVED}[column] for column in FIRST_COLUMNS},
    **{column: dtype for column, dtype in _FIELD_DTYPES.items() if column not in FIRST_COLUMNS},
    "extras": "object",
}

#: APEX's "no value" for a decimal (``decimal(long.MaxValue) / 10**9``), e.g. ``InsideAsk`` with no ask.
DECIMAL_SENTINEL = 9223372036.854775807
#: Order types without a limit price: they never rest on the book at a price of their own.
NO_BOOK_TYPES: frozenset[str] = frozenset({"Market", "StopMarket", "TrailingStopMarket"})
#: Order types without a stop (trigger) price.
NO_STOP_TYPES: frozenset[str] = frozenset({"Market", "Limit", "BlockTrade"})
#: Order types that trail the market (their peg fields apply even when ``PegPriceType`` is Unknown).
TRAILING_TYPES: frozenset[str] = frozenset({"TrailingStopMarket", "TrailingStopLimit"})
#: Integer columns where APEX sends 0 for "none".
ZERO_IS_NONE: tuple[str, ...] = ("client_order_id", "orig_cl_ord_id", "counter_party_id", "ipv6a", "ipv6b",
                                 "receive_time_ticks", "last_updated_time_ticks")

#: column -> when its value is not applicable (then it is NaN / <NA> / NaT, never 0).
NOT_APPLICABLE: dict[str, str] = {
    "price": "order_type is Market, StopMarket or TrailingStopMarket (no limit price)",
    "stop_price": "order_type is Market, Limit or BlockTrade (no trigger)",
    "display_quantity": "order_type is Market, StopMarket or TrailingStopMarket (never on the book)",
    "avg_price": "quantity_executed is 0 (nothing executed yet)",
    "peg_offset": "not pegged: peg_price_type Unknown (or missing) and not a trailing order",
    "peg_limit_offset": "not pegged: peg_price_type Unknown (or missing) and not a trailing order",
    "inside_ask": "0 or 9223372036.854775807 (no ask)",
    "inside_ask_size": "inside_ask is not applicable",
    "inside_bid": "0 or 9223372036.854775807 (no bid)",
    "inside_bid_size": "inside_bid is not applicable",
    "last_trade_price": "0 or 9223372036.854775807 (no trade yet)",
    "notional": "the price it is computed from is not applicable (a Market order)",
    **{column: "0 (APEX's 'none')" for column in ZERO_IS_NONE},
    "receive_time": "0 or negative milliseconds",
    "last_updated_time": "0 or negative milliseconds",
    "any float column": "9223372036.854775807 (APEX's no-value sentinel)",
    "any text column": "empty text",
}

#: ``accounts()`` columns.
ACCOUNT_SCHEMA: dict[str, str] = {"account_id": "Int64", "account_name": "string", "permission": "string"}

#: APEX instrument field -> (column, dtype).
INSTRUMENT_FIELDS: dict[str, tuple[str, str]] = {
    "InstrumentId": ("instrument_id", "Int64"),
    "Symbol": ("symbol", "string"),
    "Product1": ("product1", "Int64"),
    "Product1Symbol": ("product1_symbol", "string"),
    "Product2": ("product2", "Int64"),
    "Product2Symbol": ("product2_symbol", "string"),
    "InstrumentType": ("instrument_type", "string"),
    "SessionStatus": ("session_status", "string"),
    "QuantityIncrement": ("quantity_increment", "float64"),
    "PriceIncrement": ("price_increment", "float64"),
    "MinimumQuantity": ("minimum_quantity", "float64"),
    "MinimumPrice": ("minimum_price", "float64"),
    "IsDisable": ("is_disable", "boolean"),
    "OMSId": ("oms_id", "Int64"),
}
#: ``instruments()`` columns.
INSTRUMENT_SCHEMA: dict[str, str] = dict(INSTRUMENT_FIELDS.values())
