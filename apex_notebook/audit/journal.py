"""The write-ahead, append-only audit journal of cancels (DESIGN §2.5), on stdlib ``sqlite3``.

``Journal(path="apex-journal.sqlite")`` -- the default location is that file in the *current working
directory* (usually the notebook's folder); pass a path to keep it elsewhere, ``":memory:"`` for tests.
WAL mode, ``synchronous=FULL``: a step is on disk when its call returns. One transaction per step.

Tables (every row is an insert; SQLite triggers RAISE on any UPDATE or DELETE, so history cannot be
rewritten through the API or by accident):

* ``executions`` -- one row per *state change* of an execution: ``in_flight`` (intent, written before the
  request leaves), ``acked`` / ``ack_error`` / ``ack_unknown`` / ``noop``, ``done``; each row repeats the
  intent (who, when, OMS, scope, payload, reason, mode, confirmation) and carries the latest ack/summary.
* ``outcomes`` -- one row per targeted order (and per collateral order, ``kind='collateral'``).
* ``snapshots`` -- the order sets at phase ``preview``, ``pre_send`` (the scope's orders just before
  the send), ``post_verify`` and ``collateral`` (the collateral orders as APEX reported them: price,
  state, change reason, times), stored as zlib-compressed JSON (columnar) of ``SNAPSHOT_COLUMNS``.
* ``events`` -- the post-mortem timeline: intent, send, ack, each verification poll, outcome, done.

Nothing secret is stored: the client's password, API secret and session token never reach this
module; the base URL is stored without user-info or query string.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.codec import SNAPSHOT_COLUMNS, decode_frame, encode_frame, plain
from apex_notebook.audit.reconcile import reconcile_execution
from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.cancel.result import CancelResult, typed_result
from apex_notebook.wire.settings import safe_url

__all__ = ["DEFAULT_PATH", "PHASES", "SNAPSHOT_COLUMNS", "Journal", "decode_frame", "encode_frame"]

DEFAULT_PATH: Final = "apex-journal.sqlite"
PHASES: Final = ("preview", "pre_send", "post_verify", "collateral")
INTENT_COLUMNS: Final = ("username", "operator", "base_url", "oms_id", "account_id", "instrument_id",
                         "scope_text", "payload_json", "plan_id", "fingerprint", "previewed", "reason",
                         "mode", "confirmation", "drift_json")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, state TEXT NOT NULL,
  recorded_at TEXT NOT NULL, username TEXT, operator TEXT, base_url TEXT, oms_id INTEGER,
  account_id INTEGER, instrument_id INTEGER, scope_text TEXT, payload_json TEXT, plan_id TEXT,
  fingerprint TEXT, previewed INTEGER, reason TEXT, mode TEXT, confirmation TEXT, drift_json TEXT,
  ack_json TEXT, summary_json TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS outcomes (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, kind TEXT NOT NULL,
  order_id INTEGER, account_id INTEGER, instrument_id INTEGER, symbol TEXT, side TEXT, order_type TEXT,
  orig_quantity REAL, quantity REAL, quantity_executed REAL, outcome TEXT, final_state TEXT,
  change_reason TEXT, verified_at TEXT, previewed INTEGER, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, phase TEXT NOT NULL,
  taken_at TEXT NOT NULL, n_orders INTEGER NOT NULL, format TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  row_id INTEGER PRIMARY KEY AUTOINCREMENT, execution_id TEXT NOT NULL, at TEXT NOT NULL,
  kind TEXT NOT NULL, detail_json TEXT);
CREATE INDEX IF NOT EXISTS executions_id ON executions(execution_id);
CREATE INDEX IF NOT EXISTS outcomes_id ON outcomes(execution_id);
CREATE INDEX IF NOT EXISTS snapshots_id ON snapshots(execution_id, phase);
CREATE INDEX IF NOT EXISTS events_id ON events(execution_id);
"""
_TABLES: Final = ("executions", "outcomes", "snapshots", "events")
_OUTCOME_FIELDS: Final = ("order_id", "account_id", "instrument_id", "symbol", "side", "order_type",
                          "orig_quantity", "quantity", "quantity_executed", "outcome", "final_state",
                          "change_reason", "verified_at", "previewed")


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat()


def _jsonable(obj: Any) -> str:
    return json.dumps(obj, default=plain, sort_keys=True)


