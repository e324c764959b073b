#!/usr/bin/env python3
"""Start the apex_notebook demo: JupyterLab on the tutorial notebooks against the built-in simulator.

Usage: python3 scripts/demo.py [apex-notebook demo options, e.g. --port 8888 --no-browser]

Creates (or reuses) the virtual environment `.venvs/demo`, installs the project with JupyterLab,
then runs `apex-notebook demo`. Needs only Python 3.11+.
"""

from __future__ import annotations

import sys

from _venv import ensure_venv, run


def main() -> None:
    """Set up the demo environment and hand over to `apex-notebook demo`."""
    python = ensure_venv("demo", "demo")
    run([str(python), "-m", "apex_notebook.cli", "demo", *sys.argv[1:]])


if __name__ == "__main__":
    main()
