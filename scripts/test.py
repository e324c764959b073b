#!/usr/bin/env python3
"""Run every check of apex_notebook: ruff, mypy --strict, import-linter and the whole pytest suite.

Usage: python3 scripts/test.py [extra pytest arguments]

Creates (or reuses) the virtual environment `.venvs/test`, installs the project with its test
extras, makes sure Debian's Chromium is present for the real-browser panel test (installing it
with apt-get when running as root), then runs the checks. Needs only Python 3.11+.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from _venv import ensure_venv, run

CHROMIUM = "/usr/bin/chromium"


def ensure_chromium() -> None:
    """The browser test drives Debian's Chromium; install it if we can, explain if we cannot."""
    if os.path.exists(CHROMIUM):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, env=env)
        return
    sys.exit(f"The browser test needs Debian's Chromium at {CHROMIUM}. Install it with "
             "`sudo apt-get install chromium` and run this command again.")


def main() -> None:
    """Set up the environment and run ruff, mypy, import-linter and pytest."""
    python = ensure_venv("test", "test,demo")
    ensure_chromium()
    bindir = python.parent
    run([str(bindir / "ruff"), "check", "apex_notebook", "tests", "benchmarks", "scripts", "notebooks"])
    run([str(bindir / "mypy"), "--strict", "apex_notebook"])
    run([str(bindir / "lint-imports")])  # the layering contracts of pyproject.toml (DESIGN §3)
    run([str(python), "-m", "pytest", *sys.argv[1:]])


if __name__ == "__main__":
    main()
