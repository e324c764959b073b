"""The rows one journal step writes: an execution state row, a snapshot row, an event row.

Each function appends through a :class:`~apex_notebook.audit.chain.ChainWriter`, inside the step's
transaction.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.chain import ChainWriter
from apex_notebook.audit.codec import encode_frame, plain

__all__ = ["INTENT_COLUMNS", "insert_event", "insert_state", "jsonable", "now", "records_of", "snapshot_row"]

#: The intent columns every ``executions`` row repeats.
INTENT_COLUMNS: Final = ("username", "operator", "base_url", "oms_id", "account_id", "instrument_id",
                         "scope_text", "payload_json", "plan_id", "fingerprint", "previewed", "reason",
                         "mode", "confirmation", "drift_json")


def now() -> str:
    """The current UTC time, ISO 8601."""
    return pd.Timestamp.now(tz="UTC").isoformat()


def jsonable(obj: Any) -> str:
    """``obj`` as sorted JSON (pandas/numpy scalars made plain)."""
    return json.dumps(obj, default=plain, sort_keys=True)


def insert_state(w: ChainWriter, eid: str, state: str, intent: Mapping[str, Any], *extra: str | None) -> None:
    """One ``executions`` row carrying ``intent``; ``extra`` is ``(ack_json, summary_json, note)``."""
    ack_json, summary_json, note = extra
    w.append("executions", {"execution_id": eid, "state": state, "recorded_at": now(),
                            **{c: intent.get(c) for c in INTENT_COLUMNS},
                            "ack_json": ack_json, "summary_json": summary_json, "note": note})


def snapshot_row(eid: str, phase: str, frame: pd.DataFrame) -> dict[str, Any]:
    """One ``snapshots`` row: the frame's SNAPSHOT_COLUMNS, compressed (``codec.py``); built before the
    transaction so the journal is not held while it compresses."""
    taken = frame.attrs.get("taken_at")
    return {"execution_id": eid, "phase": phase, "taken_at": str(taken) if taken is not None else now(),
            "n_orders": len(frame), "format": "json-columns+zlib", "data": encode_frame(frame)}


def insert_event(w: ChainWriter, eid: str, kind: str, detail: Mapping[str, Any] | None) -> None:
    """One ``events`` row of an execution's timeline."""
    w.append("events", {"execution_id": eid, "at": now(), "kind": kind,
                        "detail_json": jsonable(detail) if detail is not None else None})



def records_of(frame: pd.DataFrame | None, columns: Sequence[str]) -> list[dict[str, Any]]:
    """One dict per row of ``frame`` with ``columns`` (absent ones None); column-wise, fast for wide frames."""
    if frame is None or not len(frame):
        return []
    n = len(frame)
    values = {c: frame[c].tolist() if c in frame else [None] * n for c in columns}
    return [{c: values[c][i] for c in columns} for i in range(n)]
