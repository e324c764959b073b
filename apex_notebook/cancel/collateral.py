"""Collateral: orders *outside* a cancel's scope that were canceled during its execution (DESIGN §2.3).

Nothing about other accounts is read before the send: for an Operator that would be the whole OMS
(thousands of ``GetOpenOrders``) and it would delay an urgent cancel. Only after the send does
:class:`CollateralWatch` read, per watched account, ``GetOrdersHistory`` with ``OrderState``
Canceled (the filter is re-applied here, for gateways that ignore it) and flag every order that is
Canceled, outside the scope, not a target, and last updated inside the execution window.

Which accounts (``execute(..., collateral=...)``):

* ``"visible"`` (default): every account the user can see -- an Operator's are enumerated with
  ``GetAllAccountPositions`` *after* the send -- plus the plan's accounts. One ``GetOrdersHistory``
  per account per check; catches a gateway that ignores the instrument key *or* the AccountId.
* ``"touched"``: only the accounts of the plan's orders. Bounded for huge OMSes (an Operator
  cancelling one account of 10,000 reads one history, not 10,000); catches a gateway that ignores
  the instrument key, but not one that widens to other accounts.

The window is judged in *gateway* time. ``StartTimestamp`` cannot select it: the simulator (and, as
documented, APEX) filters ``StartTimestamp`` on an order's ReceiveTime, which would drop every old
order that our cancel hit. So the window is applied here to ``LastUpdatedTime``. Client and gateway
clocks differ (a test's ``ManualClock`` is months away from the wall clock), so the window start is
a *proven lower bound* of the gateway's time at the send (:class:`GatewayClock`): a gateway
timestamp ``g`` read at local monotonic time ``m`` shows the gateway clock was at least
``g - (m - m_send)`` at the send. The best bound seen (minus :data:`CLOCK_SLACK`) starts the window.
A cancel made by someone else shortly before the send can therefore be flagged too (never missed);
``change_reason`` and ``final_state`` let the post-mortem tell them apart.

A failed or truncated read never counts as "no collateral": the account is listed in
``unchecked`` and the summary's ``collateral_complete`` is False (``CancelResult.ok`` is then False).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal

import pandas as pd

from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.cancel.result import typed_result
from apex_notebook.cancel.scope import CancelScope
from apex_notebook.frames.tables import orders_frame
from apex_notebook.wire.errors import ApexError

__all__ = ["CLOCK_SLACK", "COLLATERAL_MODES", "CollateralMode", "CollateralWatch", "GatewayClock"]

CollateralMode = Literal["visible", "touched"]
COLLATERAL_MODES: Final[tuple[str, ...]] = ("visible", "touched")
#: Seconds taken off the window start for millisecond rounding of gateway timestamps.
CLOCK_SLACK: Final = 0.05
#: Orders per GetOrdersHistory page, and pages read per account per check.
HISTORY_DEPTH: Final = 1000
MAX_PAGES: Final = 10
_CANCELED: Final = 3  # OrderState enum: 3 = Canceled (requests take the number)


def _ms(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class GatewayClock:
    """A lower bound of the gateway's clock at the moment of the send, from timestamps it sent us.

    ``sent_at`` is the local monotonic time just before the send; ``start`` an already known bound
    (POSIX seconds, gateway time), e.g. from a journal when reconciling. Without ``sent_at`` new
    observations cannot be related to the send and are ignored.
    """

    def __init__(self, sent_at: float | None, start: float | None = None) -> None:
        self.sent_at = sent_at
        self._best = start

    def observe(self, records: Iterable[Mapping[str, Any]], read_at: float) -> None:
        """Take the newest ``LastUpdatedTime``/``ReceiveTime`` (ms, lower-cased keys) read at ``read_at``."""
        stamps = [s for r in records for s in (_ms(r.get("lastupdatedtime")), _ms(r.get("receivetime")))
                  if s is not None]
        if stamps:
            self.observe_ms(max(stamps), read_at)

    def observe_frame(self, frame: pd.DataFrame, read_at: float) -> None:
        """Same for an ORDER_SCHEMA frame (``last_updated_time`` / ``receive_time`` columns)."""
        stamps = [frame[c].max() for c in ("last_updated_time", "receive_time") if c in frame and len(frame)]
        known = [s for s in stamps if isinstance(s, pd.Timestamp) and not pd.isna(s)]
        if known:
            self.observe_ms(int(max(known).timestamp() * 1000), read_at)

    def observe_ms(self, stamp_ms: int, read_at: float) -> None:
        """One gateway timestamp (ms) that existed at local monotonic time ``read_at``."""
        if self.sent_at is None:
            return
        bound = stamp_ms / 1000.0 - max(0.0, read_at - self.sent_at)
        if self._best is None or bound > self._best:
            self._best = bound

    @property
    def start(self) -> float | None:
        """The window start (gateway POSIX seconds, slack included), or None if nothing was observed."""
        return None if self._best is None else self._best - CLOCK_SLACK


class CollateralWatch:
    """Finds collateral in the watched accounts; call :meth:`check` as often as the window needs."""

    def __init__(self, client: CancelClient, scope: CancelScope, *, mode: str, touched: Iterable[int],
                 target_ids: Iterable[int], clock: GatewayClock, symbols: Mapping[int, str] | None = None,
                 call: Callable[..., Any] | None = None) -> None:
        if mode not in COLLATERAL_MODES:
            raise ValueError(f"collateral must be one of {COLLATERAL_MODES}, not {mode!r}")
        self.client, self.scope, self.mode, self.clock = client, scope, mode, clock
        self.touched = sorted({int(a) for a in touched})
        self.target_ids = {int(o) for o in target_ids}
        self.symbols = dict(symbols or {})
        self._call = call or (lambda name, **p: client.call(name, OMSId=scope.oms_id, **p))
        self._accounts: list[int] | None = None
        self.found: dict[int, dict[str, Any]] = {}
        self.unchecked: dict[int, str] = {}
        self.enumeration_error: str | None = None
        self.checks = self.requests = 0

    def accounts(self) -> list[int]:
        """The watched accounts (for ``"visible"``, enumerated once, on the first check)."""
        if self._accounts is None:
            accounts = set(self.touched)
            if self.mode == "visible":
                try:
                    accounts |= {int(a) for a in self.client.account_ids()}
                except ApexError as exc:
                    self.enumeration_error = f"{type(exc).__name__}: {exc}"
            self._accounts = sorted(accounts)
        return self._accounts

    def _in_scope(self, rec: Mapping[str, Any]) -> bool:
        scope = self.scope
        account_ok = scope.all_accounts or _ms(rec.get("account")) == scope.account_id
        return bool(account_ok and (scope.all_instruments or _ms(rec.get("instrument")) == scope.instrument_id))

    def _history(self, account: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for page in range(MAX_PAGES):
            self.requests += 1
            reply = self._call("GetOrdersHistory", AccountId=account, OrderState=_CANCELED,
                               Depth=HISTORY_DEPTH, StartIndex=page * HISTORY_DEPTH)
            if not isinstance(reply, list) or not all(isinstance(r, dict) for r in reply):
                raise ValueError("GetOrdersHistory did not answer an array of order objects")
            rows.extend({str(k).lower(): v for k, v in r.items()} for r in reply)
            if len(reply) < HISTORY_DEPTH:
                return rows
        raise ValueError(f"more than {MAX_PAGES * HISTORY_DEPTH} canceled orders in the history; "
                         "older ones were not read")

    def check(self, read_at: Callable[[], float]) -> list[int]:
        """Read every watched account once; return the ids of newly found collateral orders."""
        self.checks += 1
        self.unchecked = {}
        new: list[int] = []
        for account in self.accounts():
            try:
                records = self._history(account)
            except (ApexError, ValueError) as exc:
                self.unchecked[account] = f"{type(exc).__name__}: {exc}"
                continue
            self.clock.observe(records, read_at())
            start = self.clock.start
            if start is None:
                self.unchecked[account] = "no gateway timestamp seen: the window start is unknown"
                continue
            for rec in records:
                oid, updated = _ms(rec.get("orderid")), _ms(rec.get("lastupdatedtime"))
                if (oid is None or oid in self.found or oid in self.target_ids or updated is None
                        or rec.get("orderstate") != "Canceled" or self._in_scope(rec)
                        or updated < start * 1000):
                    continue
                self.found[oid] = rec
                new.append(oid)
        return new

    @property
    def complete(self) -> bool:
        """True when every watched account was read on the last check."""
        return not self.unchecked and self.enumeration_error is None

    def stats(self) -> dict[str, Any]:
        """Counts for the summary (``collateral_*`` keys)."""
        start = self.clock.start
        return {"collateral_scope": self.mode, "collateral_accounts": len(self._accounts or self.touched),
                "collateral_checks": self.checks, "collateral_requests": self.requests,
                "collateral_complete": self.complete,
                "collateral_unchecked": dict(self.unchecked) or ({"accounts": self.enumeration_error}
                                                                 if self.enumeration_error else {}),
                "collateral_window_start": None if start is None
                else pd.Timestamp(start, unit="s", tz="UTC").isoformat()}

    def frame(self, execution_id: str, verified_at: pd.Timestamp) -> pd.DataFrame:
        """The collateral as RESULT_SCHEMA rows (``outcome`` canceled, ``previewed`` False)."""
        rows = []
        for oid, rec in sorted(self.found.items()):
            instrument = _ms(rec.get("instrument"))
            rows.append({"execution_id": execution_id, "order_id": oid, "account_id": _ms(rec.get("account")),
                         "instrument_id": instrument, "symbol": self.symbols.get(instrument or -1),
                         "side": rec.get("side"), "order_type": rec.get("ordertype"),
                         "orig_quantity": rec.get("origquantity"), "quantity": rec.get("quantity"),
                         "quantity_executed": rec.get("quantityexecuted"), "outcome": "canceled",
                         "final_state": rec.get("orderstate"), "change_reason": rec.get("changereason"),
                         "verified_at": verified_at, "previewed": False})
        return typed_result(pd.DataFrame(rows))

    def orders(self) -> pd.DataFrame:
        """The collateral orders as a typed ORDER_SCHEMA frame (every field APEX sent; journalled)."""
        originals = [{k: v for k, v in rec.items()} for _, rec in sorted(self.found.items())]
        frame = orders_frame(originals, instruments=self.symbols)
        frame.attrs["taken_at"] = pd.Timestamp.now(tz="UTC").isoformat()
        return frame
