"""A small in-memory client for the panel's unit tests (the real Client + simulator are tested too).

It builds real ``CancelPlan``s with ``plan.make_plan`` and real ``CancelResult``s, so the panel is
exercised against the real plan/result objects; only the network side is faked. Hooks let a test
inject errors, observe the panel while a call is running, and see every call made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from apex_notebook.cancel.plan import CancelPlan, make_plan
from apex_notebook.cancel.result import CancelResult, typed_result
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.wire.errors import AlreadyExecutedError, ConfirmationError, PlanError

SYMBOLS = {1: "BTCUSD", 2: "ETHUSD", 3: "SOLUSD"}
NOW = pd.Timestamp("2025-01-02 12:00:00", tz="UTC")


def make_orders(rows: list[tuple[int, int, int, str]], *, price: float = 100.0, quantity: float = 2.0,
                age_minutes: float = 30.0) -> pd.DataFrame:
    """Orders frame with the ORDER_SCHEMA columns the UI uses, from (order_id, account, instrument, side)."""
    n = len(rows)
    frame = pd.DataFrame({
        "side": pd.Categorical([r[3] for r in rows], categories=["Buy", "Sell"]),
        "order_id": pd.array([r[0] for r in rows], dtype="Int64"),
        "price": pd.array([price] * n, dtype="float64"),
        "quantity": pd.array([quantity] * n, dtype="float64"),
        "instrument_id": pd.array([r[2] for r in rows], dtype="Int64"),
        "account_id": pd.array([r[1] for r in rows], dtype="Int64"),
        "account_name": pd.array([f"Account {r[1]}" for r in rows], dtype="string"),
        "order_type": pd.Categorical(["Limit"] * n),
        "order_state": pd.Categorical(["Working"] * n),
        "receive_time": pd.Series(
            [NOW - pd.Timedelta(minutes=age_minutes * (i + 1)) for i in range(n)],
            dtype="datetime64[ns, UTC]",
        ),
        "symbol": pd.Categorical([SYMBOLS.get(r[2], f"I{r[2]}") for r in rows]),
        "quote_currency": pd.Categorical(["EUR" if r[2] == 3 else "USD" for r in rows]),
    })
    frame["notional"] = frame["price"] * frame["quantity"]
    return frame

PASSWORD = "s3cret-Pa55word"
TOKEN = "tok-0123456789abcdef"


def fake_orders(n_per_account: int = 4) -> pd.DataFrame:
    """Orders of accounts 9, 10, 11 on instruments 1 and 2."""
    rows = []
    order_id = 1000
    for account in (9, 10, 11):
        for i in range(n_per_account):
            order_id += 1
            rows.append((order_id, account, 1 + i % 2, "Buy" if i % 2 == 0 else "Sell"))
    return make_orders(rows)


class FakeClient:
    """Enough of ``apex_notebook.Client`` for the panel: accounts, instruments, preview, execute."""

    def __init__(self, *, is_operator: bool = True, username: str = "ops",
                 orders: pd.DataFrame | None = None) -> None:
        self.oms_id = 1
        self.username = username
        self.is_operator = is_operator
        self.permissions = frozenset({"Operator"} if is_operator else {"Trading"})
        self.base_url = "http://fake-apex.local"
        self._password = PASSWORD
        self._token = TOKEN
        self.orders = fake_orders() if orders is None else orders
        self.my_accounts = [9, 10, 11] if is_operator else [9, 10]
        self.calls: list[tuple[str, Any]] = []
        self.preview_error: BaseException | None = None
        self.execute_error: BaseException | None = None
        # where execute_error strikes: after the send (the plan is spent, as a real Client's would be)
        # or before it (the plan is left unspent, as after a failed pre-send drift check); a PlanError
        # (drift, confirmation) always strikes before the send
        self.error_after_send = True
        self.accounts_error: BaseException | None = None
        self.during: Callable[[str], None] | None = None  # called inside preview/execute
        self.outcomes: dict[int, str] = {}  # order_id -> outcome (default canceled)
        self.collateral = self.orders.iloc[0:0]

    # -- reads -----------------------------------------------------------------------------------
    def accounts(self) -> pd.DataFrame:
        if self.accounts_error is not None:
            raise self.accounts_error
        ids = self.my_accounts
        return pd.DataFrame({
            "account_id": pd.array(ids, dtype="Int64"),
            "account_name": pd.array([f"Account {i}" for i in ids], dtype="string"),
            "permission": pd.array([next(iter(self.permissions))] * len(ids), dtype="string"),
        })

    def instruments(self) -> pd.DataFrame:
        return pd.DataFrame({"instrument_id": pd.array([1, 2], dtype="Int64"),
                             "symbol": pd.array(["BTCUSD", "ETHUSD"], dtype="string")})

    def instrument_symbols(self) -> dict[int, str]:
        return {1: "BTCUSD", 2: "ETHUSD"}

    def open_orders(self, account_id: Any = ALL, instrument_id: Any = ALL, *, strict: bool = True
                    ) -> pd.DataFrame:
        frame = self.orders
        if account_id is not ALL:
            frame = frame[frame["account_id"] == account_id]
        if instrument_id is not ALL:
            frame = frame[frame["instrument_id"] == instrument_id]
        return frame.reset_index(drop=True)

    # -- actions ---------------------------------------------------------------------------------
    def preview(self, scope: CancelScope) -> CancelPlan:
        self.calls.append(("preview", scope))
        if self.during:
            self.during("preview")
        if self.preview_error is not None:
            raise self.preview_error
        return make_plan(self, scope)

    def execute(self, plan: CancelPlan, *, reason: str, confirm: str, operator: str | None = None,
                mode: str = "cancel_all", accept_drift: bool = False, verify_timeout: float = 30.0,
                journal: Any = None, progress: Callable[[dict[str, Any]], None] | None = None) -> CancelResult:
        self.calls.append(("execute", {"plan": plan, "reason": reason, "confirm": confirm, "mode": mode,
                                       "journal": journal, "verify_timeout": verify_timeout}))
        if self.during:
            self.during("execute")
        if self.execute_error is not None:
            if self.error_after_send and not isinstance(self.execute_error, PlanError):
                plan._claim()
                plan._consume()
            raise self.execute_error
        if not reason.strip():
            raise PlanError("a reason is required")
        if confirm != plan.confirmation_phrase:
            raise ConfirmationError(f"type exactly: {plan.confirmation_phrase}")
        if plan.executed:
            raise AlreadyExecutedError("already executed")
        plan._claim()
        plan._consume()
        if progress is not None:  # one poll, as Client.execute's hook reports it
            progress({"canceled": plan.count, "filled_before_cancel": 0, "pending": 0, "still_open": 0,
                      "terminal": plan.count, "targets": plan.count, "seconds_left": verify_timeout, "poll": 1})
        frame = plan.orders.copy()
        frame["outcome"] = [self.outcomes.get(int(i), "canceled") for i in frame["order_id"]]
        frame["final_state"] = frame["outcome"].map({"canceled": "Canceled",
                                                      "filled_before_cancel": "FullyExecuted",
                                                      "still_open": "Working"}).fillna("Unknown")
        frame["execution_id"] = "exec-1"
        frame["previewed"] = True
        counts = frame["outcome"].value_counts()
        summary = {"previewed": len(frame), "canceled": int(counts.get("canceled", 0)),
                   "filled_before_cancel": int(counts.get("filled_before_cancel", 0)),
                   "still_open": int(counts.get("still_open", 0)), "unknown": int(counts.get("unknown", 0)),
                   "collateral": len(self.collateral), "ack_status": "ok", "mode": mode}
        summary["affected"] = summary["canceled"] + summary["collateral"]
        return CancelResult(execution_id="exec-1", orders=typed_result(frame), collateral=self.collateral,
                            summary=summary, description=plan.describe())
