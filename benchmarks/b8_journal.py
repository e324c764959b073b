"""B8 (issue 15): journal write latency per step and executions per second, SQLite vs PostgreSQL.

One *execution* is what ``execute()`` writes to the journal, step by step, with realistic content:

* ``begin`` -- the intent row, the ``preview`` and ``pre_send`` snapshots (``--orders`` orders each,
  taken from a seeded in-process simulator) and the ``intent`` event, in one transaction;
* ``state`` -- an ``acked`` state row (the intent carried forward) and its event;
* ``event`` -- one verification ``poll`` event;
* ``finish`` -- ``--orders`` target outcomes, the ``post_verify`` snapshot and the ``done`` row.

Each step is one durable transaction (SQLite: WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``;
PostgreSQL: a transaction under the journal's advisory lock, server defaults ``fsync=on``,
``synchronous_commit=on``), so the hash chain stays one chain whatever the number of writers.

Writers are separate PROCESSES (forked), 1, 4 and 16 at a time, all writing into ONE journal: a SQLite
file in a temporary folder on disk, or a database of a throwaway PostgreSQL server on TCP loopback
(``pg_loopback.py``), both started by this script and measured in the same run, interleaved
(SQLite, PostgreSQL, SQLite, ...), each point on a fresh journal. Every writer opens its journal, waits
at a barrier, then writes its executions; executions per second = all executions of the point / (last
writer's end - first writer's start). Step latencies are pooled over the writers of a point (with many
writers they include the wait for the journal's lock).

Printed: ``MEDIAN`` per backend, writer count and step (ms) and executions per second; ``RATIO``
PostgreSQL / SQLite for each (> 1 for a latency: PostgreSQL slower; > 1 for executions/s: PostgreSQL
faster) and each backend's 16-writer / 1-writer throughput. Issue 15 sets no target.

    .venvs/test/bin/python benchmarks/b8_journal.py [--quick] [--reps N] [--orders N]
"""

from __future__ import annotations

import importlib.util
import itertools
import multiprocessing
import statistics
import tempfile
import time
import uuid
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pandas as pd
from bench_common import Report, header, parse_args, summary
from pg_loopback import LoopbackCluster, find_tool, start_loopback_cluster

import apex_notebook as apx
from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.result import CancelResult, empty_result_frame, summarise, typed_result
from apex_notebook.simulator import FakeOMS

STEPS = ("begin", "state", "event", "finish")
WRITERS = (1, 4, 16)
POINT_DEADLINE_S = 900.0  # a point that has not finished by then is stopped (its writers killed by pid)


def sample_orders(n_orders: int) -> pd.DataFrame:
    """``n_orders`` open orders of one account, as the client's snapshot frame (a seeded simulator)."""
    sim = FakeOMS.seeded(seed=7, accounts=12, orders_per_account=n_orders)
    with apx.Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False) as client:
        return client.open_orders(account_id=9)


def result_of(eid: str, orders: pd.DataFrame) -> CancelResult:
    """A verified result: every order of ``orders`` canceled."""
    rows = orders[["order_id", "account_id", "instrument_id", "symbol", "side", "order_type", "orig_quantity",
                   "quantity", "quantity_executed"]].copy()
    rows["execution_id"], rows["outcome"], rows["final_state"] = eid, "canceled", "Canceled"
    rows["change_reason"], rows["verified_at"], rows["previewed"] = "UserModified", pd.Timestamp.now(tz="UTC"), True
    typed = typed_result(rows)
    summ = summarise(typed, empty_result_frame(), ack={"status": "ok", "result": True, "errorcode": 0},
                     mode="cancel_all", drift={}, stats={"polls": 3}, timings={})
    return CancelResult(eid, typed, empty_result_frame(), summ, "B8 benchmark")


def intent(orders: pd.DataFrame) -> dict[str, Any]:
    """An execution intent as ``execute()`` writes it."""
    return {"username": "ops", "operator": "b8", "base_url": "http://127.0.0.1:8080/ap", "oms_id": 1,
            "account_id": 9, "instrument_id": 0, "scope_text": "every order of account 9",
            "payload_json": '{"AccountId": 9, "OMSId": 1}', "plan_id": uuid.uuid4().hex[:12],
            "fingerprint": "f" * 64, "previewed": len(orders), "reason": "B8 benchmark", "mode": "cancel_all",
            "confirmation": f"CANCEL {len(orders)} ORDERS ON ACCOUNT 9", "drift_json": "{}"}


def write_executions(location: str, writer: str, count: int, orders: pd.DataFrame, *, start: Barrier,
                     out: Queue) -> None:  # type: ignore[type-arg]
    """Child process: ``count`` executions into the journal at ``location``; reports timings on ``out``."""
    try:
        with Journal(location) as journal:
            work = [(f"{writer}-{i}", intent(orders), result_of(f"{writer}-{i}", orders)) for i in range(count)]
            start.wait(timeout=300)
            steps: list[list[float]] = []
            t0 = time.monotonic()
            for eid, row, result in work:
                laps = [time.perf_counter()]
                journal.begin(eid, row, {"preview": orders, "pre_send": orders})
                laps.append(time.perf_counter())
                journal.state(eid, "acked", ack={"status": "ok", "result": True})
                laps.append(time.perf_counter())
                journal.event(eid, "poll", {"pending": 0, "canceled": len(orders)})
                laps.append(time.perf_counter())
                journal.finish(result, orders)
                laps.append(time.perf_counter())
                steps.append([1000.0 * (b - a) for a, b in itertools.pairwise(laps)])
            out.put((writer, t0, time.monotonic(), steps, None))
    except BaseException as exc:  # reported to the parent, which fails the point
        out.put((writer, 0.0, 0.0, [], f"{type(exc).__name__}: {exc}"))


