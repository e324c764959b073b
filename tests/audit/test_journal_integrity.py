"""DESIGN §2.6 / issue 11 item 5: the journal is tamper-evident (hash chain, guards that are detected)."""

from __future__ import annotations

import sqlite3

import pytest

from apex_notebook.audit.integrity import row_hash
from apex_notebook.audit.journal import Journal
from apex_notebook.audit.schema import TABLES
from apex_notebook.wire.errors import JournalError

from .journal_samples import fill, intent, raw, trigger_sql


def _count_rows(path: str) -> int:
    tables = tuple(TABLES)
    with raw(path) as conn:
        return sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables)


def test_an_intact_journal_verifies(journal: Journal) -> None:
    fill(journal)
    verdict = journal.verify()
    assert verdict.ok and bool(verdict)
    assert verdict.rows == _count_rows(journal.path) and verdict.rows > 15
    assert str(verdict).startswith(f"intact: {verdict.rows:,} rows, hash chain verified")
    assert verdict.head == journal.verify().head and len(verdict.head) == 64
    journal.event("e2", "poll", {"open": 1})
    assert journal.verify().head != verdict.head  # the head moves with every row: publish it to pin the past


def test_repr_shows_path_counts_and_verdict(journal: Journal) -> None:
    fill(journal)
    text = repr(journal)
    assert journal.path in text and "2 executions (1 not done)" in text and "2 outcomes" in text
    assert "1 refusals" in text and "intact:" in text


@pytest.mark.parametrize("statement", [
    "REPLACE INTO executions SELECT row_id, seq, prev_hash, row_hash, execution_id, state, recorded_at, username, "
    "operator, base_url, oms_id, account_id, instrument_id, scope_text, payload_json, plan_id, fingerprint, "
    "previewed, 'nothing to see', mode, confirmation, drift_json, ack_json, summary_json, note "
    "FROM executions WHERE state = 'done'",
    "INSERT OR REPLACE INTO executions (row_id, seq, prev_hash, row_hash, execution_id, state, recorded_at) "
    "SELECT row_id, seq, prev_hash, row_hash, execution_id, 'in_flight', recorded_at FROM executions LIMIT 1",
    # a new row_id but the seq of an existing row: REPLACE would delete that row through the unique index
    "REPLACE INTO outcomes (row_id, seq, prev_hash, row_hash, execution_id, kind, outcome, recorded_at) "
    "SELECT 999, seq, prev_hash, row_hash, execution_id, kind, 'still_open', recorded_at FROM outcomes LIMIT 1",
    "INSERT OR REPLACE INTO outcomes (row_id, seq, prev_hash, row_hash, execution_id, kind, outcome, recorded_at) "
    "SELECT row_id, seq, prev_hash, row_hash, execution_id, kind, 'still_open', recorded_at FROM outcomes",
    "INSERT INTO outcomes (row_id, seq, prev_hash, row_hash, execution_id, kind, outcome, recorded_at) "
    "SELECT row_id, seq, prev_hash, row_hash, execution_id, kind, 'still_open', recorded_at FROM outcomes WHERE 1 "
    "ON CONFLICT(row_id) DO UPDATE SET outcome = 'still_open'",
])
def test_replace_style_rewrites_are_refused_by_the_database(journal: Journal, statement: str) -> None:
    fill(journal)
    before = (journal.executions(all_states=True), journal.outcomes())
    with raw(journal.path) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute(statement)
    assert journal.executions(all_states=True).equals(before[0])
    assert journal.outcomes().equals(before[1])
    assert list(journal.outcomes()["outcome"]) == ["canceled", "filled_before_cancel"]
    assert journal.verify().ok


def test_a_dropped_trigger_is_detected_not_recreated(journal: Journal) -> None:
    fill(journal)
    path = journal.path
    journal.close()
    with raw(path) as conn:
        conn.execute("DROP TRIGGER executions_no_update")
        conn.execute("UPDATE executions SET reason = 'nothing to see' WHERE state = 'done'")
    reopened = Journal(path)
    verdict = reopened.verify()
    assert not verdict.ok
    assert "trigger executions_no_update is missing" in str(verdict) and str(verdict).startswith("BROKEN")
    done_row = int(reopened.executions(all_states=True).query("state == 'done'")["row_id"].iloc[0])
    assert (verdict.table, verdict.row_id) == ("executions", done_row)
    assert f"BROKEN at executions row {done_row}: content does not match its hash" in str(verdict)
    assert trigger_sql(path, "executions_no_update") is None  # not silently recreated on open
    assert "BROKEN" in repr(reopened)
    with pytest.raises(JournalError, match="executions_no_update") as info:
        reopened.event("e2", "poll", {"open": 1})
    assert info.value.path == path and path in str(info.value) and "create=True" in str(info.value)
    assert len(reopened.timeline("e2")) == 1  # readable, and nothing was added
    with pytest.raises(JournalError):
        reopened.begin("e3", intent(), {})
    reopened.close()
    assert trigger_sql(path, "executions_no_update") is None


def test_a_trigger_dropped_while_the_journal_is_open_stops_the_next_write(journal: Journal) -> None:
    fill(journal)
    with raw(journal.path) as conn:
        conn.execute("DROP TRIGGER outcomes_no_delete")
    with pytest.raises(JournalError, match="outcomes_no_delete is missing"):
        journal.state("e2", "acked")
    assert "outcomes_no_delete" in str(journal.verify())


