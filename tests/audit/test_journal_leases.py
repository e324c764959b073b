"""Issue 11 item 7 (journal side): reconcile leases, and one execution finished exactly once, even by
two processes racing.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from cancel_fakes import result_for

from apex_notebook.audit.journal import Journal
from apex_notebook.wire.errors import JournalError

from .journal_samples import intent
from .journal_workers import finish_race, reconcile_race

RACES = 6


def test_a_lease_is_held_by_one_holder_until_released(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    assert journal.acquire_lease("e1", "alice@laptop", 30)
    assert not journal.acquire_lease("e1", "bob@desk", 30)
    assert journal.acquire_lease("e1", "alice@laptop", 30)  # the holder may extend it
    assert not journal.release_lease("e1", "bob@desk")
    assert journal.release_lease("e1", "alice@laptop")
    assert not journal.release_lease("e1", "alice@laptop")  # nothing held any more
    assert journal.acquire_lease("e1", "bob@desk", 30)
    assert journal.verify().ok


def test_an_expired_lease_can_be_taken_over(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000_000.0]
    monkeypatch.setattr(journal._backend, "clock", lambda: now[0])
    journal.begin("e1", intent(), {})
    assert journal.acquire_lease("e1", "crashed-kernel", 30)
    now[0] += 29.0
    assert not journal.acquire_lease("e1", "bob@desk", 30)
    now[0] += 2.0
    assert journal.acquire_lease("e1", "bob@desk", 30)


def test_no_lease_on_a_finished_or_unknown_execution(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    journal.finish(result_for("e1"))
    assert not journal.acquire_lease("e1", "alice", 30)
    assert not journal.acquire_lease("nope", "alice", 30)
    with pytest.raises(ValueError, match="positive"):
        journal.acquire_lease("e1", "alice", 0)


def test_finish_refuses_a_finished_execution(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    journal.finish(result_for("e1"))
    with pytest.raises(JournalError, match="already finished") as info:
        journal.finish(result_for("e1"), note="second")
    assert journal.path in str(info.value)
    assert list(journal.executions(all_states=True)["state"]) == ["in_flight", "done"]
    assert len(journal.outcomes("e1")) == 2


def test_finish_writes_unplanned_and_collateral_outcomes(journal: Journal) -> None:
    journal.begin("e1", intent(), {})
    base = result_for("e1")
    unplanned = base.orders.iloc[:1].assign(order_id=77, previewed=False)
    collateral = base.orders.iloc[1:].assign(order_id=88, account_id=10)
    journal.finish(type(base)(base.execution_id, base.orders, collateral, base.summary, base.description,
                              **({"unplanned": unplanned} if hasattr(base, "unplanned") else {})))
    if hasattr(base, "unplanned"):
        assert list(journal.outcomes("e1", kind="unplanned")["order_id"]) == [77]
    assert list(journal.outcomes("e1", kind="collateral")["order_id"]) == [88]
    assert list(journal.outcomes("e1")["order_id"]) == [1, 2]


def _race(journal: Journal, body: object) -> list[tuple[str, str, str]]:
    ids = [f"e{i}" for i in range(RACES)]
    for eid in ids:
        journal.begin(eid, intent(), {})
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=body, args=(journal.path, holder, ids, start, out)) for holder in ("A", "B")]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in range(2 * RACES)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    return results


def test_two_processes_finishing_one_execution_finish_it_once(journal: Journal) -> None:
    results = _race(journal, finish_race)
    per_execution = Counter((eid, what) for eid, _, what in results)
    for i in range(RACES):
        assert per_execution[(f"e{i}", "finished")] == 1, results
        assert per_execution[(f"e{i}", "already finished")] == 1, results
    states = journal.executions(all_states=True)
    assert (states["state"] == "done").sum() == RACES
    assert len(journal.outcomes()) == 2 * RACES
    assert journal.verify().ok


def test_two_reconcilers_with_leases_finish_each_execution_once(journal: Journal) -> None:
    results = _race(journal, reconcile_race)
    finished = Counter(eid for eid, _, what in results if what == "finished")
    assert finished == Counter({f"e{i}": 1 for i in range(RACES)}), results
    assert all(what in {"finished", "no lease"} or "already finished" in what for _, _, what in results)
    assert journal.in_flight() == [] and len(journal.outcomes()) == 2 * RACES
    assert journal.verify().ok
