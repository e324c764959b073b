"""The SQLite :class:`~apex_notebook.audit.backend.Backend`: one file, WAL, ``synchronous=FULL``.

Opening never creates a file unless asked (``create=True``): a typo in a path is an error naming the
absolute path, not a new empty journal. A missing folder, a folder, or a file that is not an SQLite
database each give a :class:`~apex_notebook.wire.errors.JournalError` naming the path.

A writer takes the journal to itself with ``BEGIN IMMEDIATE`` (other processes wait up to
``busy_timeout``). Append-only guards are triggers: ``BEFORE UPDATE`` and ``BEFORE DELETE`` raise, and
``BEFORE INSERT`` raises when the row's ``row_id`` or ``seq`` already exists, which is what refuses
``INSERT OR REPLACE`` / ``REPLACE INTO`` (their implicit delete fires no DELETE trigger).

Copies: while a process has the journal open, recent rows may live in the ``-wal`` file next to it,
so copying the ``.sqlite`` file alone can lose them. :meth:`SQLiteBackend.backup` uses SQLite's
online backup, which copies a consistent snapshot including the WAL.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from apex_notebook.audit import backend
from apex_notebook.audit.backend import Rows
from apex_notebook.audit.schema import CHAIN_COLUMNS
from apex_notebook.wire.errors import JournalError

__all__ = ["MEMORY", "SQLiteBackend"]

MEMORY: Final = ":memory:"
_TYPES: Final = {"int": "INTEGER", "real": "REAL", "text": "TEXT", "blob": "BLOB"}
_APPEND_ONLY: Final = "the apex journal is append-only"


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


class _Tx:
    """A :class:`~apex_notebook.audit.backend.WriteTx` over one sqlite3 cursor."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(sql, list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._cursor.execute(sql, list(params)).fetchall())


class SQLiteBackend:
    """A journal in one SQLite file (or ``":memory:"``, always created, for tests)."""

    def __init__(self, path: str, *, create: bool = False, busy_timeout: float = 30.0) -> None:
        path = path if path == MEMORY else str(Path(path).expanduser())
        self.location = path if path == MEMORY else str(Path(path).absolute())
        self._lock = threading.RLock()
        self.closed = False
        self.errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        self._conn = self._connect(path, create=create, busy_timeout=busy_timeout)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise JournalError(f"{self.location} is not a journal: SQLite cannot read it ({exc}). Open the "
                               "journal file apex_notebook wrote (e.g. apex-journal.sqlite), or pass "
                               "create=True with a new file name", path=self.location) from exc

    def _connect(self, path: str, *, create: bool, busy_timeout: float) -> sqlite3.Connection:
        target = Path(path)
        if path != MEMORY:
            if target.is_dir():
                raise JournalError(f"{self.location} is a folder, not a journal file; pass the path of a "
                                   "file such as apex-journal.sqlite", path=self.location)
            if not target.parent.is_dir():
                raise JournalError(f"cannot open the journal {self.location}: the folder {target.parent.absolute()} "
                                   "does not exist; create the folder first or choose another path",
                                   path=self.location)
            if not target.exists() and not create:
                raise JournalError(f"no journal at {self.location}: the file does not exist, and opening never "
                                   "creates one (a typo would otherwise start an empty journal). To create a new "
                                   "journal there, use Journal(path, create=True)", path=self.location)
        uri = "file::memory:" if path == MEMORY else target.absolute().as_uri()
        mode = "" if path == MEMORY else ("?mode=rwc" if create else "?mode=rw")
        try:
            return sqlite3.connect(uri + mode, uri=True, check_same_thread=False, isolation_level=None,
                                   timeout=busy_timeout)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {self.location}: {exc}", path=self.location) from exc

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection (for tests and tools; the journal never needs it)."""
        return self._conn

    @contextmanager
    def write(self) -> Iterator[_Tx]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any error)."""
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(cursor)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def read(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        """One query on the shared connection."""
        with self._lock:
            cursor = self._conn.execute(sql, list(params))
            rows = cursor.fetchall()
            names = [d[0] for d in cursor.description] if cursor.description else []
        return names, rows

    def tables(self) -> set[str]:
        """User tables (``sqlite_*`` internals left out)."""
        _, rows = self.read("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        return {str(r[0]) for r in rows}

    def columns(self, table: str) -> list[str]:
        """Column names of ``table`` in order."""
        _, rows = self.read(f"PRAGMA table_info({table})")
        return [str(r[1]) for r in rows]

    def table_ddl(self, table: str, columns: dict[str, str]) -> list[str]:
        """``CREATE TABLE`` with an AUTOINCREMENT ``row_id``, chain columns and a unique ``seq`` index."""
        return backend.table_ddl(table, columns, _TYPES, "INTEGER PRIMARY KEY AUTOINCREMENT", CHAIN_COLUMNS)

    def index_ddl(self, name: str, table: str, columns: Sequence[str]) -> str:
        """``CREATE INDEX``."""
        return backend.index_ddl(name, table, columns)

    def add_column_ddl(self, table: str, column: str, logical: str) -> str:
        """``ALTER TABLE ... ADD COLUMN`` (nullable)."""
        return backend.add_column_ddl(table, column, logical, _TYPES)

    def guard_ddl(self, table: str) -> dict[str, str]:
        """Three triggers per table: no UPDATE, no DELETE, no INSERT over an existing row_id or seq."""
        raise_ = f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        return {
            f"{table}_no_update": f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {raise_}",
            f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {raise_}",
            f"{table}_no_replace": (
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM "
                f"{table} WHERE row_id = NEW.row_id OR seq = NEW.seq) BEGIN SELECT RAISE(ABORT, "
                f"'{_APPEND_ONLY}: a row with this row_id or seq exists (REPLACE is refused)'); END"),
        }

    def installed_guards(self) -> dict[str, str]:
        """Every trigger in the file, name -> its SQL with white space normalised."""
        _, rows = self.read("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {str(name): _norm(str(sql)) for name, sql in rows}

    def clock(self) -> float:
        """This machine's clock (every writer of a SQLite file is on this machine)."""
        return time.time()

    def schema_token(self) -> object:
        """SQLite's schema cookie (``PRAGMA schema_version``), bumped by every schema change."""
        return self.read("PRAGMA schema_version")[1][0][0]

    def backup(self, dest: str) -> None:
        """SQLite's online backup into a new file ``dest`` (a consistent snapshot, WAL included)."""
        target = Path(dest)
        if target.exists():
            raise JournalError(f"backup: {target.absolute()} already exists; a backup never overwrites a "
                               "file -- choose a new name", path=str(target.absolute()))
        if not target.parent.is_dir():
            raise JournalError(f"backup: the folder {target.parent.absolute()} does not exist",
                               path=str(target.absolute()))
        copy = sqlite3.connect(str(target))
        try:
            with self._lock:
                self._conn.backup(copy)
        finally:
            copy.close()

    def close(self) -> None:
        """Close the connection (the file stays)."""
        with self._lock:
            self._conn.close()
            self.closed = True
