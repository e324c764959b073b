"""Hand-built order frames and a fake client for the pure safety tests (no simulator needed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from apex_notebook.errors import PartialSnapshotError
from apex_notebook.frames import accounts_frame, orders_frame
from apex_notebook.scope import ALL

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
