"""The PostgreSQL :class:`~apex_notebook.audit.backend.Backend` (issue 15): a team's one journal.

``Journal("postgresql://ops@db.example/apex")`` -- a URL selects this backend, through psycopg 3 (an
optional dependency: ``pip install "psycopg[binary]"``). Credentials follow libpq's conventions
(``PGPASSWORD``, ``~/.pgpass``, service files, ``PG*`` variables); a password written into the URL is
used to connect but never stored in the journal nor shown (:attr:`location` drops it).

The database must exist; ``create=True`` creates the journal's tables in it when it has none.
Writers serialise on a transaction-level advisory lock (:data:`LOCK_KEY`), so the hash chain has one
head however many processes and machines write. The append-only guards are triggers: ``BEFORE UPDATE``,
``BEFORE DELETE`` (per row) and ``BEFORE TRUNCATE`` raise (PostgreSQL has no ``REPLACE``, and
``INSERT ... ON CONFLICT DO UPDATE`` fires the UPDATE trigger). Durability is the server's
(``synchronous_commit``, ``fsync``): a step is committed when its call returns. ``backup(dest)`` writes
a consistent snapshot into a new SQLite journal file (``backup.py``); ``pg_dump`` works too.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from apex_notebook.audit import backend
from apex_notebook.audit.backend import Rows
from apex_notebook.audit.backup import copy_into_sqlite
from apex_notebook.audit.schema import CHAIN_COLUMNS
from apex_notebook.wire.errors import JournalError

__all__ = ["LOCK_KEY", "PostgresBackend", "is_postgres_url", "safe_pg_url", "writer_grants"]

#: The advisory lock every writer holds for its transaction ("apex" in ASCII).
LOCK_KEY: Final = 0x61706578
_TYPES: Final = {"int": "BIGINT", "real": "DOUBLE PRECISION", "text": "TEXT", "blob": "BYTEA"}
_SECRET_PARAMS: Final = frozenset({"password", "sslpassword"})


def is_postgres_url(location: str) -> bool:
    """True for ``postgresql://...`` and ``postgres://...`` (anything else is a SQLite path)."""
    return location.startswith(("postgresql://", "postgres://"))


