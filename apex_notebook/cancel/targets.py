"""The targets of one verification: which are still pending, and the outcome row of each settled one.

A target's row keeps what the preview knew (account, instrument, side, quantities) and takes the
final state from the newest record the gateway sent; ``outcome`` follows from that state
(``result.outcome_for``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from apex_notebook.cancel.result import outcome_for
from apex_notebook.cancel.window import ms

__all__ = ["ROW_COLUMNS", "TERMINAL", "Targets", "target_row"]

#: What a target's row keeps from the preview.
_KEPT: Final = ("order_id", "account_id", "instrument_id", "symbol", "side", "order_type", "orig_quantity",
                "quantity", "quantity_executed")

#: Order states after which an order never changes again.
TERMINAL: Final = frozenset({"Canceled", "FullyExecuted", "Rejected", "Expired"})


def target_row(target: Mapping[str, Any], rec: Mapping[str, Any] | None, outcome: str, when: pd.Timestamp
         ) -> dict[str, Any]:
    """The outcome row of one target: what the preview knew, the final state from ``rec``."""
    row = {k: target.get(k) for k in _KEPT}
    row["previewed"] = bool(target.get("previewed", True))
    if rec is not None:
        row["orig_quantity"] = rec.get("origquantity", row["orig_quantity"])
        row["quantity"] = rec.get("quantity", row["quantity"])
        row["quantity_executed"] = rec.get("quantityexecuted", row["quantity_executed"])
        row["final_state"], row["change_reason"] = rec.get("orderstate"), rec.get("changereason")
    for key in ("side", "order_type", "symbol"):
        row[key] = None if pd.isna(row[key]) else str(row[key])
    row.update(outcome=outcome, verified_at=when, verified_late=False)
    return row


ROW_COLUMNS: Final = ("order_id", "account_id", "instrument_id", "symbol", "side", "order_type", "orig_quantity",
                       "quantity", "quantity_executed", "previewed", "final_state", "change_reason", "outcome",
                       "verified_at", "verified_late")


class Targets:
    """The targets of one verification: which are still pending, and the rows of the settled ones."""

    def __init__(self, targets: pd.DataFrame) -> None:
        kept = targets[[c for c in (*_KEPT, "previewed") if c in targets.columns]]
        self.info = {int(r["order_id"]): {str(k): v for k, v in r.items()} for r in kept.to_dict("records")}
        self.pending: dict[int, int] = {oid: int(r["account_id"]) for oid, r in self.info.items()}
        self.rows: dict[int, dict[str, Any]] = {}
        self.landed_ms: int | None = None  # newest gateway time at which a target became terminal

    def settle(self, oid: int, rec: Mapping[str, Any]) -> None:
        """Record target ``oid`` as terminal with the state of ``rec`` (lower-cased APEX keys)."""
        self.rows[oid] = target_row(self.info[oid], rec, outcome_for(rec.get("orderstate")), pd.Timestamp.now(tz="UTC"))
        self.pending.pop(oid, None)
        stamp = ms(rec.get("lastupdatedtime"))
        if stamp is not None and (self.landed_ms is None or stamp > self.landed_ms):
            self.landed_ms = stamp

    def settle_from(self, records: Mapping[int, Mapping[str, Any]]) -> int:
        """Settle every pending target whose newest record is terminal; return how many."""
        done = [oid for oid in self.pending if records.get(oid, {}).get("orderstate") in TERMINAL]
        for oid in done:
            self.settle(oid, records[oid])
        return len(done)

    def counts(self) -> dict[str, int]:
        """Targets, pending, terminal, canceled and filled-first counts (for progress)."""
        outcomes = [r["outcome"] for r in self.rows.values()]
        return {"targets": len(self.info), "pending": len(self.pending), "terminal": len(self.rows),
                "canceled": outcomes.count("canceled"),
                "filled_before_cancel": outcomes.count("filled_before_cancel")}
