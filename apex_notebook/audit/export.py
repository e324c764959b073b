"""Exports of one execution for spreadsheets and analysis tools: one file per table, CSV or Parquet.

``journal.export(execution_id, folder, format="csv")`` (``Journal.export`` delegates to
:func:`export_execution`) writes these files into ``folder`` (created if missing) and returns their
paths; :func:`read_export` reads one back with its documented types.

================== ==========================================================================================
file               rows
================== ==========================================================================================
``execution``      every state row of the execution (``in_flight``, ``acked``, ..., ``done``), in order
``outcomes``       one row per order of the result, ``kind`` ``target`` / ``unplanned`` / ``collateral``
``snapshot-PHASE`` the orders of one journal snapshot (``preview``, ``pre_send``, ``post_verify``,
                   ``collateral``, and ``unplanned`` when the journal records it); absent phases give no file
``timeline``       the events in order
``refusals``       refused attempts journalled before this execution (since the previous one)
================== ==========================================================================================

Column types (:data:`SCHEMAS`; the same names and types in CSV and Parquet, whatever the journal's
backend): ``string`` (text; structured cells -- ``*_json`` columns -- are JSON documents, keys sorted,
never Python reprs), ``Int64`` (integer, may be missing), ``float64``, ``boolean`` (may be missing) and
``datetime64[ns, UTC]`` (ISO 8601 with offset in CSV, ``timestamp[ns, tz=UTC]`` in Parquet). In CSV a
missing value is an empty cell. ``outcomes`` joins each order's price from the journal's snapshots
(``report_facts.priced``): ``price``, ``quote_currency``, ``cancelled_quantity``, ``notional``,
``price_source`` -- so the notional of collateral is known.

Parquet needs pyarrow (``pip install pyarrow``); without it :func:`export_execution` raises
``ImportError`` saying so, before writing anything.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd

from apex_notebook.audit.codec import SNAPSHOT_COLUMNS, plain
from apex_notebook.audit.refusals import REFUSAL_COLUMNS
from apex_notebook.audit.report_facts import SNAPSHOT_PHASES, Facts, JournalReader, gather
from apex_notebook.cancel.result import RESULT_SCHEMA

__all__ = ["FORMATS", "SCHEMAS", "export_execution", "export_tables", "read_export", "write_table"]

FORMATS: Final = ("csv", "parquet")
_TIME: Final = "datetime64[ns, UTC]"
_EXECUTION: Final[dict[str, str]] = {
    "execution_id": "string", "state": "string", "recorded_at": _TIME, "username": "string", "operator": "string",
    "base_url": "string", "oms_id": "Int64", "account_id": "Int64", "instrument_id": "Int64",
    "scope_text": "string", "plan_id": "string", "fingerprint": "string", "previewed": "Int64", "reason": "string",
    "mode": "string", "confirmation": "string", "note": "string", "payload_json": "string", "ack_json": "string",
    "summary_json": "string", "drift_json": "string"}
_OUTCOMES: Final[dict[str, str]] = {
    "kind": "string",
    **{c: ("string" if isinstance(t, pd.CategoricalDtype) else str(t)) for c, t in RESULT_SCHEMA.items()},
    "price": "float64", "quote_currency": "string", "cancelled_quantity": "float64", "notional": "float64",
    "price_source": "string"}
_SNAPSHOT: Final[dict[str, str]] = {"execution_id": "string", "phase": "string", "taken_at": _TIME,
                                    **{c: str(t) for c, t in SNAPSHOT_COLUMNS.items()}}

#: Table name -> column -> dtype; snapshot files (``snapshot-PHASE``) share the ``snapshot`` schema.
SCHEMAS: Final[dict[str, dict[str, str]]] = {
    "execution": _EXECUTION,
    "outcomes": _OUTCOMES,
    "snapshot": _SNAPSHOT,
    "timeline": {"execution_id": "string", "at": _TIME, "kind": "string", "detail_json": "string"},
    "refusals": {c: ("string" if c.startswith("drift_") else str(t)) for c, t in REFUSAL_COLUMNS.items()},
}


def _json(value: Any) -> str | None:
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return None
    return json.dumps(value, sort_keys=True, default=plain)


def _bool(value: object) -> bool | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) else bool(value)


def typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """``frame`` with exactly the ``schema`` columns, in order, cast to their dtypes (missing ones empty)."""
    out = pd.DataFrame(index=frame.index)
    dtype: Any
    for column, dtype in schema.items():
        values = frame[column] if column in frame else pd.Series([None] * len(frame), index=frame.index, dtype="object")
        if dtype == _TIME:
            out[column] = pd.to_datetime(values, utc=True, format="ISO8601").astype(dtype)
        elif dtype == "boolean":
            out[column] = values.astype("object").map(_bool).astype(dtype)
        else:
            out[column] = values.astype("object").where(values.notna(), None).astype(dtype)
    return out.reset_index(drop=True)


def _snapshot_table(facts: Facts, phase: str) -> pd.DataFrame | None:
    frame = facts.snapshots.get(phase)
    if frame is None:
        return None
    return typed(frame.assign(execution_id=facts.execution_id, phase=phase, taken_at=frame.attrs.get("taken_at")),
                 _SNAPSHOT)


def export_tables(facts: Facts) -> dict[str, pd.DataFrame]:
    """File stem -> typed table, for one execution's :class:`Facts` (see the module docstring)."""
    states = facts.states.copy()
    for column in ("payload", "ack", "summary", "drift"):
        states[f"{column}_json"] = [_json(v) for v in states[column]]
    outcomes = pd.concat([frame.assign(kind=kind) for kind, frame in facts.outcomes.items()], ignore_index=True)
    outcomes["outcome"] = outcomes["outcome"].astype("object")
    timeline = facts.timeline.assign(execution_id=facts.execution_id)
    timeline["detail_json"] = [_json(v) for v in timeline["detail"]]
    refusals = facts.refusals.copy()
    for column in ("drift_added_ids", "drift_removed_ids"):
        refusals[column] = [_json(list(v)) if isinstance(v, list) else None for v in refusals[column]]
    tables = {"execution": typed(states, _EXECUTION), "outcomes": typed(outcomes, _OUTCOMES)}
    for phase in SNAPSHOT_PHASES:
        table = _snapshot_table(facts, phase)
        if table is not None:
            tables[f"snapshot-{phase}"] = table
    tables["timeline"] = typed(timeline, SCHEMAS["timeline"])
    tables["refusals"] = typed(refusals, SCHEMAS["refusals"])
    return tables


