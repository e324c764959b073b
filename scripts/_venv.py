"""Create or reuse a project virtual environment; shared by scripts/test.py and scripts/demo.py.

Standard library only: these scripts must run on a fresh machine that has nothing but Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _stamp(extras: str) -> str:
    """A digest of what the environment was built from, so edits trigger a reinstall."""
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv(name: str, extras: str) -> Path:
    """Return the python of `.venvs/<name>`, creating it and installing `.[extras]` when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036  (these scripts may be run by an older python3)
        sys.exit(f"apex_notebook needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    env_dir = ROOT / ".venvs" / name
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp_file = env_dir / ".installed"
    wanted = _stamp(extras)
    if python.exists() and stamp_file.exists() and stamp_file.read_text() == wanted:
        return python
    if not python.exists():
        print(f"==> creating virtual environment {env_dir.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True).create(env_dir)
    print(f"==> installing apex-notebook[{extras}] into {env_dir.relative_to(ROOT)}", flush=True)
    run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "constraints.txt"),
         "-e", f"{ROOT}[{extras}]"])
    stamp_file.write_text(wanted)
    return python


def run(command: list[str]) -> None:
    """Run a command from the project root; exit with its code if it fails."""
    print("==> " + " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)
