"""Smoke test of the benchmarks (issues 7 and 13): each script runs with ``--quick`` and prints its ratios.

No timing is asserted: the figures of a quick run on a shared machine mean nothing. The test checks
that every script exits 0 and prints at least one ``RATIO`` line, its ``TARGET`` lines and a ``SUMMARY``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = ["b1_snapshot.py", "b2_select.py", "b3_memory.py", "b4_verify.py", "b5_panel.py", "b6_execute.py"]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_quick_and_prints_ratios(script: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=240, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    lines = proc.stdout.splitlines()
    assert any(line.startswith("RATIO ") and " = " in line for line in lines), output[-4000:]
    assert any(line.startswith("TARGET ") for line in lines), output[-4000:]
    assert any(line.startswith("SUMMARY ") for line in lines), output[-4000:]


@pytest.mark.slow
def test_run_all_quick_subset(tmp_path: Path) -> None:
    log = tmp_path / "run_all.log"
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "run_all.py"), "--quick", "--only", "b4",
                           "--log", str(log)], cwd=tmp_path, capture_output=True, text=True, timeout=240,
                          check=False)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert "RATIO b4." in log.read_text()


@pytest.mark.slow
def test_b1_timeline_runs_quick_and_explains_the_snapshot(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "b1_timeline.py"), "--quick"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=240, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    for figure in ("toolkit.server_busy_share", "toolkit.tail_frame_build", "floor_at_toolkit_threads.wall"):
        assert f"MEDIAN b1_timeline.{figure} = " in proc.stdout, output[-4000:]
    assert "RATIO b1_timeline.toolkit_over_floor_at_toolkit_threads = " in proc.stdout
    assert "the toolkit's snapshot uses " in proc.stdout
