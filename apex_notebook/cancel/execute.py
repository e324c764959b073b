"""Execute a :class:`~apex_notebook.cancel.plan.CancelPlan` safely (``Client.execute``).

In this order (DESIGN §2), each step a function below:

1. Refuse unless ``confirm`` equals the plan's phrase and a ``reason`` is given (``ConfirmationError``,
   ``PlanError``); refuse a non-executable plan (``NotPermittedError``), a tampered plan, a plan of
   another session, a plan the desk's policy says needs a second person's approval that it does not
   have (``ApprovalError``; ``approval_gate.py``), and a plan that already ran
   (``AlreadyExecutedError``; the claim is thread-safe). Every refusal is journalled (``refusals.py``).
2. Drift check: the scope's accounts are read again, every instrument (nothing else: an urgent cancel
   is not delayed by reading the rest of the OMS); if the orders in scope differ from the plan,
   ``DriftError`` (``.added`` / ``.removed``, journalled as a refusal) unless ``accept_drift=True``,
   which is recorded. A partial snapshot raises; nothing is sent.
3. The intent (plan, operator, reason, confirmation, preview and pre-send snapshots) is journalled
   durably *before* anything is sent. From here the plan is spent.
4. Send ``CancelAllOrders`` with the scope's payload through ``client.send_cancel_all(plan)`` (mode
   ``"cancel_all"``), or one ``CancelOrder`` ``{OMSId, AccountId, OrderId}`` per previewed order,
   concurrently within the client's ``max_concurrency`` (mode ``"exact"``; ``send.py``). The ack is
   journalled. A send that times out or fails in transport (or answers garbage) is an *unknown* ack:
   it is never re-sent; verification decides.
5. Verify (``verify.py``): every target's final state and every other order cancelled in the window,
   unplanned or collateral (``accounting.py``), with progress (``progress.py``).
6. Record: the outcomes per class, the post-verify, collateral and unplanned snapshots and ``done`` are
   journalled, and ``result.orders`` is appended to the session's results. A journal that fails after
   the send never hides it (``after_send.py``: ``SentButNotJournalledError``).

Gateway errors (choice documented here): in ``cancel_all`` mode an APEX error reply (errorcode 20,
100, 101, 102, 104, 106 or HTTP 429/5xx) is journalled, verified (a single poll for definitive
refusals 20/100/104/106 and 429, the full budget for the ambiguous 101/102/5xx), recorded in the
session results, and then **raised**: the exception (its class follows the errorcode) carries the
:class:`CancelResult` as ``exc.cancel_result`` and a note naming the execution id. In ``exact`` mode
per-order errors (typically 104 for an order that filled meanwhile) are journalled and reported in
the summary (``ack_status`` ``partial``/``error``); nothing is raised.

An empty plan (no targets) is journalled as a no-op; nothing is sent.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import pandas as pd

from apex_notebook.cancel.accounting import COLLATERAL_MODES
from apex_notebook.cancel.after_send import GuardedJournal
from apex_notebook.cancel.approval_gate import require_approval
from apex_notebook.cancel.clock import GatewayClock
from apex_notebook.cancel.drift import split_pre_send
from apex_notebook.cancel.plan import CancelPlan, fingerprint
from apex_notebook.cancel.progress import VerifyProgress
from apex_notebook.cancel.protocol import CancelClient, ExecutionJournal
from apex_notebook.cancel.refusals import record_refusal
from apex_notebook.cancel.result import CancelResult, summarise
from apex_notebook.cancel.scope import ALL
from apex_notebook.cancel.send import DEFINITIVE_REFUSALS, ack_of, send_exact
from apex_notebook.cancel.verify import Verification, verify_orders
from apex_notebook.wire.errors import (
    ApexError,
    ApprovalError,
    ConfirmationError,
    DriftError,
    NotPermittedError,
    PlanError,
)

__all__ = ["MODES", "execute_plan"]

MODES = ("cancel_all", "exact")


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat()


def _ids(orders: pd.DataFrame, shown: int = 10) -> str:
    """``[101, 102, ...]``: the first order ids of a frame, for a message."""
    ids = [int(i) for i in orders["order_id"].head(shown)]
    return "[" + ", ".join(map(str, ids)) + (", ...]" if len(orders) > shown else "]")


class _Laps:
    """Seconds spent in each phase of an execution (drift check, intent, send, verify), for the summary."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, phase: str) -> float:
        now = time.monotonic()
        self.seconds[phase] = round(now - self._last, 4)
        self._last = now
        return now


