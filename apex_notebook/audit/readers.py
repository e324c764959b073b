"""Stored journal rows -> typed frames: :func:`executions_frame`, :func:`outcomes_frame`,
:func:`timeline_frame`. Pure functions of ``(column names, rows)``, whatever the backend.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.schema import CHAIN_COLUMNS
from apex_notebook.cancel.result import RESULT_SCHEMA, typed_result

__all__ = ["executions_frame", "outcomes_frame", "timeline_frame"]

_JSON_COLUMNS: Final = ("ack", "summary", "drift", "payload")
_INT_COLUMNS: Final = ("row_id", "oms_id", "account_id", "instrument_id", "previewed")
_TEXT_COLUMNS: Final = ("execution_id", "state", "username", "operator", "base_url", "scope_text", "plan_id",
                        "fingerprint", "reason", "mode", "confirmation", "note")


def _raw(names: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=names)
    return frame.drop(columns=[c for c in CHAIN_COLUMNS if c in frame])


def executions_frame(names: list[str], rows: list[tuple[Any, ...]], *, all_states: bool) -> pd.DataFrame:
    """Execution state rows (ordered), typed; only the latest per execution unless ``all_states``."""
    frame = _raw(names, rows)
    if not all_states:
        frame = frame.drop_duplicates("execution_id", keep="last")
    frame = frame.reset_index(drop=True)
    for column in _JSON_COLUMNS:
        frame[column] = [json.loads(v) if isinstance(v, str) and v else None for v in frame.pop(f"{column}_json")]
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True, format="ISO8601")
    for column in _INT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].astype("string")
    return frame


def outcomes_frame(names: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Outcome rows typed like ``CancelResult.orders`` (every RESULT_SCHEMA column, in its order)."""
    frame = _raw(names, rows)
    for column, dtype in RESULT_SCHEMA.items():
        if str(dtype) == "boolean" and column in frame:
            frame[column] = frame[column].map(lambda v: None if v is None or pd.isna(v) else bool(v))
    return typed_result(frame)


def timeline_frame(names: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Events in order: ``at`` (UTC), ``kind``, ``detail`` (dict)."""
    frame = pd.DataFrame.from_records(rows, columns=names)
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    frame["kind"] = frame["kind"].astype("string")
    frame["detail"] = [json.loads(v) if isinstance(v, str) else None for v in frame.pop("detail_json")]
    return frame
