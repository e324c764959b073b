"""Issue 11 item 9: opening a journal never creates one by accident; bad paths, non-journals and newer
schemas are errors naming the path; today's schema-1 journals are upgraded forward, once.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from cancel_fakes import result_for

import apex_notebook as apx
from apex_notebook.audit.journal import Journal
from apex_notebook.audit.schema import SCHEMA_VERSION
from apex_notebook.cancel.result import RESULT_SCHEMA
from apex_notebook.wire.errors import ApexError, JournalError

from .journal_samples import V1_TABLES, fill, intent, raw, trigger_sql, write_v1_journal


def test_journal_error_is_public_and_an_apex_error() -> None:
    assert apx.JournalError is JournalError and issubclass(JournalError, ApexError)
    assert "JournalError" in apx.__all__


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JournalError) as info:
        Journal("apex-jounral.sqlite")  # a typo
    wanted = str(tmp_path / "apex-jounral.sqlite")
    assert info.value.path == wanted and wanted in str(info.value)
    assert "Journal(path, create=True)" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_create_true_creates_and_then_reopens_the_same_journal(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with Journal(path, create=True) as journal:
        journal.begin("e1", intent(), {})
        assert journal.path == str(path)
    with Journal(path, create=True) as again, Journal(str(path)) as reader:
        assert list(again.executions()["execution_id"]) == ["e1"] == list(reader.executions()["execution_id"])
    with raw(str(path)) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta ORDER BY seq").fetchall())
    assert int(meta["schema_version"]) == SCHEMA_VERSION >= 2
    assert meta["created_by"].startswith("apex_notebook ")
    assert "executions_no_replace" in json.loads(meta["guards"])


@pytest.mark.parametrize("create", [False, True])
def test_a_missing_folder_is_an_error_naming_the_path(tmp_path: Path, create: bool) -> None:
    path = tmp_path / "no-such-folder" / "journal.sqlite"
    with pytest.raises(JournalError, match="does not exist") as info:
        Journal(path, create=create)
    assert str(path) in str(info.value) and info.value.path == str(path)
    assert not path.parent.exists()


def test_a_folder_is_not_a_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="is a folder") as info:
        Journal(tmp_path, create=True)
    assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize("create", [False, True])
def test_a_text_file_is_not_a_journal(tmp_path: Path, create: bool) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("dear diary, the algo ran away again\n" * 50)
    with pytest.raises(JournalError, match="is not a journal") as info:
        Journal(path, create=create)
    assert str(path) in str(info.value)
    assert path.read_text().startswith("dear diary")


def test_another_sqlite_database_is_not_a_journal(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with raw(str(path)) as conn:
        conn.execute("CREATE TABLE prices (symbol TEXT, price REAL)")
    for create in (False, True):
        with pytest.raises(JournalError, match=r"not an apex_notebook journal \(its tables are \['prices'\]\)"):
            Journal(path, create=create)
    with raw(str(path)) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["prices"]


def test_an_empty_database_is_refused_unless_create(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    with pytest.raises(JournalError, match="empty database"):
        Journal(path)
    Journal(path, create=True).close()
    Journal(path).close()


def test_a_newer_schema_is_refused_and_left_alone(journal: Journal) -> None:
    path = journal.path
    journal.close()
    with raw(path) as conn:
        conn.execute("INSERT INTO meta (seq, prev_hash, row_hash, key, value) "
                     "VALUES (1000, 'x', 'y', 'schema_version', ?)", [str(SCHEMA_VERSION + 1)])
        before = conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0]
    with pytest.raises(JournalError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this library's") as info:
        Journal(path)
    assert info.value.path == path and path in str(info.value)
    with raw(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == before


def test_a_schema_1_journal_is_upgraded_once_and_verifies(tmp_path: Path) -> None:
    path = str(tmp_path / "v1.sqlite")
    write_v1_journal(path)
    with Journal(path) as journal:
        assert list(journal.executions()["state"]) == ["in_flight", "done"]
        assert journal.in_flight() == ["e2"]
        assert list(journal.outcomes("e1")["outcome"]) == ["canceled", "filled_before_cancel"]
        assert list(journal.timeline("e1")["kind"]) == ["intent", "send", "acked", "done"]
        assert len(journal.snapshot("e1", "preview")) == 3
        verdict = journal.verify()
        assert verdict.ok and verdict.rows == 4 + 2 + 1 + 4 + 5  # the 11 old rows, then the meta rows
        assert "the first 11 rows were written by schema 1" in str(verdict)
        journal.state("e2", "acked")
        journal.refused({"kind": "confirmation", "message": "wrong phrase", "phrase_matched": False})
        assert journal.verify().ok
    with Journal(path) as again:  # a second open does not migrate again
        assert again.verify().ok
    with raw(path) as conn:
        versions = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        assert versions == [(str(SCHEMA_VERSION),)]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("REPLACE INTO executions (row_id, seq, prev_hash, row_hash, execution_id, state, "
                         "recorded_at) VALUES (1, 1, 'a', 'b', 'e1', 'done', 'now')")
    for table in V1_TABLES:
        assert trigger_sql(path, f"{table}_no_replace") is not None


def test_a_schema_1_journal_with_a_dropped_trigger_is_not_upgraded(tmp_path: Path) -> None:
    path = str(tmp_path / "v1.sqlite")
    write_v1_journal(path, drop_trigger="outcomes_no_update")
    with pytest.raises(JournalError, match="outcomes_no_update are missing") as info:
        Journal(path)
    assert path in str(info.value)
    with raw(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "meta" not in tables and trigger_sql(path, "outcomes_no_update") is None
    assert trigger_sql(path, "outcomes_no_delete") is not None


def test_a_new_result_column_is_added_to_outcomes_on_open(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(journal)
    path = journal.path
    journal.close()
    monkeypatch.setitem(RESULT_SCHEMA, "checked_twice", "boolean")  # a column added after e1 was written
    with Journal(path) as upgraded:
        assert upgraded.verify().ok  # old rows' hashes do not cover the new (null) column
        result = result_for("e2")
        result.orders["checked_twice"] = pd.array([True, False], dtype="boolean")
        upgraded.finish(result)
        back = upgraded.outcomes("e2")
        assert list(back.columns) == list(RESULT_SCHEMA)
        assert back["checked_twice"].tolist() == [True, False]
        assert upgraded.outcomes("e1")["checked_twice"].isna().all()
        assert upgraded.verify().ok
    with raw(path) as conn:
        added = conn.execute("SELECT value FROM meta WHERE key = 'outcome_columns_added'").fetchall()
    assert added == [('["checked_twice"]',)]


def test_memory_journals_need_no_create() -> None:
    with Journal(":memory:") as journal:
        journal.event("e1", "send", {})
        assert journal.verify().ok


def test_opening_a_current_journal_does_not_wait_for_writers(journal: Journal) -> None:
    """Opening reads only (a post-mortem can open the journal while a kernel is mid-write)."""
    fill(journal)
    with raw(journal.path) as writer:
        writer.execute("BEGIN IMMEDIATE")  # another process is writing
        writer.execute("INSERT INTO events (seq, prev_hash, row_hash, execution_id, at, kind) "
                       "VALUES (999, 'x', 'y', 'e9', 'now', 'half-written')")
        with Journal(journal.path) as reader:
            assert reader.in_flight() == ["e2"] and reader.verify().ok
        writer.execute("ROLLBACK")


def test_a_home_relative_path_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with Journal("~/desk.sqlite", create=True) as journal:
        assert journal.path == str(tmp_path / "desk.sqlite")
    assert (tmp_path / "desk.sqlite").exists()