def _need_pyarrow() -> None:
    if importlib.util.find_spec("pyarrow") is None:
        raise ImportError("exporting to Parquet needs pyarrow, which is not installed; nothing was written. "
                          "Install it (pip install pyarrow) or export as CSV: format='csv'")


def write_table(frame: pd.DataFrame, folder: Path, stem: str, fmt: str) -> Path:
    """Write one table as ``folder/stem.csv`` or ``folder/stem.parquet``; returns the path."""
    path = folder / f"{stem}.{fmt}"
    if fmt == "csv":
        out = frame.copy()
        for column in out.columns:
            if str(out[column].dtype) == _TIME:
                out[column] = [None if pd.isna(v) else v.isoformat() for v in out[column]]
        out.to_csv(path, index=False)
    else:
        frame.to_parquet(path, engine="pyarrow", index=False)
    return path


def export_execution(journal: JournalReader, execution_id: str, folder: str | os.PathLike[str],
                     fmt: Literal["csv", "parquet"] | str = "csv", *,
                     progress: Callable[[Iterable[str]], Iterable[str]] | None = None) -> list[Path]:
    """Write every table of one execution into ``folder`` as ``fmt``; the paths written, in table order.

    ``progress`` wraps the iteration over table names (the CLI passes ``tqdm``).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}; nothing was written")
    if fmt == "parquet":
        _need_pyarrow()
    tables = export_tables(gather(journal, execution_id))
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    names: Iterable[str] = progress(list(tables)) if progress is not None else list(tables)
    return [write_table(tables[name], target, name, fmt) for name in names]


def read_export(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read one exported file back with its documented column types (:data:`SCHEMAS`)."""
    file = Path(path)
    stem = "snapshot" if file.stem.startswith("snapshot-") else file.stem
    if stem not in SCHEMAS:
        raise ValueError(f"{file} is not an apex_notebook export (known tables: {', '.join(SCHEMAS)})")
    schema = SCHEMAS[stem]
    if file.suffix == ".parquet":
        _need_pyarrow()
        return typed(pd.read_parquet(file, engine="pyarrow"), schema)
    raw = pd.read_csv(file, dtype="object", keep_default_na=False, na_values=[""])
    for column, dtype in schema.items():
        if column in raw and dtype in {"Int64", "float64"}:
            raw[column] = pd.to_numeric(raw[column])
        elif column in raw and dtype == "boolean":
            raw[column] = raw[column].map({"True": True, "False": False})
    return typed(raw, schema)
