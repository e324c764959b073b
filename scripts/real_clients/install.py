#!/usr/bin/env python3
"""Install the real APEX clients that tests/real_clients drive against the simulator.

Usage: python3 scripts/real_clients/install.py

Creates (or reuses) the virtual environment `.venvs/real-clients` and installs, at pinned
versions, the third-party clients the simulator must serve unchanged:

* ccxt (its `ndax` exchange; HTTP `/AP/`, and `ccxt.pro` over `/WSGateway/`) — driven by
  tests/real_clients/ccxt_driver.py;
* notbank (notbank-python, the Notbank APEX SDK; HTTPS `/ap/` and `wss://.../wsgateway/`) into
  `.venvs/real-clients-notbank` (it pins requests/urllib3 versions that clash with ccxt's) —
  driven by tests/real_clients/notbank_driver.py;
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
NOTBANK_VENV = ROOT / ".venvs" / "real-clients-notbank"
NOTBANK_PACKAGES = ["notbank==2.5.0"]
NPM_PREFIX = VENV / "npm"
NPM_PACKAGES = ["alphapoint-apex-api@3.2.19"]


def pip_install(folder: Path, packages: list[str]) -> Path:
    """Create the virtual environment ``folder`` if needed, install ``packages``; its interpreter."""
    python = folder / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
                   check=True)
    return python


def main() -> None:
    """Create the environments if needed and install the pinned clients into them."""
    python = pip_install(VENV, PACKAGES)
    subprocess.run([str(python), "-c", "import ccxt; assert ccxt.__version__ == '4.5.90', ccxt.__version__"],
                   check=True)
    print(python)
    print(pip_install(NOTBANK_VENV, NOTBANK_PACKAGES))
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not on PATH: install node and npm (Debian: apt-get install nodejs npm) and run again")
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "--silent",
                    *NPM_PACKAGES], check=True)
    print(NPM_PREFIX / "node_modules")


if __name__ == "__main__":
    sys.exit(main())
