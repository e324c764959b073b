"""Hand-built order frames and a fake client for the pure safety tests (no simulator needed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from apex_notebook.cancel.result import CancelResult, empty_result_frame, summarise, typed_result
from apex_notebook.cancel.scope import ALL
from apex_notebook.frames.tables import accounts_frame, orders_frame
from apex_notebook.wire.errors import PartialSnapshotError

SYMBOLS = {1: "BTCUSD", 2: "ETHUSD", 3: "LTCUSD"}


def record(order_id: int, account: int, instrument: int, *, state: str = "Working", side: str = "Buy",
           order_type: str = "Limit", price: float = 100.0, quantity: float = 1.0,
           receive_ms: int | None = None) -> dict[str, Any]:
    return {"OrderId": order_id, "Account": account, "Instrument": instrument, "OrderState": state,
            "Side": side, "OrderType": order_type, "Price": price, "Quantity": quantity,
            "OrigQuantity": quantity, "QuantityExecuted": 0.0, "StopPrice": 0.0, "OMSId": 1,
            "ReceiveTime": receive_ms or 1_767_225_600_000 + order_id * 1000,
            "LastUpdatedTime": receive_ms or 1_767_225_600_000 + order_id * 1000}


def frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return orders_frame(list(records), instruments=SYMBOLS)


def mixed_records() -> list[dict[str, Any]]:
    """Orders across accounts 9, 10, 11 and instruments 1-3, in every state."""
    out = []
    oid = 1
    for account in (9, 10, 11):
        for instrument in (1, 2, 3):
            for state in ("Working", "Working", "Canceled", "FullyExecuted", "Rejected", "Expired"):
                side = "Buy" if oid % 2 else "Sell"
                out.append(record(oid, account, instrument, state=state, side=side,
                                  order_type="Limit" if oid % 3 else "StopMarket", price=10.0 * oid))
                oid += 1
    return out


class FakeClient:
    """Just enough of apex_notebook.Client for make_plan (the open orders come from a fixed frame)."""

    def __init__(self, records: list[dict[str, Any]], *, operator: bool = True,
                 accounts: tuple[int, ...] = (9, 10, 11), permissions: frozenset[str] | None = None,
                 failed: dict[int, str] | None = None) -> None:
        self.orders = frame(records)
        self.is_operator = operator
        self.permissions = permissions or frozenset({"Operator" if operator else "Trading"})
        self._accounts = accounts
        self.oms_id = 1
        self.username = "ops"
        self.base_url = "http://apex-sim.local"
        self.failed = failed or {}
        self.fetches: list[tuple[Any, Any]] = []

    def accounts(self) -> pd.DataFrame:
        return accounts_frame([{"account_id": a, "account_name": f"acct-{a}", "permission": "Trading"}
                               for a in self._accounts])

    def instrument_symbols(self) -> dict[int, str]:
        return dict(SYMBOLS)

    def open_orders(self, account_id: Any = ALL, instrument_id: Any = ALL, *, strict: bool = True
                    ) -> pd.DataFrame:
        self.fetches.append((account_id, instrument_id))
        if self.failed and strict:
            raise PartialSnapshotError("partial", failed_accounts=self.failed)
        out = self.orders[self.orders["order_state"] == "Working"]
        if account_id is not ALL:
            out = out[out["account_id"] == account_id]
        if instrument_id is not ALL:
            out = out[out["instrument_id"] == instrument_id]
        out = out.reset_index(drop=True)
        out.attrs["taken_at"] = "2026-01-01T00:00:00+00:00"
        return out


def result_for(eid: str) -> CancelResult:
    rows = pd.DataFrame([
        {"execution_id": eid, "order_id": 1, "account_id": 9, "instrument_id": 1, "symbol": "BTCUSD",
         "side": "Buy", "order_type": "Limit", "orig_quantity": 1.0, "quantity": 0.0,
         "quantity_executed": 0.0,
         "outcome": "canceled", "final_state": "Canceled", "change_reason": "UserModified",
         "verified_at": pd.Timestamp.now(tz="UTC"), "previewed": True},
        {"execution_id": eid, "order_id": 2, "account_id": 9, "instrument_id": 2, "symbol": None,
         "side": "Sell", "order_type": "Limit", "orig_quantity": 2.0, "quantity": 0.0,
         "quantity_executed": 2.0,
         "outcome": "filled_before_cancel", "final_state": "FullyExecuted", "change_reason": "Trade",
         "verified_at": pd.Timestamp.now(tz="UTC"), "previewed": True}])
    orders = typed_result(rows)
    summary = summarise(orders, empty_result_frame(), ack={"status": "ok", "result": True, "errorcode": 0},
                        mode="cancel_all", drift={}, stats={"polls": 1}, timings={})
    return CancelResult(eid, orders, empty_result_frame(), summary, "account 9")
