"""Execute a :class:`~apex_notebook.plan.CancelPlan` safely (``Client.execute``).

In this order (DESIGN §2):

1. Refuse unless ``confirm`` equals the plan's phrase and a ``reason`` is given (``ConfirmationError``,
   ``PlanError``); refuse a non-executable plan (``NotPermittedError``), a tampered plan, and a plan
   that already ran (``AlreadyExecutedError``; the claim is thread-safe).
2. Drift check: only the scope's accounts are fetched again (nothing else: an urgent cancel is not
   delayed by reading the rest of the OMS); if the orders in scope differ from the plan,
   ``DriftError`` (``.added`` / ``.removed``) unless ``accept_drift=True``, which is recorded. A
   partial snapshot raises; nothing is sent.
3. The intent (plan, operator, reason, confirmation, preview and pre-send snapshots) is journalled
   durably *before* anything is sent. From here the plan is spent.
4. Send ``CancelAllOrders`` with ``scope.to_payload()`` (mode ``"cancel_all"``), or one ``CancelOrder``
   ``{OMSId, AccountId, OrderId}`` per previewed order, concurrently within the client's
   ``max_concurrency`` (mode ``"exact"``). The ack is journalled. A send that times out or fails in
   transport (or answers garbage) is an *unknown* ack: it is never re-sent; verification decides.
5. Verify (``verify.py``) and watch for collateral after the send (``collateral.py``: ``"visible"``
   accounts by default, ``"touched"`` to bound it on a huge OMS), journal the outcomes and the
   collateral orders, append ``result.orders`` to the session results.

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

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import pandas as pd

from apex_notebook.collateral import COLLATERAL_MODES, GatewayClock
from apex_notebook.errors import (
    ApexError,
    BadResponseError,
    ConfirmationError,
    DriftError,
    NotPermittedError,
    PlanError,
    RateLimitedError,
    TransportError,
)
from apex_notebook.journal import DEFAULT_PATH, Journal
from apex_notebook.plan import CancelPlan, fingerprint
from apex_notebook.reconcile import split_pre_send
from apex_notebook.result import CancelResult, summarise
from apex_notebook.verify import verify_orders

__all__ = ["DEFINITIVE_REFUSALS", "MODES", "execute_plan"]

MODES = ("cancel_all", "exact")
#: Error codes after which the gateway certainly did nothing: verified with a single poll.
DEFINITIVE_REFUSALS = frozenset({20, 100, 104, 106, 429})


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat()


def _ids(orders: pd.DataFrame, shown: int = 10) -> str:
    """``[101, 102, ...]``: the first order ids of a frame, for a message."""
    ids = [int(i) for i in orders["order_id"].head(shown)]
    return "[" + ", ".join(map(str, ids)) + (", ...]" if len(orders) > shown else "]")


def _ack_of(exc: BaseException | None, reply: Any = None) -> dict[str, Any]:
    if exc is None:
        reply = reply if isinstance(reply, dict) else {}
        return {"status": "ok", "result": True, "errorcode": reply.get("errorcode", 0),
                "errormsg": reply.get("errormsg"), "detail": reply.get("detail")}
    if isinstance(exc, TransportError | BadResponseError):
        return {"status": "unknown", "result": None, "errorcode": None, "errormsg": type(exc).__name__,
                "detail": str(exc)}
    assert isinstance(exc, ApexError)
    code = 429 if isinstance(exc, RateLimitedError) and exc.errorcode is None else exc.errorcode
    return {"status": "error", "result": False, "errorcode": code, "errormsg": exc.errormsg or str(exc),
            "detail": exc.detail}


def _send_exact(client: Any, plan: CancelPlan, targets: pd.DataFrame) -> tuple[dict[str, Any], list[Any]]:
    """One CancelOrder per previewed order, concurrently; returns the combined ack and per-order acks."""
    def one(row: tuple[int, int]) -> dict[str, Any]:
        try:
            reply = client.call("CancelOrder", OMSId=plan.scope.oms_id, AccountId=row[1], OrderId=row[0])
            return {"order_id": row[0], **_ack_of(None, reply)}
        except ApexError as exc:
            return {"order_id": row[0], **_ack_of(exc)}

    rows = [(int(o), int(a)) for o, a in zip(targets["order_id"], targets["account_id"], strict=True)]
    workers = max(1, min(int(getattr(client, "max_concurrency", 8) or 8), len(rows)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        acks = list(pool.map(one, rows))
    statuses = {a["status"] for a in acks}
    status = statuses.pop() if len(statuses) == 1 else "partial"
    failed = [a for a in acks if a["status"] != "ok"]
    codes = sorted({a["errorcode"] for a in failed if a["errorcode"] is not None})
    return ({"status": status, "result": status == "ok", "errorcode": codes[0] if len(codes) == 1 else None,
             "errormsg": f"{len(failed)} of {len(acks)} CancelOrder calls not acknowledged" if failed
             else None,
             "detail": None, "requests": len(acks), "failed": len(failed)}, acks)


def _check_same_session(client: Any, plan: CancelPlan) -> None:
    """Refuse a plan previewed by another user or on another gateway (DESIGN §2.2: preview is binding).

    Its refusal check was made for the previewing user, and the journal records that user as the one
    who cancelled; running it from another session would falsify both.
    """
    user, url = getattr(client, "username", None), getattr(client, "base_url", None)
    if (plan.username and user is not None and str(user) != plan.username) or (
            plan.base_url and url is not None and str(url) != plan.base_url):
        raise PlanError(f"this plan was previewed by {plan.username!r} on {plan.base_url}, but this client "
                        f"is {user!r} on {url}; nothing was sent. A plan is bound to the session that "
                        "previewed it: preview again with this client")


def execute_plan(client: Any, plan: CancelPlan, *, reason: str, confirm: str, operator: str | None = None,
                 mode: Literal["cancel_all", "exact"] = "cancel_all", accept_drift: bool = False,
                 verify_timeout: float = 30.0, poll_interval: float = 0.25, journal: Journal | None = None,
                 collateral: str = "visible", collateral_watch: float = 0.0,
                 sleep: Callable[[float], object] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> CancelResult:
    """Execute ``plan`` once, journalled and verified; see the module docstring for every step.

    ``collateral``: ``"visible"`` (every account the user can see) or ``"touched"`` (the plan's
    accounts only); ``collateral_watch``: keep watching for collateral at least this many seconds
    after the send. ``sleep`` and ``monotonic`` drive the verification polls and relate gateway
    timestamps to the send; they must be one clock (tests pass a simulator clock's ``advance`` and
    ``now`` so that no test waits in real time).
    """
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
    plan._claim()
    started, t0 = _now(), time.monotonic()
    try:
        journal = journal or getattr(client, "journal", None) or Journal(DEFAULT_PATH)
        scope = plan.scope
        try:
            pre = client.open_orders(account_id=scope.account_id, instrument_id=scope.instrument_id,
                                     strict=True)
        except ApexError as exc:
            exc.add_note(f"execute: the pre-send drift check of {scope.describe()} failed, so NOTHING "
                         "was sent and nothing was journalled; the plan is unchanged -- try again")
            raise
        pre_read_at = monotonic()
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
        eid = uuid.uuid4().hex[:16]
        intent = {"username": plan.username or getattr(client, "username", ""), "operator": operator,
                  "base_url": plan.base_url, "oms_id": scope.oms_id,
                  "account_id": 0 if scope.all_accounts else scope.account_id,
                  "instrument_id": 0 if scope.all_instruments else scope.instrument_id,
                  "scope_text": plan.describe(), "payload_json": scope.to_payload(), "plan_id": plan.plan_id,
                  "fingerprint": plan.fingerprint, "previewed": plan.count, "reason": reason, "mode": mode,
                  "confirmation": confirm, "drift_json": drift}
        intent = {k: (v if k not in {"payload_json", "drift_json"} else _json(v)) for k, v in intent.items()}
        journal.begin(eid, intent, {"preview": plan.orders, "pre_send": pre})
    except BaseException:
        plan._release()
        raise
    plan._consume()
    sent_at, clock = _now(), GatewayClock(sent_at=monotonic())
    clock.observe_frame(pre, pre_read_at)
    error: ApexError | None = None
    per_order: list[Any] = []
    if not len(targets):
        ack: dict[str, Any] = {"status": "noop", "result": None, "errorcode": None, "errormsg": None,
                               "detail": "nothing in scope: no request sent"}
        journal.state(eid, "noop", ack=ack)
    else:
        payload = scope.to_payload() if mode == "cancel_all" else None
        journal.event(eid, "send", {"mode": mode, "payload": payload, "orders": len(targets)})
        if mode == "cancel_all":
            try:
                ack = _ack_of(None, client.call("CancelAllOrders", **scope.to_payload()))
            except ApexError as exc:
                ack = _ack_of(exc)
                error = None if ack["status"] == "unknown" else exc
        else:
            ack, per_order = _send_exact(client, plan, targets[targets["previewed"]])
        journal.state(eid, {"ok": "acked", "unknown": "ack_unknown"}.get(ack["status"], "ack_error"), ack=ack)
        for one in per_order:
            if one["status"] != "ok":
                journal.event(eid, "cancel_order_ack", one)
    acked_at, t_ack = _now(), time.monotonic()
    budget = 0.0 if ack["status"] == "error" and ack["errorcode"] in DEFINITIVE_REFUSALS else verify_timeout
    found = verify_orders(client, scope=scope, targets=targets, timeout=budget, poll_interval=poll_interval,
                          clock=clock, execution_id=eid, collateral=collateral,
                          collateral_watch=collateral_watch, symbols=plan.symbols,
                          watch_collateral=ack["status"] != "noop", sleep=sleep, monotonic=monotonic,
                          may_widen=mode == "cancel_all" and not scope.all_instruments,
                          on_poll=lambda d: journal.event(eid, d.pop("kind", "poll"), d))
    timings = {"started_at": started, "sent_at": sent_at, "acked_at": acked_at, "verified_at": _now(),
               "send_seconds": round(t_ack - t0, 4), "total_seconds": round(time.monotonic() - t0, 4)}
    summary = summarise(found.orders, found.collateral, ack=ack, mode=mode, drift=drift, stats=found.stats,
                        timings=timings)
    result = CancelResult(eid, found.orders, found.collateral, summary, plan.describe())
    journal.finish(result, found.post_open, collateral=found.collateral_orders)
    append = getattr(client, "_append_result", None)
    if append is not None:
        append(result.orders)
    if error is not None:
        error.cancel_result = result  # type: ignore[attr-defined]
        error.add_note(f"journalled as execution {eid}; the verified result is exc.cancel_result "
                       "and in client.results")
        raise error
    return result


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)
