"""Bring a database to the current journal schema, forward only: :func:`prepare`.

* an empty database (a file just created with ``create=True``) gets the whole schema, its guards and
  its ``meta`` rows (``schema_version``, ``created_by``, ``guards``: every append-only trigger by name,
  as the database reports it right after creating it -- what ``Journal`` compares the installed
  triggers with on every later open and write);
* a schema-1 journal (the four tables, no ``meta``) is upgraded in one transaction: its old triggers
  are checked (one missing: refused), dropped, the chain columns are added and the existing rows are
  chained in table order (``meta`` says how many rows were chained that way, and when), the new
  tables and guards are created;
* a schema-2 journal gains the approval tables of schema 3 (``policies``, ``approvals``) and their
  guards, in one transaction (``meta`` records the new version and guards);
* a journal gains any ``outcomes`` column that ``RESULT_SCHEMA`` has and it lacks (nullable);
* a journal of a newer schema, or a database that is not a journal, is refused with a ``JournalError``.

A journal that needs nothing is only read (no write lock). Every change runs inside one exclusive
write transaction, so two processes opening one old journal at once upgrade it once.
"""

from __future__ import annotations

import importlib.metadata
import json
from typing import Any, Final

import pandas as pd

from apex_notebook.audit.backend import Backend
from apex_notebook.audit.chain import ChainWriter
from apex_notebook.audit.integrity import GENESIS, row_hash
from apex_notebook.audit.schema import (
    CHAIN_COLUMNS,
    INDEXES,
    LEGACY_TABLES,
    SCHEMA_VERSION,
    TABLES,
    Columns,
    outcome_columns,
)
from apex_notebook.wire.errors import JournalError

__all__ = ["expected_guards", "library_version", "prepare", "table_columns"]

_NEW_IN_2: Final = ("meta", "refusals", "leases")
_NEW_IN_3: Final = ("policies", "approvals")


def library_version() -> str:
    """``apex_notebook X.Y.Z`` as installed (``unknown`` when not installed as a distribution)."""
    try:
        return f"apex_notebook {importlib.metadata.version('apex-notebook')}"
    except importlib.metadata.PackageNotFoundError:
        return "apex_notebook unknown"


def table_columns() -> dict[str, Columns]:
    """Every table's content columns, ``outcomes`` derived from ``RESULT_SCHEMA`` as it is now."""
    return {table: outcome_columns() if table == "outcomes" else dict(columns) for table, columns in TABLES.items()}


def expected_guards(backend: Backend) -> dict[str, str]:
    """Name -> SQL of every append-only guard of the current schema on ``backend``."""
    return {name: sql for table in TABLES for name, sql in backend.guard_ddl(table).items()}


def _now() -> str:
    return pd.Timestamp.now(tz="UTC").isoformat()


def _meta(writer: ChainWriter, **values: Any) -> None:
    for key, value in values.items():
        writer.append("meta", {"key": key, "value": str(value), "recorded_at": _now()})


def _create(backend: Backend, writer: ChainWriter, tables: tuple[str, ...]) -> None:
    for table in tables:
        for statement in backend.table_ddl(table, table_columns()[table]):
            writer.tx.execute(statement)
    for name, (table, columns) in INDEXES.items():
        if table in tables:
            writer.tx.execute(backend.index_ddl(name, table, columns))


def _install_guards(backend: Backend, writer: ChainWriter) -> dict[str, str]:
    """Create every guard; return them as the database reports them (what later opens compare with)."""
    for statement in expected_guards(backend).values():
        writer.tx.execute(statement)
    return backend.installed_guards()


_VERSION_SQL: Final = "SELECT value FROM meta WHERE key = 'schema_version' ORDER BY seq DESC LIMIT 1"


def _schema_version(found: list[tuple[Any, ...]], location: str) -> int:
    """The schema version from :data:`_VERSION_SQL`'s rows; a missing or garbled one is a JournalError."""
    text = str(found[0][0]) if found else ""
    if not text.isdigit():
        raise JournalError(f"{location} has a meta table without a readable schema_version ({text!r}): it is "
                           "not an apex_notebook journal, or its meta rows were rewritten; open another file",
                           path=location)
    return int(text)


def _add_outcome_columns(backend: Backend, writer: ChainWriter) -> list[str]:
    present, wanted = set(backend.columns("outcomes")), outcome_columns()
    added = [c for c in wanted if c not in present]
    for column in added:
        writer.tx.execute(backend.add_column_ddl("outcomes", column, wanted[column]))
    return added


