"""Serve a notebook with Voila on 127.0.0.1 and drive it with Playwright in Debian's Chromium.

Settings from ../shared/browser-testing.md: Debian's /usr/bin/chromium (never a Playwright browser
download), a fresh profile per launch, every non-loopback request aborted, servers in their own
process group stopped with SIGTERM, screenshots and the server log kept under artifacts/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_notebook(path: Path, source: str) -> Path:
    """Write a one-cell notebook holding `source`."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


class VoilaServer:
    """A Voila process serving one notebook; `url` is its page."""

    def __init__(self, notebook: Path, log_path: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        voila = Path(sys.executable).with_name("voila")
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [str(voila), "--no-browser", f"--port={self.port}", "--Voila.ip=127.0.0.1", str(notebook)],
            cwd=notebook.parent, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, env=env)

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until Voila listens on its port (a page GET would start, and waste, a kernel each time)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"voila exited with {self.process.returncode}; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"voila did not listen on {self.url} within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


@pytest.fixture
def artifacts_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under artifacts/ for screenshots and server logs."""
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, launched by Playwright."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `apt-get install chromium` (scripts/test.py does)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
