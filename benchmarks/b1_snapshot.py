"""B1 (issue 7): OMS-wide open-orders snapshot -- toolkit vs *by hand* vs *raw floor*.

A standalone simulator (``apex-notebook simulate`` in a subprocess, so its CPU is not in this
process's GIL) serves 1,000 accounts x 100 open orders on 127.0.0.1, with 0 ms and then 50 ms of
injected latency per reply. Measured in the same run, interleaved repetition by repetition:

* toolkit: ``client.open_orders(account_id=apx.ALL)`` -> the typed ORDER_SCHEMA frame (login excluded;
  ``progress=False``);
* by hand: one ``httpx.Client``, the account ids paged with GetAllAccountPositions, then a sequential
  loop of GetOpenOrders decoded with ``response.json()``, then ``pandas.DataFrame(records)``;
* raw floor: the toolkit's exact requests (GetAllAccountPositions pages, GetInstruments, one
  GetOpenOrders per account) at the toolkit's ``max_concurrency`` (16 threads on one shared
  ``httpx.Client``), bodies decoded with stdlib ``json.loads``, no DataFrame. The toolkit itself
  may use fewer threads when the gateway answers within milliseconds (``wire.fetch.workers_for``);
  ``b1_timeline.py`` also measures a floor with the toolkit's own number of threads.

Targets: at 50 ms toolkit >= 10x faster than by hand; at both latencies toolkit / raw floor <= 1.0.
Also printed (same run, same bodies): the components that explain the toolkit-vs-floor gap --
``json.loads`` vs ``orjson.loads`` of every body, ``orders_frame`` vs ``DataFrame(records)``.

    .venvs/test/bin/python benchmarks/b1_snapshot.py [--quick] [--reps N] [--profile]
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import orjson
import pandas as pd
from bench_common import (
    Report,
    account_ids_by_hand,
    header,
    login,
    parse_args,
    post,
    profile_summary,
    simulator_process,
    summary,
    timed,
)

import apex_notebook as apx
from apex_notebook.frames.tables import orders_frame

#: Informative variants at 50 ms (not targets): other ``max_concurrency`` values (the default is 16).
WHAT_IF_CONCURRENCY = (16,)


class Counter:
    """Counts the requests an ``httpx.Client`` sends (an event hook; thread-safe)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> None:
        with self._lock:
            self.count += 1


def by_hand(url: str) -> tuple[pd.DataFrame, int]:
    """What a user writes: a sequential loop, ``response.json()``, then ``DataFrame(records)``."""
    counter = Counter()
    with httpx.Client(base_url=url, timeout=60, event_hooks={"request": [counter]}) as http:
        token = login(http)
        counter.count = 0
        records: list[dict[str, Any]] = []
        for account in account_ids_by_hand(http, token, json.loads):
            records.extend(post(http, token, "GetOpenOrders", {"OMSId": 1, "AccountId": account}).json())
        return pd.DataFrame(records), counter.count


class RawFloor:
    """The toolkit's requests at its concurrency, stdlib ``json.loads``, no frame (session kept open)."""

    def __init__(self, url: str, workers: int) -> None:
        self.counter = Counter()
        limits = httpx.Limits(max_connections=workers + 2, max_keepalive_connections=workers + 2)
        self.http = httpx.Client(base_url=url, timeout=60, limits=limits,
                                 event_hooks={"request": [self.counter]})
        self.token = login(self.http)
        self.workers = workers
        self.bodies: list[bytes] = []

    def run(self) -> tuple[int, int]:
        """One snapshot; returns (orders decoded, requests sent)."""
        self.counter.count = 0
        ids = account_ids_by_hand(self.http, self.token, json.loads)
        json.loads(post(self.http, self.token, "GetInstruments", {"OMSId": 1}).content)

        def fetch(account: int) -> tuple[bytes, list[dict[str, Any]]]:
            body = post(self.http, self.token, "GetOpenOrders", {"OMSId": 1, "AccountId": account}).content
            return body, json.loads(body)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            replies = list(pool.map(fetch, ids))
        self.bodies = [body for body, _ in replies]
        return sum(len(rows) for _, rows in replies), self.counter.count

    def close(self) -> None:
        self.http.close()


