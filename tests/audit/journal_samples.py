"""Sample journal content for the journal tests: an intent, a filled journal, raw SQL access, and a
journal in the schema-1 layout (as the first release wrote it) for the migration tests.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cancel_fakes import frame, mixed_records, result_for

from apex_notebook.audit.codec import encode_frame
from apex_notebook.audit.journal import Journal


def intent(**over: object) -> dict[str, object]:
    """An execution intent as execute writes it (the base URL carries user-info and a query)."""
    base: dict[str, object] = {
        "username": "ops", "operator": "alice", "base_url": "http://user:pw@apex.example:8080/ap?token=x",
        "oms_id": 1, "account_id": 9, "instrument_id": 0, "scope_text": "every order of account 9",
        "payload_json": json.dumps({"OMSId": 1, "AccountId": 9}), "plan_id": "p1", "fingerprint": "f" * 64,
        "previewed": 2, "reason": "runaway algo", "mode": "cancel_all",
        "confirmation": "CANCEL 2 ORDERS ON ACCOUNT 9, ALL INSTRUMENTS", "drift_json": json.dumps({})}
    base.update(over)
    return base


def fill(journal: Journal) -> None:
    """e1 finished (2 target outcomes), e2 left in flight, one refusal."""
    snap = frame(mixed_records())
    journal.begin("e1", intent(), {"preview": snap.iloc[:5], "pre_send": snap})
    journal.event("e1", "send", {"payload": {"OMSId": 1}})
    journal.state("e1", "acked", ack={"status": "ok", "result": True})
    journal.finish(result_for("e1"))
    journal.begin("e2", intent(reason="second"), {})
    journal.refused({"kind": "drift", "message": "the orders in scope changed", "username": "ops",
                     "drift_added_ids": [7], "drift_removed_ids": []})


@contextmanager
def raw(path: str) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection (autocommit), as a person with the file would use."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def trigger_sql(path: str, name: str) -> str | None:
    """The SQL of one trigger in the file (None when it does not exist)."""
    with raw(path) as conn:
        found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]).fetchone()
    return None if found is None else str(found[0])


V1_SCHEMA = """
CREATE TABLE executions (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, state TEXT NOT NULL,
  recorded_at TEXT NOT NULL, username TEXT, operator TEXT, base_url TEXT, oms_id INTEGER,
  account_id INTEGER, instrument_id INTEGER, scope_text TEXT, payload_json TEXT, plan_id TEXT,
  fingerprint TEXT, previewed INTEGER, reason TEXT, mode TEXT, confirmation TEXT, drift_json TEXT,
  ack_json TEXT, summary_json TEXT, note TEXT);
CREATE TABLE outcomes (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, kind TEXT NOT NULL,
  order_id INTEGER, account_id INTEGER, instrument_id INTEGER, symbol TEXT, side TEXT, order_type TEXT,
  orig_quantity REAL, quantity REAL, quantity_executed REAL, outcome TEXT, final_state TEXT,
  change_reason TEXT, verified_at TEXT, previewed INTEGER, recorded_at TEXT NOT NULL);
CREATE TABLE snapshots (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, phase TEXT NOT NULL,
  taken_at TEXT NOT NULL, n_orders INTEGER NOT NULL, format TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE events (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, at TEXT NOT NULL,
  kind TEXT NOT NULL, detail_json TEXT);
CREATE INDEX executions_id ON executions(execution_id);
CREATE INDEX outcomes_id ON outcomes(execution_id);
CREATE INDEX snapshots_id ON snapshots(execution_id, phase);
CREATE INDEX events_id ON events(execution_id);
"""
V1_TABLES = ("executions", "outcomes", "snapshots", "events")


def write_v1_journal(path: str, *, drop_trigger: str | None = None) -> None:
    """A schema-1 journal as the first release wrote it: e1 done with 2 outcomes, e2 in flight."""
    with raw(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(V1_SCHEMA)
        for table in V1_TABLES:
            for action in ("UPDATE", "DELETE"):
                conn.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                             f"BEGIN SELECT RAISE(ABORT, 'the apex journal is append-only'); END")
        values: dict[str, Any] = intent(base_url="http://apex.example:8080/ap")
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        t = "2026-01-01T00:00:0{}+00:00"
        for i, (eid, state) in enumerate([("e1", "in_flight"), ("e1", "acked"), ("e2", "in_flight"), ("e1", "done")]):
            summary = json.dumps({"canceled": 1}) if state == "done" else None
            conn.execute(f"INSERT INTO executions (execution_id, state, recorded_at, {columns}, summary_json) "
                         f"VALUES (?, ?, ?, {marks}, ?)", [eid, state, t.format(i), *values.values(), summary])
        for rec in result_for("e1").orders.to_dict("records"):
            conn.execute("INSERT INTO outcomes (execution_id, kind, order_id, account_id, instrument_id, symbol, "
                         "side, order_type, orig_quantity, quantity, quantity_executed, outcome, final_state, "
                         "change_reason, verified_at, previewed, recorded_at) VALUES "
                         "(?, 'target', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         ["e1", *(None if v is None or v != v else v for v in (  # noqa: PLR0124 (NaN)
                             int(rec["order_id"]), int(rec["account_id"]), int(rec["instrument_id"]),
                             None if rec["symbol"] is None else str(rec["symbol"]), str(rec["side"]),
                             str(rec["order_type"]), float(rec["orig_quantity"]), float(rec["quantity"]),
                             float(rec["quantity_executed"]), str(rec["outcome"]), str(rec["final_state"]),
                             str(rec["change_reason"]), rec["verified_at"].isoformat(),
                             int(bool(rec["previewed"])))), t.format(5)])
        conn.execute("INSERT INTO snapshots (execution_id, phase, taken_at, n_orders, format, data) VALUES "
                     "('e1', 'preview', ?, 3, 'json-columns+zlib', ?)",
                     [t.format(0), encode_frame(frame(mixed_records()[:3]))])
        for i, kind in enumerate(("intent", "send", "acked", "done")):
            conn.execute("INSERT INTO events (execution_id, at, kind, detail_json) VALUES ('e1', ?, ?, ?)",
                         [t.format(i), kind, json.dumps({"n": i})])
        if drop_trigger:
            conn.execute(f"DROP TRIGGER {drop_trigger}")
