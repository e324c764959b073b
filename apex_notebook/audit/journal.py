"""The write-ahead, append-only, tamper-evident audit journal of cancels (DESIGN §2.6).

``Journal(path)`` opens an *existing* journal; ``Journal(path, create=True)`` creates it if missing
(``Client.execute`` uses ``apex-journal.sqlite`` in the *current working directory*, usually the
notebook's folder, created on first use). ``":memory:"`` is a fresh journal, for tests. Opening a
missing file, a folder, a file that is not a journal or a journal of a newer schema raises a
``JournalError`` naming the path; an older journal is upgraded in place (``migrate.py``).

One exclusive transaction per step; a step is durable when its call returns. The database sits behind
``backend.py``: SQLite (``sqlite_backend.py``, WAL, ``synchronous=FULL``) for a path, PostgreSQL
(``postgres_backend.py``) for a ``postgresql://`` URL. This module is the logic, the same for both.

Tables (``schema.py``). Every row is an insert, and every row of every table is chained by a hash of
its content and of the row before it (``integrity.py``); database triggers refuse UPDATE, DELETE and
REPLACE-style rewrites:

* ``executions`` -- one row per *state change* of an execution: ``in_flight`` (intent, written before the
  request leaves), ``acked`` / ``ack_error`` / ``ack_unknown`` / ``noop``, ``done``; each row repeats the
  intent (who, when, OMS, scope, payload, reason, mode, confirmation) and carries the latest ack/summary.
* ``outcomes`` -- one row per order of the result: ``kind`` ``target``, ``unplanned`` or ``collateral``,
  with every ``RESULT_SCHEMA`` column.
* ``snapshots`` -- the order sets at phase ``preview``, ``pre_send``, ``post_verify`` and ``collateral``,
  zlib-compressed columnar JSON of ``SNAPSHOT_COLUMNS``.
* ``events`` -- the post-mortem timeline: intent, send, ack, each verification poll, outcome, done.
* ``policies`` and ``approvals``: the two-person release (``approvals.py``: ``set_policy``, ``submit``,
  ``approve``, ``reject``, ``requests``).
* ``refusals`` (refused execute attempts), ``leases`` (which reconciler holds an execution, until when),
  ``meta`` (schema version, creating library, the append-only triggers as created).

:meth:`Journal.verify` checks the chain and the triggers. A trigger found missing or changed is never
recreated: the journal stays readable, ``verify()`` names it, and every write is refused.

**Copying a journal**: use ``journal.backup(dest)``. While a kernel has the journal open, its newest
rows may sit in the ``-wal`` file beside it; a plain copy of the ``.sqlite`` file can hold none of them.

Nothing secret is stored: no password, API secret or token reaches this module; base URLs are stored
without user-info or query string.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import pandas as pd

from apex_notebook.audit import export as exports
from apex_notebook.audit import leases, records
from apex_notebook.audit import report as reports
from apex_notebook.audit.approvals import JournalApprovals
from apex_notebook.audit.backend import Backend
from apex_notebook.audit.chain import ChainWriter
from apex_notebook.audit.codec import SNAPSHOT_COLUMNS, decode_frame, encode_frame
from apex_notebook.audit.integrity import ChainRow, Verdict, check_chain, guard_problems
from apex_notebook.audit.migrate import prepare, table_columns
from apex_notebook.audit.postgres_backend import PostgresBackend, is_postgres_url
from apex_notebook.audit.readers import PHASES, JournalReaders
from apex_notebook.audit.reconcile import reconcile
from apex_notebook.audit.records import INTENT_COLUMNS, jsonable, now
from apex_notebook.audit.refusals import refusal_row
from apex_notebook.audit.sqlite_backend import MEMORY, SQLiteBackend
from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.cancel.result import CancelResult
from apex_notebook.wire.errors import JournalError
from apex_notebook.wire.settings import safe_url

__all__ = ["DEFAULT_PATH", "PHASES", "SNAPSHOT_COLUMNS", "Journal", "ReconcileSkippedWarning", "decode_frame",
           "encode_frame"]

DEFAULT_PATH: Final = "apex-journal.sqlite"
_OUTCOME_KINDS: Final = ("target", "unplanned", "collateral")


class ReconcileSkippedWarning(UserWarning):
    """An unfinished execution was left alone by ``Journal.reconcile`` (the message says why)."""


class Journal(JournalReaders, JournalApprovals):
    """The audit journal of cancel executions (see the module docstring).

    ``Journal(path)`` opens an existing journal (a missing file is a ``JournalError``);
    ``Journal(path, create=True)`` creates it when missing. Copy it with ``journal.backup(dest)``,
    never by copying the file while it is open.
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_PATH, *, create: bool = False) -> None:
        text = os.fspath(path)
        self._backend: Backend = (PostgresBackend(text, create=create) if is_postgres_url(text)
                                  else SQLiteBackend(text, create=create or text == MEMORY))
        try:
            prepare(self._backend, create=create or text == MEMORY)
            self._columns = table_columns()
            self._guards: dict[str, str] = json.loads(self._meta("guards") or "{}")
            self._checked: object = None  # the backend's schema token when the guards were last found intact
        except self._backend.errors as exc:
            self._backend.close()
            raise JournalError(f"cannot open the journal {self._backend.location}: {type(exc).__name__}: {exc}",
                               path=self._backend.location) from exc
        except BaseException:
            self._backend.close()
            raise
        self.path = self._backend.location

    def __repr__(self) -> str:
        if self._backend.closed:
            return f"<Journal {self.path} (closed)>"
        _, rows = self._backend.read(
            "SELECT (SELECT COUNT(DISTINCT execution_id) FROM executions), (SELECT COUNT(*) FROM outcomes), "
            "(SELECT COUNT(*) FROM refusals)")
        executions, outcomes, refusals = rows[0]
        return (f"<Journal {self.path}: {executions} executions ({len(self.in_flight())} not done), "
                f"{outcomes} outcomes, {refusals} refusals; {self.verify()}>")

    def close(self) -> None:
        """Close the database connection (the file stays; reopen with ``Journal(path)``)."""
        self._backend.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- integrity -------------------------------------------------------------------------------
    def _meta(self, key: str) -> str | None:
        _, rows = self._backend.read("SELECT value FROM meta WHERE key = ? ORDER BY seq DESC LIMIT 1", [key])
        return str(rows[0][0]) if rows else None

    def _guard_problems(self) -> tuple[str, ...]:
        return guard_problems(self._guards, self._backend.installed_guards())

    def verify(self) -> Verdict:
        """Check the append-only triggers and the hash chain of every row; the first problem is named."""
        rows: list[ChainRow] = []
        for table in self._columns:
            names, found = self._backend.read(f"SELECT * FROM {table}")
            rows += [ChainRow(table, int(r[0]), dict(zip(names, r, strict=True))) for r in found]
        rows.sort(key=lambda r: (r.values.get("seq") or 0))
        verdict = check_chain(rows)
        guards = self._guard_problems()
        migrated = self._meta("rows_chained_at_migration")
        note = (f"the first {int(migrated):,} rows were written by schema 1 (append-only, not chained) and "
                "chained when the journal was upgraded") if migrated else ""
        return replace(verdict, ok=verdict.ok and not guards, path=self.path, guard_problems=guards, note=note)

    def backup(self, dest: str | os.PathLike[str]) -> Verdict:
        """Copy the journal to the new file ``dest`` consistently (safe while others write); the copy's verdict."""
        self._backend.backup(os.fspath(dest))
        with Journal(dest) as copy:
            return copy.verify()

    # -- writers (each one exclusive transaction) ------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[ChainWriter]:
        """One exclusive transaction; refused while a guard is missing; a database error is a JournalError."""
        try:
            token = self._backend.schema_token()
            if token != self._checked and (problems := self._guard_problems()):
                raise JournalError(f"the journal {self.path} is not intact, so nothing more is written to it: "
                                   f"{'; '.join(problems)}. Keep it for investigation (journal.verify() names "
                                   "what is wrong) and write to a new journal: Journal(new_path, create=True)",
                                   path=self.path)
            self._checked = token
            with self._backend.write() as tx:
                yield ChainWriter(tx, self._columns)
        except self._backend.errors as exc:
            raise JournalError(f"the journal {self.path} could not record this step ({type(exc).__name__}: "
                               f"{exc}); nothing of it was written", path=self.path) from exc

    def begin(self, execution_id: str, intent: Mapping[str, Any], snapshots: Mapping[str, pd.DataFrame],
              *, state: str = "in_flight", approval: str | None = None) -> None:
        """Write the intent (an ``in_flight`` row), its snapshots and an ``intent`` event, durably.

        ``approval``: the approval request this execution relies on. It is checked again inside the same
        transaction (``ApprovalError`` if another execution used it meanwhile), so one approval
        releases one execution even when two notebooks pass the gate at the same moment.
        """
        row = {c: intent.get(c) for c in INTENT_COLUMNS}
        row["base_url"] = safe_url(str(row["base_url"] or ""))
        snapshot_rows = [records.snapshot_row(execution_id, phase, frame) for phase, frame in snapshots.items()]
        with self._write() as w:
            if approval is not None:
                self._check_unspent(w, approval, row)
            records.insert_state(w, execution_id, state, row, None, None, None)
            for snap in snapshot_rows:
                w.append("snapshots", snap)
            records.insert_event(w, execution_id, "intent", {"state": state, "previewed": row["previewed"],
                                                           "mode": row["mode"]})

    def state(self, execution_id: str, state: str, *, ack: Mapping[str, Any] | None = None,
              summary: Mapping[str, Any] | None = None, note: str | None = None) -> None:
        """Append a new state row (carrying the intent forward) and a matching event."""
        with self._write() as w:
            latest = self._latest(w, execution_id)
            ack_json = jsonable(ack) if ack is not None else latest["ack_json"]
            summary_json = jsonable(summary) if summary is not None else latest["summary_json"]
            records.insert_state(w, execution_id, state, latest, ack_json, summary_json, note)
            records.insert_event(w, execution_id, state, {"ack": ack, "note": note})

    def event(self, execution_id: str, kind: str, detail: Mapping[str, Any] | None = None) -> None:
        """Append one timeline event (``kind`` and a JSON-able ``detail``) to an execution."""
        with self._write() as w:
            records.insert_event(w, execution_id, kind, detail)

    def finish(self, result: CancelResult, post_verify: pd.DataFrame | None = None, *,
               collateral: pd.DataFrame | None = None, unplanned: pd.DataFrame | None = None,
               note: str | None = None) -> None:
        """Outcomes (target, unplanned, collateral), snapshots and the ``done`` row, in one transaction.

        Raises ``JournalError`` ("already finished") when the execution's latest state is ``done``: the
        check and the write are one transaction, so one execution is finished exactly once.
        """
        eid = result.execution_id
        frames = {"target": result.orders, "unplanned": getattr(result, "unplanned", None),
                  "collateral": result.collateral}
        outcome_columns = [c for c in self._columns["outcomes"] if c not in {"kind", "recorded_at"}]
        snapshot_rows = [records.snapshot_row(eid, phase, frame) for phase, frame in
                         (("post_verify", post_verify), ("collateral", collateral), ("unplanned", unplanned))
                         if frame is not None]
        rows = [{**values, "execution_id": eid, "kind": kind}
                for kind in _OUTCOME_KINDS for values in records.records_of(frames[kind], outcome_columns)]
        with self._write() as w:
            latest = self._latest(w, eid)
            if latest["state"] == "done":
                raise JournalError(f"execution {eid} in {self.path} is already finished (done at "
                                   f"{latest['recorded_at']}); an execution is finished exactly once, so "
                                   "these outcomes were not written", path=self.path)
            recorded_at = now()
            for row in rows:
                w.append("outcomes", {**row, "recorded_at": recorded_at})
            for snap in snapshot_rows:
                w.append("snapshots", snap)
            records.insert_state(w, eid, "done", latest, latest["ack_json"], jsonable(result.summary), note)
            records.insert_event(w, eid, "done", {"summary": result.summary, "note": note})

    def refused(self, attempt: Mapping[str, Any]) -> str:
        """Record one refused execute attempt durably; returns its ``refusal_id`` (see ``refusals.py``)."""
        row = refusal_row(attempt, now=now())
        with self._write() as w:
            w.append("refusals", row)
        return str(row["refusal_id"])

    def acquire_lease(self, execution_id: str, holder: str, seconds: float) -> bool:
        """Take the reconcile lease of an execution for ``seconds``; False when done or held by another."""
        with self._write() as w:
            return leases.acquire(w, execution_id, holder, seconds=seconds, now=self._backend.clock(),
                                  recorded_at=now())

    def release_lease(self, execution_id: str, holder: str) -> bool:
        """Give the lease back (False, nothing written, when ``holder`` does not hold it)."""
        with self._write() as w:
            return leases.release(w, execution_id, holder, now=self._backend.clock(), recorded_at=now())

    def _latest(self, w: ChainWriter, execution_id: str) -> dict[str, Any]:
        names = ["state", "recorded_at", *INTENT_COLUMNS, "ack_json", "summary_json"]
        found = w.query(f"SELECT {', '.join(names)} FROM executions WHERE execution_id = ? "
                        "ORDER BY seq DESC LIMIT 1", [execution_id])
        if not found:
            raise KeyError(f"no execution {execution_id!r} in {self.path}")
        return dict(zip(names, found[0], strict=True))

    def reconcile(self, client: CancelClient, *, verify_timeout: float = 5.0, poll_interval: float = 0.25,
                  collateral: str = "visible", lease_seconds: float | None = None) -> list[CancelResult]:
        """Finish the unfinished executions this client may finish (``audit/reconcile.py``); nothing is re-sent.

        Executions of another user or gateway, ones another process is reconciling, and ones where
        nothing could be verified are left unfinished: each gets a :class:`ReconcileSkippedWarning`
        saying why. Returns the finished results.
        """
        report = reconcile(client, self, verify_timeout=verify_timeout, poll_interval=poll_interval,
                           collateral=collateral, lease_seconds=lease_seconds)
        for eid, why in report.skipped.items():
            warnings.warn(f"execution {eid} was not reconciled: {why}", ReconcileSkippedWarning, stacklevel=2)
        return report.results

    # -- post-mortem: thin delegates to audit/report.py and audit/export.py -----------------------
    def report(self, execution_id: str | Sequence[str] | None = None, path: str | os.PathLike[str] | None = None,
               *, since: object = None, until: object = None) -> str:
        """The post-mortem HTML of one execution (or of a list, or of those begun in ``[since, until)``).

        Self-contained (inline CSS and SVG); written to ``path`` as well when given. See ``audit/report.py``.
        """
        ids = execution_id if execution_id is not None else reports.select_executions(self, since=since, until=until)
        html = reports.render_report(self, ids)
        if path is not None:
            reports.write_report(html, path)
        return html

    def export(self, execution_id: str, folder: str | os.PathLike[str], format: str = "csv") -> list[Path]:
        """One file per table of one execution (``csv`` or ``parquet``) in ``folder``; see ``audit/export.py``."""
        return exports.export_execution(self, execution_id, folder, format)
