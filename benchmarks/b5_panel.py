"""B5 (issue 7): panel responsiveness -- scope change to rendered preview, network fetch excluded.

100,000 orders (1,000 accounts x 100) are fetched once from a seeded in-process simulator with the
real ``Client``. A ``PrefetchedClient`` then serves the panel: ``accounts()``/``instruments()`` are
the real client's frames, ``open_orders(scope)`` returns the already-fetched typed frame of that scope
(filtered as the gateway would, before timing: no fetch, no frame build), and ``preview(scope)`` is the
real ``plan.make_plan``. Timed: ``CancelPanel.set_scope(...)`` + ``CancelPanel.preview()`` (the plan
object, its HTML, counts, chart PNG and table widgets), cycling over four scopes.

Baseline in the same run: ``make_plan`` alone on the same prefetched frames (the data part), so the
ratio shows what the rendering adds. Target: median <= 300 ms.

    .venvs/test/bin/python benchmarks/b5_panel.py [--quick] [--reps N] [--profile]
"""

from __future__ import annotations

import os
import statistics

os.environ.setdefault("MPLBACKEND", "Agg")

from typing import Any

import pandas as pd
from bench_common import Report, header, parse_args, profile_summary, summary, timed

import apex_notebook as apx
from apex_notebook.cancel.plan import CancelPlan, make_plan
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.simulator import FakeOMS
from apex_notebook.ui.panel import CancelPanel

TARGET_MS = 300.0
SCOPES: dict[str, tuple[Any, Any]] = {"account": (9, ALL), "instrument": (ALL, 1),
                                      "account_instrument": (9, 1), "all_accounts": (ALL, ALL)}


class PrefetchedClient:
    """Enough of ``Client`` for ``CancelPanel``, answering from frames fetched before the timing."""

    def __init__(self, real: apx.Client, scopes: list[tuple[Any, Any]]) -> None:
        self.oms_id, self.username, self.is_operator = real.oms_id, real.username, real.is_operator
        self.permissions, self.base_url = real.permissions, real.base_url
        self._accounts, self._instruments = real.accounts(), real.instruments()
        self._symbols = real.instrument_symbols()
        self.orders = real.open_orders(account_id=ALL)
        self._by_scope = {scope: self._filter(*scope) for scope in scopes}

    def _filter(self, account_id: Any, instrument_id: Any) -> pd.DataFrame:
        keep = pd.Series(True, index=self.orders.index)
        if account_id is not ALL:
            keep &= self.orders["account_id"] == account_id
        if instrument_id is not ALL:
            keep &= self.orders["instrument_id"] == instrument_id
        frame = self.orders[keep.fillna(False)].reset_index(drop=True)
        frame.attrs = dict(self.orders.attrs)
        return frame

    def accounts(self) -> pd.DataFrame:
        return self._accounts

    def instruments(self) -> pd.DataFrame:
        return self._instruments

    def instrument_symbols(self) -> dict[int, str]:
        return dict(self._symbols)

    def open_orders(self, account_id: Any = ALL, instrument_id: Any = ALL, *, strict: bool = True
                    ) -> pd.DataFrame:
        return self._by_scope[(account_id, instrument_id)]

    def preview(self, scope: CancelScope) -> CancelPlan:
        return make_plan(self, scope)

    def execute(self, plan: CancelPlan, **kwargs: Any) -> Any:
        raise NotImplementedError("B5 measures previews only")


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b5")
    unit = header(report, args)
    accounts = 50 if args.quick else 1000
    reps = args.reps or (2 if args.quick else 7)
    sim = FakeOMS.seeded(seed=7, accounts=accounts, orders_per_account=100)
    real = apx.Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)
    try:
        ms, client = timed(lambda: PrefetchedClient(real, list(SCOPES.values())))
    finally:
        real.close()
    report.info(f"{len(client.orders):,} orders prefetched (not timed: {ms / 1000:.1f} s)")
    panel = CancelPanel(client)
    for label, (account, instrument) in SCOPES.items():  # warm-up (first chart, imports)
        panel.set_scope(account, instrument)
        plan = panel.preview()
        report.info(f"{label}: {plan.count:,} orders in the plan")
    times: dict[str, list[float]] = {f"{k}.{v}": [] for k in SCOPES for v in ("panel", "make_plan")}
    everything: list[float] = []

    def change_and_preview(account: Any, instrument: Any) -> CancelPlan:
        panel.set_scope(account, instrument)
        return panel.preview()

    for _ in range(reps):
        for label, (account, instrument) in SCOPES.items():  # every step is a scope change
            ms, plan = timed(lambda a=account, i=instrument: change_and_preview(a, i))  # type: ignore[misc]
            assert panel.plan is plan and panel.plan_view.layout.display == "flex"
            times[f"{label}.panel"].append(ms)
            everything.append(ms)
            scope = CancelScope(account, instrument)
            times[f"{label}.make_plan"].append(timed(lambda s=scope: make_plan(client, s))[0])  # type: ignore[misc]
    overall = report.median("all_scopes.panel", everything)
    missed = []
    for label in SCOPES:
        panel_ms = report.median(f"{label}.panel", times[f"{label}.panel"])
        plan_ms = report.median(f"{label}.make_plan", times[f"{label}.make_plan"])
        report.ratio(f"{label}.panel_over_make_plan", panel_ms / plan_ms,
                     "scope change + rendered preview / make_plan alone, same frames")
        if panel_ms > TARGET_MS:
            missed.append(label)
    report.ratio("all_scopes.panel_in_calibration_units", overall / unit, "median / calibration unit")
    worst = max(statistics.median(v) for k, v in times.items() if k.endswith(".panel"))
    report.target("median_le_300ms", overall <= TARGET_MS,
                  f"median {overall:.0f} ms over all scope changes vs <= {TARGET_MS:.0f} ms; "
                  f"slowest scope median {worst:.0f} ms")
    if args.profile or missed or overall > TARGET_MS:
        account, instrument = SCOPES[missed[0] if missed else "all_accounts"]
        panel.set_scope(9, 2)  # so that the profiled call is a scope change
        print(f"-- cProfile of one scope change + preview ({account!r}, {instrument!r})", flush=True)
        print(profile_summary(lambda: change_and_preview(account, instrument), top=25,
                              sort="cumulative"), flush=True)
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
