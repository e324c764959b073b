"""DESIGN §2.5 (write-ahead journal, reconcile after a crash) and §2.6 (no secrets) with the simulator."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from sim_session import run

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock


class WatchingClient:
    """Checks, at the moment CancelAllOrders leaves, what a *new* connection sees in the journal."""

    def __init__(self, inner: Client, path: str) -> None:
        self._inner, self._path = inner, path
        self.seen_at_send: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send_cancel_all(self, plan: Any) -> Any:
        other = Journal(self._path)
        self.seen_at_send = list(other.executions(all_states=True)["state"])
        other.close()
        return self._inner.send_cancel_all(plan)


def test_intent_is_on_disk_before_the_request_leaves(sim: FakeOMS, ops: Client, journal: Journal,
                                                      clock: ManualClock) -> None:
    watcher = WatchingClient(ops, journal.path)
    plan = ops.preview(CancelScope(9, ALL))
    result = run(watcher, plan, journal, clock, operator="alice")
    assert watcher.seen_at_send == ["in_flight"]
    latest = journal.executions().iloc[0]
    assert (latest["state"], latest["operator"], latest["reason"], latest["confirmation"]) == (
        "done", "alice", "test: runaway algo", plan.confirmation_phrase)
    assert latest["username"] == "ops" and latest["fingerprint"] == plan.fingerprint
    assert latest["payload"] == CancelScope(9, ALL).to_payload()
    assert latest["summary"]["canceled"] == plan.count
    assert set(journal.snapshot(result.execution_id, "preview")["order_id"]) == plan.order_ids
    assert len(journal.snapshot(result.execution_id, "pre_send")) >= plan.count
    assert set(journal.snapshot(result.execution_id, "post_verify")["order_id"]).isdisjoint(plan.order_ids)
    kinds = list(journal.timeline(result.execution_id)["kind"])
    assert kinds[:3] == ["intent", "send", "acked"] and kinds[-1] == "done" and "poll" in kinds
    outcomes = journal.outcomes(result.execution_id)
    assert sorted(outcomes["order_id"]) == sorted(result.orders["order_id"])
    assert (outcomes["outcome"] == "canceled").all()


def test_reconcile_ignores_finished_executions(sim: FakeOMS, ops: Client, journal: Journal,
                                               clock: ManualClock) -> None:
    run(ops, ops.preview(CancelScope(9, 1)), journal, clock)
    assert journal.reconcile(ops) == []


def _journal_text(path: str) -> bytes:
    """Every byte of the journal files, plus the decompressed snapshot payloads."""
    blob = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if Path(p).exists())
    conn = sqlite3.connect(path)
    for (data,) in conn.execute("SELECT data FROM snapshots"):
        blob += zlib.decompress(data)
    for table in ("executions", "outcomes", "events"):
        for row in conn.execute(f"SELECT * FROM {table}"):
            blob += repr(row).encode()
    conn.close()
    return blob


@pytest.mark.parametrize("login", ["password", "api_key"])
def test_no_secret_reaches_the_journal_or_the_result(sim: FakeOMS, journal: Journal, clock: ManualClock,
                                                     login: str) -> None:
    if login == "password":
        client = Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)
        secrets = [b"demo"]
    else:
        client = Client(sim.url, api_key="ops-key", api_secret="ops-secret", user_id=1,
                        transport=sim.transport(), progress=False)
        secrets = [b"ops-secret"]
    token = client._auth._token
    assert token
    secrets.append(token.encode())
    sim.config.instrument_key = "none"
    plan = client.preview(CancelScope(9, 1))
    result = run(client, plan, journal, clock)
    sim.faults.fail_next("CancelAllOrders", 20)
    with pytest.raises(Exception) as info:
        run(client, client.preview(CancelScope(10, ALL)), journal, clock)
    text = _journal_text(journal.path)
    visible = (repr(result) + result._repr_html_() + repr(result.summary) + result.orders.to_csv()
               + result.collateral.to_csv() + repr(result.orders.attrs) + plan._repr_html_() + repr(plan)
               + str(info.value) + repr(info.value) + client.results.to_csv()).encode()
    for secret in secrets:
        assert secret not in text, secret
        assert secret not in visible, secret
