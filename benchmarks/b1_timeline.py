"""B1 at 0 ms, explained: where the toolkit's snapshot and the raw floor spend their time.

Against the same standalone simulator as B1 (1,000 accounts x 100 orders, 0 ms, a subprocess), each
repetition takes one toolkit snapshot and one raw-floor snapshot (``b1_snapshot.RawFloor``) and
prints, medians over the repetitions:

* the simulator process's CPU time (``/proc/<pid>/stat``) during each, as a share of its wall time:
  near 100 % means the gateway's one server thread is the bottleneck, whoever asks;
* the client process's CPU time;
* the toolkit's fetch phase (to the last reply consumed) and the serial tail after it
  (``OrdersBuilder.frame``: the typed frame built from the typed chunks);
* a second raw floor with as many threads as the toolkit chose (``wire.fetch.workers_for``: fewer
  than ``max_concurrency`` when the gateway answers within milliseconds), so the gain of that
  choice and the cost of the typed frame are seen apart.

    .venvs/test/bin/python benchmarks/b1_timeline.py [--quick] [--reps N]
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from b1_snapshot import RawFloor
from bench_common import Report, header, parse_args, simulator_process, summary

import apex_notebook as apx
from apex_notebook.frames.builder import OrdersBuilder
from apex_notebook.wire.fetch import workers_for

_TICKS = os.sysconf("SC_CLK_TCK")


def simulator_pid() -> int:
    """The pid of this process's child running ``apex_notebook.cli simulate``."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[1] == me and b"simulate" in command:
            return int(stat.parent.name)
    raise RuntimeError("the simulator subprocess was not found")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


class FrameTimer:
    """Records when ``OrdersBuilder.frame`` starts and ends (wraps the method for this process)."""

    def __init__(self) -> None:
        self.start = self.end = 0.0
        original = OrdersBuilder.frame

        def frame(builder: OrdersBuilder, *args: Any, **kwargs: Any) -> Any:
            self.start = time.perf_counter()
            result = original(builder, *args, **kwargs)
            self.end = time.perf_counter()
            return result

        OrdersBuilder.frame = frame  # type: ignore[method-assign,assignment]


def measured(run: Callable[[], Any], server: int) -> tuple[float, float, float, float]:
    """(start, wall s, server CPU s, client CPU s) of one call."""
    server_cpu, client_cpu, start = cpu_seconds(server), time.process_time(), time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return start, wall, cpu_seconds(server) - server_cpu, time.process_time() - client_cpu


def main() -> int:
    args = parse_args(__doc__.splitlines()[0])
    report = Report("b1_timeline")
    header(report, args)
    accounts, per_account = (20, 50) if args.quick else (1000, 100)
    reps = args.reps or (2 if args.quick else 7)
    timer = FrameTimer()
    figures: dict[str, list[float]] = {}

    def add(label: str, value: float) -> None:
        figures.setdefault(label, []).append(value)

    with simulator_process(accounts, per_account, 0.0) as url:
        server = simulator_pid()
        client = apx.Client(url, username="ops", password="demo", progress=False, timeout=60)
        floor = RawFloor(url, client.max_concurrency)
        threads = workers_for(client.max_concurrency, client.quickest_reply)  # known from the login
        same_threads = RawFloor(url, threads)
        report.info(f"the toolkit's snapshot uses {threads} threads (max_concurrency {client.max_concurrency}, "
                    f"quickest reply {1000 * client.quickest_reply:.1f} ms)")
        try:
            client.open_orders(account_id=apx.ALL)
            floor.run()
            same_threads.run()
            for _ in range(reps):
                start, wall, server_cpu, client_cpu = measured(lambda: client.open_orders(account_id=apx.ALL),
                                                               server)
                add("toolkit.wall", 1000 * wall)
                add("toolkit.server_busy_share", 100 * server_cpu / wall)
                add("toolkit.client_cpu", 1000 * client_cpu)
                add("toolkit.fetch_phase", 1000 * (timer.start - start))
                add("toolkit.tail_frame_build", 1000 * (timer.end - timer.start))
                _, wall, server_cpu, client_cpu = measured(floor.run, server)
                add("floor.wall", 1000 * wall)
                add("floor.server_busy_share", 100 * server_cpu / wall)
                add("floor.client_cpu", 1000 * client_cpu)
                add("floor_at_toolkit_threads.wall", 1000 * measured(same_threads.run, server)[1])
        finally:
            same_threads.close()
            floor.close()
            client.close()
    med = {k: report.median(k, v, unit="%" if k.endswith("share") else "ms") for k, v in figures.items()}
    report.ratio("toolkit_over_floor", med["toolkit.wall"] / med["floor.wall"], "wall time, medians")
    report.ratio("toolkit_over_floor_at_toolkit_threads",
                 med["toolkit.wall"] / med["floor_at_toolkit_threads.wall"],
                 "wall time, medians: the raw floor with as many threads as the toolkit used")
    report.ratio("fetch_phase_over_floor", med["toolkit.fetch_phase"] / med["floor.wall"],
                 "the toolkit up to its last reply / the whole raw floor")
    report.ratio("tail_share_of_toolkit", med["toolkit.tail_frame_build"] / med["toolkit.wall"],
                 "the serial frame build after the last reply / the toolkit's wall time")
    return summary(report)


if __name__ == "__main__":
    raise SystemExit(main())