def _check_same_session(client: CancelClient, plan: CancelPlan) -> None:
    """Refuse a plan previewed by another user or on another gateway (DESIGN §2.2: preview is binding).

    Its refusal check was made for the previewing user, and the journal records that user as the one
    who cancelled; running it from another session would falsify both.
    """
    user, url = client.username, client.base_url
    if (plan.username and str(user) != plan.username) or (plan.base_url and str(url) != plan.base_url):
        raise PlanError(f"this plan was previewed by {plan.username!r} on {plan.base_url}, but this client "
                        f"is {user!r} on {url}; nothing was sent. A plan is bound to the session that "
                        "previewed it: preview again with this client")


def _refuse_unless_ready(client: CancelClient, plan: CancelPlan, *, reason: str, confirm: str, mode: str,
                         collateral: str) -> None:
    """Step 1: every check that needs no request. Raises before anything is sent or journalled."""
    if not isinstance(plan, CancelPlan):
        raise PlanError(f"execute needs a CancelPlan from preview(), not {type(plan).__name__}")
    if mode not in MODES:
        raise PlanError(f"mode must be one of {MODES}, not {mode!r}")
    if collateral not in COLLATERAL_MODES:
        raise PlanError(f"collateral must be one of {COLLATERAL_MODES}, not {collateral!r}")
    if not plan.executable:
        raise NotPermittedError(f"this plan cannot be executed (nothing was sent): {plan.refusal}")
    if not isinstance(reason, str) or not reason.strip():
        raise PlanError("a reason is required (it is journalled for the post-mortem); nothing was sent")
    if confirm != plan.confirmation_phrase:
        raise ConfirmationError("the confirmation does not match, so nothing was sent; type exactly: "
                                f"{plan.confirmation_phrase}")
    if fingerprint(plan.orders["order_id"]) != plan.fingerprint:
        raise PlanError("the plan's orders were modified after the preview; preview again")
    _check_same_session(client, plan)


def _drift_check(client: CancelClient, plan: CancelPlan, *, mode: str, accept_drift: bool,
                 monotonic: Callable[[], float]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any], float]:
    """Step 2: re-read the scope's accounts; ``(pre_send, targets, drift, read_at)`` or DriftError."""
    scope = plan.scope
    try:
        # every instrument of the scope's accounts: the drift check selects the scope, the journal keeps the
        # accounts' whole state for the post-mortem (what else was open, what arrived meanwhile)
        pre = client.open_orders(account_id=scope.account_id, instrument_id=ALL, strict=True)
    except ApexError as exc:
        exc.add_note(f"execute: the pre-send drift check of {scope.describe()} failed, so NOTHING "
                     "was sent and nothing was journalled; the plan is unchanged -- try again")
        raise
    read_at = monotonic()
    pre.attrs.setdefault("taken_at", _now())
    targets, added, removed = split_pre_send(scope, plan.orders, pre, mode=mode, drift_accepted=accept_drift)
    if (len(added) or len(removed)) and not accept_drift:
        raise DriftError(f"the orders in scope changed since the preview: {len(added)} added "
                         f"{_ids(added)}, {len(removed)} removed {_ids(removed)}. Nothing was sent. "
                         "Preview again (or pass accept_drift=True to cancel the scope as it is now); "
                         "the .added and .removed attributes hold the orders", added=added, removed=removed)
    drift = {"accepted": bool(accept_drift and (len(added) or len(removed))), "added": len(added),
             "removed": len(removed), "added_ids": [int(i) for i in added["order_id"]],
             "removed_ids": [int(i) for i in removed["order_id"]]}
    return pre, targets, drift, read_at


