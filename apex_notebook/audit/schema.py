"""The journal's tables, dialect-neutral: names, columns and logical types (``int``, ``real``, ``text``,
``blob``), and the schema version.

Every table starts with the same four columns: ``row_id`` (a local handle, assigned by the database),
``seq`` (the row's position in the one hash chain across all tables), ``prev_hash`` and ``row_hash``
(``integrity.py``). A backend (``backend.py``) turns these specs into its own DDL.

Schema versions (forward-only; ``migrate.py``):

* 1 -- the first layout: ``executions``, ``outcomes``, ``snapshots``, ``events``; no ``meta``, no chain.
* 2 -- every row hash-chained; ``meta`` (``schema_version``, ``created_by``), ``refusals``, ``leases``;
  INSERT triggers refuse REPLACE-style rewrites.
* 3 -- the two-person release (``approvals.py``): ``policies`` (the desk's approval policy, one row per
  change) and ``approvals`` (one row per step of an approval request: submitted, approved, rejected).

The outcome columns are derived from :data:`apex_notebook.cancel.result.RESULT_SCHEMA`: a column added
there is added to ``outcomes`` (nullable) the next time a journal is opened, without a version bump.
"""

from __future__ import annotations

from typing import Final

from apex_notebook.cancel.result import RESULT_SCHEMA

__all__ = [
    "CHAINED_TABLES",
    "CHAIN_COLUMNS",
    "INDEXES",
    "LEGACY_TABLES",
    "SCHEMA_VERSION",
    "TABLES",
    "Columns",
    "logical_type",
    "outcome_columns",
]

#: The schema version this library writes (and the newest it can read).
SCHEMA_VERSION: Final = 3

#: Column name -> logical type (``int``, ``real``, ``text``, ``blob``).
Columns = dict[str, str]

#: The chain columns every table carries after ``row_id``.
CHAIN_COLUMNS: Final[Columns] = {"seq": "int", "prev_hash": "text", "row_hash": "text"}

#: Tables of schema version 1 (a journal with exactly these and no ``meta`` is migrated).
LEGACY_TABLES: Final = ("executions", "outcomes", "snapshots", "events")


def logical_type(dtype: object) -> str:
    """The logical storage type of one pandas dtype of ``RESULT_SCHEMA``."""
    text = str(dtype)
    if text in {"Int64", "int64", "boolean", "bool"}:
        return "int"
    if text.startswith("float"):
        return "real"
    return "text"  # string, categorical, datetime (ISO 8601 text)


def outcome_columns() -> Columns:
    """The ``outcomes`` columns: ``execution_id``, ``kind``, every RESULT_SCHEMA column, ``recorded_at``."""
    derived = {name: logical_type(dtype) for name, dtype in RESULT_SCHEMA.items() if name != "execution_id"}
    return {"execution_id": "text", "kind": "text", **derived, "recorded_at": "text"}


_INTENT: Final[Columns] = {
    "username": "text", "operator": "text", "base_url": "text", "oms_id": "int", "account_id": "int",
    "instrument_id": "int", "scope_text": "text", "payload_json": "text", "plan_id": "text",
    "fingerprint": "text", "previewed": "int", "reason": "text", "mode": "text", "confirmation": "text",
    "drift_json": "text"}

#: Table -> its content columns (after ``row_id`` and :data:`CHAIN_COLUMNS`), in creation order.
TABLES: Final[dict[str, Columns]] = {
    "meta": {"key": "text", "value": "text", "recorded_at": "text"},
    "executions": {"execution_id": "text", "state": "text", "recorded_at": "text", **_INTENT,
                   "ack_json": "text", "summary_json": "text", "note": "text"},
    "outcomes": outcome_columns(),
    "snapshots": {"execution_id": "text", "phase": "text", "taken_at": "text", "n_orders": "int",
                  "format": "text", "data": "blob"},
    "events": {"execution_id": "text", "at": "text", "kind": "text", "detail_json": "text"},
    "refusals": {"refusal_id": "text", "at": "text", "kind": "text", "message": "text", "username": "text",
                 "base_url": "text", "oms_id": "int", "scope_text": "text", "plan_id": "text",
                 "fingerprint": "text", "phrase_matched": "int", "drift_added_ids": "text",
                 "drift_removed_ids": "text", "recorded_at": "text"},
    "leases": {"execution_id": "text", "holder": "text", "action": "text", "expires_at": "real",
               "recorded_at": "text"},
    # schema 3: the two-person release (audit/approvals.py)
    "policies": {"policy_json": "text", "set_by": "text", "reason": "text", "recorded_at": "text"},
    "approvals": {"request_id": "text", "action": "text", "at": "text", "by_user": "text", "reason": "text",
                  "base_url": "text", "oms_id": "int", "scope_text": "text", "payload_json": "text",
                  "plan_id": "text", "fingerprint": "text", "n_orders": "int", "n_accounts": "int",
                  "notional_json": "text", "needs_json": "text", "preview": "blob", "recorded_at": "text"},
}

#: Every table is chained, in this order when rows of one transaction are listed.
CHAINED_TABLES: Final = tuple(TABLES)

#: Index name -> (table, columns); every table also gets a unique index on ``seq``.
INDEXES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "executions_id": ("executions", ("execution_id",)),
    "outcomes_id": ("outcomes", ("execution_id",)),
    "snapshots_id": ("snapshots", ("execution_id", "phase")),
    "events_id": ("events", ("execution_id",)),
    "leases_id": ("leases", ("execution_id",)),
    "meta_key": ("meta", ("key",)),
    "approvals_id": ("approvals", ("request_id",)),
    "approvals_fingerprint": ("approvals", ("fingerprint",)),
}