def components(report: Report, label: str, bodies: list[bytes], symbols: dict[int, str], reps: int) -> None:
    """Same-run costs of the parts that differ between the toolkit and the floor, on the same bodies."""
    def decode_json() -> list[Any]:
        return [json.loads(b) for b in bodies]

    def decode_orjson() -> list[Any]:
        return [orjson.loads(b) for b in bodies]

    records = [r for rows in decode_orjson() for r in rows]
    figures: dict[str, list[float]] = {"json_loads": [], "orjson_loads": [], "orders_frame": [],
                                       "dataframe_records": []}
    for _ in range(reps):
        figures["json_loads"].append(timed(decode_json)[0])
        figures["orjson_loads"].append(timed(decode_orjson)[0])
        figures["orders_frame"].append(timed(lambda: orders_frame(records, instruments=symbols))[0])
        figures["dataframe_records"].append(timed(lambda: pd.DataFrame(records))[0])
    med = {k: report.median(f"{label}.component.{k}", v) for k, v in figures.items()}
    saved = med["json_loads"] - med["orjson_loads"]
    report.ratio(f"{label}.component.orders_frame_vs_decoder_saving", med["orders_frame"] / saved,
                 "typed-frame build cost / (json.loads - orjson.loads) saving on the same bodies; "
                 "<= 1 means the faster decoder pays for the frame")
    report.ratio(f"{label}.component.orders_frame_vs_dataframe_records",
                 med["orders_frame"] / med["dataframe_records"],
                 "orders_frame / pandas.DataFrame(records), same records")


def what_if_concurrency(report: Report, label: str, url: str, *, by_hand_ms: float, expected: int,
                        reps: int) -> None:
    """Informative, not a target: the toolkit and the floor at a higher ``Client(max_concurrency=...)``."""
    for workers in WHAT_IF_CONCURRENCY:
        client = apx.Client(url, username="ops", password="demo", progress=False, timeout=60,
                            max_concurrency=workers)
        floor = RawFloor(url, workers)
        try:
            client.open_orders(account_id=apx.ALL)
            tool, raw = [], []
            for _ in range(reps):
                ms, frame = timed(lambda client=client: client.open_orders(account_id=apx.ALL))  # type: ignore[misc]
                assert len(frame) == expected
                tool.append(ms)
                raw.append(timed(floor.run)[0])
            tool_ms = report.median(f"{label}.what_if.max_concurrency_{workers}.toolkit", tool)
            raw_ms = report.median(f"{label}.what_if.max_concurrency_{workers}.raw_floor", raw)
            report.ratio(f"{label}.what_if.max_concurrency_{workers}.by_hand_over_toolkit", by_hand_ms / tool_ms,
                         f"speed-up over this run's by-hand median with Client(max_concurrency={workers})")
            report.ratio(f"{label}.what_if.max_concurrency_{workers}.toolkit_over_raw_floor", tool_ms / raw_ms,
                         f"toolkit / raw floor, both at concurrency {workers}")
        finally:
            floor.close()
            client.close()


