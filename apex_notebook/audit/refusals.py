"""Refused execute attempts as journal rows (DESIGN §2.6: "refused attempts are journalled too").

:func:`refusal_row` turns what execute knows about a refused attempt into one ``refusals`` row;
:func:`refusals_frame` reads them back typed. Only the keys of :data:`REFUSAL_KEYS` are stored; any
other key (a typed confirmation phrase, a password passed by mistake) is dropped, never written. The
phrase is recorded only as ``phrase_matched`` (True / False / None when it was not checked); the base
URL is stored without user-info or query string; URLs with user-info inside the message are cut down
the same way.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.codec import plain
from apex_notebook.wire.settings import safe_url

__all__ = ["REFUSAL_COLUMNS", "REFUSAL_KEYS", "refusal_row", "refusals_frame"]

#: The keys of an attempt that are stored (everything else is dropped).
REFUSAL_KEYS: Final = ("kind", "message", "username", "base_url", "oms_id", "scope_text", "plan_id",
                       "fingerprint", "phrase_matched", "drift_added_ids", "drift_removed_ids", "at")

#: Column -> dtype of :func:`refusals_frame` (list columns hold Python lists of ints).
REFUSAL_COLUMNS: Final[dict[str, Any]] = {
    "refusal_id": "string", "at": "datetime64[ns, UTC]", "kind": "string", "message": "string",
    "username": "string", "base_url": "string", "oms_id": "Int64", "scope_text": "string",
    "plan_id": "string", "fingerprint": "string", "phrase_matched": "boolean", "drift_added_ids": "object",
    "drift_removed_ids": "object", "recorded_at": "datetime64[ns, UTC]"}

_USERINFO: Final = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*:)?//[^/\s@]*@")


def _ids(value: Any) -> str:
    return json.dumps([int(v) for v in (value if value is not None else [])])


def _scrub(message: str) -> str:
    """Cut user-info (``user:password@``) out of every URL in a message."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme') or ''}//", message)


def refusal_row(attempt: Mapping[str, Any], *, now: str) -> dict[str, Any]:
    """One ``refusals`` row for ``attempt`` (a new ``refusal_id``; see the module docstring)."""
    kind = attempt.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"a refusal needs a kind (drift, confirmation, not_permitted, ...), not {kind!r}")
    matched = attempt.get("phrase_matched")
    base_url = attempt.get("base_url")
    at = attempt.get("at")
    return {
        "refusal_id": uuid.uuid4().hex[:16],
        "at": pd.Timestamp(at).isoformat() if at is not None else now,
        "kind": kind,
        "message": _scrub(str(attempt.get("message") or "")),
        "username": attempt.get("username"),
        "base_url": safe_url(str(base_url)) if base_url else None,
        "oms_id": plain(attempt.get("oms_id")),
        "scope_text": attempt.get("scope_text"),
        "plan_id": attempt.get("plan_id"),
        "fingerprint": attempt.get("fingerprint"),
        "phrase_matched": None if matched is None else bool(matched),
        "drift_added_ids": _ids(attempt.get("drift_added_ids")),
        "drift_removed_ids": _ids(attempt.get("drift_removed_ids")),
        "recorded_at": now,
    }


def refusals_frame(names: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The stored ``refusals`` rows as a typed frame with :data:`REFUSAL_COLUMNS`, in order."""
    raw = pd.DataFrame.from_records(rows, columns=names)
    out = pd.DataFrame(index=raw.index)
    for column, dtype in REFUSAL_COLUMNS.items():
        values = raw[column] if column in raw else pd.Series([None] * len(raw), dtype="object")
        if str(dtype).startswith("datetime64"):
            out[column] = pd.to_datetime(values, utc=True, format="ISO8601").astype(dtype)
        elif column.startswith("drift_"):
            out[column] = pd.Series([json.loads(v) if isinstance(v, str) else [] for v in values],
                                    index=raw.index, dtype="object")
        elif dtype == "boolean":
            out[column] = values.map(lambda v: None if v is None or pd.isna(v) else bool(v)).astype(dtype)
        else:
            out[column] = values.astype("object").where(values.notna(), None).astype(dtype)
    return out.reset_index(drop=True)