class Journal:
    """Append-only SQLite journal of cancel executions (see the module docstring)."""

    def __init__(self, path: str = DEFAULT_PATH) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        for table in _TABLES:
            for action in ("UPDATE", "DELETE"):
                self._conn.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the apex journal is append-only'); END")

    def __repr__(self) -> str:
        return f"Journal({self.path!r})"

    def close(self) -> None:
        """Close the database connection (the file stays; reopen with ``Journal(path)``)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    # -- writers (each one transaction) ----------------------------------------------------------
    def begin(self, execution_id: str, intent: Mapping[str, Any], snapshots: Mapping[str, pd.DataFrame],
              *, state: str = "in_flight") -> None:
        """Write the intent (an ``in_flight`` row), its snapshots and an ``intent`` event, durably."""
        row = {c: intent.get(c) for c in INTENT_COLUMNS}
        row["base_url"] = safe_url(str(row["base_url"] or ""))
        with self._tx() as cur:
            self._insert_state(cur, execution_id, state, row, None, None, None)
            for phase, frame in snapshots.items():
                self._insert_snapshot(cur, execution_id, phase, frame)
            self._insert_event(cur, execution_id, "intent", {"state": state, "previewed": row["previewed"],
                                                             "mode": row["mode"]})

    def state(self, execution_id: str, state: str, *, ack: Mapping[str, Any] | None = None,
              summary: Mapping[str, Any] | None = None, note: str | None = None) -> None:
        """Append a new state row (carrying the intent forward) and a matching event."""
        with self._tx() as cur:
            latest = self._latest(cur, execution_id)
            ack_json = _jsonable(ack) if ack is not None else latest["ack_json"]
            summary_json = _jsonable(summary) if summary is not None else latest["summary_json"]
            self._insert_state(cur, execution_id, state, latest, ack_json, summary_json, note)
            self._insert_event(cur, execution_id, state, {"ack": ack, "note": note})

    def event(self, execution_id: str, kind: str, detail: Mapping[str, Any] | None = None) -> None:
        """Append one timeline event (``kind`` and a JSON-able ``detail``) to an execution."""
        with self._tx() as cur:
            self._insert_event(cur, execution_id, kind, detail)

    def finish(self, result: CancelResult, post_verify: pd.DataFrame | None = None, *,
               collateral: pd.DataFrame | None = None, note: str | None = None) -> None:
        """Outcomes, the post-verify and collateral snapshots and the ``done`` row, in one transaction."""
        eid = result.execution_id
        with self._tx() as cur:
            for kind, frame in (("target", result.orders), ("collateral", result.collateral)):
                for rec in frame.to_dict("records"):
                    values = [plain(rec.get(f)) for f in _OUTCOME_FIELDS]
                    cur.execute(f"INSERT INTO outcomes (execution_id, kind, {', '.join(_OUTCOME_FIELDS)}, "
                                f"recorded_at) VALUES (?, ?, {', '.join('?' * len(_OUTCOME_FIELDS))}, ?)",
                                [eid, kind, *values, _now()])
            if post_verify is not None:
                self._insert_snapshot(cur, eid, "post_verify", post_verify)
            if collateral is not None:
                self._insert_snapshot(cur, eid, "collateral", collateral)
            latest = self._latest(cur, eid)
            self._insert_state(cur, eid, "done", latest, latest["ack_json"], _jsonable(result.summary), note)
            self._insert_event(cur, eid, "done", {"summary": result.summary, "note": note})

    def _latest(self, cur: sqlite3.Cursor, execution_id: str) -> dict[str, Any]:
        cur.execute("SELECT * FROM executions WHERE execution_id = ? ORDER BY row_id DESC LIMIT 1",
                    [execution_id])
        found = cur.fetchone()
        if found is None:
            raise KeyError(f"no execution {execution_id!r} in {self.path}")
        return dict(zip([d[0] for d in cur.description], found, strict=True))

    @staticmethod
    def _insert_state(cur: sqlite3.Cursor, eid: str, state: str, intent: Mapping[str, Any],
                      *extra: str | None) -> None:
        """``extra`` is ``(ack_json, summary_json, note)``."""
        ack_json, summary_json, note = extra
        columns = ("execution_id", "state", "recorded_at", *INTENT_COLUMNS,
                   "ack_json", "summary_json", "note")
        values = [eid, state, _now(), *(intent.get(c) for c in INTENT_COLUMNS), ack_json, summary_json, note]
        cur.execute(f"INSERT INTO executions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    values)

    @staticmethod
    def _insert_snapshot(cur: sqlite3.Cursor, eid: str, phase: str, frame: pd.DataFrame) -> None:
        taken = frame.attrs.get("taken_at")
        cur.execute("INSERT INTO snapshots (execution_id, phase, taken_at, n_orders, format, data) "
                    "VALUES (?, ?, ?, ?, 'json-columns+zlib', ?)",
                    [eid, phase, str(taken) if taken is not None else _now(), len(frame),
                     encode_frame(frame)])

    @staticmethod
    def _insert_event(cur: sqlite3.Cursor, eid: str, kind: str, detail: Mapping[str, Any] | None) -> None:
        cur.execute("INSERT INTO events (execution_id, at, kind, detail_json) VALUES (?, ?, ?, ?)",
                    [eid, _now(), kind, _jsonable(detail) if detail is not None else None])

    # -- readers (typed frames) -----------------------------------------------------------------
    def _frame(self, sql: str, params: list[Any]) -> pd.DataFrame:
        with self._lock:
            cur = self._conn.execute(sql, params)
            rows = cur.fetchall()
            names = [d[0] for d in cur.description]
        return pd.DataFrame.from_records(rows, columns=names)

    def executions(self, *, all_states: bool = False) -> pd.DataFrame:
        """One row per execution (its latest state), or every state row with ``all_states=True``."""
        frame = self._frame("SELECT * FROM executions ORDER BY row_id", [])
        if not all_states:
            frame = frame.drop_duplicates("execution_id", keep="last")
        frame = frame.reset_index(drop=True)
        for column in ("ack", "summary", "drift", "payload"):
            frame[column] = [json.loads(v) if isinstance(v, str) and v else None
                             for v in frame.pop(f"{column}_json")]
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True, format="ISO8601")
        for column in ("row_id", "oms_id", "account_id", "instrument_id", "previewed"):
            frame[column] = frame[column].astype("Int64")
        for column in ("execution_id", "state", "username", "operator", "base_url", "scope_text", "plan_id",
                       "fingerprint", "reason", "mode", "confirmation", "note"):
            frame[column] = frame[column].astype("string")
        return frame

    def in_flight(self) -> list[str]:
        """Executions whose latest state is not ``done`` (left by a process that died)."""
        latest = self.executions()
        return [str(e) for e in latest.loc[latest["state"] != "done", "execution_id"]]

    def outcomes(self, execution_id: str | None = None, *, kind: str = "target") -> pd.DataFrame:
        """Per-order outcomes (``kind='collateral'`` for collateral), typed like ``CancelResult.orders``."""
        sql = "SELECT * FROM outcomes WHERE kind = ?" + (" AND execution_id = ?" if execution_id else "")
        frame = self._frame(sql + " ORDER BY row_id", [kind, execution_id] if execution_id else [kind])
        frame["previewed"] = frame["previewed"].map(lambda v: None if v is None else bool(v))
        return typed_result(frame)

    def snapshot(self, execution_id: str, phase: str) -> pd.DataFrame:
        """The orders of one phase (``preview``, ``pre_send``, ``post_verify``) of one execution."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
        with self._lock:
            found = self._conn.execute(
                "SELECT data, taken_at FROM snapshots WHERE execution_id = ? AND phase = ? "
                "ORDER BY row_id DESC LIMIT 1", [execution_id, phase]).fetchone()
        if found is None:
            raise KeyError(f"no {phase} snapshot for execution {execution_id!r}")
        frame = decode_frame(found[0])
        frame.attrs["taken_at"] = found[1]
        return frame

    def timeline(self, execution_id: str) -> pd.DataFrame:
        """The events of one execution in order: ``at`` (UTC), ``kind``, ``detail`` (dict)."""
        frame = self._frame("SELECT at, kind, detail_json FROM events WHERE execution_id = ? ORDER BY row_id",
                            [execution_id])
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        frame["kind"] = frame["kind"].astype("string")
        frame["detail"] = [json.loads(v) if isinstance(v, str) else None for v in frame.pop("detail_json")]
        return frame

    def reconcile(self, client: CancelClient, *, verify_timeout: float = 5.0, poll_interval: float = 0.25,
                  collateral: str = "visible") -> list[CancelResult]:
        """Finish every execution left ``in_flight`` (or acked but not done) by verifying now."""
        return [reconcile_execution(client, self, eid, verify_timeout=verify_timeout,
                                    poll_interval=poll_interval, collateral=collateral)
                for eid in self.in_flight()]
