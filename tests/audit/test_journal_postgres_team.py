"""Issue 15: a team's PostgreSQL journal -- many writers from many processes, credentials by libpq's
conventions, consistent backups while others write, a killed writer reconciled once, and writer roles
that can only append.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.audit.postgres_backend import writer_grants
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS
from apex_notebook.wire.errors import JournalError

from .journal_samples import fill, intent, raw
from .journal_workers import append_events, finish_race, write_executions
from .pg_cluster import PASSWORD_ROLE

psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL journal needs psycopg")
pytestmark = pytest.mark.usefixtures("pg_cluster")


def test_two_processes_finish_one_execution_once(pg_url: str) -> None:
    with Journal(pg_url, create=True) as journal:
        ids = [f"e{i}" for i in range(4)]
        for eid in ids:
            journal.begin(eid, intent(), {})
        ctx = multiprocessing.get_context("fork")
        start, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=finish_race, args=(pg_url, h, ids, start, out)) for h in ("A", "B")]
        for proc in procs:
            proc.start()
        results = Counter((eid, what) for eid, _, what in (out.get(timeout=120) for _ in range(8)))
        for proc in procs:
            proc.join(timeout=60)
        assert all(results[(eid, "finished")] == 1 and results[(eid, "already finished")] == 1 for eid in ids)
        assert len(journal.outcomes()) == 8 and journal.verify().ok


def test_concurrent_writers_from_several_processes(pg_url: str) -> None:
    Journal(pg_url, create=True).close()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=write_executions, args=(pg_url, f"w{i}", 3)) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    with Journal(pg_url) as journal:
        latest = journal.executions()
        assert len(latest) == 12 and (latest["state"] == "done").all()
        assert len(journal.outcomes()) == 24
        assert journal.verify().ok


def test_a_lost_connection_is_a_journal_error_naming_the_journal(pg_url: str) -> None:
    with Journal(pg_url, create=True) as journal:
        journal.begin("e1", intent(), {})
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                          "current_database() AND pid <> pg_backend_pid()")
        with pytest.raises(JournalError, match="could not record this step") as info:
            journal.state("e1", "acked", ack={"status": "ok"})
        assert info.value.path == journal.path and journal.path in str(info.value)
    with Journal(pg_url) as again:
        assert list(again.executions(all_states=True)["state"]) == ["in_flight"] and again.verify().ok


def test_credentials_follow_libpq_conventions(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PGPASSWORD, a password file and a service file work; the password is never shown nor stored."""
    secret = f"pw-{uuid.uuid4().hex}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [PASSWORD_ROLE]).fetchone() is None:
            admin.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN")
        admin.execute(f"ALTER ROLE {PASSWORD_ROLE} PASSWORD '{secret}'")
        admin.execute(f"ALTER DATABASE {urlsplit(pg_url).path.lstrip('/')} OWNER TO {PASSWORD_ROLE}")
    url = pg_url.replace("postgres@", f"{PASSWORD_ROLE}@")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-such-pgpass"))
    with pytest.raises(JournalError, match="password") as info:
        Journal(url, create=True)
    assert "PGPASSWORD" in str(info.value)
    monkeypatch.setenv("PGPASSWORD", secret)
    with Journal(url, create=True) as journal:
        fill(journal)
        shown = repr(journal) + journal.path
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"*:*:*:{PASSWORD_ROLE}:{secret}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    with Journal(url) as journal:
        assert journal.in_flight() == ["e2"]
    host = pg_url.split("host=")[1]
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[desk]\nhost={host}\ndbname={urlsplit(pg_url).path.lstrip('/')}\n"
                        f"user={PASSWORD_ROLE}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    with Journal("postgresql://?service=desk") as journal:
        assert journal.verify().ok
        shown += repr(journal)
    with psycopg.connect(pg_url) as conn:
        stored = "".join(str(row) for table in ("meta", "executions", "events", "refusals", "outcomes")
                         for row in conn.execute(f"SELECT * FROM {table}"))
    assert secret not in shown and secret not in stored


