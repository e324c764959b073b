"""Fixtures of the CLI tests: a replayed incident journal (once per module) and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .incident import Incident, replay_incident

ROOT = Path(__file__).resolve().parents[2]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Incident:
    """A journal of the replayed incident (unplanned, collateral, a fill, a refused attempt)."""
    return replay_incident(tmp_path_factory.mktemp("incident") / "journal.sqlite")


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """Run ``apex-notebook ARGS`` as a subprocess in ``tmp_path``, no APEX_* variables, no stdin."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("APEX_")}
        base["PYTHONPATH"] = str(ROOT)
        return subprocess.run([sys.executable, "-m", "apex_notebook.cli", *args], cwd=tmp_path, text=True,
                              capture_output=True, env={**base, **(env or {})}, stdin=subprocess.DEVNULL, timeout=120,
                              check=False)

    return run
