"""Smoke test of B8 (issue 15): ``b8_journal.py --quick`` starts its own PostgreSQL server on loopback,
writes from 1, 4 and 16 processes into SQLite and PostgreSQL journals, and prints its figures.

No timing is asserted (a quick run on a shared machine means nothing). Without PostgreSQL installed
the script says it skipped; this test then skips too, saying why.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "b8_journal.py"


@pytest.mark.slow
def test_b8_quick_prints_medians_and_ratios_for_both_backends(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=240, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    if "SUMMARY b8: skipped" in proc.stdout:
        pytest.skip(proc.stdout.strip().splitlines()[-1])
    lines = proc.stdout.splitlines()
    for backend in ("sqlite", "postgres"):
        for writers in (1, 4, 16):
            for figure in ("begin", "state", "event", "finish", "executions_per_s"):
                assert any(line.startswith(f"MEDIAN b8.{backend}.w{writers}.{figure} = ") for line in lines), figure
    for writers in (1, 4, 16):
        assert any(line.startswith(f"RATIO b8.w{writers}.executions_per_s.pg_over_sqlite = ") for line in lines)
    assert any(line.startswith("SUMMARY b8") for line in lines), output[-4000:]
