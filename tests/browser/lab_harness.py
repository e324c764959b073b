"""Serve a folder with JupyterLab on 127.0.0.1 for a Playwright test (settings from browser-testing.md).

A temporary ``JUPYTER_CONFIG_DIR`` (no news toast), no token (loopback only), ``--allow-root``, its own
process group stopped with SIGTERM so the kernels it started stop with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["LabServer"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LabServer:
    """A JupyterLab process serving ``root``; :meth:`notebook_url` opens one notebook in a fresh workspace."""

    def __init__(self, root: Path, log_path: Path) -> None:
        self.port = _free_port()
        self.root = root
        config = root.parent / f"{root.name}-jupyter-config"
        (config / "labconfig").mkdir(parents=True, exist_ok=True)
        (config / "labconfig" / "page_config.json").write_text(
            '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config))
        lab = Path(sys.executable).with_name("jupyter-lab")
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [str(lab), "--no-browser", "--allow-root", f"--port={self.port}", "--ServerApp.ip=127.0.0.1",
             "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
             f"--ServerApp.root_dir={root}"],
            cwd=root, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, env=env)

    def notebook_url(self, name: str) -> str:
        """The URL of notebook ``name`` (relative to the root), in a reset workspace."""
        return f"http://127.0.0.1:{self.port}/lab/tree/{name}?reset"

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until JupyterLab listens on its port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"jupyter lab did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        """SIGTERM the process group and wait (SIGKILL would orphan the kernels)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
