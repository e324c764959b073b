"""The hash chain that makes the journal tamper-evident, and the :class:`Verdict` of checking it.

One chain runs through every row of every table in the order the rows were written: each row has a
``seq`` (1, 2, 3, ... across all tables), the ``prev_hash`` of the row written before it (64 zeros for
the first) and its own ``row_hash``::

    row_hash = sha256( "apex-journal-row-v1\\n" + table + "\\n"
                       + for each non-null column except row_id and row_hash, by name:
                           name ":" tag ":" len(payload) ":" payload "\\n" )

with ``tag`` ``i`` (integer, decimal text), ``f`` (real, Python ``repr``), ``s`` (text, UTF-8) or ``b``
(blob, raw bytes). ``seq`` and ``prev_hash`` are columns, so they are covered. Null columns are left
out, so adding a nullable column later does not change old hashes. ``row_id`` is the database's local
handle and is not covered; readers order rows by ``seq``.

What it proves: a row edited, removed or inserted out of band after it was written breaks the chain
at that row (or at the next one), and :func:`check_chain` names it. What it cannot prove alone: someone
able to write the file can recompute the *whole* chain. Keep :attr:`Verdict.head` (the hash of the last
row) somewhere else -- a ticket, a chat message -- and compare it later to close that gap.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from apex_notebook.audit.codec import plain

__all__ = ["GENESIS", "ChainRow", "Verdict", "check_chain", "coerce", "guard_problems", "row_hash"]

#: The ``prev_hash`` of the first row.
GENESIS: Final = "0" * 64
_EXCLUDED: Final = frozenset({"row_id", "row_hash"})


def coerce(value: Any, logical: str) -> Any:
    """``value`` as the database will store and return it for a column of type ``logical``.

    Hashing the coerced value is what makes a hash computed before the insert equal to one computed
    from the row read back (SQLite's type affinity would otherwise turn ``1.0`` into ``1``).
    """
    kind = type(value)  # fast paths for the plain Python values that make up nearly every row
    if value is None or (kind is str and logical == "text") or (kind is int and logical == "int"):
        return value
    if kind is float and logical == "real":
        return None if math.isnan(value) else value  # NaN is stored as NULL
    value = plain(value)
    if value is None:
        return None
    if logical == "int":
        return int(value)
    if logical == "real":
        return float(value)
    if logical == "blob":
        return bytes(value)
    return str(value)


def _encode(value: Any) -> tuple[str, bytes]:
    if isinstance(value, bool | int):
        return "i", str(int(value)).encode()
    if isinstance(value, float):
        return "f", repr(value).encode()
    if isinstance(value, bytes | bytearray | memoryview):
        return "b", bytes(value)
    return "s", str(value).encode()


def row_hash(table: str, values: Mapping[str, Any]) -> str:
    """The sha256 (hex) of one row's content, as described in the module docstring."""
    parts = [f"apex-journal-row-v1\n{table}\n".encode()]
    append = parts.append
    for name in sorted(values):
        value = values[name]
        if value is None or name in _EXCLUDED:
            continue
        kind = type(value)  # the common types inline; _encode for the rest (same encoding)
        if kind is str:
            tag, payload = "s", value.encode()
        elif kind is float:
            tag, payload = "f", repr(value).encode()
        elif kind is int:
            tag, payload = "i", str(value).encode()
        else:
            tag, payload = _encode(value)
        append(f"{name}:{tag}:{len(payload)}:".encode())
        append(payload)
        append(b"\n")
    return hashlib.sha256(b"".join(parts)).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    """One stored row as the checker sees it: where it is and every column's value."""

    table: str
    row_id: int
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Verdict:
    """Whether a journal is intact: ``ok``, the rows checked, and else the first problem found.

    ``bool(verdict)`` is ``verdict.ok``; ``str(verdict)`` is a sentence for a person.
    """

    ok: bool
    rows: int
    path: str = ""
    table: str | None = None
    row_id: int | None = None
    seq: int | None = None
    problem: str | None = None
    head: str = GENESIS
    guard_problems: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            extra = f"; {self.note}" if self.note else ""
            return f"intact: {self.rows:,} rows, hash chain verified (head {self.head[:12]}){extra}"
        parts = list(self.guard_problems)
        if self.problem is not None:
            where = f" at {self.table} row {self.row_id}" if self.table is not None else ""
            parts.append(f"BROKEN{where}: {self.problem}")
        text = "; ".join(parts)
        return text if text.startswith("BROKEN") else f"BROKEN: {text}"


def check_chain(rows: Iterable[ChainRow]) -> Verdict:
    """Walk ``rows`` (every row of every table, ordered by ``seq``) and return the first break, if any."""
    expected, prev, previous_row, count = 1, GENESIS, "the start of the journal", 0
    for row in rows:
        seq, link, stored = row.values.get("seq"), row.values.get("prev_hash"), row.values.get("row_hash")
        problem = None
        if seq is None or stored is None or link is None:
            problem = "it has no chain columns (it was inserted without the journal)"
        elif seq > expected:
            problem = (f"chain positions {expected}..{seq - 1} are missing before it "
                       "(rows were deleted after they were written)")
        elif seq < expected:
            problem = f"chain position {seq} is used twice (a row was inserted without the journal)"
        elif link != prev:
            problem = (f"it was chained to a different row than {previous_row} "
                       "(a row before it was rewritten, removed or inserted)")
        elif row_hash(row.table, row.values) != stored:
            problem = "content does not match its hash (edited after it was written)"
        if problem is not None:
            return Verdict(False, count, table=row.table, row_id=row.row_id,
                           seq=int(seq) if seq is not None else None, problem=problem, head=prev)
        count += 1
        expected, prev, previous_row = expected + 1, str(stored), f"{row.table} row {row.row_id}"
    return Verdict(True, count, head=prev)


def guard_problems(recorded: Mapping[str, str], installed: Mapping[str, str]) -> tuple[str, ...]:
    """What is wrong with the append-only triggers: ``recorded`` (as created) vs ``installed`` (now)."""
    problems = []
    for name, sql in recorded.items():
        if name not in installed:
            problems.append(f"trigger {name} is missing (dropped after the journal was created; it was not "
                            "recreated)")
        elif " ".join(installed[name].split()) != " ".join(sql.split()):
            problems.append(f"trigger {name} was changed after the journal was created")
    problems += [f"trigger {name} was added outside apex_notebook" for name in installed if name not in recorded]
    if not recorded:
        problems.append("the record of its append-only triggers is missing from meta")
    return tuple(problems)
