#!/usr/bin/env python3
"""Install the real APEX clients that tests/real_clients drive against the simulator.

Usage: python3 scripts/real_clients/install.py

Creates (or reuses) the virtual environment `.venvs/real-clients` and installs, at pinned
versions, the third-party clients the simulator must serve unchanged:

* ccxt (its `ndax` exchange; HTTP `/AP/`, and `ccxt.pro` over `/WSGateway/`) — driven by
  tests/real_clients/ccxt_driver.py;
* npm alphapoint-apex-api (the only version on npm, WebSocket) into `.venvs/real-clients/npm`
  with `npm install --prefix` (needs node and npm on PATH) — driven by
  tests/real_clients/apex_api_driver.js.

They live in their own environment so their dependencies never change the test environment;
the tests run them as subprocesses. Prints what it installed. Needs only Python 3.11+ (and npm).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venvs" / "real-clients"
PACKAGES = ["ccxt==4.5.90"]
NPM_PREFIX = VENV / "npm"
NPM_PACKAGES = ["alphapoint-apex-api@3.2.19"]


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
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH: install node and npm (Debian: apt-get install nodejs npm) and run again")
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "--silent",
                    *NPM_PACKAGES], check=True)
    print(NPM_PREFIX / "node_modules")


if __name__ == "__main__":
    sys.exit(main())