def test_backup_of_a_postgres_journal_is_a_sqlite_journal_that_verifies(pg_url: str, tmp_path: Path) -> None:
    with Journal(pg_url, create=True) as journal:
        fill(journal)
        source = journal.verify()
        verdict = journal.backup(tmp_path / "copy.sqlite")
        assert verdict.ok and verdict.rows == source.rows + 3, verdict
        with Journal(tmp_path / "copy.sqlite") as copy:
            for read in (lambda j: j.executions(all_states=True), lambda j: j.outcomes(), lambda j: j.refusals(),
                         lambda j: j.timeline("e1"), lambda j: j.snapshot("e1", "pre_send")):
                assert read(copy).equals(read(journal))
        with raw(str(tmp_path / "copy.sqlite")) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'copy_of%'").fetchall())
        assert meta == {"copy_of": journal.path, "copy_of_head": source.head}
        with pytest.raises(JournalError, match="already exists"):
            journal.backup(tmp_path / "copy.sqlite")


def test_backup_of_a_postgres_journal_while_another_process_writes(pg_url: str, tmp_path: Path) -> None:
    Journal(pg_url, create=True).close()
    ctx = multiprocessing.get_context("fork")
    started, stop = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=append_events, args=(pg_url, started, stop))
    writer.start()
    try:
        assert started.wait(timeout=60)
        with Journal(pg_url) as journal:
            verdicts = [journal.backup(tmp_path / f"copy-{i}.sqlite") for i in range(3)]
    finally:
        stop.set()
        writer.join(timeout=60)
    assert writer.exitcode == 0 and all(v.ok for v in verdicts), verdicts
    assert [v.rows for v in verdicts] == sorted(v.rows for v in verdicts)


KILLED_AFTER_SEND = textwrap.dedent("""
    import sys, time
    from apex_notebook.client import Client
    from apex_notebook.cancel.execute import execute_plan
    from apex_notebook.audit.journal import Journal
    from apex_notebook.cancel.scope import ALL, CancelScope

    url, location = sys.argv[1:3]
    client = Client(url, username="ops", password="demo", progress=False)
    journal = Journal(location)
    plan = client.preview(CancelScope(9, ALL))
    send = client.send_cancel_all
    def send_then_hang(plan):
        send(plan)
        print("SENT", flush=True)
        time.sleep(120)
    client.send_cancel_all = send_then_hang
    execute_plan(client, plan, reason="child dies", confirm=plan.confirmation_phrase, journal=journal)
""")


def test_a_writer_killed_after_the_send_is_reconciled_once_on_postgres(sim: FakeOMS, pg_url: str) -> None:
    Journal(pg_url, create=True).close()
    planned = sim.open_order_ids(9)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with sim.serve() as server:
        child = subprocess.Popen([sys.executable, "-c", KILLED_AFTER_SEND, server.url, pg_url],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "SENT", child.stderr.read() if child.stderr else ""
        finally:
            child.kill()
            child.communicate(timeout=30)
        client = Client(server.url, username="ops", password="demo", progress=False)
        with Journal(pg_url) as journal:
            (eid,) = journal.in_flight()
            results = journal.reconcile(client, verify_timeout=1.0, poll_interval=0.05)
            assert [r.execution_id for r in results] == [eid] and journal.in_flight() == []
            assert results[0].summary["canceled"] == len(planned)
            assert journal.reconcile(client, verify_timeout=1.0, poll_interval=0.05) == []
            states = journal.executions(all_states=True)["state"].tolist()
            assert states.count("done") == 1 and journal.verify().ok
        client.close()
    assert sum(1 for c in sim.requests if c.name == "CancelAllOrders") == 1


def test_a_writer_role_with_insert_only_cannot_rewrite_or_unguard(pg_url: str) -> None:
    Journal(pg_url, create=True).close()  # created by the owner (an administrator)
    with psycopg.connect(pg_url, autocommit=True) as owner:
        if owner.execute("SELECT 1 FROM pg_roles WHERE rolname = 'desk_writer'").fetchone() is None:
            owner.execute("CREATE ROLE desk_writer LOGIN")
        for statement in writer_grants("desk_writer"):
            owner.execute(statement)
    url = pg_url.replace("postgres@", "desk_writer@")
    with Journal(url) as journal:
        fill(journal)
        assert journal.verify().ok
    with psycopg.connect(url, autocommit=True) as writer:
        for statement in ("UPDATE outcomes SET outcome = 'still_open'", "DELETE FROM events",
                          "DROP TRIGGER outcomes_no_update ON outcomes", "ALTER TABLE events DISABLE TRIGGER ALL"):
            with pytest.raises(psycopg.Error, match=r"permission denied|must be owner"):
                writer.execute(statement)
    with Journal(pg_url) as journal:
        assert journal.verify().ok
    with pytest.raises(ValueError, match="letters"):
        writer_grants("x; DROP TABLE events")
