"""Not applicable is missing, never 0: the rules of ``schema.NOT_APPLICABLE``, order type by order type."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from client_fakes import order

from apex_notebook.frames.schema import DECIMAL_SENTINEL, NOT_APPLICABLE, ORDER_SCHEMA
from apex_notebook.frames.tables import orders_frame

#: What APEX sends for fields that do not apply: zeros everywhere, as the simulator and real gateways do.
ZEROS = {"Price": 0.0, "StopPrice": 0.0, "AvgPrice": 0.0, "PegOffset": 0.0, "PegLimitOffset": 0.0}


def one(order_type: str, **over: object) -> pd.Series:
    frame = orders_frame([order(1, 9, OrderType=order_type, **{**ZEROS, **over})], instruments={1: "BTCUSD"},
                         quotes={1: "USD"})
    return frame.iloc[0]


@pytest.mark.parametrize(("order_type", "price_applies", "stop_applies"), [
    ("Market", False, False),
    ("Limit", True, False),
    ("StopMarket", False, True),
    ("StopLimit", True, True),
    ("TrailingStopMarket", False, True),
    ("TrailingStopLimit", True, True),
    ("BlockTrade", True, False),
])
def test_price_and_stop_price_by_order_type(order_type: str, price_applies: bool, stop_applies: bool) -> None:
    row = one(order_type, Price=101.5, StopPrice=99.25)
    assert bool(row["price"] == 101.5) is price_applies and bool(pd.isna(row["price"])) is not price_applies
    assert bool(row["stop_price"] == 99.25) is stop_applies and bool(pd.isna(row["stop_price"])) is not stop_applies
    assert bool(pd.isna(row["display_quantity"])) is not price_applies  # only limit-priced orders rest on the book


def test_an_order_type_the_rules_do_not_know_keeps_what_apex_sent() -> None:
    row = one("Unknown", Price=0.0, StopPrice=0.0)
    assert row["price"] == 0.0 and row["stop_price"] == 0.0


def test_avg_price_only_once_something_executed() -> None:
    frame = orders_frame([order(1, 9, AvgPrice=0.0, QuantityExecuted=0.0),
                          order(2, 9, AvgPrice=100.25, QuantityExecuted=0.5)])
    assert pd.isna(frame["avg_price"][0]) and frame["avg_price"][1] == 100.25


def test_peg_fields_only_when_pegged_or_trailing() -> None:
    frame = orders_frame([order(1, 9), order(2, 9, PegPriceType="Bid", PegOffset=-1.5),
                          order(3, 9, OrderType="TrailingStopMarket", StopPrice=90.0, PegOffset=2.0)])
    assert pd.isna(frame["peg_offset"][0]) and pd.isna(frame["peg_limit_offset"][0])
    assert frame["peg_offset"][1] == -1.5 and frame["peg_offset"][2] == 2.0


def test_inside_market_sentinel_and_zero_are_missing_with_their_sizes() -> None:
    frame = orders_frame([order(1, 9, InsideAsk=DECIMAL_SENTINEL, InsideAskSize=0.0, InsideBid=0.0,
                                LastTradePrice=0.0),
                          order(2, 9, InsideAsk="9223372036.854775807", ExecutableValue=DECIMAL_SENTINEL)])
    assert frame[["inside_ask", "inside_ask_size", "inside_bid", "inside_bid_size", "last_trade_price"]
                 ].iloc[0].isna().all()
    assert pd.isna(frame["inside_ask"][1]) and pd.isna(frame["executable_value"][1])
    assert frame["inside_bid"][1] == 100.0 and frame["inside_bid_size"][1] == 1.0


def test_zero_ids_are_missing_and_empty_text_is_missing() -> None:
    frame = orders_frame([order(1, 9, ClientOrderId=0, OrigClOrdId=0, CounterPartyId=0, RejectReason="",
                                ReceiveTimeTicks=0)])
    row = frame.iloc[0]
    for column in ("client_order_id", "orig_cl_ord_id", "counter_party_id", "ipv6a", "ipv6b",
                   "receive_time_ticks", "reject_reason", "cancel_reason"):
        assert pd.isna(row[column]), column
    assert row["order_id"] == 1 and row["entered_by"] == 1  # real ids stay


def test_market_order_notional_is_missing_not_zero_and_stop_market_uses_the_stop() -> None:
    frame = orders_frame([order(1, 9, OrderType="Market", Quantity=2.0),
                          order(2, 9, OrderType="StopMarket", StopPrice=50.0, Quantity=2.0)])
    assert pd.isna(frame["notional"][0]) and frame["notional"][1] == 100.0


def test_mean_price_is_the_mean_of_real_prices() -> None:
    records = [order(i, 9, Price=100.0) for i in range(9)] + [order(9, 9, OrderType="StopMarket", StopPrice=95.0)]
    assert orders_frame(records)["price"].mean() == 100.0  # a sentinel 0 would make it 90


def test_raw_keeps_the_reply_as_sent() -> None:
    record = order(1, 9, OrderType="StopMarket", StopPrice=95.0, ClientOrderId=0, RejectReason="",
                   InsideAsk=DECIMAL_SENTINEL, **{"Price": 0.0, "AvgPrice": 0.0})
    raw = orders_frame([record], raw=True).iloc[0]
    assert raw["price"] == 0.0 and raw["avg_price"] == 0.0 and raw["client_order_id"] == 0
    assert raw["reject_reason"] == "" and math.isclose(raw["inside_ask"], DECIMAL_SENTINEL)
    assert list(orders_frame([record], raw=True).columns) == list(ORDER_SCHEMA)


def test_the_slow_path_applies_the_same_rules() -> None:
    record = {k.lower(): v for k, v in order(1, 9, OrderType="StopMarket", StopPrice=95.0, Price=0.0).items()}
    frame = orders_frame([record, order(2, 9, OrderType="Limit", Price="101.5", StopPrice=None)])
    assert pd.isna(frame["price"][0]) and frame["stop_price"][0] == 95.0
    assert frame["price"][1] == 101.5 and pd.isna(frame["stop_price"][1])


def test_every_rule_is_documented() -> None:
    for column in ("price", "stop_price", "display_quantity", "avg_price", "peg_offset", "inside_ask",
                   "last_trade_price", "client_order_id", "notional"):
        assert column in NOT_APPLICABLE and column in ORDER_SCHEMA


def test_masks_run_on_whole_columns_of_a_large_frame() -> None:
    types = np.array(["Limit", "StopMarket", "StopLimit", "Market"])
    records = [order(i, 9, OrderType=str(types[i % 4]), StopPrice=90.0) for i in range(10_000)]
    frame = orders_frame(records)
    by_type = frame.groupby("order_type", observed=True)[["price", "stop_price"]].count()
    assert by_type.loc["Limit"].tolist() == [2500, 0] and by_type.loc["StopMarket"].tolist() == [0, 2500]
    assert by_type.loc["StopLimit"].tolist() == [2500, 2500] and by_type.loc["Market"].tolist() == [0, 0]
