"""The verified outcome of one cancel: :class:`CancelResult`, modelled on FIX OrderMassCancelReport.

APEX acknowledges ``CancelAllOrders`` without saying what it cancelled; the result is rebuilt by
verification (DESIGN §2.4):

* ``.orders``: one row per targeted order (every previewed order, plus in ``cancel_all`` mode the
  orders that drifted into scope when drift was accepted, ``previewed=False``), with its ``outcome``:
  ``canceled`` (final state Canceled), ``filled_before_cancel`` (FullyExecuted), ``still_open``
  (still Working when the budget ended) or ``unknown`` (gone but no final state could be read, or an
  other terminal state such as Expired/Rejected -- ``final_state`` then says which).
* ``.unplanned``: orders *in* the scope that were not targets but were Canceled during the execution
  window: they arrived after the pre-send drift check, or sit in an account the enumeration did not
  list (DESIGN §2.5; ``accounting.py``).
* ``.collateral``: orders *outside* the scope, in the covered accounts (every account the user can
  see, or only the plan's with ``collateral="touched"``), that were Canceled during the execution
  window (a widened cancel, DESIGN §2.3). ``summary["coverage_complete"]`` is False when some
  account could not be read, or when an all-accounts cancel could not be checked on every account
  of the OMS (``coverage_note`` says why): then "nothing else was cancelled" is not proven.
* ``.summary``: counts (previewed, affected = canceled + unplanned + collateral, canceled,
  filled_before_cancel, still_open, unknown, unplanned, collateral), the ack (``ack_status`` ok /
  error / unknown / noop / partial, ``ack_result``, ``ack_errorcode``, ``ack_errormsg``), mode,
  drift, coverage, request counts and timings.

``ok`` is True only when every target was cancelled (or filled first), nothing unplanned or
collateral was cancelled, coverage is complete and the ack was clean. :meth:`CancelResult.report`
reads as a FIX OrderMassCancelReport: total affected, every affected id, the not-affected targets
with their reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from apex_notebook.cancel import result_html

__all__ = ["OUTCOMES", "RESULT_SCHEMA", "CancelResult", "empty_result_frame", "outcome_for", "summarise",
           "typed_result"]

OUTCOMES: Final[tuple[str, ...]] = ("canceled", "filled_before_cancel", "still_open", "unknown")

#: Column -> dtype of ``CancelResult.orders`` (and of ``Journal.outcomes()``).
RESULT_SCHEMA: Final[dict[str, Any]] = {
    "execution_id": "string",
    "order_id": "Int64",
    "account_id": "Int64",
    "instrument_id": "Int64",
    "symbol": "string",
    "side": "string",
    "order_type": "string",
    "orig_quantity": "float64",
    "quantity": "float64",
    "quantity_executed": "float64",
    "outcome": pd.CategoricalDtype(list(OUTCOMES)),
    "final_state": "string",
    "change_reason": "string",
    "verified_at": "datetime64[ns, UTC]",
    "previewed": "boolean",
    "verified_late": "boolean",
}

_FINAL_TO_OUTCOME: Final[dict[str, str]] = {
    "Canceled": "canceled",
    "FullyExecuted": "filled_before_cancel",
    "Working": "still_open",
}


def outcome_for(final_state: str | None) -> str:
    """Map an APEX order state to one of :data:`OUTCOMES` (anything else is ``unknown``)."""
    return _FINAL_TO_OUTCOME.get(final_state or "", "unknown")


def empty_result_frame() -> pd.DataFrame:
    """A zero-row frame with every :data:`RESULT_SCHEMA` column and dtype."""
    return typed_result(pd.DataFrame({c: [] for c in RESULT_SCHEMA}))


def typed_result(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast ``frame`` to :data:`RESULT_SCHEMA` (missing columns become nulls), in schema order."""
    out = pd.DataFrame(index=frame.index)
    for column, dtype in RESULT_SCHEMA.items():
        values = frame[column] if column in frame else pd.Series([None] * len(frame), index=frame.index)
        if dtype == "datetime64[ns, UTC]":
            out[column] = pd.to_datetime(values, utc=True).astype(dtype)
        elif isinstance(dtype, pd.CategoricalDtype):
            out[column] = values.astype("object").astype(dtype)
        else:
            out[column] = values.astype("object").where(values.notna(), None).astype(dtype)
    return out.reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class CancelResult:
    """What one execution of a :class:`~apex_notebook.cancel.plan.CancelPlan` verifiably did."""

    execution_id: str
    orders: pd.DataFrame
    collateral: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    unplanned: pd.DataFrame = field(default_factory=empty_result_frame)
    #: Where the execution is journalled (None when the journal could not be written).
    journal_path: str | None = None

    @property
    def ok(self) -> bool:
        """True when every target is terminal as intended and nothing else was cancelled, provably."""
        s = self.summary
        return bool(s.get("still_open", 0) == 0 and s.get("unknown", 0) == 0 and s.get("collateral", 0) == 0
                    and s.get("unplanned", 0) == 0 and s.get("collateral_complete", True)
                    and s.get("coverage_complete", True) and s.get("ack_status") in {"ok", "noop"})

    def report(self) -> dict[str, Any]:
        """The FIX OrderMassCancelReport view: total affected, every affected id, the not-affected ones.

        ``affected_order_ids`` lists the targets cancelled, the unplanned and the collateral orders (each
        once); ``not_affected`` maps each other target to its reason (``filled_before_cancel``,
        ``still_open``, ``unknown``).
        """
        canceled = self.orders[self.orders["outcome"] == "canceled"]
        others = self.orders[self.orders["outcome"] != "canceled"]
        ids = {name: [int(i) for i in frame["order_id"]]
               for name, frame in (("targets", canceled), ("unplanned", self.unplanned),
                                   ("collateral", self.collateral))}
        return {"execution_id": self.execution_id, "total_affected": sum(len(v) for v in ids.values()),
                "affected_order_ids": ids,
                "not_affected": {int(o): str(r) for o, r in zip(others["order_id"], others["outcome"], strict=True)},
                "coverage_complete": bool(self.summary.get("coverage_complete", True)),
                "coverage_note": self.summary.get("coverage_note")}

    @property
    def headline(self) -> str:
        """The outcome in one line: ``verified OK: 37 canceled`` or ``NOT OK: 3 still open, ...``."""
        return result_html.headline(self)

    def __repr__(self) -> str:
        return result_html.result_repr(self)

    def _repr_html_(self) -> str:
        return result_html.result_html(self)


