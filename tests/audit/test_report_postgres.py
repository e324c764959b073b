"""The report, the exports and the journal CLI on a team journal (``postgresql://``): the same content
as from a SQLite file, since they read through the Journal's readers only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli.incident import replay_incident

from apex_notebook.audit.export import read_export
from apex_notebook.audit.journal import Journal

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APEX_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "apex_notebook.cli", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120, check=False)


def test_report_export_and_cli_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    incident = replay_incident(pg_url)
    with Journal(pg_url) as journal:
        html = journal.report(incident.execution_id)
        paths = journal.export(incident.execution_id, tmp_path / "tables", format="parquet")
    assert "NOT OK: 3 unplanned" in html and "verdict ok" in html
    outcomes = read_export(next(p for p in paths if p.stem == "outcomes"))
    assert set(outcomes["kind"]) == {"target", "unplanned", "collateral"}
    listed = _cli("journal", "list", pg_url, cwd=tmp_path)
    assert listed.returncode == 0 and incident.execution_id in listed.stdout and "intact" in listed.stdout
    written = _cli("journal", "report", pg_url, incident.execution_id, "-o", "r.html", cwd=tmp_path)
    assert written.returncode == 0 and (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE")
    assert _cli("journal", "verify", pg_url, cwd=tmp_path).returncode == 0
