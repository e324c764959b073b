#!/usr/bin/env python3
"""Install the real APEX clients that tests/real_clients drive against the simulator.

Usage: python3 scripts/real_clients/install.py

Creates (or reuses) the virtual environment `.venvs/real-clients` and installs, at pinned
versions, the third-party clients the simulator must serve unchanged:

* ccxt (its `ndax` exchange; HTTP `/AP/`) — driven by tests/real_clients/ccxt_driver.py.

They live in their own environment so their dependencies never change the test environment;
the tests run them as subprocesses. Prints the interpreter path on success. Needs only Python 3.11+.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venvs" / "real-clients"
PACKAGES = ["ccxt==4.5.90"]


def main() -> None:
    """Create the environment if needed and install the pinned clients into it."""
    python = VENV / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES],
                   check=True)
    subprocess.run([str(python), "-c", "import ccxt; assert ccxt.__version__ == '4.5.90', ccxt.__version__"],
                   check=True)
    print(python)


if __name__ == "__main__":
    sys.exit(main())
