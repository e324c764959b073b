"""`apex-notebook demo`: tutorials copied to a writable folder, simulator and JupyterLab on loopback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from apex_notebook.demo import copy_tutorials, jupyterlab_command, tutorials_source


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_tutorials_are_copied_once_and_a_users_edits_are_kept(tmp_path: Path) -> None:
    copies = copy_tutorials(tmp_path)
    sources = sorted(tutorials_source().glob("*.ipynb"))
    assert [c.name for c in copies] == [s.name for s in sources] and len(copies) >= 4
    copies[0].write_text("edited by the user")
    copy_tutorials(tmp_path)
    assert copies[0].read_text() == "edited by the user"


def test_jupyterlab_listens_on_loopback_only(tmp_path: Path) -> None:
    command = jupyterlab_command(tmp_path, 8899, open_browser=False)
    assert "--ip=127.0.0.1" in command and "--port=8899" in command and "--no-browser" in command
    assert f"--ServerApp.root_dir={tmp_path}" in command


def test_demo_command_serves_the_tutorials_and_the_simulator(tmp_path: Path) -> None:
    port = _free_port()
    log = (tmp_path / "demo.log").open("w+")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), JUPYTER_TOKEN="demo-test")
    process = subprocess.Popen(
        [sys.executable, "-m", "apex_notebook.cli", "demo", "--dir", str(tmp_path / "tutorials"),
         "--port", str(port), "--no-browser", "--simulator-port", "0"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        lab_up = False
        while time.monotonic() < deadline and not lab_up:
            assert process.poll() is None, Path(log.name).read_text()
            try:
                lab_up = httpx.get(f"http://127.0.0.1:{port}/lab?token=demo-test", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.5)
        output = Path(log.name).read_text()
        assert lab_up, output
        simulator_url = re.search(r"(http://127\.0\.0\.1:\d+)", output.split("Simulator", 1)[1])
        assert simulator_url is not None, output
        assert httpx.get(f"{simulator_url.group(1)}/AP/Ping", timeout=5).json() == {"msg": "PONG"}
        assert sorted(p.name for p in (tmp_path / "tutorials").glob("*.ipynb")) == sorted(
            p.name for p in tutorials_source().glob("*.ipynb"))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
