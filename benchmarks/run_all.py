"""Run every benchmark (B1-B5 of issue 7, B6-B7 of issue 13, B8 of issue 15) one after the other, then a summary.

    .venvs/test/bin/python benchmarks/run_all.py [--quick] [--only b1,b3] [--log FILE] [-- extra script args]

Each script runs in its own process (fresh memory, its own simulator). The exit status is non-zero
only if a script failed (crashed or timed out); missed targets are findings, reported in the summary.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {"b1": "b1_snapshot.py", "b2": "b2_select.py", "b3": "b3_memory.py", "b4": "b4_verify.py",
           "b5": "b5_panel.py", "b6": "b6_execute.py", "b7": "b7_scale.py",
           "b8": "b8_journal.py"}
TIMEOUT_S = {"b1": 1800, "b2": 900, "b3": 900, "b4": 300, "b5": 600, "b6": 2400, "b7": 3600, "b8": 1800}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke-test sizes (figures not meaningful)")
    parser.add_argument("--only", default="", help="comma-separated subset, e.g. b1,b4")
    parser.add_argument("--log", type=Path, default=None, help="also write the whole output to this file")
    parser.add_argument("extra", nargs="*", help="arguments passed to every script (after --)")
    args = parser.parse_args()
    chosen = [k.strip() for k in args.only.split(",") if k.strip()] or list(SCRIPTS)
    unknown = [k for k in chosen if k not in SCRIPTS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose among {list(SCRIPTS)}")
    lines: list[str] = [f"$ {Path(sys.executable).name} benchmarks/run_all.py {' '.join(sys.argv[1:])}"]
    failures: list[str] = []
    summaries: list[str] = []
    for key in chosen:
        command = [sys.executable, str(HERE / SCRIPTS[key]), *(["--quick"] if args.quick else []), *args.extra]
        started = time.monotonic()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S[key], check=False)
            output, code = proc.stdout + proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            partial = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            output, code = f"{partial}\nTIMEOUT after {TIMEOUT_S[key]} s", -1
        elapsed = time.monotonic() - started
        block = f"{output.rstrip()}\n[{key}: exit {code}, {elapsed:.0f} s wall]"
        print(block, flush=True)
        lines.append(block)
        summaries += [line for line in output.splitlines() if line.startswith(("SUMMARY", "TARGET"))]
        if code != 0:
            failures.append(key)
    tail = ["== all benchmarks", *summaries,
            f"scripts failed: {', '.join(failures) or 'none'}"]
    print("\n".join(tail), flush=True)
    if args.log is not None:
        args.log.write_text("\n".join([*lines, *tail]) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
