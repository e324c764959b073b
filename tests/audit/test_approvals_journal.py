"""Issue 15 item 4 in the journal itself: the policy round-trips, requests are chained and append-only
(tampering through SQL is found by ``verify()``), and a schema-2 journal is upgraded to hold them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from cancel_fakes import frame, mixed_records

from apex_notebook.audit.backend import Backend
from apex_notebook.audit.chain import ChainWriter
from apex_notebook.audit.journal import Journal
from apex_notebook.audit.migrate import table_columns
from apex_notebook.audit.schema import SCHEMA_VERSION
from apex_notebook.audit.sqlite_backend import SQLiteBackend
from apex_notebook.cancel.approval_gate import approval_status, require_approval
from apex_notebook.cancel.approval_policy import ApprovalPolicy
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.scope import ALL, CancelScope

from .journal_samples import fill, raw

POLICY = ApprovalPolicy(all_accounts=True, max_orders=100, max_notional={"usd": 1_000_000, "BTC": 2.5})


@pytest.fixture(params=["sqlite", "postgres"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new journal goes, on each backend."""
    return str(tmp_path / "j.sqlite") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


EVERYTHING = CancelScope(ALL, ALL)


def _plan(scope: CancelScope = EVERYTHING, n: int = 3) -> CancelPlan:
    orders = frame(mixed_records()).iloc[:n]
    return CancelPlan(scope=scope, orders=orders, taken_at=orders["receive_time"].max(), symbols={1: "BTCUSD"},
                      username="ops", base_url="http://apex.example")


def test_the_policy_round_trips_and_keeps_its_history(location: str) -> None:
    with Journal(location, create=True) as journal:
        assert journal.policy() == ApprovalPolicy() and journal.policy().empty
        journal.set_policy(ApprovalPolicy(max_orders=5), by="lead", reason="first")
        journal.set_policy(POLICY, by="lead", reason="after the incident review")
    with Journal(location) as reopened:
        assert reopened.policy() == POLICY
        assert dict(reopened.policy().max_notional) == {"USD": 1_000_000.0, "BTC": 2.5}
        assert reopened.policy().describe() == ("approval needed for: ALL-accounts scopes; over 100 orders; "
                                                "over 2.50 BTC; over 1,000,000.00 USD")
        history = reopened.policies()
        assert list(history["set_by"]) == ["lead", "lead"]
        assert list(history["reason"]) == ["first", "after the incident review"]
        assert list(history["policy"]) == ["approval needed for: over 5 orders", POLICY.describe()]
        assert reopened.verify().ok


@pytest.mark.parametrize("bad", [{"max_orders": -1}, {"max_orders": 2.5}, {"max_notional": {"USD": -5}},
                                 {"max_notional": {"USD": float("nan")}}, {"all_accounts": "yes"}])
def test_a_policy_with_a_bad_rule_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ApprovalPolicy(**bad)  # type: ignore[arg-type]


def test_each_rule_says_why_a_plan_needs_approval() -> None:
    plan = _plan()
    notional = plan.notional_by_currency
    assert ApprovalPolicy().reasons(plan) == []
    assert ApprovalPolicy(all_accounts=True).reasons(plan) == ["its scope is ALL accounts of the OMS"]
    assert ApprovalPolicy(all_accounts=True).reasons(_plan(CancelScope(9, ALL))) == []
    assert ApprovalPolicy(max_orders=2).reasons(plan) == ["it cancels 3 orders (the policy allows 2 without approval)"]
    assert ApprovalPolicy(max_orders=3).reasons(plan) == []
    currency = str(notional.index[0])
    over = ApprovalPolicy(max_notional={currency.lower(): float(notional.iloc[0]) / 2}).reasons(plan)
    assert len(over) == 1 and over[0].startswith(f"its {currency} notional")
    assert ApprovalPolicy(max_notional={currency: float(notional.iloc[0])}).reasons(plan) == []
    assert ApprovalPolicy(max_notional={"JPY": 0}).reasons(plan) == []


def test_a_journal_without_approvals_lets_every_plan_through() -> None:
    class FakeJournal:  # an ExecutionJournal test fake: no policy() method
        path = "fake"

    assert approval_status(FakeJournal(), _plan(), "ops") is None
    require_approval(FakeJournal(), _plan(), "ops")


def _tamper(location: str, statements: list[str]) -> None:
    if location.startswith("postgresql://"):
        import psycopg  # the PostgreSQL driver, only for this backend

        with psycopg.connect(location, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.replace("DROP TRIGGER approvals_no_update",
                                               "DROP TRIGGER approvals_no_update ON approvals"))
    else:
        with raw(location) as conn:
            for statement in statements:
                conn.execute(statement)


