"""A journal of any backend copied into a new SQLite file: :func:`copy_into_sqlite` (``Journal.backup`` of
a PostgreSQL journal; a SQLite journal uses SQLite's own online backup instead).

The rows are copied as they are -- ``row_id``, ``seq``, ``prev_hash``, ``row_hash`` included -- so the copy
verifies the source's chain row by row. The copy then gets its own append-only triggers and three
``meta`` rows chained after the source's last row: ``copy_of`` (the source, without password),
``copy_of_head`` (the source's head hash at the copy) and ``guards`` (the copy's triggers). The copy is a
complete journal: ``Journal(dest)`` opens it, ``verify()`` checks it, it can be attached to a ticket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from apex_notebook.audit.backend import Rows
from apex_notebook.audit.chain import ChainWriter
from apex_notebook.audit.integrity import GENESIS
from apex_notebook.audit.migrate import expected_guards, table_columns
from apex_notebook.audit.records import now
from apex_notebook.audit.schema import CHAIN_COLUMNS, INDEXES
from apex_notebook.audit.sqlite_backend import SQLiteBackend
from apex_notebook.wire.errors import JournalError

__all__ = ["copy_into_sqlite"]


def copy_into_sqlite(tables: Mapping[str, Rows], dest: str, *, source: str) -> None:
    """Write ``tables`` (table -> every row, read in one consistent snapshot) as a new SQLite journal."""
    target = Path(dest).absolute()
    if target.exists():
        raise JournalError(f"backup: {target} already exists; a backup never overwrites a file -- choose a new "
                           "name", path=str(target))
    copy = SQLiteBackend(str(target), create=True)
    try:
        known = table_columns()
        with copy.write() as tx:
            head = (0, GENESIS)
            for table, (names, rows) in tables.items():
                kinds = known.get(table, {})
                columns = {n: kinds.get(n, "text") for n in names if n != "row_id" and n not in CHAIN_COLUMNS}
                for statement in copy.table_ddl(table, columns):
                    tx.execute(statement)
                marks = ", ".join("?" * len(names))
                for row in rows:
                    tx.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", list(row))
                    values = dict(zip(names, row, strict=True))
                    head = max(head, (int(values["seq"]), str(values["row_hash"])))
            for name, (table, columns_of) in INDEXES.items():
                tx.execute(copy.index_ddl(name, table, columns_of))
            for statement in expected_guards(copy).values():
                tx.execute(statement)
            writer = ChainWriter(tx, known)
            for key, value in (("copy_of", source), ("copy_of_head", head[1]),
                               ("guards", json.dumps(copy.installed_guards(), sort_keys=True))):
                writer.append("meta", {"key": key, "value": value, "recorded_at": now()})
    except BaseException:
        copy.close()
        target.unlink(missing_ok=True)
        raise
    copy.close()
