"""B3 (issue 7): deep memory of the typed 1,000,000-order frame vs ``pandas.DataFrame(records)``.

Both frames come from the same GetOpenOrders replies (a seeded in-process simulator, 10,000 accounts
x 100 orders, through its real HTTP gateway, decoded with orjson). Memory is
``frame.memory_usage(deep=True).sum()`` (deterministic: one measurement suffices). The build times of
both frames are printed too (medians and ratio, same run), and the largest columns of the typed frame.

Target: typed / naive <= 0.5.

    .venvs/test/bin/python benchmarks/b3_memory.py [--quick] [--reps N]
"""

from __future__ import annotations

import gc

import pandas as pd
from bench_common import Report, header, parse_args, sim_records, summary, timed

from apex_notebook.frames.tables import orders_frame

TARGET = 0.5
MIB = 1024 * 1024


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b3")
    header(report, args)
    accounts, per_account = (100, 100) if args.quick else (10_000, 100)
    reps = args.reps or (2 if args.quick else 3)
    ms, (records, symbols) = timed(lambda: sim_records(accounts, per_account))
    report.info(f"{len(records):,} records fetched from the simulator in {ms / 1000:.1f} s")
    build: dict[str, list[float]] = {"orders_frame": [], "dataframe_records": []}
    typed = naive = pd.DataFrame()
    for _ in range(reps):  # interleaved; the previous frame is dropped before each build
        del typed
        gc.collect()
        ms, typed = timed(lambda: orders_frame(records, instruments=symbols))
        build["orders_frame"].append(ms)
        del naive
        gc.collect()
        ms, naive = timed(lambda: pd.DataFrame(records))
        build["dataframe_records"].append(ms)
    assert len(typed) == len(naive) == len(records)
    med = {k: report.median(f"build.{k}", v) for k, v in build.items()}
    report.ratio("build.orders_frame_over_dataframe_records", med["orders_frame"] / med["dataframe_records"],
                 "typed build / DataFrame(records) build, same records")
    typed_usage = typed.memory_usage(deep=True, index=True)
    naive_usage = naive.memory_usage(deep=True, index=True)
    typed_bytes, naive_bytes = int(typed_usage.sum()), int(naive_usage.sum())
    report.info(f"typed frame: {typed_bytes / MIB:,.1f} MiB ({typed_bytes / len(typed):.0f} B/row); "
                f"DataFrame(records): {naive_bytes / MIB:,.1f} MiB ({naive_bytes / len(naive):.0f} B/row); "
                f"{len(typed):,} rows")
    top = typed_usage.sort_values(ascending=False).head(8)
    report.info("largest typed columns (MiB): "
                + ", ".join(f"{k} {v / MIB:.1f} [{typed[k].dtype if k in typed else 'index'}]"
                            for k, v in top.items()))
    top_naive = naive_usage.sort_values(ascending=False).head(5)
    report.info("largest DataFrame(records) columns (MiB): "
                + ", ".join(f"{k} {v / MIB:.1f} [{naive[k].dtype if k in naive else 'index'}]"
                            for k, v in top_naive.items()))
    ratio = report.ratio("memory.typed_over_naive", typed_bytes / naive_bytes,
                         "deep memory, typed frame / DataFrame(records)")
    report.target("memory_le_half", ratio <= TARGET, f"{ratio:.3f} vs <= {TARGET}")
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
