"""B6 (issue 13): confirm to verified result, for an OMS-wide cancel of one instrument.

Each repetition starts a fresh ``apex-notebook simulate --accounts 1000 --orders-per-account 100
--latency L`` in a subprocess (its CPU is not in the client's GIL), logs in as the Operator ``ops``,
takes one OMS-wide ``client.open_orders(apx.ALL)`` snapshot (the *baseline*), previews the scope and
times ``client.execute(plan, ...)`` -- drift check, journalled intent, send, verification, collateral
and unplanned detection, the journal's last write -- until it returns.

Scopes: ``CancelScope(ALL, 1)`` (the target: "cancel BTCUSD everywhere"), ``CancelScope(ALL, ALL)``
and a one-account scope ``CancelScope(9, ALL)``. Latencies: 0 and 20 ms per reply.

Printed per scope and latency: the medians of the snapshot, the preview and ``execute()``; the ratio
execute / snapshot (target for ``CancelScope(ALL, 1)``: <= 3, at both latencies); the phases (drift
check, journal intent, send, verification) from ``result.summary["phase_seconds"]``; the request
counts of verification (history reads, open-order reads, status reads, polls) and the requests per
second while verifying (bounded by the client's ``max_concurrency``/``max_rate``); whether the
coverage was complete (unplanned and collateral detection over every account).

    .venvs/test/bin/python benchmarks/b6_execute.py [--quick] [--reps N] [--profile]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import Report, header, parse_args, profile_summary, simulator_process, summary

import apex_notebook as apx
from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL, CancelScope

SCOPES = {"all_accounts_one_instrument": CancelScope(ALL, 1), "all_accounts_all_instruments": CancelScope(ALL, ALL),
          "one_account": CancelScope(9, ALL)}
TARGET_SCOPE = "all_accounts_one_instrument"
TARGET_RATIO = 3.0


def one_run(url: str, scope: CancelScope, journal_dir: Path, rep: int, profile: bool) -> dict[str, Any]:
    """Snapshot, preview and execute once against a fresh simulator; the figures of this run."""
    client = apx.Client(url, username="ops", password="demo", progress=False, timeout=60.0)
    try:
        t = time.perf_counter()
        snapshot = client.open_orders(ALL)
        snapshot_s = time.perf_counter() - t
        t = time.perf_counter()
        plan = client.preview(scope)
        preview_s = time.perf_counter() - t
        journal = Journal(str(journal_dir / f"b6-{rep}-{time.monotonic_ns()}.sqlite"), create=True)

        def execute() -> apx.CancelResult:
            return client.execute(plan, reason="B6 benchmark", confirm=plan.confirmation_phrase, journal=journal,
                                  verify_timeout=120.0)

        t = time.perf_counter()
        result = execute()
        execute_s = time.perf_counter() - t
        journal.close()
    finally:
        client.close()
    s = result.summary
    reads = s["history_requests"] + s["open_orders_requests"] + s["status_requests"]
    return {"snapshot": snapshot_s, "orders": len(snapshot), "preview": preview_s, "targets": plan.count,
            "execute": execute_s, "phases": s.get("phase_seconds", {}), "history": s["history_requests"],
            "open": s["open_orders_requests"], "status": s["status_requests"], "polls": s["polls"],
            "verify_s": s["verify_seconds"], "rps": reads / s["verify_seconds"] if s["verify_seconds"] else 0.0,
            "canceled": s["canceled"], "complete": bool(s["coverage_complete"]), "ok": result.ok,
            "whole_oms": s.get("whole_oms_read")}


def measure(report: Report, *, accounts: int, per_account: int, latency: float, reps: int, profile: bool) -> None:
    """All scopes at one latency."""
    tag = f"lat{int(latency * 1000)}ms"
    for name, scope in SCOPES.items():
        runs = []
        for rep in range(reps):
            with simulator_process(accounts, per_account, latency) as url, tempfile.TemporaryDirectory() as tmp:
                runs.append(one_run(url, scope, Path(tmp), rep, profile))
        label = f"{tag}.{name}"
        snap = report.median(f"{label}.snapshot_all", [1000 * r["snapshot"] for r in runs])
        report.median(f"{label}.preview", [1000 * r["preview"] for r in runs])
        ex = report.median(f"{label}.execute", [1000 * r["execute"] for r in runs])
        ratio = report.ratio(f"{label}.execute_over_snapshot",
                             statistics.median(r["execute"] / r["snapshot"] for r in runs),
                             "execute() / one OMS-wide open_orders(ALL) snapshot, same run; median of per-run ratios")
        last = runs[-1]
        phases = ", ".join(f"{k} {1000 * statistics.median(r['phases'].get(k, 0.0) for r in runs):.0f} ms"
                           for k in ("drift_check", "journal_intent", "send", "verify"))
        report.info(f"{label}: {last['orders']:,} open orders, {last['targets']:,} targets, execute {ex:.0f} ms vs "
                    f"snapshot {snap:.0f} ms; phases: {phases}")
        report.info(f"{label}: verification requests: {last['history']} history reads, {last['open']} open-order "
                    f"reads, {last['status']} status reads, {last['polls']} polls; "
                    f"{statistics.median(r['rps'] for r in runs):.0f} requests/s while verifying; "
                    f"whole-OMS read {last['whole_oms']}; canceled {last['canceled']:,}; coverage complete "
                    f"{last['complete']}; ok {last['ok']}")
        if name == TARGET_SCOPE:
            complete = all(r["complete"] and r["ok"] for r in runs)
            report.target(f"{tag}.execute_within_3x_snapshot", ratio <= TARGET_RATIO and complete,
                          f"{ratio:.2f}x vs <= {TARGET_RATIO}x, coverage complete and ok: {complete}")


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b6")
    header(report, args)
    accounts, per_account = (20, 10) if args.quick else (1000, 100)
    reps = args.reps or (1 if args.quick else 3)
    report.info(f"{accounts} accounts x {per_account} orders, {reps} repetition(s) per scope and latency")
    for latency in (0.0, 0.02):
        measure(report, accounts=accounts, per_account=per_account, latency=latency, reps=reps, profile=args.profile)
    if args.profile:
        with simulator_process(accounts, per_account, 0.0) as url, tempfile.TemporaryDirectory() as tmp:
            print(profile_summary(lambda: one_run(url, SCOPES[TARGET_SCOPE], Path(tmp), 0, False)))
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
