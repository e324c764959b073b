"""`apex-notebook demo`: one real JupyterLab for the whole file, driven as a user would, then SIGTERM.

The banner must carry the tokenised URL and every demo user; the token must be needed; the news
question must be answered "no"; a taken port is one line naming the option; SIGTERM to the demo
stops the simulator, JupyterLab and a kernel started through JupyterLab's own API.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from apex_notebook.cli import main
from apex_notebook.simulator.catalog import build_catalog

USERS = [u.name for u in build_catalog(12).users.values()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().split(")")[-1].split()[0] == "Z")  # a zombie is gone


@dataclass
class Demo:
    process: subprocess.Popen[bytes]
    log: Path
    folder: Path
    port: int
    simulator_port: int

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("demo")
    log = tmp / "demo.log"
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_TOKEN"}
    env.update(JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"), JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
               PYTHONUNBUFFERED="1")
    port, simulator_port = _free_port(), _free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "apex_notebook.cli", "demo", "--dir", str(tmp / "tutorials"), "--port",
             str(port), "--no-browser", "--simulator-port", str(simulator_port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    running = Demo(process, log, tmp / "tutorials", port, simulator_port)
    try:
        deadline = time.monotonic() + 150
        while "Press Ctrl-C" not in running.output() and time.monotonic() < deadline:
            assert process.poll() is None, running.output()
            time.sleep(0.3)
        assert "Press Ctrl-C" in running.output(), running.output()
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _token(demo: Demo) -> str:
    found = re.search(rf"http://127\.0\.0\.1:{demo.port}/lab\?token=([0-9a-f]+)", demo.output())
    assert found, demo.output()
    return found.group(1)


def test_banner_has_the_tokenised_url_every_user_and_the_simulator(demo: Demo) -> None:
    out = demo.output()
    token = _token(demo)
    assert len(token) >= 32
    assert httpx.get(f"http://127.0.0.1:{demo.port}/lab?token={token}", timeout=10).status_code == 200
    assert httpx.get(f"http://127.0.0.1:{demo.port}/api/status", timeout=10).status_code in (401, 403)
    banner = out.split("apex_notebook demo is running.", 1)[1]
    assert all(re.search(rf"^\s+{name}\s+UserId", banner, re.MULTILINE) for name in USERS), banner
    assert httpx.get(f"http://127.0.0.1:{demo.simulator_port}/AP/Ping", timeout=5).json() == {"msg": "PONG"}
    assert f"http://127.0.0.1:{demo.simulator_port}" in banner
    assert "copied:" in banner and "01_explore_open_orders.ipynb" in banner


def test_no_news_question(demo: Demo) -> None:
    reply = httpx.get(f"http://127.0.0.1:{demo.port}/lab/api/settings/@jupyterlab/apputils-extension:notification",
                      headers={"Authorization": f"token {_token(demo)}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.json()["settings"]["fetchNews"] == "false"


def test_a_taken_port_is_one_line_naming_the_option(demo: Demo, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    free = _free_port()
    assert main(["demo", "--dir", str(tmp_path), "--port", str(demo.port), "--simulator-port", str(free),
                 "--no-browser"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"port {demo.port}" in err and "--port N" in err
    assert main(["demo", "--dir", str(tmp_path), "--port", str(free), "--simulator-port", str(demo.simulator_port),
                 "--no-browser"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--simulator-port N" in err
    assert main(["simulate", "--port", str(demo.simulator_port)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--port N" in err and "Traceback" not in err


def test_sigterm_stops_jupyterlab_its_kernels_and_the_simulator(demo: Demo) -> None:
    headers = {"Authorization": f"token {_token(demo)}"}
    kernel = httpx.post(f"http://127.0.0.1:{demo.port}/api/kernels", headers=headers, json={"name": "python3"},
                        timeout=60).json()["id"]
    pids = []
    deadline = time.monotonic() + 60
    while not pids and time.monotonic() < deadline:
        pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and kernel.encode() in (p / "cmdline").read_bytes()] if Path("/proc").is_dir() else [-1]
        time.sleep(0.2)
    assert pids, "the kernel process was not found"
    os.kill(demo.process.pid, signal.SIGTERM)  # the demo itself, not its group: it must forward the stop
    assert demo.process.wait(timeout=90) == 0, demo.output()
    out = demo.output()
    assert "Stopped." in out and "Traceback" not in out
    for pid in pids:
        deadline = time.monotonic() + 10
        while pid > 0 and _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pid < 0 or not _alive(pid), f"kernel {pid} still running"
    for port in (demo.port, demo.simulator_port):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
