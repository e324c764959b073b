"""The trade log: one record per fill of one order (apex-api.md §2.4 GetTradesHistory, §2.5).

A match between an incoming order and a resting one makes two records (one per order) with
the same ``ExecutionId`` and their own ``TradeId``; the resting side is the ``Maker``. A fill
with no counter order (``FakeOMS.fill``, the fill race, seeded partial fills) is one record
against the outside market (``CounterParty`` ``"0"``). ``Fee`` is what the fill paid
(``SimConfig.maker_fee``/``taker_fee``, in the quote product ``FeeProductId``). Records are columnar (like orders) and
rendered only when a reply or an event needs them. ``Direction`` compares the price with the
instrument's previous trade: ``UpTick``, ``DownTick`` or ``NoChange``.
"""

from __future__ import annotations

from array import array
from typing import Any

from .book import Book, Fill
from .catalog import Catalog
from .config import SimConfig
from .ledger import fee_of
from .orders import FIRST_ORDER_ID, ORDER_TYPES, SIDES, ms_to_ticks

__all__ = ["DIRECTIONS", "FIRST_TRADE_ID", "TradeLog"]

FIRST_TRADE_ID = 1
DIRECTIONS = ("NoChange", "UpTick", "DownTick")


class TradeLog:
    """Every fill of the OMS, indexed by account and by order."""

    def __init__(self, book: Book, catalog: Catalog, config: SimConfig) -> None:
        self.book = book
        self.catalog = catalog
        self.config = config
        self.oms_id = config.oms_id
        self.order_row = array("q")
        self.quantity = array("d")
        self.price = array("d")
        self.at_ms = array("q")
        self.counter_row = array("q")
        self.maker = array("b")
        self.execution = array("q")
        self.remaining = array("d")
        self.direction = array("b")
        self.revision = array("l")
        self.fee = array("d")
        self.by_account: dict[int, list[int]] = {}
        self.by_order: dict[int, list[int]] = {}
        #: Public trades per instrument (one record per execution: the taker's, or a market fill's).
        self.by_instrument: dict[int, list[int]] = {}
        self.last_price: dict[int, float] = {}
        self._executions = 0
        self._open_maker: tuple[int, int] | None = None
        book.fill_listeners.append(self.record)

    def __len__(self) -> int:
        return len(self.order_row)

    def record(self, fill: Fill) -> None:
        """Book listener: append the record of one fill."""
        table = self.book.table
        instrument = table.instrument[fill.row]
        if fill.counter_row is not None and not fill.maker and self._open_maker is not None \
                and self._open_maker[0] == fill.counter_row:
            execution = self._open_maker[1]
            self._open_maker = None
        else:
            self._executions += 1
            execution = self._executions
            self._open_maker = (fill.row, execution) if fill.maker else None
        previous = self.last_price.get(instrument)
        direction = 0 if previous is None or previous == fill.price else (1 if fill.price > previous else 2)
        if not fill.maker:
            self.last_price[instrument] = fill.price
        index = len(self.order_row)
        self.order_row.append(fill.row)
        self.quantity.append(fill.quantity)
        self.price.append(fill.price)
        self.at_ms.append(fill.at_ms)
        self.counter_row.append(-1 if fill.counter_row is None else fill.counter_row)
        self.maker.append(1 if fill.maker else 0)
        self.execution.append(execution)
        self.remaining.append(table.remaining(fill.row))
        self.direction.append(direction)
        self.fee.append(fee_of(fill, self.config))
        trades_of_order = self.by_order.setdefault(fill.row, [])
        self.revision.append(len(trades_of_order) + 1)
        trades_of_order.append(index)
        self.by_account.setdefault(table.account[fill.row], []).append(index)
        if not fill.maker:
            self.by_instrument.setdefault(instrument, []).append(index)

    def render(self, index: int) -> dict[str, Any]:
        """The GetTradesHistory object of one record (PascalCase, documented fields)."""
        table, row = self.book.table, self.order_row[index]
        account = table.account[row]
        instrument = self.catalog.instruments[table.instrument[row]]
        quantity, price = self.quantity[index], self.price[index]
        counter = self.counter_row[index]
        spread = instrument.mid * 0.0005
        notional_rate = instrument.product2.usd_rate
        entered_by = table.entered_by[row]
        return {
            "OMSId": self.oms_id, "ExecutionId": self.execution[index], "TradeId": FIRST_TRADE_ID + index,
            "OrderId": FIRST_ORDER_ID + row, "AccountId": account,
            "AccountName": self._account_name(account), "SubAccountId": 0,
            "ClientOrderId": table.client_order_id[row], "InstrumentId": instrument.instrument_id,
            "Side": SIDES[table.side[row]], "OrderType": ORDER_TYPES[table.order_type[row]],
            "Quantity": quantity, "RemainingQuantity": self.remaining[index], "Price": price,
            "Value": round(quantity * price, 10),
            "CounterParty": str(table.account[counter]) if counter >= 0 else "0",
            "OrderTradeRevision": self.revision[index], "Direction": DIRECTIONS[self.direction[index]],
            "IsBlockTrade": False, "Fee": round(self.fee[index], 10), "FeeProductId": instrument.product2.product_id,
            "OrderOriginator": entered_by, "UserName": self.catalog.user_name(entered_by),
            "TradeTimeMS": self.at_ms[index], "MakerTaker": "Maker" if self.maker[index] else "Taker",
            "AdapterTradeId": 0, "InsideBid": round(instrument.mid - spread, 8), "InsideBidSize": 1.0,
            "InsideAsk": round(instrument.mid + spread, 8), "InsideAskSize": 1.0, "IsQuote": False,
            "CounterPartyClientUserId": table.entered_by[counter] if counter >= 0 else 0,
            "NotionalProductId": 2, "NotionalRate": notional_rate,
            "NotionalValue": round(quantity * price * notional_rate, 2),
            "TradeTime": ms_to_ticks(self.at_ms[index]),
        }

    def order_trade_event(self, index: int) -> dict[str, Any]:
        """The OrderTradeEvent body of one record (apex-api.md §2.5)."""
        record = self.render(index)
        counter = self.counter_row[index]
        keys = ("OMSId", "TradeId", "OrderId", "AccountId", "ClientOrderId", "InstrumentId", "Side", "Quantity",
                "Price", "Value", "TradeTime", "TradeTimeMS", "OrderTradeRevision", "Direction",
                "CounterPartyClientUserId", "NotionalProductId", "NotionalRate", "NotionalValue", "ExecutionId",
                "MakerTaker", "RemainingQuantity")
        body = {key: record[key] for key in keys}
        body["ContraAcctId"] = self.book.table.account[counter] if counter >= 0 else 0
        return body

    def _account_name(self, account_id: int) -> str:
        account = self.catalog.accounts.get(account_id)
        return account.name if account is not None else ""
