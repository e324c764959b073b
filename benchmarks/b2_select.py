"""B2 (issue 7): ``CancelScope.select`` on a 1,000,000-order typed frame.

The frame is the snapshot a user holds: ``Client.open_orders(ALL)`` of a seeded in-process simulator
(10,000 accounts x 100 orders, through its real HTTP gateway); its rows are ordered by instrument, then
account, so one instrument's orders are one run of rows. Four
scopes: one account, one instrument (all accounts), account + instrument, and all accounts + all
instruments. Baseline in the same run: the boolean-index expression a pandas user would write on the
same frame (``frame[(frame.order_state == "Working") & (frame.account_id == 9) & ...]``).

Target: median <= 20 ms per scope (printed with the ratio to the baseline and the calibration unit).

    .venvs/test/bin/python benchmarks/b2_select.py [--quick] [--reps N] [--profile]
"""

from __future__ import annotations

import gc

import pandas as pd
from bench_common import Report, header, parse_args, profile_summary, repeat, summary, timed

import apex_notebook as apx
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.simulator import FakeOMS

TARGET_MS = 20.0


def naive(frame: pd.DataFrame, scope: CancelScope) -> pd.DataFrame:
    """What a pandas user writes for the same selection."""
    keep = frame["order_state"] == "Working"
    if scope.account_id is not ALL:
        keep &= frame["account_id"] == scope.account_id
    if scope.instrument_id is not ALL:
        keep &= frame["instrument_id"] == scope.instrument_id
    return frame[keep.fillna(False)]


def build_frame(report: Report, accounts: int, per_account: int) -> pd.DataFrame:
    """The open-order snapshot a user holds: ``Client.open_orders(ALL)`` of a seeded simulator."""
    sim = FakeOMS.seeded(seed=7, accounts=accounts, orders_per_account=per_account)
    with apx.Client(sim.url, username="ops", password="demo", transport=sim.transport(),
                    progress=False) as client:
        ms, frame = timed(lambda: client.open_orders(account_id=apx.ALL))
    report.info(f"snapshot of {len(frame):,} orders taken in {ms / 1000:.1f} s (in-process gateway): "
                f"{frame.shape[1]} columns, rows by instrument then account")
    assert isinstance(frame, pd.DataFrame)
    return frame


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b2")
    unit = header(report, args)
    accounts, per_account = (100, 100) if args.quick else (10_000, 100)
    reps = args.reps or (3 if args.quick else 25)
    frame = build_frame(report, accounts, per_account)
    gc.collect()
    scopes = {"account": CancelScope(9, ALL), "instrument": CancelScope(ALL, 1),
              "account_instrument": CancelScope(9, 1), "all_accounts": CancelScope(ALL, ALL)}
    for label, scope in scopes.items():
        chosen, expected = scope.select(frame), naive(frame, scope)
        assert list(chosen["order_id"]) == list(expected["order_id"]), label
        report.info(f"{label}: {scope!r} selects {len(chosen):,} orders")
    times: dict[str, list[float]] = {f"{k}.{v}": [] for k in scopes for v in ("select", "naive")}
    for _ in range(reps):  # interleaved
        for label, scope in scopes.items():
            times[f"{label}.select"] += repeat(lambda scope=scope: scope.select(frame), 1)  # type: ignore[misc]
            times[f"{label}.naive"] += repeat(lambda scope=scope: naive(frame, scope), 1)  # type: ignore[misc]
    missed = []
    for label in scopes:
        select = report.median(f"{label}.select", times[f"{label}.select"])
        base = report.median(f"{label}.naive", times[f"{label}.naive"])
        report.ratio(f"{label}.select_over_naive", select / base, "select / naive pandas filter, same frame")
        report.ratio(f"{label}.select_in_calibration_units", select / unit, "select / calibration unit")
        if not report.target(f"{label}.median_le_20ms", select <= TARGET_MS,
                             f"{select:.2f} ms vs <= {TARGET_MS:.0f} ms; {len(frame):,} rows"):
            missed.append(label)
    if args.profile or missed:
        for label in missed or list(scopes):
            scope = scopes[label]
            print(f"-- cProfile of 5 x select, scope {label}", flush=True)
            print(profile_summary(lambda scope=scope: [scope.select(frame) for _ in range(5)],  # type: ignore[misc]
                                  top=15, sort="tottime"), flush=True)
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
