"""Property test of the hash chain: over random journals, an untouched journal verifies, and any single
edit of any stored cell (made behind the triggers' back, triggers put back) is named at exactly that row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from cancel_fakes import frame, mixed_records, result_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apex_notebook.audit.journal import Journal

from .journal_samples import intent, raw, trigger_sql

STEPS = st.lists(st.sampled_from(["begin", "event", "state", "finish", "refused", "lease"]), min_size=1, max_size=8)
#: Journals in memory-backed storage where there is one: the property is about hashes, not fsync.
FOLDER = "/dev/shm" if Path("/dev/shm").is_dir() else None
#: The tables whose cells are edited (meta is tampered with in test_journal_integrity.py: an edit there can
#: make the journal unopenable, which is its own, tested, outcome).
TABLES = ("executions", "outcomes", "snapshots", "events", "refusals", "leases")


def _write(journal: Journal, steps: list[str]) -> None:
    snap = frame(mixed_records()[:4])
    open_ids: list[str] = []
    for n, step in enumerate(steps):
        if step == "begin" or not open_ids:
            open_ids.append(f"e{n}")
            journal.begin(open_ids[-1], intent(previewed=n), {"preview": snap})
        elif step == "event":
            journal.event(open_ids[-1], "poll", {"poll": n, "pending": n % 3, "ratio": n / 7})
        elif step == "state":
            journal.state(open_ids[-1], "acked", ack={"status": "ok", "n": n})
        elif step == "finish":
            journal.finish(result_for(open_ids.pop()))
        elif step == "refused":
            journal.refused({"kind": "drift", "message": f"attempt {n}", "drift_added_ids": [n, n + 1],
                             "phrase_matched": n % 2 == 0})
        else:
            journal.acquire_lease(open_ids[-1], f"holder-{n % 2}", 30.0)


def _different(value: Any) -> Any:
    if isinstance(value, bytes):
        return value + b"\x00"
    if isinstance(value, float):
        return value + 0.5
    if isinstance(value, int):
        return value + 1
    return "tampered" if value != "tampered" else "tampered again"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, pick=st.integers(min_value=0, max_value=10**6))
def test_any_single_edit_is_named_at_its_row(steps: list[str], pick: int) -> None:
    with tempfile.TemporaryDirectory(dir=FOLDER) as folder:
        path = str(Path(folder) / "j.sqlite")
        with Journal(path, create=True) as journal:
            _write(journal, steps)
            assert journal.verify().ok
        with raw(path) as conn:
            cells = []
            for table in TABLES:
                names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                for row in conn.execute(f"SELECT * FROM {table}"):
                    values = dict(zip(names, row, strict=True))
                    cells += [(table, values["row_id"], name, value) for name, value in values.items()
                              if name not in {"row_id", "row_hash", "prev_hash", "seq"} and value is not None]
            table, row_id, column, value = cells[pick % len(cells)]
            guard = trigger_sql(path, f"{table}_no_update")
            assert guard is not None
            conn.execute(f"DROP TRIGGER {table}_no_update")
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE row_id = ?", [_different(value), row_id])
            conn.execute(guard)
        with Journal(path) as journal:
            verdict = journal.verify()
        assert not verdict.ok and not verdict.guard_problems
        assert (verdict.table, verdict.row_id) == (table, row_id), (str(verdict), table, row_id, column)
        assert "content does not match its hash" in str(verdict)


def test_the_property_test_edits_for_real() -> None:
    """The edit helper always changes the value (an unchanged value would make the property vacuous)."""
    for value in (b"x", 1.5, 3, "text", "tampered"):
        assert _different(value) != value
