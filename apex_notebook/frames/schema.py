"""Declared frame schemas: which APEX field becomes which column, with which dtype.

:data:`ORDER_SCHEMA` maps each column to its dtype, in order: every field of the APEX order object
(``apex-api.md`` §3) under a snake_case name, then the derived ``symbol`` (joined from the
instruments), ``notional`` (price x remaining quantity; stop price for stop-market orders) and
``extras``. Frames are built column by column (no ``DataFrame(records)``): ids are nullable
``Int64``, prices and quantities ``float64``, enums and low-cardinality text ``category``, times
``datetime64[ns, UTC]`` from the millisecond fields (0 -> NaT).

Unknown fields from a newer gateway are not dropped and do not break the schema: they are kept per
row in ``extras`` (a dict, or None when the row has none) and listed in
``df.attrs["extra_fields"]``. Keys are matched case-insensitively (``orderId`` == ``OrderId``).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ACCOUNT_SCHEMA", "INSTRUMENT_FIELDS", "INSTRUMENT_SCHEMA", "ORDER_FIELDS", "ORDER_SCHEMA"]

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

#: column -> dtype, in column order (the APEX fields, then symbol, notional, extras).
ORDER_SCHEMA: dict[str, str] = {
    **{column: dtype for column, dtype in ORDER_FIELDS.values()},
    "symbol": "category",
    "notional": "float64",
    "extras": "object",
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
