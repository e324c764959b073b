"""Reconcile, correct (DESIGN §2.6): exactly once, only by the gateway and user that wrote it, only when
something could be verified -- with kernels SIGKILLed at every step and a fresh process reconciling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from sim_session import connect, run

from apex_notebook.audit.journal import Journal, ReconcileSkippedWarning
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock

ROOT = str(Path(__file__).resolve().parents[2])

EXECUTE_AND_DIE = textwrap.dedent("""
    import sys, time
    from apex_notebook.client import Client
    from apex_notebook.cancel.execute import execute_plan
    from apex_notebook.audit.journal import Journal
    from apex_notebook.cancel.scope import ALL, CancelScope

    url, path, when = sys.argv[1:4]
    client = Client(url, username="ops", password="demo", progress=False)
    journal = Journal(path, create=True)
    plan = client.preview(CancelScope(9, ALL))

    def hang(marker):
        print(marker, flush=True)
        time.sleep(120)

    if when == "before_send":
        begin = journal.begin
        def begin_then_hang(eid, *args, **kwargs):
            begin(eid, *args, **kwargs)
            hang("INTENT")
        journal.begin = begin_then_hang
    elif when == "after_send":
        send = client.send_cancel_all
        def send_then_hang(plan):
            reply = send(plan)
            hang("SENT")
        client.send_cancel_all = send_then_hang
    else:  # during_verify: the first verification read never comes back
        call = client.call
        def call_then_hang(name, **payload):
            if name in ("GetOrdersHistory", "GetOpenOrders") and plan.executed:
                hang("VERIFYING")
            return call(name, **payload)
        client.call = call_then_hang
    execute_plan(client, plan, reason="child dies", confirm=plan.confirmation_phrase, journal=journal,
                 verify_timeout=5.0, poll_interval=0.05)
""")

RECONCILE = textwrap.dedent("""
    import json, sys, time, warnings
    from apex_notebook.client import Client
    from apex_notebook.audit.journal import Journal

    url, path, hang, lease = sys.argv[1], sys.argv[2], sys.argv[3] == "hang", float(sys.argv[4])
    client = Client(url, username="ops", password="demo", progress=False)
    journal = Journal(path)
    if hang:  # die in the middle of the reconcile's verification
        call = client.call
        def call_then_hang(name, **payload):
            if name in ("GetOrdersHistory", "GetOpenOrders"):
                print("RECONCILING", flush=True)
                time.sleep(120)
            return call(name, **payload)
        client.call = call_then_hang
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = journal.reconcile(client, verify_timeout=1.0, poll_interval=0.05, lease_seconds=lease)
    print(json.dumps({"finished": [r.execution_id for r in results],
                      "summaries": [r.summary for r in results],
                      "late": [bool(r.orders["verified_late"].all()) for r in results],
                      "skipped": [str(w.message) for w in caught]}, default=str), flush=True)
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": ROOT}


