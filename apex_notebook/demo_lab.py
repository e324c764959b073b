"""The demo's JupyterLab: one process group we start, watch and stop, with its kernels.

* Loopback only, on exactly the port asked for (``port_retries=0``: a taken port is an error, never
  a silent move to another port the banner would not name).
* A token made with :func:`secrets.token_hex` (or the user's ``JUPYTER_TOKEN``), handed over in the
  environment rather than on the command line (other local users can read command lines); the
  banner prints the tokenised URL, as Jupyter itself does.
* A private state folder (temporary): lab settings with the news question answered "no"
  (``fetchNews: "false"``; and ``news_url=None``), the workspaces and the runtime folder (kernel
  connection files), so the demo neither reads nor changes the user's own JupyterLab settings.
* Started in its own session (Ctrl-C in the terminal reaches only the demo), stopped with SIGTERM
  to its process group (JupyterLab then shuts its kernels down), SIGKILL after a grace period, and
  any kernel still running from our runtime folder is ended too.
* Its log goes to a file; the terminal shows the demo's banner.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

__all__ = ["JupyterLab", "new_token", "port_taken"]

_NOTIFICATION_SETTINGS = Path("@jupyterlab") / "apputils-extension" / "notification.jupyterlab-settings"


def new_token() -> str:
    """A fresh login token for the demo's JupyterLab."""
    return secrets.token_hex(24)


def port_taken(host: str, port: int) -> bool:
    """True when ``host:port`` cannot be bound now (port 0 -- any free port -- is never taken)."""
    if port == 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers themselves do
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


class JupyterLab:
    """The demo's JupyterLab server on 127.0.0.1:``port`` serving ``directory``."""

    def __init__(self, directory: Path, port: int, *, token: str, open_browser: bool, log_path: Path) -> None:
        self.directory, self.port, self.token, self.open_browser = directory, port, token, open_browser
        self.log_path = log_path
        self.state = Path(tempfile.mkdtemp(prefix="apex-demo-lab-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The tokenised URL to open (the token is the login)."""
        return f"http://127.0.0.1:{self.port}/lab?token={self.token}"

    def command(self) -> list[str]:
        """The JupyterLab command line (no secret on it: the token travels in the environment)."""
        command = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.directory}",
                   "--LabApp.news_url=None", f"--LabApp.user_settings_dir={self.state / 'settings'}",
                   f"--LabApp.workspaces_dir={self.state / 'workspaces'}"]
        if not self.open_browser:
            command.append("--no-browser")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        return command

    def environment(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The child's environment: ours, ``extra`` (the APEX_* settings), the token and the runtime folder."""
        return {**os.environ, **extra, "JUPYTER_TOKEN": self.token,
                "JUPYTER_RUNTIME_DIR": str(self.state / "runtime")}

    def start(self, extra_env: Mapping[str, str]) -> None:
        """Write the private settings and start JupyterLab in its own session, logging to :attr:`log_path`."""
        settings = self.state / "settings" / _NOTIFICATION_SETTINGS
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command(), env=self.environment(extra_env), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def running(self) -> bool:
        """True while the JupyterLab process is alive."""
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 120.0) -> bool:
        """Wait until the server answers with our token (False if it exited or the time ran out)."""
        deadline = time.monotonic() + timeout
        headers = {"Authorization": f"token {self.token}"}
        while time.monotonic() < deadline and self.running():
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/status", headers=headers, timeout=2).is_success:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        return False

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of JupyterLab's log (to explain a failed start)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM to the process group (JupyterLab shuts its kernels down), SIGKILL after ``grace`` s."""
        process = self.process
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                process.wait()
        self._end_leftover_kernels()
        shutil.rmtree(self.state, ignore_errors=True)

    def _end_leftover_kernels(self) -> None:
        """End any process still using our runtime folder (a kernel JupyterLab did not shut down)."""
        marker = str(self.state / "runtime").encode()
        proc = Path("/proc")
        if not proc.is_dir():
            return
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ValueError):
                continue
