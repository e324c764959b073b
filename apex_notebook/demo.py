"""The one-command demo: JupyterLab on the tutorial notebooks, next to a running simulator.

`apex-notebook demo` copies the tutorials into a writable folder (never overwriting a copy the user
has edited; a rerun says what was kept and what is newer upstream: ``demo_tutorials``), checks that
both ports are free (one line naming the option to change otherwise), starts the standalone APEX
simulator on 127.0.0.1 and JupyterLab with a fresh token (``demo_lab``), then prints one banner:
the tokenised JupyterLab URL, the simulator URL and every demo user. Ctrl-C or SIGTERM stops
JupyterLab, its kernels and the simulator.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import Protocol

from apex_notebook.demo_lab import JupyterLab, new_token, port_taken
from apex_notebook.demo_tutorials import TutorialSync, sync_tutorials, tutorials_source

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME", "DemoUser", "copy_tutorials", "run_demo", "tutorials_source",
           "user_lines"]

DEMO_USERNAME = "viewer"
DEMO_PASSWORD = "demo"  # the simulator's documented demo password, not a secret
HOST = "127.0.0.1"


class DemoUser(Protocol):
    """A simulator demo user (``apex_notebook.simulator.catalog.User``)."""

    @property
    def user_id(self) -> int:
        """The UserId."""

    @property
    def name(self) -> str:
        """The login name."""

    @property
    def role(self) -> str:
        """Operator, Trading or AccountReadOnly."""

    @property
    def accounts(self) -> tuple[int, ...]:
        """The associated accounts."""

    @property
    def two_factor_code(self) -> str | None:
        """The fixed 2FA code, if the user has 2FA."""


def user_lines(users: Iterable[DemoUser]) -> list[str]:
    """One line per demo user: name, UserId, role, accounts, 2FA."""
    out = []
    for user in sorted(users, key=lambda u: u.user_id):
        accounts = ", ".join(map(str, user.accounts))
        scope = f"{user.role} on account{'s' if len(user.accounts) > 1 else ''} {accounts}"
        if user.role == "Operator":
            scope += "; may act on any account"
        if user.two_factor_code:
            scope += f"; 2FA code {user.two_factor_code}"
        out.append(f"  {user.name:<8} UserId {user.user_id}  {scope}")
    return out


def copy_tutorials(destination: Path) -> list[Path]:
    """Copy each tutorial into ``destination`` unless an edited copy is there; return the copies."""
    return sync_tutorials(destination).paths


def _banner(lab: JupyterLab, simulator_url: str, users: list[str], sync: TutorialSync) -> str:
    lines = [
        "",
        "apex_notebook demo is running.",
        f"  JupyterLab: {lab.url}",
        "              (open this URL; the token in it is your login)",
        f"  Simulator (APEX HTTP gateway): {simulator_url}  (WebSocket: {simulator_url.replace('http', 'ws', 1)}"
        "/WSGateway/)",
        f"  Demo users (password '{DEMO_PASSWORD}'; API key '<user>-key', secret '<user>-secret'); "
        f"tutorial 4 connects as {DEMO_USERNAME}:",
        *users,
        *(f"  {line}" for line in sync.lines()),
        f"  JupyterLab log: {lab.log_path}",
        "Press Ctrl-C to stop JupyterLab, its kernels and the simulator.",
    ]
    return "\n".join(lines)


def _taken(simulator_port: int, lab_port: int) -> str | None:
    """One line naming the option to change when a port is taken, or None."""
    if port_taken(HOST, lab_port):
        return (f"apex-notebook demo: port {lab_port} on {HOST} is taken (another JupyterLab or demo?); "
                "choose another with --port N")
    if port_taken(HOST, simulator_port):
        return (f"apex-notebook demo: port {simulator_port} on {HOST} is taken (another simulator or demo?); "
                "choose another with --simulator-port N (0 = any free port)")
    return None


def _serve(lab: JupyterLab, server_url: str, users: list[str], sync: TutorialSync, stop: threading.Event) -> int:
    """Start JupyterLab beside the running simulator, print the banner, wait for Ctrl-C/SIGTERM or its end."""
    print(f"Simulator on {server_url}; starting JupyterLab (log: {lab.log_path})...", flush=True)
    lab.start({"APEX_URL": server_url, "APEX_USERNAME": DEMO_USERNAME, "APEX_PASSWORD": DEMO_PASSWORD})
    if not lab.wait_ready() and not stop.is_set():
        print(f"apex-notebook demo: JupyterLab did not start on {HOST}:{lab.port}; its log says:\n"
              f"{lab.log_tail()}", file=sys.stderr)
        return 1
    if not stop.is_set():
        print(_banner(lab, server_url, users, sync), flush=True)
    while not stop.wait(0.5) and lab.running():
        pass
    ended = lab.process.returncode if lab.process is not None and not stop.is_set() else None
    print("Stopping JupyterLab, its kernels and the simulator...", flush=True)
    lab.stop()
    return ended or 0


def run_demo(directory: Path, port: int, simulator_port: int, open_browser: bool) -> int:
    """Copy the tutorials, start the simulator and JupyterLab, print the banner; stop all on Ctrl-C/SIGTERM."""
    from apex_notebook.simulator import FakeOMS  # deferred: uvicorn and the engine load only for the demo

    problem = _taken(simulator_port, port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    sync = sync_tutorials(directory)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    sim = FakeOMS.seeded(seed=7)
    lab = JupyterLab(directory, port, token=os.environ.get("JUPYTER_TOKEN") or new_token(),
                     open_browser=open_browser, log_path=directory / ".jupyterlab-demo.log")
    try:
        with contextlib.ExitStack() as stack:
            try:
                server = stack.enter_context(sim.serve(host=HOST, port=simulator_port))
            except (OSError, RuntimeError) as error:
                print(f"apex-notebook demo: the simulator cannot serve on {HOST}:{simulator_port} ({error}); "
                      "choose another port with --simulator-port N", file=sys.stderr)
                return 1
            code = _serve(lab, server.url, user_lines(sim.catalog.users.values()), sync, stop)
    finally:
        lab.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped.", flush=True)
    return code