def test_history_of_requests_cannot_be_rewritten(location: str) -> None:
    with Journal(location, create=True) as journal:
        rid = journal.submit(_plan(), reason="runaway algo")
        journal.approve(rid, by="ops2", reason="ok")
    with pytest.raises(Exception, match="append-only"):
        _tamper(location, ["UPDATE approvals SET by_user = 'ops3' WHERE action = 'approved'"])
    with pytest.raises(Exception, match="append-only"):
        _tamper(location, ["DELETE FROM approvals WHERE action = 'approved'"])
    _tamper(location, ["DROP TRIGGER approvals_no_update",
                       "UPDATE approvals SET by_user = 'ops' WHERE action = 'approved'"])
    with Journal(location) as reopened:
        verdict = reopened.verify()
        assert not verdict.ok and verdict.table == "approvals"
        assert "trigger approvals_no_update is missing" in str(verdict)


def test_a_forged_approval_breaks_the_chain(location: str) -> None:
    with Journal(location, create=True) as journal:
        plan = _plan()
        journal.set_policy(POLICY, by="lead")
        rid = journal.submit(plan, reason="runaway algo")
        head = journal.verify().rows  # the forged row goes right after the last one
    _tamper(location, [
        "INSERT INTO approvals (seq, prev_hash, row_hash, request_id, action, at, by_user, reason, base_url, "
        f"payload_json, fingerprint) VALUES ({head + 1}, 'forged', 'forged', '{rid}', 'approved', "
        f"'2026-11-30T12:00:00+00:00', 'ops2', 'ok', 'http://apex.example', "
        f"'{json.dumps(plan.scope.to_payload(), sort_keys=True)}', '{plan.fingerprint}')"])
    with Journal(location) as reopened:
        verdict = reopened.verify()
        assert not verdict.ok and verdict.table == "approvals"


def _downgrade_to_2(path: str) -> None:
    """Turn a new journal back into the schema-2 layout: no approval tables, meta saying version 2."""
    backend: Backend = SQLiteBackend(path)
    columns = {t: c for t, c in table_columns().items() if t not in {"policies", "approvals"}}
    with backend.write() as tx:
        guards = json.loads(str(tx.query("SELECT value FROM meta WHERE key = 'guards' ORDER BY seq DESC")[0][0]))
        for name in [n for n in guards if n.startswith(("policies_", "approvals_"))]:
            tx.execute(f"DROP TRIGGER {name}")
            del guards[name]
        tx.execute("DROP TABLE policies")
        tx.execute("DROP TABLE approvals")
        writer = ChainWriter(tx, columns)
        for key, value in (("schema_version", "2"), ("guards", json.dumps(guards, sort_keys=True))):
            writer.append("meta", {"key": key, "value": value, "recorded_at": "2026-11-01T00:00:00+00:00"})
    backend.close()


@pytest.fixture
def v2_journal(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "v2.sqlite")
    with Journal(path, create=True) as journal:
        fill(journal)
    _downgrade_to_2(path)
    with sqlite3.connect(path) as conn:
        assert "approvals" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    yield path


def test_a_schema_2_journal_is_upgraded_to_hold_approvals(v2_journal: str) -> None:
    with Journal(v2_journal) as journal:
        assert journal.verify().ok
        assert list(journal.executions()["execution_id"]) == ["e1", "e2"]
        journal.set_policy(POLICY, by="lead")
        journal.approve(journal.submit(_plan(), reason="runaway algo"), by="ops2", reason="ok")
        assert journal.verify().ok and list(journal.requests()["state"]) == ["approved"]
    with raw(v2_journal) as conn:
        versions = [r[0] for r in conn.execute("SELECT value FROM meta WHERE key = 'schema_version' ORDER BY seq")]
        assert versions[-1] == str(SCHEMA_VERSION) == "3"
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM policies")


def test_an_upgrade_does_not_hide_a_guard_dropped_before_it(v2_journal: str) -> None:
    with raw(v2_journal) as conn:
        conn.execute("DROP TRIGGER events_no_delete")
    with Journal(v2_journal) as journal:
        verdict = journal.verify()
        assert not verdict.ok and "events_no_delete" in str(verdict)


def test_a_backup_keeps_the_policy_and_the_requests(location: str, tmp_path: Path) -> None:
    with Journal(location, create=True) as journal:
        journal.set_policy(POLICY, by="lead")
        rid = journal.submit(_plan(), reason="runaway algo")
        journal.reject(rid, by="ops2", reason="leave it")
        verdict = journal.backup(tmp_path / "copy.sqlite")
        original = journal.requests()
    assert verdict.ok
    with Journal(tmp_path / "copy.sqlite") as copy:
        assert copy.policy() == POLICY
        pd.testing.assert_frame_equal(copy.requests(), original)
        assert set(copy.request_orders(rid)["order_id"]) == set(_plan().orders["order_id"])