def _kill_at(url: str, path: str, when: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", EXECUTE_AND_DIE, url, path, when], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() in {"INTENT", "SENT", "VERIFYING"}, (line, child.stderr.read() if child.stderr else "")
    finally:
        child.kill()  # SIGKILL: no cleanup, no finally blocks, like a dead kernel
        child.communicate(timeout=30)


def _reconcile_in_a_fresh_process(url: str, path: str, *, lease: float = 5.0) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", RECONCILE, url, path, "no", str(lease)], capture_output=True,
                          text=True, env=_env(), timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _sent(sim: FakeOMS) -> int:
    return sum(1 for c in sim.requests if c.name == "CancelAllOrders")


def _done_rows(path: str, eid: str) -> int:
    states = Journal(path).executions(all_states=True)
    return int(((states["execution_id"] == eid) & (states["state"] == "done")).sum())


@pytest.mark.parametrize("when", ["before_send", "after_send", "during_verify"])
def test_a_kernel_killed_at_any_step_is_finished_exactly_once_by_a_fresh_process(
        sim: FakeOMS, tmp_path: Path, when: str) -> None:
    path = str(tmp_path / "crash.sqlite")
    planned = sim.open_order_ids(9)
    with sim.serve() as server:
        _kill_at(server.url, path, when)
        (eid,) = Journal(path).in_flight()
        sends_before = _sent(sim)
        outcome = _reconcile_in_a_fresh_process(server.url, path)
        again = _reconcile_in_a_fresh_process(server.url, path)        # a second run finds nothing to do
    assert outcome["finished"] == [eid] and again["finished"] == []
    assert _sent(sim) == sends_before == (0 if when == "before_send" else 1)   # nothing re-sent, ever
    assert _done_rows(path, eid) == 1 and Journal(path).in_flight() == []
    summary = outcome["summaries"][0]
    if when == "before_send":
        assert summary["still_open"] == len(planned) and sim.open_order_ids(9) == planned
    else:
        assert summary["canceled"] == len(planned) and not sim.open_order_ids(9)
    assert outcome["late"] == [True] and summary["verified_late"]
    stored = Journal(path).outcomes(eid)
    assert len(stored) == len(planned) and bool(stored["verified_late"].all())


def test_a_reconciler_killed_mid_reconcile_holds_its_lease_until_it_expires(sim: FakeOMS, tmp_path: Path) -> None:
    path = str(tmp_path / "crash.sqlite")
    with sim.serve() as server:
        _kill_at(server.url, path, "after_send")
        (eid,) = Journal(path).in_flight()
        dying = subprocess.Popen([sys.executable, "-c", RECONCILE, server.url, path, "hang", "2.0"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        try:
            assert dying.stdout is not None and dying.stdout.readline().strip() == "RECONCILING"
        finally:
            dying.kill()
            dying.communicate(timeout=30)
        blocked = _reconcile_in_a_fresh_process(server.url, path)     # the dead reconciler's lease still holds
        time.sleep(2.2)
        finished = _reconcile_in_a_fresh_process(server.url, path)
    assert blocked["finished"] == [] and "another process is reconciling" in blocked["skipped"][0]
    assert finished["finished"] == [eid] and _done_rows(path, eid) == 1 and _sent(sim) == 1


def test_two_reconcilers_at_once_finish_an_execution_exactly_once(sim: FakeOMS, tmp_path: Path) -> None:
    path = str(tmp_path / "crash.sqlite")
    with sim.serve() as server:
        _kill_at(server.url, path, "after_send")
        (eid,) = Journal(path).in_flight()
        procs = [subprocess.Popen([sys.executable, "-c", RECONCILE, server.url, path, "no", "30"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
                 for _ in range(2)]
        outs = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in procs]
    assert sorted(len(o["finished"]) for o in outs) == [0, 1]
    assert _done_rows(path, eid) == 1
    assert len(Journal(path).outcomes(eid)) == len({o for out in outs for o in out["finished"]}) * 12


def _die_after_send(client: Client, plan: CancelPlan, journal: Journal) -> str:
    """Journal an intent and send, then stop as a dead kernel would (nothing after the send is written)."""
    class KernelDiedError(Exception):
        pass

    real_state = journal.state

    def state(*args: Any, **kwargs: Any) -> None:
        raise KernelDiedError

    journal.state = state  # type: ignore[method-assign]
    with pytest.raises(Exception):  # noqa: B017  (the send happened; the "kernel" died after it)
        run(client, plan, journal, ManualClock())
    journal.state = real_state  # type: ignore[method-assign]
    (eid,) = journal.in_flight()
    return eid


def test_another_gateway_or_user_leaves_the_execution_untouched(sim: FakeOMS, ops: Client, journal: Journal,
                                                              clock: ManualClock) -> None:
    eid = _die_after_send(ops, ops.preview(CancelScope(9, ALL)), journal)
    other_gateway = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=12, clock=clock)
    elsewhere = Client("http://apex-b.example", username="ops", password="demo", transport=other_gateway.transport(),
                       progress=False)
    trader = connect(sim, "trader")
    for stranger in (elsewhere, trader):
        with pytest.warns(ReconcileSkippedWarning, match="journalled by user 'ops' on http://apex-sim.local"):
            assert journal.reconcile(stranger, verify_timeout=0.2, poll_interval=0.05) == []
    assert journal.in_flight() == [eid]                               # nobody finished the wrong story
    assert journal.reconcile(ops, verify_timeout=0.2, poll_interval=0.05)[0].summary["canceled"] == 12


def test_nothing_verifiable_leaves_the_execution_reconcilable(sim: FakeOMS, ops: Client, journal: Journal,
                                                             clock: ManualClock) -> None:
    eid = _die_after_send(ops, ops.preview(CancelScope(9, ALL)), journal)
    for name in ("GetOrdersHistory", "GetOpenOrders", "GetOrderStatus"):
        sim.faults.fail_next(name, 102, times=1000)
    with pytest.warns(ReconcileSkippedWarning, match="nothing could be verified"):
        assert journal.reconcile(ops, verify_timeout=0.2, poll_interval=0.05) == []
    assert journal.in_flight() == [eid]
    assert "unverified" in list(journal.timeline(eid)["kind"])
    sim.faults.clear()
    (late,) = journal.reconcile(ops, verify_timeout=0.2, poll_interval=0.05)
    assert late.summary["canceled"] == 12 and journal.in_flight() == []
