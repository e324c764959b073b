"""Pre-send split and crash recovery: :func:`split_pre_send` and :func:`reconcile_execution`.

``split_pre_send`` turns the preview and the pre-send snapshot of the scope into the targets and the
drift (``added`` / ``removed``). ``reconcile_execution`` (``Journal.reconcile``) finishes an
execution left ``in_flight`` by a process that died, by verifying its journalled targets now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from apex_notebook.collateral import GatewayClock
from apex_notebook.errors import ApexError
from apex_notebook.result import CancelResult, summarise
from apex_notebook.scope import ALL, CancelScope
from apex_notebook.verify import verify_orders

if TYPE_CHECKING:
    from apex_notebook.journal import Journal

__all__ = ["reconcile_execution", "split_pre_send"]


def split_pre_send(scope: CancelScope, preview: pd.DataFrame, pre_send: pd.DataFrame, *, mode: str,
                   drift_accepted: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(targets, added, removed)`` from the preview and the pre-send snapshot of the scope.

    Targets are the previewed orders, plus (``cancel_all`` mode with drift accepted) the orders that
    entered the scope since the preview (``previewed=False``).
    """
    now_in = pre_send[scope.mask(pre_send)]
    planned = set(int(i) for i in preview["order_id"])
    current = set(int(i) for i in now_in["order_id"])
    added = now_in[~now_in["order_id"].isin(list(planned))].reset_index(drop=True)
    removed = preview[~preview["order_id"].isin(list(current))].reset_index(drop=True)
    targets = preview.assign(previewed=True)
    if drift_accepted and mode == "cancel_all" and len(added):
        targets = pd.concat([targets, added.assign(previewed=False)], ignore_index=True)
    return targets, added, removed


def reconcile_execution(client: Any, journal: Journal, execution_id: str, *, verify_timeout: float,
                        poll_interval: float, collateral: str = "visible") -> CancelResult:
    """Finish one ``in_flight`` execution of ``journal`` by verifying its orders now.

    The send time is unknown after a crash: the collateral window starts at the newest gateway
    timestamp of the journalled pre-send snapshot (a looser, still safe, lower bound).
    """
    executions = journal.executions()
    latest = executions[executions["execution_id"] == execution_id].to_dict("records")[-1]
    account, instrument = int(latest["account_id"]), int(latest["instrument_id"])
    scope = CancelScope(account or ALL, instrument or ALL, oms_id=int(latest["oms_id"]))
    mode = str(latest["mode"])
    drift = latest["drift"] or {}
    pre_send = journal.snapshot(execution_id, "pre_send")
    targets, _, _ = split_pre_send(scope, journal.snapshot(execution_id, "preview"), pre_send, mode=mode,
                                   drift_accepted=bool(drift.get("accepted")))
    clock = GatewayClock(sent_at=0.0)
    clock.observe_frame(pre_send, 0.0)
    clock.sent_at = None  # later reads cannot be related to the (unknown) send time
    ack = latest["ack"] or {"status": "unknown", "note": "the process died before the ack was recorded"}
    journal.event(execution_id, "reconcile", {"targets": len(targets)})
    found = verify_orders(client, scope=scope, targets=targets, timeout=verify_timeout,
                          poll_interval=poll_interval, clock=clock, execution_id=execution_id,
                          collateral=collateral, symbols=_symbols(client),
                          on_poll=lambda d: journal.event(execution_id, d.pop("kind", "poll"), d))
    summary = summarise(found.orders, found.collateral, ack=ack, mode=mode, drift=drift, stats=found.stats,
                        timings={"reconciled_at": pd.Timestamp.now(tz="UTC").isoformat()})
    result = CancelResult(execution_id, found.orders, found.collateral, summary, str(latest["scope_text"]))
    journal.finish(result, found.post_open, collateral=found.collateral_orders, note="reconciled")
    append = getattr(client, "_append_result", None)
    if append is not None:
        append(result.orders)
    return result


def _symbols(client: Any) -> dict[int, str]:
    try:
        return dict(client.instrument_symbols())
    except (ApexError, AttributeError):
        return {}