def summarise(orders: pd.DataFrame, collateral: pd.DataFrame, *, ack: Mapping[str, Any], mode: str,
              drift: Mapping[str, Any], stats: Mapping[str, Any], timings: Mapping[str, Any],
              unplanned: pd.DataFrame | None = None) -> dict[str, Any]:
    """The FIX-OrderMassCancelReport-like summary of one execution."""
    counts = {name: int((orders["outcome"] == name).sum()) for name in OUTCOMES}
    n_collateral, n_unplanned = len(collateral), 0 if unplanned is None else len(unplanned)
    return {
        "previewed": int(orders["previewed"].fillna(True).sum()) if len(orders) else 0,
        "targeted": len(orders),
        "affected": counts["canceled"] + n_unplanned + n_collateral,
        **counts,
        "unplanned": n_unplanned,
        "collateral": n_collateral,
        "ack_status": ack.get("status"),
        "ack_result": ack.get("result"),
        "ack_errorcode": ack.get("errorcode"),
        "ack_errormsg": ack.get("errormsg"),
        "ack_detail": ack.get("detail"),
        "mode": mode,
        "drift_accepted": bool(drift.get("accepted", False)),
        "drift_added": int(drift.get("added", 0)),
        "drift_removed": int(drift.get("removed", 0)),
        **dict(stats),
        **dict(timings),
    }
