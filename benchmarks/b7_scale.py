"""B7 (issue 13): how snapshot, preview and an OMS-wide cancel grow with the OMS, with peak memory.

Each point runs in a fresh child process (so its peak resident memory is its own) against a fresh
``apex-notebook simulate`` subprocess (0 ms latency), as the Operator: one OMS-wide
``open_orders(ALL)`` snapshot, a preview of ``CancelScope(ALL, 1)`` and its ``execute()``. Two series:
accounts grow with 100 orders each, and orders per account grow with 1,000 accounts; the largest
point is 10,000 accounts x 100 orders (1,000,000 orders).

Printed per point: seconds for snapshot, preview and execute, peak RSS of the client process, and per
series the growth exponent between the first and last point (1.0 = linear), to show which term
dominates.

    .venvs/test/bin/python benchmarks/b7_scale.py [--quick]
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from typing import Any

from bench_common import ROOT, Report, header, parse_args, simulator_process, summary

CHILD = textwrap.dedent("""
    import json, resource, sys, tempfile, time
    import apex_notebook as apx
    from apex_notebook.audit.journal import Journal
    from apex_notebook.cancel.scope import ALL, CancelScope
    url = sys.argv[1]
    client = apx.Client(url, username="ops", password="demo", progress=False, timeout=120.0)
    t = time.perf_counter(); snap = client.open_orders(ALL); snapshot = time.perf_counter() - t
    orders = len(snap); del snap
    t = time.perf_counter(); plan = client.preview(CancelScope(ALL, 1)); preview = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        journal = Journal(tmp + "/b7.sqlite", create=True)
        t = time.perf_counter()
        result = client.execute(plan, reason="B7", confirm=plan.confirmation_phrase, journal=journal,
                                verify_timeout=300.0)
        execute = time.perf_counter() - t
        journal.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"orders": orders, "targets": plan.count, "snapshot": snapshot, "preview": preview,
                      "execute": execute, "peak_mb": peak, "ok": result.ok}))
""")


def point(accounts: int, per_account: int) -> dict[str, Any]:
    """One measurement in a child process against a fresh simulator."""
    with simulator_process(accounts, per_account, 0.0) as url:
        done = subprocess.run([sys.executable, "-c", CHILD, url], cwd=ROOT, capture_output=True, text=True,
                              timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def series(report: Report, name: str, sizes: list[tuple[int, int]]) -> None:
    """Measure every size of one series and print the growth exponents."""
    points = []
    for accounts, per_account in sizes:
        p = point(accounts, per_account)
        points.append(p)
        report.info(f"{name}: {accounts:>6,} accounts x {per_account:>4} orders = {p['orders']:>9,} orders "
                    f"({p['targets']:,} targets): snapshot {p['snapshot']:.2f} s, preview {p['preview']:.2f} s, "
                    f"execute {p['execute']:.2f} s (x{p['execute'] / p['snapshot']:.2f} of the snapshot), "
                    f"peak RSS {p['peak_mb']:,.0f} MB, ok {p['ok']}")
    first, last = points[0], points[-1]
    growth = math.log(last["orders"] / first["orders"])
    for key in ("snapshot", "preview", "execute", "peak_mb"):
        exponent = math.log(last[key] / first[key]) / growth if growth else float("nan")
        report.ratio(f"{name}.{key}_growth_exponent", exponent,
                     f"log(time or memory ratio) / log(orders ratio) from {first['orders']:,} to {last['orders']:,} "
                     "orders; 1.0 = linear")


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b7")
    header(report, args)
    if args.quick:
        series(report, "accounts", [(12, 10), (24, 10), (48, 10)])
        series(report, "orders_per_account", [(12, 5), (12, 10), (12, 20)])
    else:
        series(report, "accounts", [(1000, 100), (3000, 100), (10000, 100)])
        series(report, "orders_per_account", [(1000, 25), (1000, 100), (1000, 400)])
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
