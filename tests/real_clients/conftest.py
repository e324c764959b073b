"""Fixtures for driving real, third-party APEX clients against ``sim.serve()``.

The clients live in ``.venvs/real-clients`` (``python3 scripts/real_clients/install.py``) so
their dependencies never touch the test environment; each test runs a driver script with that
interpreter as a subprocess against a real uvicorn server on 127.0.0.1. Without that
environment the tests skip, unless ``APEX_REQUIRE_REAL_CLIENTS=1`` (set it in CI) makes that a
failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.server import ServerHandle

ROOT = Path(__file__).resolve().parents[2]
REAL_CLIENTS_PYTHON = ROOT / ".venvs" / "real-clients" / "bin" / "python"
NODE_MODULES = ROOT / ".venvs" / "real-clients" / "npm" / "node_modules"
NOTBANK_PYTHON = ROOT / ".venvs" / "real-clients-notbank" / "bin" / "python"
DRIVER_TIMEOUT = 120.0  # seconds; a bug fails the test instead of hanging it

Drive = Callable[[str], dict[str, Any]]


def _installed(path: Path) -> Path:
    if path.exists():
        return path
    message = f"{path} is missing: run python3 scripts/real_clients/install.py"
    if os.environ.get("APEX_REQUIRE_REAL_CLIENTS") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def client_python() -> Path:
    return _installed(REAL_CLIENTS_PYTHON)


@pytest.fixture(scope="session")
def notbank_python() -> Path:
    return _installed(NOTBANK_PYTHON)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    return _installed(NODE_MODULES / "alphapoint-apex-api").parent


@pytest.fixture
def sim() -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=8)


@pytest.fixture
def server(sim: FakeOMS) -> Iterator[ServerHandle]:
    with sim.serve(host="127.0.0.1", port=0) as handle:
        yield handle


def run_driver(python: Path | str, driver: str, url: str, scenario: str,
               env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``tests/real_clients/<driver>`` with the clients' interpreter; its printed JSON result."""
    done = subprocess.run([str(python), str(Path(__file__).parent / driver), url, scenario],
                          capture_output=True, text=True, timeout=DRIVER_TIMEOUT, check=False,
                          env=None if env is None else {**os.environ, **env})
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(result, dict)
    return result


@pytest.fixture
def apex_api_npm(node_modules: Path, server: ServerHandle) -> Drive:
    node = shutil.which("node")
    assert node is not None, "node is not on PATH"

    def drive(scenario: str) -> dict[str, Any]:
        return run_driver(node, "apex_api_driver.js", server.ws_url, scenario, {"NODE_PATH": str(node_modules)})

    return drive


@pytest.fixture
def notbank(notbank_python: Path, sim: FakeOMS, tls_cert: tuple[str, str]) -> Iterator[Drive]:
    """notbank-python only speaks https/wss: a TLS server whose certificate the driver trusts."""
    certfile, keyfile = tls_cert
    with sim.serve(host="127.0.0.1", port=0, certfile=certfile, keyfile=keyfile) as handle:
        host = handle.url.removeprefix("https://")
        trust = {"REQUESTS_CA_BUNDLE": certfile, "WEBSOCKET_CLIENT_CA_BUNDLE": certfile}

        def drive(scenario: str) -> dict[str, Any]:
            return run_driver(notbank_python, "notbank_driver.py", host, scenario, trust)

        yield drive


@pytest.fixture
def ccxt_ndax(client_python: Path, server: ServerHandle) -> Drive:
    def drive(scenario: str) -> dict[str, Any]:
        return run_driver(client_python, "ccxt_driver.py", server.url, scenario)

    return drive
