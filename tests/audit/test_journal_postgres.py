"""Issue 15 items 1-2: the same journal on PostgreSQL -- same API, schema and guarantees (append-only by
the database, hash chain, refusals, leases, finish exactly once). The behaviour tests run on both
backends (``both``); the tampering tests speak SQL to the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from cancel_fakes import result_for
from sim_session import run

from apex_notebook.audit.journal import Journal
from apex_notebook.audit.schema import SCHEMA_VERSION
from apex_notebook.cancel.result import RESULT_SCHEMA
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import DriftError, JournalError

from .journal_samples import fill, intent

psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL journal needs psycopg")
pytestmark = pytest.mark.usefixtures("pg_cluster")


@pytest.fixture(params=["sqlite", "postgres"])
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journal]:
    """A new journal on each backend."""
    location = str(tmp_path / "j.sqlite") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    with Journal(location, create=True) as journal:
        yield journal


def test_the_same_journal_on_both_backends(both: Journal) -> None:
    fill(both)
    assert list(both.executions()["state"]) == ["done", "in_flight"] and both.in_flight() == ["e2"]
    assert list(both.outcomes("e1")["outcome"]) == ["canceled", "filled_before_cancel"]
    assert list(both.timeline("e1")["kind"]) == ["intent", "send", "acked", "done"]
    assert len(both.snapshot("e1", "pre_send")) == 54
    assert both.refusals().loc[0, "drift_added_ids"] == [7]
    verdict = both.verify()
    assert verdict.ok and verdict.rows > 15, verdict
    assert "intact" in repr(both)
    with pytest.raises(JournalError, match="already finished"):
        both.finish(result_for("e1"))
    assert both.acquire_lease("e2", "A", 30) and not both.acquire_lease("e2", "B", 30)
    assert both.release_lease("e2", "A") and both.acquire_lease("e2", "B", 30)


def test_the_chain_is_the_same_on_both_backends(tmp_path: Path, pg_url: str) -> None:
    """Row hashes do not depend on the database: the same rows hash the same."""
    with Journal(tmp_path / "j.sqlite", create=True) as lite, Journal(pg_url, create=True) as pg:
        for journal in (lite, pg):
            journal.begin("e1", intent(), {})
            journal.event("e1", "send", {"payload": {"OMSId": 1}, "x": 1.5})
        assert lite.verify().rows == pg.verify().rows


def test_opening_needs_an_existing_journal(pg_cluster: object, pg_url: str) -> None:
    with pytest.raises(JournalError, match="not an apex_notebook journal") as info:
        Journal(pg_url)
    assert "create=True" in str(info.value)
    with Journal(pg_url, create=True) as created:
        created.begin("e1", intent(), {})
    with Journal(pg_url) as reopened:
        assert reopened.in_flight() == ["e1"]
    missing = pg_url.rsplit("/", 1)[0] + "/no_such_db?" + pg_url.split("?", 1)[1]
    with pytest.raises(JournalError, match="cannot open the journal") as info:
        Journal(missing)
    assert "no_such_db" in str(info.value)


def test_a_password_in_the_url_is_never_shown_or_stored(pg_url: str) -> None:
    url = pg_url.replace("postgres@", "postgres:s3cret-pw@") + "&password=s3cret-pw"
    with Journal(url, create=True) as journal:
        fill(journal)
        shown = repr(journal) + journal.path + str(journal.verify())
        assert "s3cret" not in shown and journal.path.startswith("postgresql://postgres@/")
    with psycopg.connect(pg_url) as conn:
        text = "".join(str(row) for table in ("meta", "executions", "events", "refusals")
                       for row in conn.execute(f"SELECT * FROM {table}"))
    assert "s3cret" not in text
    bad = url.replace("/j_", "/nope_")
    with pytest.raises(JournalError) as info:
        Journal(bad)
    assert "s3cret" not in str(info.value) and "s3cret" not in repr(info.value)


@pytest.mark.parametrize("statement", [
    "UPDATE outcomes SET outcome = 'still_open'",
    "DELETE FROM executions",
    "TRUNCATE events",
    "INSERT INTO outcomes (seq, prev_hash, row_hash, execution_id, kind, outcome, recorded_at) "
    "SELECT seq, prev_hash, row_hash, execution_id, kind, 'still_open', recorded_at FROM outcomes "
    "ON CONFLICT (seq) DO UPDATE SET outcome = 'still_open'",
])
def test_history_cannot_be_rewritten_on_the_server(pg_url: str, statement: str) -> None:
    with Journal(pg_url, create=True) as journal:
        fill(journal)
        with psycopg.connect(pg_url, autocommit=True) as conn, pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(statement)
        assert list(journal.outcomes()["outcome"]) == ["canceled", "filled_before_cancel"]
        assert journal.verify().ok


def test_a_dropped_trigger_is_detected_and_an_edit_named(pg_url: str) -> None:
    with Journal(pg_url, create=True) as journal:
        fill(journal)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER executions_no_update ON executions")
        conn.execute("UPDATE executions SET reason = 'nothing to see' WHERE state = 'done'")
        row_id = conn.execute("SELECT row_id FROM executions WHERE state = 'done'").fetchone()[0]  # type: ignore[index]
    with Journal(pg_url) as reopened:
        verdict = reopened.verify()
        assert not verdict.ok and "trigger executions_no_update is missing" in str(verdict)
        assert (verdict.table, verdict.row_id) == ("executions", row_id)
        with pytest.raises(JournalError, match="executions_no_update"):
            reopened.event("e2", "poll", {})
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'executions_no_update'").fetchone() is None


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    Journal(pg_url, create=True).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO meta (seq, prev_hash, row_hash, key, value) VALUES (99, 'x', 'y', "
                     "'schema_version', %s)", [str(SCHEMA_VERSION + 1)])
    with pytest.raises(JournalError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        Journal(pg_url)


def test_an_execution_through_the_simulator_journals_the_same_on_both(both: Journal, sim: FakeOMS, ops: Client,
                                                                      clock: ManualClock) -> None:
    plan = ops.preview(CancelScope(9, ALL))
    result = run(ops, plan, both, clock, operator="alice")
    assert both.outcomes(result.execution_id)[["order_id", "outcome"]].equals(result.orders[["order_id", "outcome"]])
    assert both.executions().iloc[0]["state"] == "done"
    stale = ops.preview(CancelScope(10, ALL))
    sim.place_order(10, 1, side="Buy", quantity=1.0, price=100.0)
    with pytest.raises(DriftError):
        run(ops, stale, both, clock)
    refusal = both.refusals().iloc[0]
    assert refusal["kind"] == "drift" and len(refusal["drift_added_ids"]) == 1 and refusal["phrase_matched"]
    assert both.verify().ok


def test_a_new_result_column_is_added_on_both_backends(both: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(both)
    location = both.path  # a path, or the URL (no password here)
    both.close()
    monkeypatch.setitem(RESULT_SCHEMA, "checked_twice", "boolean")
    with Journal(location) as upgraded:
        result = result_for("e2")
        result.orders["checked_twice"] = pd.array([True, None], dtype="boolean")
        upgraded.finish(result)
        assert upgraded.outcomes("e2")["checked_twice"].tolist()[0] is True
        assert upgraded.outcomes("e1")["checked_twice"].isna().all() and upgraded.verify().ok
