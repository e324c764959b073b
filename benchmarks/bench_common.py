"""Shared helpers of the benchmark scripts: arguments, timing, reporting, simulators, machine facts.

Every script prints human-readable lines plus machine-readable ones:

* ``MEDIAN <name> = <value> <unit> (n=<repetitions>)``
* ``RATIO <name> = <value> (<what it compares>)``
* ``TARGET <name>: MET|MISSED (<figure> vs <target>)``

Ratios compare figures measured in the same run (the machines are shared and noisy); absolute
times are only printed next to a ratio or the calibration unit (:func:`calibration_ms`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "demo"


@dataclass
class Report:
    """Collects and prints the figures of one benchmark script."""

    name: str
    targets: dict[str, bool] = field(default_factory=dict)

    def median(self, label: str, samples: list[float], unit: str = "ms") -> float:
        """Print and return the median of ``samples`` (already in ``unit``)."""
        value = statistics.median(samples)
        spread = f", min {min(samples):.4g}, max {max(samples):.4g}" if len(samples) > 1 else ""
        print(f"MEDIAN {self.name}.{label} = {value:.4g} {unit} (n={len(samples)}{spread})", flush=True)
        return value

    def ratio(self, label: str, value: float, what: str) -> float:
        """Print one ratio line."""
        print(f"RATIO {self.name}.{label} = {value:.4g} ({what})", flush=True)
        return value

    def target(self, label: str, met: bool, detail: str) -> bool:
        """Print whether one target of issue 7 is met."""
        self.targets[label] = met
        print(f"TARGET {self.name}.{label}: {'MET' if met else 'MISSED'} ({detail})", flush=True)
        return met

    def info(self, text: str) -> None:
        """Print a free-form line."""
        print(f"  {text}", flush=True)


def parse_args(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
               ) -> argparse.Namespace:
    """Common options: ``--quick`` (small sizes, few repetitions) and ``--reps``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repetitions (smoke test; figures not meaningful)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default depends on the script)")
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile summary of the measured toolkit operation")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call, with the garbage collector run before (not during)."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return 1000.0 * (time.perf_counter() - start), result


def repeat(fn: Callable[[], Any], reps: int) -> list[float]:
    """Milliseconds of ``reps`` calls of ``fn``."""
    return [timed(fn)[0] for _ in range(reps)]


def calibration_ms(reps: int = 5) -> float:
    """Median ms of a fixed CPU workload (pure Python + numpy): the run's unit of machine speed."""
    import numpy as np

    def work() -> None:
        total = 0
        for i in range(300_000):
            total += i % 7
        rng = np.random.default_rng(7)
        np.sort(rng.random(1_000_000))

    return statistics.median(repeat(work, reps))


def machine() -> str:
    """One line describing the machine and the package versions."""
    mem = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    versions = []
    for package in ("pandas", "numpy", "httpx", "orjson", "uvicorn", "ipywidgets", "matplotlib"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} -")
    load = ""
    with contextlib.suppress(OSError):
        load = "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (f"{platform.machine()} nproc={os.cpu_count()} {mem}; Python {platform.python_version()}; "
            f"{', '.join(versions)}; {load}")


def header(report: Report, args: argparse.Namespace) -> float:
    """Print the machine line and the calibration unit; return the calibration in ms."""
    print(f"== {report.name} {'(QUICK: smoke-test sizes, figures not meaningful)' if args.quick else ''}",
          flush=True)
    print(f"machine: {machine()}", flush=True)
    unit = calibration_ms(3 if args.quick else 5)
    print(f"calibration unit (fixed CPU workload, median): {unit:.1f} ms", flush=True)
    return unit


def login(http: httpx.Client) -> str:
    """Log in as the demo Operator ``ops`` with Basic auth; returns the session token."""
    reply = http.get("/AP/Authenticate", auth=("ops", DEMO_PASSWORD))
    reply.raise_for_status()
    token = reply.json()["SessionToken"]
    assert isinstance(token, str)
    return token


def post(http: httpx.Client, token: str, name: str, payload: dict[str, Any]) -> httpx.Response:
    """One APEX call (JSON body, ``aptoken`` header); raises on HTTP errors."""
    reply = http.post(f"/AP/{name}", content=orjson.dumps(payload),
                      headers={"aptoken": token, "Content-Type": "application/json"})
    reply.raise_for_status()
    return reply


def account_ids_by_hand(http: httpx.Client, token: str, decode: Callable[[bytes], Any]) -> list[int]:
    """Every AccountId, paged with GetAllAccountPositions exactly as the toolkit does (pages of 500)."""
    seen: set[int] = set()
    start = 0
    while True:
        rows = decode(post(http, token, "GetAllAccountPositions",
                           {"OMSId": 1, "StartIndex": start, "Limit": 500}).content)
        ids = {int(row["AccountId"]) for row in rows}
        if not ids - seen:
            return sorted(seen)
        seen |= ids
        start = max(ids) + 1


@contextlib.contextmanager
def simulator_process(accounts: int, orders_per_account: int, latency: float) -> Iterator[str]:
    """``apex-notebook simulate`` in a subprocess on 127.0.0.1 (port 0); yields its URL.

    A separate process keeps the server's CPU out of the client's GIL. It is stopped with SIGTERM
    (then SIGKILL after 10 s) by its own pid.
    """
    command = [sys.executable, "-m", "apex_notebook.cli", "simulate", "--host", "127.0.0.1", "--port", "0",
               "--seed", "7", "--accounts", str(accounts), "--orders-per-account", str(orders_per_account),
               "--latency", str(latency)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        deadline = time.monotonic() + 300
        assert proc.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            found = re.search(r"listening on (http://[0-9.]+:\d+)", line)
            if found:
                url = found.group(1)
        if url is None:
            raise RuntimeError(f"the simulator did not start (exit code {proc.poll()})")
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def sim_records(accounts: int, orders_per_account: int) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """Open-order records of a seeded in-process simulator, as GetOpenOrders replies decoded by orjson.

    Returns ``(records, instrument id -> symbol)``. Replies go through the simulator's real HTTP
    gateway (in-process transport), so the records have the wire's shapes and types.
    """
    from apex_notebook.simulator import FakeOMS

    sim = FakeOMS.seeded(seed=7, accounts=accounts, orders_per_account=orders_per_account)
    records: list[dict[str, Any]] = []
    with httpx.Client(transport=sim.transport(), base_url=sim.url) as http:
        token = login(http)
        symbols = {int(i["InstrumentId"]): str(i["Symbol"])
                   for i in orjson.loads(post(http, token, "GetInstruments", {"OMSId": 1}).content)}
        for account in account_ids_by_hand(http, token, orjson.loads):
            records.extend(orjson.loads(post(http, token, "GetOpenOrders",
                                              {"OMSId": 1, "AccountId": account}).content))
    return records, symbols


def profile_summary(fn: Callable[[], Any], *, top: int = 15, sort: str = "cumulative") -> str:
    """cProfile of one call of ``fn`` (main thread only): the ``top`` functions by ``sort``."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def summary(report: Report) -> int:
    """Print the targets met/missed; the exit status is 0 either way (misses are findings, not errors)."""
    met = sum(report.targets.values())
    print(f"SUMMARY {report.name}: {met} of {len(report.targets)} targets met "
          f"({', '.join(k for k, v in report.targets.items() if not v) or 'none'} missed)", flush=True)
    return 0
