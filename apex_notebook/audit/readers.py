"""Reading the journal: stored rows -> typed frames, whatever the backend.

:func:`executions_frame`, :func:`outcomes_frame`, :func:`timeline_frame` are pure functions of
``(column names, rows)``; :class:`JournalReaders` holds the journal's public readers (``Journal``
inherits them), each one query through the journal's backend.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.backend import Backend
from apex_notebook.audit.codec import decode_frame
from apex_notebook.audit.refusals import refusals_frame
from apex_notebook.audit.schema import CHAIN_COLUMNS
from apex_notebook.cancel.result import RESULT_SCHEMA, typed_result

__all__ = ["PHASES", "JournalReaders", "executions_frame", "outcomes_frame", "timeline_frame"]

#: The snapshot phases of an execution.
PHASES: Final = ("preview", "pre_send", "post_verify", "collateral", "unplanned")

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


class JournalReaders:
    """The journal's readers (typed frames); mixed into ``Journal``, which provides ``_backend``."""

    _backend: Backend

    def executions(self, *, all_states: bool = False) -> pd.DataFrame:
        """One row per execution (its latest state), or every state row with ``all_states=True``."""
        return executions_frame(*self._backend.read("SELECT * FROM executions ORDER BY seq"), all_states=all_states)

    def in_flight(self) -> list[str]:
        """Executions whose latest state is not ``done`` (left by a process that died)."""
        latest = self.executions()
        return [str(e) for e in latest.loc[latest["state"] != "done", "execution_id"]]

    def outcomes(self, execution_id: str | None = None, *, kind: str = "target") -> pd.DataFrame:
        """Per-order outcomes of ``kind`` (``target``, ``unplanned``, ``collateral``), typed like ``result.orders``."""
        sql = "SELECT * FROM outcomes WHERE kind = ?" + (" AND execution_id = ?" if execution_id else "")
        params = [kind, execution_id] if execution_id else [kind]
        return outcomes_frame(*self._backend.read(sql + " ORDER BY seq", params))

    def refusals(self) -> pd.DataFrame:
        """Refused execute attempts, one row each, in order (``refusals.REFUSAL_COLUMNS``)."""
        return refusals_frame(*self._backend.read("SELECT * FROM refusals ORDER BY seq"))

    def snapshot(self, execution_id: str, phase: str) -> pd.DataFrame:
        """The orders of one phase (``preview``, ``pre_send``, ``post_verify``, ``collateral``) of one execution."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
        _, found = self._backend.read("SELECT data, taken_at FROM snapshots WHERE execution_id = ? AND phase = ? "
                                      "ORDER BY seq DESC LIMIT 1", [execution_id, phase])
        if not found:
            raise KeyError(f"no {phase} snapshot for execution {execution_id!r}")
        frame = decode_frame(found[0][0])
        frame.attrs["taken_at"] = found[0][1]
        return frame

    def timeline(self, execution_id: str) -> pd.DataFrame:
        """The events of one execution in order: ``at`` (UTC), ``kind``, ``detail`` (dict)."""
        return timeline_frame(*self._backend.read("SELECT at, kind, detail_json FROM events WHERE execution_id = ? "
                                                  "ORDER BY seq", [execution_id]))
