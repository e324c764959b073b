"""``apex-notebook journal ...`` (issue 14 item 4): each verb as a subprocess on a real journal made with the
simulator, on a tampered one and on a missing file; reconcile against a served simulator with credentials
from the environment, never from a flag."""

from __future__ import annotations

import os
import pty
import select
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from apex_notebook.audit.export import read_export
from apex_notebook.audit.journal import Journal
from apex_notebook.simulator import FakeOMS

from .conftest import ROOT, Run
from .incident import Incident, in_flight_incident, replay_incident


def test_list_shows_each_execution_outcome_first_and_the_verdict(cli: Run, incident: Incident) -> None:
    done = cli("journal", "list", str(incident.path))
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stdout.splitlines() if incident.execution_id in ln]
    assert "done" in line and "NOT OK: 3 unplanned" in line and "account 9" in line
    assert "1 refused attempts; intact:" in done.stdout


def test_show_tells_the_story_in_words(cli: Run, incident: Incident) -> None:
    done = cli("journal", "show", str(incident.path), incident.execution_id)
    assert done.returncode == 0, done.stderr
    for text in ("outcome: NOT OK: 3 unplanned", "operator alice (risk desk)", "states: in_flight -> acked -> done",
                 "unplanned 3", "refused attempts before it: 1", "CancelAllOrders {\"AccountId\": 9", "poll 1:",
                 "journal: intact"):
        assert text in done.stdout


def test_report_writes_one_self_contained_html_file(cli: Run, incident: Incident, tmp_path: Path) -> None:
    done = cli("journal", "report", str(incident.path), incident.execution_id, "-o", "out/incident.html")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "out" / "incident.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and incident.execution_id in html and "<svg" in html
    assert "wrote out/incident.html" in done.stdout


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_typed_tables(cli: Run, incident: Incident, tmp_path: Path, fmt: str) -> None:
    done = cli("journal", "export", str(incident.path), incident.execution_id, "--format", fmt, "-o", "tables")
    assert done.returncode == 0, done.stderr
    paths = [Path(p) for p in done.stdout.split()]
    assert all(p.suffix == f".{fmt}" and (tmp_path / p).exists() for p in paths)
    assert len(paths) == 9  # 5 snapshot phases, unplanned included
    outcomes = read_export(tmp_path / "tables" / f"outcomes.{fmt}")
    assert set(outcomes["kind"]) == {"target", "unplanned", "collateral"}
    assert str(outcomes["order_id"].dtype) == "Int64"
    assert "table" in done.stderr  # the progress bar went to stderr, the paths to stdout


def test_verify_passes_on_an_intact_journal(cli: Run, incident: Incident) -> None:
    done = cli("journal", "verify", str(incident.path))
    assert done.returncode == 0 and "intact" in done.stdout


def test_verify_fails_on_a_tampered_journal_and_names_the_row(cli: Run, incident: Incident, tmp_path: Path) -> None:
    copy = tmp_path / "tampered.sqlite"
    shutil.copy(incident.path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("DROP TRIGGER outcomes_no_update")
        row_id = conn.execute("SELECT row_id FROM outcomes WHERE outcome = 'canceled' LIMIT 1").fetchone()[0]
        conn.execute("UPDATE outcomes SET outcome = 'still_open' WHERE row_id = ?", [row_id])
    done = cli("journal", "verify", str(copy))
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert "NOT intact" in line and f"outcomes row {row_id}" in line and "outcomes_no_update" in line


def test_a_missing_file_is_one_line_naming_the_path_and_how_to_get_one(cli: Run, tmp_path: Path) -> None:
    for verb in ("list", "verify", "reconcile"):
        done = cli("journal", verb, "no-such-journal.sqlite")
        assert done.returncode == 1 and done.stdout == ""
        (line,) = done.stderr.strip().splitlines()
        assert "no-such-journal.sqlite" in line and "does not exist" in line and "Client.execute" in line
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "no-such-journal.sqlite").exists()  # reading never creates a journal


