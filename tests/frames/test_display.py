"""display.py and html.orders_table: numbers and times for people; the data keeps full precision."""

from __future__ import annotations

import pandas as pd
from client_fakes import FakeGateway, order

from apex_notebook.frames.display import (
    currency_decimals,
    display_frame,
    format_money,
    format_price,
    format_quantity,
    format_time,
    increment_decimals,
    money_text,
    price_decimals,
)
from apex_notebook.frames.html import orders_table
from apex_notebook.frames.tables import instruments_frame, orders_frame

INSTRUMENTS = instruments_frame([
    {"InstrumentId": 1, "Symbol": "BTCUSD", "Product2Symbol": "USD", "PriceIncrement": 0.01},
    {"InstrumentId": 6, "Symbol": "LTCBTC", "Product2Symbol": "BTC", "PriceIncrement": 0.000001},
])


def test_increments_become_decimals() -> None:
    assert [increment_decimals(x) for x in (0.01, 0.000001, 0.25, 1.0, 5.0, "0.001")] == [2, 6, 2, 0, 0, 3]
    assert increment_decimals(None) is None and increment_decimals(0.0) is None
    assert price_decimals(INSTRUMENTS) == {1: 2, 6: 6}


def test_scalars() -> None:
    assert format_quantity(0.30000000000000004) == "0.3" and format_quantity(1234.5) == "1,234.5"
    assert format_quantity(0.0) == "0" and format_quantity(float("nan")) == "" and format_quantity(pd.NA) == ""
    assert format_price(2689.07, 2) == "2,689.07" and format_price(0.0021, 6) == "0.002100"
    assert format_price(None, 2) == ""
    assert format_time(pd.Timestamp("2026-11-30 07:25:41.860123", tz="UTC")) == "2026-11-30 07:25:41"
    assert format_time(pd.NaT) == ""
    assert format_money(1234.5, "USD") == "1,234.50 USD"
    assert format_money(1.0, None) == "1.00 (unknown currency)"


def test_display_frame_formats_each_column_kind_and_keeps_the_data() -> None:
    records = [order(1, 9, Price=61635.49, Quantity=0.0162, OrderType="Limit"),
               order(2, 9, instrument=6, Price=0.0021, Quantity=3.0, OrderType="StopMarket", StopPrice=0.002)]
    frame = orders_frame(records, instruments={1: "BTCUSD", 6: "LTCBTC"}, quotes={1: "USD", 6: "BTC"})
    shown = display_frame(frame, INSTRUMENTS)
    assert list(shown.columns) == list(frame.columns) and shown.index.equals(frame.index)
    assert shown["price"].tolist() == ["61,635.49", ""]  # stop-market: no limit price, blank
    assert shown["stop_price"].tolist() == ["", "0.002000"]
    assert shown["quantity"].tolist() == ["0.0162", "3"]
    assert shown["notional"].tolist() == ["998.49", "0.006000"]
    assert shown["receive_time"][0] == "2023-11-14 22:13:20"
    assert shown["client_order_id"].tolist() == ["", ""]  # APEX's 0 = none
    assert frame["price"][0] == 61635.49  # the frame itself is untouched


def test_precision_from_attrs_or_from_the_values() -> None:
    frame = orders_frame([order(1, 9, Price=100.125), order(2, 9, Price=100.5)])
    assert display_frame(frame)["price"].tolist() == ["100.125", "100.500"]
    frame.attrs["price_decimals"] = {1: 2}
    assert display_frame(frame)["price"].tolist() == ["100.12", "100.50"]


def test_money_per_currency() -> None:
    frame = orders_frame([order(1, 9), order(2, 9, instrument=6, Price=0.0021)],
                         quotes={1: "USD", 6: "BTC"})
    assert currency_decimals(frame, INSTRUMENTS) == {"USD": 2, "BTC": 6}
    totals = pd.Series({"BTC": 0.0042, "USD": 201.0})
    assert money_text(totals, {"BTC": 6}) == "201.00 USD · 0.004200 BTC"
    assert money_text(pd.Series(dtype=float)) == "nothing"


def test_orders_table_is_formatted_and_escaped() -> None:
    frame = orders_frame([order(1, 9, AccountName="<b>x</b>", Price=100.5, AvgPrice=0.0)], quotes={1: "USD"})
    html = orders_table(frame)
    assert "100.5" in html and "100.500000" not in html and "nan" not in html.lower()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "USD" in html and "times in UTC" in html
    assert html.index("order_id") < html.index("symbol") < html.index("notional") < html.index("quote_currency")


def test_snapshot_carries_quote_currency_and_price_decimals(gateway: FakeGateway, make_client: object) -> None:
    frame = make_client().open_orders()  # type: ignore[operator]
    assert set(frame["quote_currency"]) == {"USD"}
    assert frame.attrs["price_decimals"] == {}  # the fake gateway lists no PriceIncrement


def test_currency_totals_use_the_common_precision_of_their_instruments() -> None:
    frame = orders_frame([order(1, 9), order(2, 9, instrument=7)], quotes={1: "USD", 7: "USD"})
    assert currency_decimals(frame, {1: 2, 7: 3}) == {"USD": 2}
