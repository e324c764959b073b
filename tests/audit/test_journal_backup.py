"""Issue 11 item 9: ``journal.backup(dest)`` is a complete, consistent copy, even while another process
writes; a copy never overwrites a file.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.wire.errors import JournalError

from .journal_samples import fill, raw
from .journal_workers import append_events


def test_backup_copies_everything_including_the_wal(journal: Journal, tmp_path: Path) -> None:
    fill(journal)
    assert Path(journal.path + "-wal").stat().st_size > 0  # the newest rows are still in the WAL
    verdict = journal.backup(tmp_path / "copy.sqlite")
    assert verdict.ok and verdict.head == journal.verify().head and verdict.rows == journal.verify().rows
    with Journal(tmp_path / "copy.sqlite") as copy:
        assert copy.executions().equals(journal.executions())
        assert copy.outcomes().equals(journal.outcomes())
        assert copy.refusals().equals(journal.refusals())


def test_backup_never_overwrites(journal: Journal, tmp_path: Path) -> None:
    dest = tmp_path / "taken.sqlite"
    dest.write_text("keep me")
    with pytest.raises(JournalError, match="already exists") as info:
        journal.backup(dest)
    assert str(dest) in str(info.value) and dest.read_text() == "keep me"
    with pytest.raises(JournalError, match="does not exist"):
        journal.backup(tmp_path / "missing" / "copy.sqlite")


def test_backup_while_another_process_writes(journal: Journal, tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    started, stop = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=append_events, args=(journal.path, started, stop))
    writer.start()
    try:
        assert started.wait(timeout=60)
        copies = []
        for i in range(5):
            before = journal.verify().rows
            verdict = journal.backup(tmp_path / f"copy-{i}.sqlite")
            assert verdict.ok, verdict
            assert verdict.rows >= before
            copies.append(verdict.rows)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert writer.exitcode == 0
    assert copies == sorted(copies) and journal.verify().ok
    with raw(str(tmp_path / "copy-4.sqlite")) as conn:
        polls = conn.execute("SELECT COUNT(*) FROM events WHERE kind = 'poll'").fetchone()[0]
    assert polls >= 20
