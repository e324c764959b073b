"""The one-command demo: JupyterLab on the tutorial notebooks, next to a running simulator.

`apex-notebook demo` copies the tutorials into a writable folder (never overwriting a copy the
user has already edited), starts the standalone APEX simulator on 127.0.0.1 for the tutorial that
connects over real HTTP, and runs JupyterLab on 127.0.0.1 until Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import apex_notebook

DEMO_USERNAME = "viewer"
DEMO_PASSWORD = "demo"  # the simulator's documented demo password, not a secret


def tutorials_source() -> Path:
    """Where the tutorial notebooks live: inside an installed wheel, or the source checkout."""
    package_dir = Path(apex_notebook.__file__).resolve().parent
    for candidate in (package_dir / "_tutorials", package_dir.parent / "notebooks"):
        if any(candidate.glob("*.ipynb")):
            return candidate
    raise FileNotFoundError(
        "The tutorial notebooks were not found next to the package. Reinstall apex-notebook, or run "
        "`python3 scripts/demo.py` from a checkout of the project.")


def copy_tutorials(destination: Path) -> list[Path]:
    """Copy each tutorial into `destination` unless a copy is already there; return the copies."""
    destination.mkdir(parents=True, exist_ok=True)
    copies = []
    for notebook in sorted(tutorials_source().glob("*.ipynb")):
        target = destination / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
        copies.append(target)
    return copies


def jupyterlab_command(directory: Path, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line for the demo (loopback only; --allow-root when run as root)."""
    command = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={port}",
               f"--ServerApp.root_dir={directory}"]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def run_demo(directory: Path, port: int, simulator_port: int, open_browser: bool) -> int:
    """Copy the tutorials, start the simulator and JupyterLab; return JupyterLab's exit code."""
    from apex_notebook.simulator import FakeOMS  # deferred: uvicorn and the engine load only for the demo

    copies = copy_tutorials(directory)
    with FakeOMS.seeded(seed=7).serve(host="127.0.0.1", port=simulator_port) as server:
        env = dict(os.environ, APEX_URL=server.url, APEX_USERNAME=DEMO_USERNAME, APEX_PASSWORD=DEMO_PASSWORD)
        print(f"Simulator (APEX HTTP gateway) on {server.url}  users: ops, trader, viewer; password: demo")
        print(f"Tutorials copied to {directory}: " + ", ".join(p.name for p in copies))
        print(f"JupyterLab on http://127.0.0.1:{port}/lab  (Ctrl-C stops both)", flush=True)
        try:
            return subprocess.call(jupyterlab_command(directory, port, open_browser), env=env)
        except KeyboardInterrupt:
            return 0