def test_a_changed_trigger_is_detected(journal: Journal) -> None:
    fill(journal)
    with raw(journal.path) as conn:
        conn.execute("DROP TRIGGER events_no_update")
        conn.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events WHEN 0 BEGIN SELECT 1; END")
    assert "trigger events_no_update was changed" in str(journal.verify())


def _with_guard_off(path: str, table: str, action: str, statement: str) -> None:
    """Run ``statement`` with one guard dropped, then put the guard back exactly as it was."""
    name = f"{table}_no_{action}"
    sql = trigger_sql(path, name)
    assert sql is not None
    with raw(path) as conn:
        conn.execute(f"DROP TRIGGER {name}")
        conn.execute(statement)
        conn.execute(sql)


def test_an_edited_row_is_named_even_with_the_triggers_put_back(journal: Journal) -> None:
    fill(journal)
    target = journal.outcomes("e1")
    _with_guard_off(journal.path, "outcomes", "update",
                    "UPDATE outcomes SET outcome = 'still_open' WHERE order_id = 2")
    with raw(journal.path) as conn:
        row_id = conn.execute("SELECT row_id FROM outcomes WHERE order_id = 2").fetchone()[0]
    verdict = journal.verify()
    assert not verdict.ok and not verdict.guard_problems
    assert (verdict.table, verdict.row_id) == ("outcomes", row_id)
    assert str(verdict) == (f"BROKEN at outcomes row {row_id}: content does not match its hash "
                            "(edited after it was written)")
    assert len(target) == 2


def test_a_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(journal: Journal) -> None:
    fill(journal)
    with raw(journal.path) as conn:
        names = [d[1] for d in conn.execute("PRAGMA table_info(events)")]
        row = dict(zip(names, conn.execute("SELECT * FROM events WHERE kind = 'send'").fetchone(), strict=True))
    row["detail_json"] = '{"payload": {"OMSId": 2}}'
    forged = row_hash("events", row)
    _with_guard_off(journal.path, "events", "update",
                    f"UPDATE events SET detail_json = '{row['detail_json']}', row_hash = '{forged}' "
                    f"WHERE row_id = {row['row_id']}")
    verdict = journal.verify()
    assert not verdict.ok and verdict.seq == row["seq"] + 1
    assert f"chained to a different row than events row {row['row_id']}" in str(verdict)


def test_a_deleted_row_is_named(journal: Journal) -> None:
    fill(journal)
    with raw(journal.path) as conn:
        row_id, seq = conn.execute("SELECT row_id, seq FROM events WHERE kind = 'send'").fetchone()
    _with_guard_off(journal.path, "events", "delete", f"DELETE FROM events WHERE row_id = {row_id}")
    verdict = journal.verify()
    assert not verdict.ok and verdict.seq == seq + 1
    assert f"chain positions {seq}..{seq} are missing before it" in str(verdict)


def test_a_row_inserted_behind_the_journals_back_is_named(journal: Journal) -> None:
    fill(journal)
    with raw(journal.path) as conn:
        top = conn.execute("SELECT MAX(seq) FROM leases").fetchone()[0] or 0
        seq = max(top, *(conn.execute(f"SELECT MAX(seq) FROM {t}").fetchone()[0] or 0
                         for t in ("executions", "events", "refusals", "outcomes", "snapshots", "meta"))) + 1
        conn.execute("INSERT INTO executions (seq, prev_hash, row_hash, execution_id, state, recorded_at) "
                     f"VALUES ({seq}, 'x', 'y', 'e2', 'done', '2026-01-01T00:00:00+00:00')")
        row_id = conn.execute("SELECT MAX(row_id) FROM executions").fetchone()[0]
    verdict = journal.verify()
    assert (verdict.ok, verdict.table, verdict.row_id) == (False, "executions", row_id)
    assert "chained to a different row" in str(verdict)


def test_a_database_error_while_writing_is_a_journal_error(journal: Journal) -> None:
    fill(journal)
    with raw(journal.path) as conn:
        conn.execute("BEGIN EXCLUSIVE")  # another process holds the file: this write cannot get it
        journal._backend.connection.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(JournalError, match="could not record this step") as info:
            journal.event("e2", "poll", {})
        conn.execute("ROLLBACK")
    assert info.value.path == journal.path and isinstance(info.value.__cause__, sqlite3.OperationalError)
    journal.event("e2", "poll", {})
    assert len(journal.timeline("e2")) == 2 and journal.verify().ok


def test_edited_meta_rows_are_named_or_refused(journal: Journal) -> None:
    fill(journal)
    path = journal.path
    journal.close()
    _with_guard_off(path, "meta", "update", "UPDATE meta SET value = 'apex_notebook 9.9' WHERE key = 'created_by'")
    with raw(path) as conn:
        row_id = conn.execute("SELECT row_id FROM meta WHERE key = 'created_by'").fetchone()[0]
    with Journal(path) as reopened:
        verdict = reopened.verify()
    assert (verdict.ok, verdict.table, verdict.row_id) == (False, "meta", row_id)
    _with_guard_off(path, "meta", "update", "UPDATE meta SET value = 'two' WHERE key = 'schema_version'")
    with pytest.raises(JournalError, match="readable schema_version") as info:
        Journal(path)
    assert info.value.path == path