def run_latency(report: Report, latency: float, *, accounts: int, per_account: int, reps: int,
                hand_reps: int, profile: bool, what_if: bool = False) -> None:
    """All three variants against one simulator process at one latency."""
    label = f"lat{round(latency * 1000)}ms"
    print(f"-- latency {latency * 1000:.0f} ms: {accounts} accounts x {per_account} orders "
          f"({reps} reps toolkit/floor, {hand_reps} reps by hand)", flush=True)
    with simulator_process(accounts, per_account, latency) as url:
        client = apx.Client(url, username="ops", password="demo", progress=False, timeout=60)
        tool_counter = Counter()
        client._http.event_hooks["request"].append(tool_counter)  # counting only
        floor = RawFloor(url, client.max_concurrency)
        times: dict[str, list[float]] = {"toolkit": [], "raw_floor": [], "by_hand": []}
        counts: dict[str, int] = {}
        cpu_ms: dict[str, list[float]] = {"toolkit": [], "raw_floor": []}
        expected = accounts * per_account
        try:
            client.open_orders(account_id=apx.ALL)  # warm-up: connections, imports, first-call costs
            floor.run()
            for rep in range(reps):  # interleaved, so drifts of the machine's load hit all variants
                tool_counter.count = 0
                cpu = time.process_time()
                ms, frame = timed(lambda: client.open_orders(account_id=apx.ALL))
                cpu_ms["toolkit"].append(1000 * (time.process_time() - cpu))
                assert len(frame) == expected, (len(frame), expected)
                times["toolkit"].append(ms)
                counts["toolkit"] = tool_counter.count
                cpu = time.process_time()
                ms, (orders, sent) = timed(floor.run)
                cpu_ms["raw_floor"].append(1000 * (time.process_time() - cpu))
                assert orders == expected, (orders, expected)
                times["raw_floor"].append(ms)
                counts["raw_floor"] = sent
                if rep < hand_reps:
                    ms, (naive, sent) = timed(lambda: by_hand(url))
                    assert len(naive) == expected, (len(naive), expected)
                    times["by_hand"].append(ms)
                    counts["by_hand"] = sent
            med = {k: report.median(f"{label}.{k}", v) for k, v in times.items()}
            report.info(f"requests per snapshot: {counts} (toolkit and raw floor must match)")
            report.info(f"toolkit concurrency {client.max_concurrency}; orders per snapshot {expected}")
            speedup = med["by_hand"] / med["toolkit"]
            floor_ratio = med["toolkit"] / med["raw_floor"]
            report.ratio(f"{label}.by_hand_over_toolkit", speedup, "speed-up of the toolkit over by hand")
            report.ratio(f"{label}.toolkit_over_raw_floor", floor_ratio, "toolkit / raw floor, <= 1.0 wanted")
            # per-rep paired ratios: robust to load drifts between repetitions
            paired = [t / f for t, f in zip(times["toolkit"], times["raw_floor"], strict=True)]
            report.ratio(f"{label}.toolkit_over_raw_floor_paired_median", statistics.median(paired),
                         "median of per-repetition toolkit / raw floor")
            cpu_med = {k: report.median(f"{label}.client_cpu.{k}", v) for k, v in cpu_ms.items()}
            report.ratio(f"{label}.client_cpu.toolkit_over_raw_floor", cpu_med["toolkit"] / cpu_med["raw_floor"],
                         "client process CPU time (all threads) per snapshot, toolkit / raw floor")
            if latency >= 0.05:
                report.target(f"{label}.speedup_vs_by_hand", speedup >= 10.0,
                              f"{speedup:.1f}x vs >= 10x")
            report.target(f"{label}.toolkit_vs_raw_floor", floor_ratio <= 1.0, f"{floor_ratio:.3f} vs <= 1.0")
            if counts["toolkit"] != counts["raw_floor"]:
                report.info("WARNING: the toolkit and the raw floor sent different numbers of requests")
            components(report, label, floor.bodies, client.instrument_symbols(), max(2, reps // 2))
            if latency >= 0.05 and what_if:
                what_if_concurrency(report, label, url, by_hand_ms=med["by_hand"], expected=expected,
                                    reps=max(2, reps // 2))
            if profile:
                run: Callable[[], Any] = lambda: client.open_orders(account_id=apx.ALL)  # noqa: E731
                print(f"-- cProfile of client.open_orders(ALL) at {label} (main thread; fetches run in "
                      "worker threads and show up as waiting)", flush=True)
                print(profile_summary(run, top=20, sort="cumulative"), flush=True)
                print(profile_summary(run, top=12, sort="tottime"), flush=True)
        finally:
            floor.close()
            client.close()


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b1")
    header(report, args)
    accounts, per_account = (20, 50) if args.quick else (1000, 100)
    reps = args.reps or (2 if args.quick else 5)
    run_latency(report, 0.0, accounts=accounts, per_account=per_account, reps=reps, hand_reps=reps,
                profile=args.profile)
    # 1,000 sequential requests at 50 ms take >= 50 s: fewer repetitions of the by-hand baseline
    run_latency(report, 0.05, accounts=accounts, per_account=per_account, reps=reps,
                hand_reps=1 if args.quick else 2, profile=args.profile, what_if=True)
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
