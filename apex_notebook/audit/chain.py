"""Appending hash-chained rows inside one write transaction: :class:`ChainWriter`.

Every insert of the journal goes through :meth:`ChainWriter.append`, which coerces the values to their
stored types, gives the row the next ``seq`` and the previous row's hash, and computes its own
(``integrity.py``). The chain head is read once per transaction; the transaction is exclusive
(``Backend.write``), so two writers can never take the same ``seq``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from apex_notebook.audit.backend import WriteTx
from apex_notebook.audit.integrity import GENESIS, coerce, row_hash
from apex_notebook.audit.schema import Columns

__all__ = ["ChainWriter", "head_sql"]


def head_sql(tables: Iterable[str]) -> str:
    """One query returning ``(seq, row_hash)`` of the newest row over ``tables`` (no row: nothing)."""
    parts = [f"SELECT * FROM (SELECT seq, row_hash FROM {t} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1) "
             f"AS h_{t}" for t in tables]
    return "SELECT seq, row_hash FROM (" + " UNION ALL ".join(parts) + ") AS heads ORDER BY seq DESC LIMIT 1"


class ChainWriter:
    """Appends chained rows to the tables of ``columns`` through one :class:`WriteTx`."""

    def __init__(self, tx: WriteTx, columns: Mapping[str, Columns]) -> None:
        self.tx = tx
        self._columns = columns
        self._head: tuple[int, str] | None = None

    def head(self) -> tuple[int, str]:
        """``(seq, row_hash)`` of the newest row (``(0, GENESIS)`` in an empty journal)."""
        if self._head is None:
            found = self.tx.query(head_sql(self._columns))
            self._head = (int(found[0][0]), str(found[0][1])) if found else (0, GENESIS)
        return self._head

    def append(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert one row (unknown columns are refused) and return its ``seq``."""
        spec = self._columns[table]
        unknown = set(values) - set(spec)
        if unknown:
            raise ValueError(f"{table} has no column {sorted(unknown)}")
        row = {name: coerce(values[name], spec[name]) for name in spec if name in values}
        row = {name: value for name, value in row.items() if value is not None}
        seq, prev = self.head()
        row["seq"], row["prev_hash"] = seq + 1, prev
        row["row_hash"] = digest = row_hash(table, row)
        names = list(row)
        self.tx.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                        [row[n] for n in names])
        self._head = (seq + 1, digest)
        return seq + 1

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """A read inside the transaction (sees its own rows)."""
        return self.tx.query(sql, list(params))