def run_point(location: str, writers: int, per_writer: int, orders: pd.DataFrame) -> dict[str, Any]:
    """``writers`` processes write ``per_writer`` executions each into a new journal at ``location``."""
    Journal(location, create=True).close()
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=write_executions, args=(location, f"w{i}", per_writer, orders),
                         kwargs={"start": barrier, "out": out}) for i in range(writers)]
    for proc in procs:
        proc.start()
    reports, deadline = [], time.monotonic() + POINT_DEADLINE_S
    try:
        while len(reports) < writers:
            reports.append(out.get(timeout=max(1.0, deadline - time.monotonic())))
    finally:
        for proc in procs:
            proc.join(timeout=max(1.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=30)
    errors = [f"{w}: {e}" for w, _, _, _, e in reports if e]
    if errors:
        raise RuntimeError(f"writers failed on {location}: {errors}")
    with Journal(location) as journal:
        verdict = journal.verify()
        written = len(journal.executions()["execution_id"].unique())
    if not verdict.ok or written != writers * per_writer:
        raise RuntimeError(f"journal {location}: {written} executions, verify: {verdict}")
    wall = max(r[2] for r in reports) - min(r[1] for r in reports)
    steps = [s for r in reports for s in r[3]]
    return {"per_s": writers * per_writer / wall,
            **{name: [s[i] for s in steps] for i, name in enumerate(STEPS)},
            "execution": [sum(s) for s in steps]}


def postgres_missing() -> str:
    """Why PostgreSQL cannot be measured here ("" when it can)."""
    if find_tool("initdb") is None or find_tool("pg_ctl") is None:
        return "initdb/pg_ctl not found (install Debian's postgresql package)"
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    return ""


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], lambda p: p.add_argument(
        "--orders", type=int, default=None, help="orders per execution (default 100; --quick: 10)"))
    report = Report("b8")
    header(report, args)
    reps = args.reps or (1 if args.quick else 3)
    n_orders = args.orders or (10 if args.quick else 100)
    total = 16 if args.quick else 160  # executions per point, shared among its writers
    missing = postgres_missing()
    if missing:
        print(f"SUMMARY b8: skipped, nothing measured: {missing}", flush=True)
        return 0
    orders = sample_orders(n_orders)
    cluster: LoopbackCluster = start_loopback_cluster()
    folder = tempfile.TemporaryDirectory(prefix="apex-b8-sqlite-")
    try:
        report.info(f"SQLite: files in {folder.name} (WAL, synchronous=FULL); {cluster.settings()}, on "
                    f"127.0.0.1:{cluster.port}")
        report.info(f"one execution = begin (intent + 2 snapshots of {n_orders} orders), state, event, finish "
                    f"({n_orders} outcomes + 1 snapshot); {total} executions per point, {reps} repetitions")
        locations = {"sqlite": lambda: str(Path(folder.name) / f"{uuid.uuid4().hex[:8]}.sqlite"),
                     "postgres": cluster.new_database}
        for make in locations.values():  # warm-up, not measured
            run_point(make(), 2, 2, orders)
        figures: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for _ in range(reps):
            for writers in WRITERS:
                for backend, make in locations.items():
                    started = time.monotonic()
                    point = run_point(make(), writers, max(1, total // writers), orders)
                    figures.setdefault((backend, writers), []).append(point)
                    report.info(f"{backend}, {writers} writers: {point['per_s']:.1f} executions/s "
                                f"({time.monotonic() - started:.1f} s)")
        print_figures(report, figures)
    finally:
        cluster.stop()
        folder.cleanup()
    return summary(report)


def print_figures(report: Report, figures: dict[tuple[str, int], list[dict[str, Any]]]) -> None:
    """MEDIAN lines per backend/writers/step, then the PostgreSQL / SQLite and scaling ratios."""
    medians: dict[tuple[str, int, str], float] = {}
    for (backend, writers), points in figures.items():
        for step in (*STEPS, "execution"):
            samples = [v for p in points for v in p[step]]
            medians[backend, writers, step] = report.median(f"{backend}.w{writers}.{step}", samples)
        medians[backend, writers, "per_s"] = report.median(
            f"{backend}.w{writers}.executions_per_s", [p["per_s"] for p in points], unit="executions/s")
        whole = sorted(v for p in points for v in p["execution"])
        report.info(f"{backend}, {writers} writers: one execution's 4 steps take {whole[len(whole) // 2]:.1f} ms "
                    f"(median), {whole[int(0.95 * (len(whole) - 1))]:.1f} ms (p95), {whole[-1]:.1f} ms (max)")
    for writers in WRITERS:
        for step in (*STEPS, "execution"):
            report.ratio(f"w{writers}.{step}.pg_over_sqlite",
                         medians["postgres", writers, step] / medians["sqlite", writers, step],
                         f"median latency of '{step}' with {writers} writers, PostgreSQL / SQLite; > 1: slower")
        report.ratio(f"w{writers}.executions_per_s.pg_over_sqlite",
                     medians["postgres", writers, "per_s"] / medians["sqlite", writers, "per_s"],
                     f"executions/s with {writers} writers, PostgreSQL / SQLite; > 1: PostgreSQL faster")
    for backend in ("sqlite", "postgres"):
        report.ratio(f"{backend}.executions_per_s.w16_over_w1",
                     medians[backend, 16, "per_s"] / medians[backend, 1, "per_s"],
                     f"{backend}: executions/s with 16 writers / with 1 (one chain, one writer at a time)")
    report.info("spread: " + ", ".join(
        f"{b} w{w} {statistics.pstdev([p['per_s'] for p in pts]):.1f}/s" for (b, w), pts in figures.items()))


if __name__ == "__main__":
    raise SystemExit(main())
