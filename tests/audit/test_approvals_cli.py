"""``apex-notebook journal requests|approve|reject`` as subprocesses against a served simulator: the
approver is the APEX user who logs in (``APEX_*`` variables), never a flag; the submitter is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.approval_policy import ApprovalPolicy
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.catalog import User

ROOT = Path(__file__).resolve().parents[2]


def _cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("APEX_")}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "apex_notebook.cli", *args], cwd=cwd, text=True, capture_output=True,
                          env={**base, **(env or {})}, stdin=subprocess.DEVNULL, timeout=120, check=False)


@pytest.fixture
def served() -> Iterator[str]:
    """A served simulator with a second Operator, ``ops2``; yields its URL."""
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=12)
    user = User(6, "ops2", "Operator", (1,))
    sim.catalog.users[user.user_id] = user
    sim.catalog.users_by_name[user.name] = user
    with sim.serve("127.0.0.1", 0) as server:
        yield str(server.url)


def test_approve_from_the_terminal_as_the_logged_in_user(served: str, tmp_path: Path) -> None:
    path = str(tmp_path / "desk.sqlite")
    with Journal(path, create=True) as journal, Client(served, username="ops", password="demo",
                                                       progress=False) as ops:
        journal.set_policy(ApprovalPolicy(all_accounts=True), by="lead")
        plan = ops.preview(CancelScope(ALL, 1))
        rid = journal.submit(plan, reason="runaway algo")

        listed = _cli(tmp_path, "journal", "requests", path, "--state", "pending")
        assert listed.returncode == 0, listed.stderr
        assert rid in listed.stdout and "pending" in listed.stdout and "ALL-accounts scopes" in listed.stdout

        nobody = _cli(tmp_path, "journal", "approve", path, rid, "--reason", "ok")  # no identity, no terminal
        assert nobody.returncode == 1 and "set APEX_USERNAME" in nobody.stderr

        own = _cli(tmp_path, "journal", "approve", path, rid, "--reason", "ok",
                   env={"APEX_USERNAME": "ops", "APEX_PASSWORD": "demo"})
        assert own.returncode == 1 and "ops submitted request" in own.stderr and "another APEX user" in own.stderr

        wrong = _cli(tmp_path, "journal", "approve", path, rid, "--reason", "ok",
                     env={"APEX_USERNAME": "ops2", "APEX_PASSWORD": "not-the-password"})
        assert wrong.returncode == 1 and "not-the-password" not in wrong.stdout + wrong.stderr

        done = _cli(tmp_path, "journal", "approve", path, rid, "--reason", "checked the algo",
                    env={"APEX_USERNAME": "ops2", "APEX_PASSWORD": "demo"})
        assert done.returncode == 0, done.stderr
        assert f"request {rid} approved by ops2 (logged in at {served})" in done.stdout
        assert "demo" not in done.stdout + done.stderr

        result = ops.execute(plan, reason="runaway algo", confirm=plan.confirmation_phrase, journal=journal,
                             verify_timeout=5.0)
        assert result.summary["canceled"] == plan.count
        row = journal.requests().iloc[0]
        assert (row["state"], row["decided_by"], row["spent"]) == ("approved", "ops2", True)
        assert list(journal.refusals()["kind"]) == ["self_approval"] and journal.verify().ok


def test_reject_and_no_flag_takes_an_identity(served: str, tmp_path: Path) -> None:
    path = str(tmp_path / "desk.sqlite")
    with Journal(path, create=True) as journal, Client(served, username="ops", password="demo",
                                                       progress=False) as ops:
        rid = journal.submit(ops.preview(CancelScope(9, ALL)), reason="runaway algo")
    done = _cli(tmp_path, "journal", "reject", path, rid, "--reason", "leave it",
                env={"APEX_USERNAME": "ops2", "APEX_PASSWORD": "demo"})
    assert done.returncode == 0, done.stderr
    with Journal(path) as journal:
        assert list(journal.requests(state="rejected")["decided_by"]) == ["ops2"]
    helped = _cli(tmp_path, "journal", "approve", "--help")
    assert helped.returncode == 0
    assert not any(flag in helped.stdout for flag in ("--user", "--by", "--password", "--approver"))
    missing = _cli(tmp_path, "journal", "approve", path, "nope", "--reason", "x")
    assert missing.returncode == 1 and "no approval request 'nope'" in missing.stderr