def _from_1(backend: Backend, writer: ChainWriter) -> int:
    """Upgrade a schema-1 journal in place (see the module docstring); returns the rows chained."""
    installed = backend.installed_guards()
    wanted = [f"{t}_no_{a}" for t in LEGACY_TABLES for a in ("update", "delete")]
    missing = [name for name in wanted if name not in installed]
    if missing:
        raise JournalError(f"{backend.location} is a schema-1 journal whose append-only triggers "
                           f"{', '.join(missing)} are missing (dropped after it was written); it is not "
                           "upgraded, because its rows could have been rewritten. Keep it as it is for "
                           "investigation and start a new journal with Journal(new_path, create=True)",
                           path=backend.location)
    for name in wanted:
        writer.tx.execute(f"DROP TRIGGER {name}")
    for table in LEGACY_TABLES:
        for column, kind in CHAIN_COLUMNS.items():
            writer.tx.execute(backend.add_column_ddl(table, column, kind))
    _add_outcome_columns(backend, writer)
    seq, prev = 0, GENESIS
    for table in LEGACY_TABLES:
        names = backend.columns(table)
        for row in writer.query(f"SELECT {', '.join(names)} FROM {table} ORDER BY row_id"):
            values = dict(zip(names, row, strict=True))
            seq += 1
            values.update(seq=seq, prev_hash=prev)
            prev = row_hash(table, values)
            writer.tx.execute(f"UPDATE {table} SET seq = ?, prev_hash = ?, row_hash = ? WHERE row_id = ?",
                              [seq, values["prev_hash"], prev, values["row_id"]])
        writer.tx.execute(f"CREATE UNIQUE INDEX {table}_seq ON {table}(seq)")
    _create(backend, writer, _NEW_IN_2 + _NEW_IN_3)
    return seq


def _from_2(backend: Backend, writer: ChainWriter) -> None:
    """Upgrade a schema-2 journal to 3: the approval tables and their guards; meta says so.

    The recorded guards are the old record plus the new tables' guards: a schema-2 guard dropped
    before the upgrade stays missing from the database and named by ``verify()``, never laundered.
    """
    _create(backend, writer, _NEW_IN_3)
    new = [name for table in _NEW_IN_3 for name in backend.guard_ddl(table)]
    for table in _NEW_IN_3:
        for statement in backend.guard_ddl(table).values():
            writer.tx.execute(statement)
    found = writer.query("SELECT value FROM meta WHERE key = 'guards' ORDER BY seq DESC LIMIT 1")
    guards = {**json.loads(str(found[0][0]) if found else "{}"),
              **{name: sql for name, sql in backend.installed_guards().items() if name in new}}
    _meta(writer, schema_version=SCHEMA_VERSION, migrated_from=2, guards=json.dumps(guards, sort_keys=True))


def _current(backend: Backend) -> bool:
    """True when the journal needs nothing (read only: an archived, read-only copy opens too)."""
    if "meta" not in backend.tables():
        return False
    version = _schema_version(backend.read(_VERSION_SQL)[1], backend.location)
    return version == SCHEMA_VERSION and set(outcome_columns()) <= set(backend.columns("outcomes"))


def prepare(backend: Backend, *, create: bool) -> None:
    """Create, upgrade or refuse the schema of the database behind ``backend`` (module docstring)."""
    location = backend.location
    if _current(backend):
        return
    with backend.write() as tx:
        writer = ChainWriter(tx, table_columns())
        tables = backend.tables()
        if "meta" in tables:
            version = _schema_version(writer.query(_VERSION_SQL), location)
            if version > SCHEMA_VERSION:
                raise JournalError(f"{location} is a journal of schema version {version}, newer than this "
                                   f"library's ({SCHEMA_VERSION}, {library_version()}); upgrade apex_notebook "
                                   "to read it -- it was not changed", path=location)
            if version == 2:
                _from_2(backend, writer)
            added = _add_outcome_columns(backend, writer)
            if added:
                _meta(writer, outcome_columns_added=json.dumps(added))
            return
        if set(LEGACY_TABLES) <= tables:
            chained = _from_1(backend, writer)
            guards = _install_guards(backend, writer)
            _meta(writer, schema_version=SCHEMA_VERSION, migrated_from=1, rows_chained_at_migration=chained,
                  created_by=library_version(), guards=json.dumps(guards, sort_keys=True))
            return
        if tables or not create:
            what = f"its tables are {sorted(tables)}" if tables else "it is an empty database"
            raise JournalError(f"{location} is not an apex_notebook journal ({what}); open the journal file "
                               "apex_notebook wrote, or create a new one with Journal(new_path, create=True)",
                               path=location)
        _create(backend, writer, tuple(TABLES))
        guards = _install_guards(backend, writer)
        _meta(writer, schema_version=SCHEMA_VERSION, created_by=library_version(),
              guards=json.dumps(guards, sort_keys=True))