def _journal_intent(journal: ExecutionJournal, client: CancelClient, plan: CancelPlan, pre: pd.DataFrame, *,
                    reason: str, confirm: str, operator: str | None, mode: str, drift: dict[str, Any],
                    approval: str | None = None) -> str:
    """Step 3: write the intent durably before anything leaves; returns the execution id."""
    scope = plan.scope
    eid = uuid.uuid4().hex[:16]
    intent = {"username": plan.username or client.username, "operator": operator,
              "base_url": plan.base_url, "oms_id": scope.oms_id,
              "account_id": 0 if scope.all_accounts else scope.account_id,
              "instrument_id": 0 if scope.all_instruments else scope.instrument_id,
              "scope_text": plan.describe(), "payload_json": _json(scope.to_payload()), "plan_id": plan.plan_id,
              "fingerprint": plan.fingerprint, "previewed": plan.count, "reason": reason, "mode": mode,
              "confirmation": confirm, "drift_json": _json(drift)}
    snapshots = {"preview": plan.orders, "pre_send": pre}
    if approval is None:
        journal.begin(eid, intent, snapshots)
    else:  # the journal re-checks, in the intent's own transaction, that no one used the approval meanwhile
        journal.begin(eid, intent, snapshots, approval=approval)
    return eid


def _send(client: CancelClient, plan: CancelPlan, targets: pd.DataFrame, *, journal: GuardedJournal,
          mode: str) -> tuple[dict[str, Any], ApexError | None]:
    """Step 4: send (or, with no targets, record a no-op); journal the ack. Never re-sent."""
    scope = plan.scope
    if not len(targets):
        ack: dict[str, Any] = {"status": "noop", "result": None, "errorcode": None, "errormsg": None,
                               "detail": "nothing in scope: no request sent"}
        journal.state("noop", ack=ack)
        return ack, None
    error: ApexError | None = None
    per_order: list[Any] = []
    journal.event("send", {"mode": mode, "payload": scope.to_payload() if mode == "cancel_all" else None,
                           "orders": len(targets)})
    if mode == "cancel_all":
        try:
            ack = ack_of(None, client.send_cancel_all(plan))
        except ApexError as exc:
            ack = ack_of(exc)
            error = None if ack["status"] == "unknown" else exc
    else:
        ack, per_order = send_exact(client, plan, targets[targets["previewed"]])
    journal.state({"ok": "acked", "unknown": "ack_unknown"}.get(ack["status"], "ack_error"), ack=ack)
    for one in per_order:
        if one["status"] != "ok":
            journal.event("cancel_order_ack", one)
    return ack, error


