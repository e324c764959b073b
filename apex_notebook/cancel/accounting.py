"""Every order cancelled in the window, accounted for once: target, unplanned or collateral (DESIGN §2.5).

From the window's history records (``window.py``) every order that the gateway cancelled during
the execution window is put in exactly one class:

* **target**: a previewed order (or, with drift accepted, one that entered the scope before the send);
* **unplanned**: *in* the scope but not a target: it arrived after the pre-send drift check, or it
  sits in an account the enumeration did not list -- ``AccountId 0`` cancels it all the same;
* **collateral**: *outside* the scope (a gateway that ignored the instrument key or the account).

Which accounts must be read (:class:`Coverage`): the plan's accounts always; for an ``ALL``-accounts
scope every account (in-scope orders can be anywhere), and with ``collateral="visible"`` every
account the user can see. An Operator's whole-OMS read covers accounts the enumeration missed; where
the gateway refuses it, an ``ALL``-accounts result says its coverage is incomplete (and is not OK).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import pandas as pd

from apex_notebook.cancel.result import typed_result
from apex_notebook.cancel.scope import CancelScope
from apex_notebook.cancel.window import WindowReads, ms
from apex_notebook.frames.tables import orders_frame

__all__ = ["COLLATERAL_MODES", "Accounting", "CollateralMode", "Coverage"]

CollateralMode = Literal["visible", "touched"]
COLLATERAL_MODES: Final[tuple[str, ...]] = ("visible", "touched")


@dataclass
class Coverage:
    """Which accounts the window reads must cover, and whether the whole OMS must be covered."""

    mode: str
    touched: set[int]
    whole_oms: bool
    enumerated: set[int] = field(default_factory=set)
    enumeration_error: str | None = None

    @property
    def accounts(self) -> set[int]:
        """The accounts read one by one (when no whole-OMS read is possible)."""
        return self.touched | self.enumerated


class Accounting:
    """Sorts the window's cancelled orders into unplanned and collateral (targets are verify's)."""

    def __init__(self, scope: CancelScope, target_ids: set[int], symbols: Mapping[int, str]) -> None:
        self.scope, self.target_ids, self.symbols = scope, target_ids, dict(symbols)
        self.unplanned: dict[int, dict[str, Any]] = {}
        self.collateral: dict[int, dict[str, Any]] = {}

    def in_scope(self, rec: Mapping[str, Any]) -> bool:
        """True when ``rec`` (lower-cased keys) is an order of the scope's accounts and instruments."""
        scope = self.scope
        account_ok = scope.all_accounts or ms(rec.get("account")) == scope.account_id
        return bool(account_ok and (scope.all_instruments or ms(rec.get("instrument")) == scope.instrument_id))

    def sort(self, reads: WindowReads) -> list[int]:
        """Classify every non-target order cancelled in the window; return the ids new since last time."""
        new: list[int] = []
        for oid, rec in reads.records.items():
            if (oid in self.target_ids or oid in self.unplanned or oid in self.collateral
                    or rec.get("orderstate") != "Canceled" or not reads.in_window(rec)):
                continue
            (self.unplanned if self.in_scope(rec) else self.collateral)[oid] = rec
            new.append(oid)
        return new

    def frame(self, kind: str, execution_id: str, verified_at: pd.Timestamp) -> pd.DataFrame:
        """The ``unplanned`` or ``collateral`` orders as RESULT_SCHEMA rows (``previewed`` False)."""
        found = self.unplanned if kind == "unplanned" else self.collateral
        rows = []
        for oid, rec in sorted(found.items()):
            instrument = ms(rec.get("instrument"))
            rows.append({"execution_id": execution_id, "order_id": oid, "account_id": ms(rec.get("account")),
                         "instrument_id": instrument, "symbol": self.symbols.get(instrument or -1),
                         "side": rec.get("side"), "order_type": rec.get("ordertype"),
                         "orig_quantity": rec.get("origquantity"), "quantity": rec.get("quantity"),
                         "quantity_executed": rec.get("quantityexecuted"), "outcome": "canceled",
                         "final_state": rec.get("orderstate"), "change_reason": rec.get("changereason"),
                         "verified_at": verified_at, "previewed": False, "verified_late": False})
        return typed_result(pd.DataFrame(rows))

    def orders(self, kind: str) -> pd.DataFrame:
        """The orders of one class as a typed ORDER_SCHEMA frame (every field APEX sent; journalled)."""
        found = self.unplanned if kind == "unplanned" else self.collateral
        frame = orders_frame([rec.get("raw", rec) for _, rec in sorted(found.items())], instruments=self.symbols)
        frame.attrs["taken_at"] = pd.Timestamp.now(tz="UTC").isoformat()
        return frame