def test_an_unknown_execution_id_is_one_line(cli: Run, incident: Incident) -> None:
    done = cli("journal", "show", str(incident.path), "feedface")
    assert done.returncode == 1 and "no execution 'feedface'" in done.stderr and "journal list" in done.stderr


def test_reconcile_finishes_an_in_flight_execution_with_credentials_from_the_environment(
        cli: Run, tmp_path: Path) -> None:
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=12)
    path = tmp_path / "inflight.sqlite"
    with sim.serve("127.0.0.1", 0) as server:
        eid = in_flight_incident(path, server.url)
        refused = cli("journal", "reconcile", str(path))  # no password anywhere, no terminal to ask in
        assert refused.returncode == 1 and "set APEX_PASSWORD" in refused.stderr
        assert Journal(path).in_flight() == [eid]
        done = cli("journal", "reconcile", str(path), env={"APEX_PASSWORD": "demo"})
    assert done.returncode == 0, done.stderr
    assert f"reconciled {eid}: " in done.stdout and "12 canceled" in done.stdout  # the ack was never journalled
    assert "demo" not in done.stdout + done.stderr
    with Journal(path) as journal:
        assert journal.in_flight() == []
        outcomes = journal.outcomes(eid)
    assert outcomes["verified_late"].all() and len(outcomes) == 12


def test_no_flag_takes_a_secret(cli: Run) -> None:
    done = cli("journal", "reconcile", "--help")
    assert done.returncode == 0
    assert not any(flag in done.stdout for flag in ("--password", "--secret", "--api-secret", "--token"))


def test_list_of_an_empty_journal(cli: Run, tmp_path: Path) -> None:
    Journal(tmp_path / "empty.sqlite", create=True).close()
    done = cli("journal", "list", "empty.sqlite")
    assert done.returncode == 0 and "no executions yet" in done.stdout


def _talk(argv: list[str], env: dict[str, str], answer: bytes, cwd: Path) -> tuple[bytes, int]:
    """Run ``argv`` on a pseudo-terminal (its controlling terminal), type ``answer`` at the first prompt."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as in a responder's shell
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    seen, answered = b"", False
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"password for" in seen:
            os.write(fd, answer)
            answered = True
    _, status = os.waitpid(pid, 0)
    return seen, os.waitstatus_to_exitcode(status)


def test_reconcile_asks_for_the_password_on_the_terminal_without_echo(tmp_path: Path) -> None:
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=12)
    path = tmp_path / "inflight.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("APEX_")}
    env["PYTHONPATH"] = str(ROOT)
    with sim.serve("127.0.0.1", 0) as server:
        eid = in_flight_incident(path, server.url)
        seen, status = _talk([sys.executable, "-m", "apex_notebook.cli", "journal", "reconcile", str(path)], env,
                             b"demo\n", tmp_path)
    text = seen.decode(errors="replace")
    assert status == 0, text
    assert f"APEX password for ops at {server.url}" in text and f"reconciled {eid}" in text
    assert "demo" not in text  # the terminal did not echo it, nothing printed it


def test_report_on_a_time_range(cli: Run, tmp_path: Path) -> None:
    several = replay_incident(tmp_path / "several.sqlite", executions=2)
    done = cli("journal", "report", str(several.path), "--since", "2000-01-01", "-o", "range.html")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "range.html").read_text(encoding="utf-8")
    assert "2 executions" in html and several.execution_id in html
    for args, words in ((("--since", "2999-01-01"), "the selection is empty"),
                        (("--since", "yesterday"), "since/until must be a time"),
                        ((), "name the execution(s) to report on"),
                        ((several.execution_id, "--until", "2999-01-01"), "not both")):
        refused = cli("journal", "report", str(several.path), *args)
        assert refused.returncode == 1 and words in refused.stderr and len(refused.stderr.splitlines()) == 1
