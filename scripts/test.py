#!/usr/bin/env python3
"""Run every check of apex_notebook: ruff, mypy --strict, import-linter and the whole pytest suite.

Usage: python3 scripts/test.py [extra pytest arguments]

Creates (or reuses) the virtual environment `.venvs/test`, installs the project with its test
extras, makes sure Debian's Chromium (real-browser tests) and PostgreSQL (team journal) are present
(installing them with apt-get when running as root), installs the real APEX clients the simulator is
tested against (scripts/real_clients/install.py: ccxt, notbank, npm alphapoint-apex-api, each in an
environment of its own), then runs the checks. Needs only Python 3.11+ (and node/npm for the npm client).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from _venv import ensure_venv, run

CHROMIUM = "/usr/bin/chromium"
#: Debian packages the suite needs: Chromium for the real-browser tests, PostgreSQL for the team
#: journal (the tests start a throwaway cluster with initdb/pg_ctl), and what proves each is there.
DEBIAN_PACKAGES = {"chromium": CHROMIUM, "postgresql": "/usr/lib/postgresql"}


def ensure_debian_packages() -> None:
    """Install the Debian packages the suite needs if we can (as root); explain if we cannot."""
    missing = [name for name, proof in DEBIAN_PACKAGES.items() if not os.path.exists(proof)]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)
        return
    sys.exit(f"The test suite needs Debian's {', '.join(missing)}. Install with "
             f"`sudo apt-get install {' '.join(missing)}` and run this command again.")


def main() -> None:
    """Set up the environment and run ruff, mypy, import-linter and pytest."""
    python = ensure_venv("test", "test,demo")
    ensure_debian_packages()
    # the real APEX clients (ccxt, notbank, npm alphapoint-apex-api) in environments of their own
    run([sys.executable, str(Path(__file__).resolve().parent / "real_clients" / "install.py")])
    os.environ["APEX_REQUIRE_REAL_CLIENTS"] = "1"  # their tests fail, never skip, when a client is missing
    bindir = python.parent
    run([str(bindir / "ruff"), "check", "apex_notebook", "tests", "benchmarks", "scripts", "notebooks"])
    run([str(bindir / "mypy"), "--strict", "apex_notebook"])
    run([str(bindir / "lint-imports")])  # the layering contracts of pyproject.toml (DESIGN §3)
    run([str(python), "-m", "pytest", *sys.argv[1:]])


if __name__ == "__main__":
    main()
