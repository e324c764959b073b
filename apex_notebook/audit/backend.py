"""The seam between the journal's logic and a database: :class:`Backend` and :class:`WriteTx`.

The journal (``journal.py``) writes its SQL in the common subset of SQLite and PostgreSQL, with ``?``
placeholders; everything that differs between databases sits behind this protocol: placeholders,
column types and the auto-increment key (DDL), the append-only guards (triggers), how a writer gets
the journal to itself (SQLite ``BEGIN IMMEDIATE``; PostgreSQL a transaction-level advisory lock), the
durability settings (pragmas) and consistent copies. ``sqlite_backend.py`` is the SQLite
implementation; a PostgreSQL one implements the same protocol without touching the journal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

__all__ = ["Backend", "Rows", "WriteTx"]

#: Column names and rows of one query.
Rows = tuple[list[str], list[tuple[Any, ...]]]


class WriteTx(Protocol):
    """One exclusive write transaction: no other writer runs until it commits or rolls back."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (``?`` placeholders)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one query and return its rows."""


class Backend(Protocol):
    """A database holding one journal (see the module docstring)."""

    #: Where the journal is, for messages and reprs: a path, or a URL without its password.
    location: str
    #: True after :meth:`close`.
    closed: bool
    #: The driver's exception classes (a failed write is re-raised as a ``JournalError`` naming the journal).
    errors: tuple[type[Exception], ...]

    def write(self) -> AbstractContextManager[WriteTx]:
        """An exclusive write transaction, committed when the block ends, rolled back on an error."""

    def read(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        """One read-only query: ``(column names, rows)``."""

    def tables(self) -> set[str]:
        """The names of the tables in the database."""

    def columns(self, table: str) -> list[str]:
        """The column names of one table."""

    def table_ddl(self, table: str, columns: dict[str, str]) -> list[str]:
        """Statements creating ``table`` (``row_id`` key, chain columns, ``columns``) and its ``seq`` index."""

    def index_ddl(self, name: str, table: str, columns: Sequence[str]) -> str:
        """The statement creating one (non-unique) index."""

    def add_column_ddl(self, table: str, column: str, logical: str) -> str:
        """The statement adding one nullable column."""

    def guard_ddl(self, table: str) -> dict[str, str]:
        """Name -> statement of each append-only guard of ``table`` (refuse UPDATE, DELETE, REPLACE)."""

    def installed_guards(self) -> dict[str, str]:
        """Name -> statement of every guard in the database, comparable with :meth:`guard_ddl`."""

    def clock(self) -> float:
        """Now, in epoch seconds, by the clock every writer shares (the database server's where there is one)."""

    def schema_token(self) -> object:
        """A cheap value that changes whenever a trigger (or the schema) changes, to skip re-checking guards."""

    def backup(self, dest: str) -> None:
        """A complete, consistent copy of the journal into ``dest``, while others may be writing."""

    def close(self) -> None:
        """Release the connection."""


def table_ddl(table: str, columns: Mapping[str, str], types: Mapping[str, str], row_id: str,
              chain: Mapping[str, str]) -> list[str]:
    """``CREATE TABLE`` (``row_id`` as the dialect spells it, the chain columns, ``columns``) and the
    unique ``seq`` index; ``types`` maps the logical types (int, real, text, blob) to the dialect's."""
    chained = ", ".join(f"{name} {types[kind]} NOT NULL" for name, kind in chain.items())
    body = ", ".join(f"{name} {types[kind]}" for name, kind in columns.items())
    return [f"CREATE TABLE {table} (row_id {row_id}, {chained}, {body})",
            f"CREATE UNIQUE INDEX {table}_seq ON {table}(seq)"]


def index_ddl(name: str, table: str, columns: Sequence[str]) -> str:
    """``CREATE INDEX`` (the same in every dialect)."""
    return f"CREATE INDEX {name} ON {table}({', '.join(columns)})"


def add_column_ddl(table: str, column: str, logical: str, types: Mapping[str, str]) -> str:
    """``ALTER TABLE ... ADD COLUMN`` (nullable; the same in every dialect but for the type)."""
    return f"ALTER TABLE {table} ADD COLUMN {column} {types[logical]}"
