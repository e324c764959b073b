"""frames.py: the declared schema, dtypes, derived columns and unknown fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from client_fakes import order

from apex_notebook.frames.schema import ACCOUNT_SCHEMA, INSTRUMENT_SCHEMA, ORDER_FIELDS, ORDER_SCHEMA
from apex_notebook.frames.tables import accounts_frame, empty_orders_frame, instruments_frame, orders_frame


def check_schema(frame: pd.DataFrame, schema: dict[str, str]) -> None:
    assert list(frame.columns) == list(schema)
    assert {c: str(frame[c].dtype) for c in schema} == schema


def test_schema_is_human_first_then_every_other_field_then_extras() -> None:
    assert len(ORDER_FIELDS) == 46
    assert list(ORDER_SCHEMA)[:14] == ["order_id", "account_id", "account_name", "symbol", "side", "order_type",
                                       "price", "stop_price", "quantity", "notional", "quote_currency",
                                       "order_state", "receive_time", "last_updated_time"]
    assert list(ORDER_SCHEMA)[-1] == "extras" and len(ORDER_SCHEMA) == 46 + 4
    assert {c for c, _ in ORDER_FIELDS.values()} | {"symbol", "notional", "quote_currency", "extras"} == set(
        ORDER_SCHEMA)
    assert set(ORDER_FIELDS) == set(order(1, 9))


def test_empty_frame_has_every_column_with_its_dtype() -> None:
    frame = empty_orders_frame()
    assert len(frame) == 0
    check_schema(frame, ORDER_SCHEMA)
    assert frame.attrs["extra_fields"] == []


def test_orders_frame_types_and_values() -> None:
    records = [order(1, 9), order(2, 10, instrument=2, Side="Sell", OrderType="StopMarket", StopPrice=90.0,
                                   Price=0.0, Quantity=3.0, LastUpdatedTime=0, IsQuote=None)]
    frame = orders_frame(records, instruments={1: "BTCUSD", 2: "ETHUSD"}, quotes={1: "USD", 2: "EUR"})
    check_schema(frame, ORDER_SCHEMA)
    assert frame["order_id"].tolist() == [1, 2]
    assert frame["symbol"].tolist() == ["BTCUSD", "ETHUSD"]
    assert frame["notional"].tolist() == [201.0, 270.0]  # stop-market: stop price x remaining
    assert frame["quote_currency"].tolist() == ["USD", "EUR"]  # the currency notional is in
    assert frame["receive_time"][0] == pd.Timestamp(1700000000123, unit="ms", tz="UTC")
    assert pd.isna(frame["last_updated_time"][1])  # 0 ms -> NaT, never 1970
    assert pd.isna(frame["is_quote"][1])
    assert frame["side"].tolist() == ["Buy", "Sell"]
    assert frame["extras"].tolist() == [None, None]
    assert frame["receive_time_ticks"][0] == 638356000001230000


def test_unknown_fields_go_to_extras_and_attrs() -> None:
    records = [order(1, 9, NewField=5), order(2, 9), order(3, 9, Other="x")]
    frame = orders_frame(records)
    check_schema(frame, ORDER_SCHEMA)
    assert frame.attrs["extra_fields"] == ["NewField", "Other"]
    assert frame["extras"].tolist() == [{"NewField": 5}, None, {"Other": "x"}]


def test_missing_fields_and_camel_case_keys() -> None:
    rec = {k[0].lower() + k[1:]: v for k, v in order(5, 9).items()}
    del rec["ipAddress"], rec["lastUpdatedTimeTicks"]
    frame = orders_frame([rec, order(6, 9, OrderId=None)])
    check_schema(frame, ORDER_SCHEMA)
    assert frame["order_id"].tolist()[0] == 5 and pd.isna(frame["order_id"][1])
    assert pd.isna(frame["last_updated_time_ticks"][0])
    assert frame.attrs["extra_fields"] == []


def test_numbers_as_28_digit_strings_and_big_ids() -> None:
    big = 2**62 + 1
    frame = orders_frame([order(1, 9, Price="23436.000000000000000000000000", ClientOrderId=big),
                          order(2, 9, ClientOrderId=None)])
    assert frame["price"][0] == 23436.0
    assert frame["client_order_id"][0] == big  # no float round trip
    assert str(frame["client_order_id"].dtype) == "Int64"


def test_symbol_unknown_instrument_is_missing_not_wrong() -> None:
    frame = orders_frame([order(1, 9, instrument=77)], instruments={1: "BTCUSD"})
    assert pd.isna(frame["symbol"][0])


def test_typed_frame_is_compact() -> None:
    records = [order(i, 1 + i // 50, instrument=1 + i % 3, Side=("Buy", "Sell")[i % 2])
               for i in range(2000)]
    typed = orders_frame(records, instruments={1: "BTCUSD"}).memory_usage(deep=True).sum()
    naive = pd.DataFrame(records).memory_usage(deep=True).sum()  # arrow-backed text when pyarrow is installed
    object_text = pd.DataFrame(records).astype(object).memory_usage(deep=True).sum()
    assert typed < naive and typed <= object_text / 4
    assert typed / len(records) <= 330  # bytes per order: 8 per float, 9 per id, ~1 per category


def test_account_and_instrument_frames() -> None:
    check_schema(accounts_frame([]), ACCOUNT_SCHEMA)
    accts = accounts_frame([{"account_id": 9, "account_name": "a", "permission": "Trading"}])
    assert accts["account_id"].tolist() == [9]
    inst = instruments_frame([{"InstrumentId": 1, "Symbol": "BTCUSD", "SessionStatus": "Running",
                               "QuantityIncrement": "0.0001"}])
    check_schema(inst, INSTRUMENT_SCHEMA)
    assert inst["quantity_increment"][0] == pytest.approx(0.0001)
    check_schema(instruments_frame([]), INSTRUMENT_SCHEMA)
    assert np.isnan(inst["price_increment"][0])


def test_non_integral_ids_are_missing_not_truncated() -> None:
    frame = orders_frame([order(1, 9, OrderId=1.5, ClientOrderId="12", EnteredBy=True, OrigOrderId=2.0)])
    assert pd.isna(frame["order_id"][0]) and pd.isna(frame["entered_by"][0])
    assert frame["client_order_id"][0] == 12 and frame["orig_order_id"][0] == 2
    big = orders_frame([order(1, 9, ClientOrderId=str(2**62 + 3)), order(2, 9, ClientOrderId="x")])
    assert big["client_order_id"][0] == 2**62 + 3 and pd.isna(big["client_order_id"][1])