def safe_pg_url(url: str) -> str:
    """``url`` without its password (user-info password or ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")
    userinfo = netloc[0].partition(":")[0]
    host = f"{userinfo}@{netloc[2]}" if netloc[1] else netloc[2]
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() not in _SECRET_PARAMS])
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


class _Cursor(Protocol):
    """The part of a psycopg cursor used here (psycopg is optional, so it is not imported for types)."""

    description: Sequence[Any] | None

    def execute(self, query: str, params: Sequence[Any] | None = None) -> object: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def __enter__(self) -> _Cursor: ...

    def __exit__(self, *exc_info: object) -> None: ...


class _Connection(Protocol):
    """The part of a psycopg connection used here."""

    def transaction(self) -> AbstractContextManager[object]: ...

    def cursor(self) -> _Cursor: ...

    def close(self) -> None: ...


def writer_grants(role: str, schema: str = "public") -> list[str]:
    """The statements that let ``role`` write a journal in ``schema`` without owning it (run as the owner).

    A desk's journal is best created by an administrator role; each person's role then gets SELECT and
    INSERT only. Such a role cannot UPDATE, DELETE or TRUNCATE (no privilege, besides the triggers) and
    cannot drop or replace a trigger (only the owner can): append-only is enforced twice.
    """
    for name in (role, schema):
        if not name.replace("_", "").isalnum():
            raise ValueError(f"a name of letters, digits and underscores, not {name!r}")
    return [f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"]


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def _sql(sql: str) -> str:
    return sql.replace("?", "%s")


class _Tx:
    """A :class:`~apex_notebook.audit.backend.WriteTx` over one psycopg cursor."""

    def __init__(self, cursor: _Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(_sql(sql), list(params) or None)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(_sql(sql), list(params) or None)
        return list(self._cursor.fetchall())


class PostgresBackend:
    """A journal in one PostgreSQL database (its current schema)."""

    def __init__(self, url: str, *, create: bool = False) -> None:
        psycopg = importlib.import_module("psycopg")  # optional: loaded only for a PostgreSQL journal
        self.location = safe_pg_url(url)
        self.closed = False
        self.errors: tuple[type[Exception], ...] = (psycopg.Error,)
        self._lock = threading.RLock()
        try:
            self._conn: _Connection = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise JournalError(f"cannot open the journal {self.location}: {_norm(str(exc))}. Check that the "
                               "server runs and the database exists; the password comes from PGPASSWORD or "
                               "~/.pgpass (libpq's conventions)", path=self.location) from exc

    @contextmanager
    def write(self) -> Iterator[_Tx]:
        """``BEGIN``; ``pg_advisory_xact_lock``; ... ``COMMIT`` (``ROLLBACK`` on any error)."""
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            yield _Tx(cursor)

    def read(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        """One query on the shared connection."""
        with self._lock, self._conn.cursor() as cursor:
            cursor.execute(_sql(sql), list(params) or None)
            rows = cursor.fetchall()
            names = [d.name for d in cursor.description] if cursor.description else []
        return names, rows

    def tables(self) -> set[str]:
        """The tables of the current schema."""
        _, rows = self.read("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {str(r[0]) for r in rows}

    def columns(self, table: str) -> list[str]:
        """Column names of ``table`` in order."""
        _, rows = self.read("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                            "current_schema() AND table_name = ? ORDER BY ordinal_position", [table])
        return [str(r[0]) for r in rows]

    def table_ddl(self, table: str, columns: dict[str, str]) -> list[str]:
        """``CREATE TABLE`` with an identity ``row_id``, chain columns and a unique ``seq`` index."""
        return backend.table_ddl(table, columns, _TYPES, "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                                 CHAIN_COLUMNS)

    def index_ddl(self, name: str, table: str, columns: Sequence[str]) -> str:
        """``CREATE INDEX``."""
        return backend.index_ddl(name, table, columns)

    def add_column_ddl(self, table: str, column: str, logical: str) -> str:
        """``ALTER TABLE ... ADD COLUMN`` (nullable)."""
        return backend.add_column_ddl(table, column, logical, _TYPES)

    def guard_ddl(self, table: str) -> dict[str, str]:
        """A raising function and three triggers per table: no UPDATE, no DELETE, no TRUNCATE."""
        fn = f"{table}_append_only"
        return {
            fn: (f"CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
                 f"'the apex journal is append-only ({table})'; END $$"),
            f"{table}_no_update": f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW "
                                  f"EXECUTE FUNCTION {fn}()",
            f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW "
                                  f"EXECUTE FUNCTION {fn}()",
            f"{table}_no_truncate": f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                                    f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        }

    def installed_guards(self) -> dict[str, str]:
        """Every user trigger of the schema and every ``*_append_only`` function, as PostgreSQL prints them."""
        _, rows = self.read(
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND n.nspname = "
            "current_schema() UNION ALL SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN "
            "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() AND "
            "right(p.proname, 12) = '_append_only'")
        return {str(name): _norm(str(sql)) for name, sql in rows}

    def clock(self) -> float:
        """The server's clock, so leases mean the same on every machine of the desk."""
        return float(self.read("SELECT extract(epoch FROM clock_timestamp())")[1][0][0])

    def schema_token(self) -> object:
        """The count and oids of the user triggers and functions (a dropped or recreated one changes it)."""
        return self.read("SELECT (SELECT count(*) || ':' || coalesce(sum(oid::bigint), 0) FROM pg_trigger WHERE NOT "
                         "tgisinternal) || '/' || (SELECT count(*) || ':' || coalesce(sum(oid::bigint), 0) FROM "
                         "pg_proc WHERE pronamespace = current_schema()::regnamespace)")[1][0][0]

    def backup(self, dest: str) -> None:
        """Every table, read in one REPEATABLE READ snapshot (writers go on), into a new SQLite journal."""
        tables = sorted(self.tables())
        snapshot: dict[str, Rows] = {}
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for table in tables:
                cursor.execute(f"SELECT * FROM {table} ORDER BY seq")
                rows = cursor.fetchall()
                snapshot[table] = ([d.name for d in cursor.description or ()], rows)
        copy_into_sqlite(snapshot, dest, source=self.location)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
            self.closed = True