def execute_plan(client: CancelClient, plan: CancelPlan, *, reason: str, confirm: str,
                 journal: ExecutionJournal, operator: str | None = None,
                 mode: Literal["cancel_all", "exact"] = "cancel_all", accept_drift: bool = False,
                 verify_timeout: float = 30.0, poll_interval: float = 0.25, collateral: str = "visible",
                 collateral_watch: float = 0.0, progress: Callable[[dict[str, Any]], None] | None = None,
                 sleep: Callable[[float], object] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> CancelResult:
    """Execute ``plan`` once, journalled and verified; see the module docstring for every step.

    ``collateral``: ``"visible"`` (every account the user can see) or ``"touched"`` (the plan's
    accounts only); ``collateral_watch``: keep watching for collateral at least this many seconds
    after the send. ``progress(status)`` is called after each verification poll (counts of canceled,
    filled, pending targets and the seconds left; ``progress.py``). ``sleep`` and ``monotonic`` drive
    the verification polls and relate gateway timestamps to the send; they must be one clock (tests
    pass a simulator clock's ``advance`` and ``now`` so that no test waits in real time).
    """
    try:
        _refuse_unless_ready(client, plan, reason=reason, confirm=confirm, mode=mode, collateral=collateral)
        approval = require_approval(journal, plan, client.username)  # the desk's two-person rule
        plan._claim()
    except PlanError as exc:
        record_refusal(journal, client, plan, exc, confirm=confirm)
        raise
    started, t0, laps = _now(), time.monotonic(), _Laps()
    try:
        pre, targets, drift, pre_read_at = _drift_check(client, plan, mode=mode, accept_drift=accept_drift,
                                                        monotonic=monotonic)
        laps.lap("drift_check")
        eid = _journal_intent(journal, client, plan, pre, reason=reason, confirm=confirm, operator=operator,
                              mode=mode, drift=drift, approval=approval)
        laps.lap("journal_intent")
    except BaseException as exc:
        plan._release()
        if isinstance(exc, DriftError | ApprovalError):
            record_refusal(journal, client, plan, exc, confirm=confirm)
        raise
    plan._consume()
    guarded = GuardedJournal(journal, eid)
    sent_at, clock = _now(), GatewayClock(sent_at=monotonic())
    clock.observe_frame(pre, pre_read_at)
    ack, error = _send(client, plan, targets, journal=guarded, mode=mode)
    acked_at, t_ack = _now(), laps.lap("send")
    budget = 0.0 if ack["status"] == "error" and ack["errorcode"] in DEFINITIVE_REFUSALS else verify_timeout
    watch = VerifyProgress(progress, show_bar=client.progress, targets=len(targets),
                           budget=budget, journal=guarded)
    found = verify_orders(client, scope=plan.scope, targets=targets, timeout=budget, poll_interval=poll_interval,
                          clock=clock, execution_id=eid, collateral=collateral,
                          collateral_watch=collateral_watch, symbols=plan.symbols,
                          watch_collateral=ack["status"] != "noop", sleep=sleep, monotonic=monotonic,
                          may_widen=mode == "cancel_all" and not plan.scope.all_instruments,
                          pre_send=pre, on_poll=watch.update)
    watch.close(found.orders)
    laps.lap("verify")
    timings = {"started_at": started, "sent_at": sent_at, "acked_at": acked_at, "verified_at": _now(),
               "send_seconds": round(t_ack - t0, 4), "total_seconds": round(time.monotonic() - t0, 4),
               "phase_seconds": laps.seconds}
    result = _record(client, guarded, plan, eid, found, ack=ack, mode=mode, drift=drift, timings=timings)
    if guarded.failure is not None:
        raise guarded.error(result) from guarded.failure
    if error is not None:
        error.cancel_result = result  # type: ignore[attr-defined]
        error.add_note(f"journalled as execution {eid}; the verified result is exc.cancel_result "
                       "and in client.results")
        raise error
    return result


def _record(client: CancelClient, journal: GuardedJournal, plan: CancelPlan, eid: str, found: Verification, *,
            ack: dict[str, Any], mode: str, drift: dict[str, Any], timings: dict[str, Any]) -> CancelResult:
    """Step 6: the result, journalled (outcomes, snapshots, ``done``) and added to the session's results."""
    unplanned = found.unplanned if found.unplanned is not None else found.orders.iloc[0:0]
    summary = summarise(found.orders, found.collateral, ack=ack, mode=mode, drift=drift, stats=found.stats,
                        timings=timings, unplanned=unplanned)
    result = CancelResult(eid, found.orders, found.collateral, summary, plan.describe(), unplanned=unplanned,
                          journal_path=journal.path or None)
    journal.finish(result, found.post_open, collateral=found.collateral_orders, unplanned=found.unplanned_orders)
    if journal.failure is not None:
        result = replace(result, journal_path=None)
    client._append_result(result.orders)
    return result


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
