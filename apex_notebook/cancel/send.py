"""Sending the cancel and reading its acknowledgement (step 4 of DESIGN §2's execution order).

:func:`ack_of` turns a reply or an error into the journalled ack: ``ok``, ``error`` (APEX refused,
with its errorcode) or ``unknown`` (timeout, transport failure, garbled reply: the request may have
reached the gateway; it is verified, never re-sent). :func:`send_exact` sends one ``CancelOrder``
per previewed order, concurrently within the client's ``max_concurrency``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.wire.errors import ApexError, BadResponseError, RateLimitedError, TransportError

__all__ = ["DEFINITIVE_REFUSALS", "ack_of", "send_exact"]

#: Error codes after which the gateway certainly did nothing: verified with a single poll.
DEFINITIVE_REFUSALS = frozenset({20, 100, 104, 106, 429})


def ack_of(exc: BaseException | None, reply: Any = None) -> dict[str, Any]:
    """The journalled ack of a send: its reply (``exc`` None) or the error it raised."""
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


def send_exact(client: CancelClient, plan: CancelPlan, targets: pd.DataFrame) -> tuple[dict[str, Any], list[Any]]:
    """One CancelOrder per previewed order, concurrently; returns the combined ack and per-order acks."""
    def one(row: tuple[int, int]) -> dict[str, Any]:
        try:
            reply = client.call("CancelOrder", OMSId=plan.scope.oms_id, AccountId=row[1], OrderId=row[0])
            return {"order_id": row[0], **ack_of(None, reply)}
        except ApexError as exc:
            return {"order_id": row[0], **ack_of(exc)}

    rows = [(int(o), int(a)) for o, a in zip(targets["order_id"], targets["account_id"], strict=True)]
    workers = max(1, min(client.max_concurrency, len(rows)))
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
