"""The standalone server over real HTTP on 127.0.0.1, and the ``apex-notebook simulate`` command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from apex_notebook.simulator import FakeOMS


def test_seed_scenario_over_real_http() -> None:
    sim = FakeOMS.seeded(seed=7)
    with sim.serve(host="127.0.0.1", port=0) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        login = http.get(
            "/AP/Authenticate", params={"grant_type": "client_credentials"}, auth=("trader", "demo")
        )
        assert login.status_code == 200
        http.headers["aptoken"] = login.json()["SessionToken"]
        orders = http.post("/AP/GetOpenOrders", json={"OMSId": 1, "AccountId": 9}).json()
        on_btc = {order["OrderId"] for order in orders if order["Instrument"] == 1}
        others = {order["OrderId"] for order in orders} - on_btc
        assert on_btc and others
        ack = http.post("/AP/CancelAllOrders", json={"OMSId": 1, "AccountId": 9, "InstrumentId": 1})
        assert ack.json() == {"result": True, "errormsg": None, "errorcode": 0, "detail": None}
        after = http.post("/AP/GetOpenOrders", json={"OMSId": 1, "AccountId": 9}).json()
        assert {order["OrderId"] for order in after} == others
        for order_id in on_btc:
            status = http.get(
                "/AP/GetOrderStatus", params={"OMSId": 1, "AccountId": 9, "OrderId": order_id}
            ).json()
            assert status["OrderState"] == "Canceled" and status["Quantity"] == 0
        assert (
            http.get(
                "/AP/GetOpenOrders", params={"OMSId": 1, "AccountId": 9}, headers={"aptoken": "x"}
            ).status_code
            == 401
        )
        sim.faults.rate_limit(1, 3600)
        http.post("/AP/Ping")
        limited = http.post("/AP/Ping")
        assert limited.status_code == 429 and limited.text == "TOO MANY REQUESTS"


def test_server_latency_does_not_block_other_requests() -> None:
    sim = FakeOMS.seeded(seed=7)
    sim.faults.hang_next("GetProducts", 1.0)
    with sim.serve() as server, httpx.Client(base_url=server.url, timeout=5) as http:
        try:
            http.get("/AP/GetProducts", params={"OMSId": 1}, timeout=0.2)
            raise AssertionError("expected a timeout")
        except httpx.ReadTimeout:
            pass
        assert http.get("/AP/Ping").json() == {"msg": "PONG"}
        big = http.post("/AP/Ping", content=b"x" * (sim.config.max_body_bytes + 10))
        assert big.status_code == 413


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_cli_simulate_serves_and_stops_on_sigint() -> None:
    port = _free_port()
    script = Path(sys.executable).parent / "apex-notebook"
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "apex_notebook.cli"]
    command = [
        *launcher,
        "simulate",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--seed",
        "7",
        "--accounts",
        "12",
        "--orders-per-account",
        "5",
        "--instrument-key",
        "none",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline()]
        assert f"http://127.0.0.1:{port}" in lines[0], lines[0] + (
            process.stderr.read() if process.stderr else ""
        )
        while "Ctrl-C" not in lines[-1] and lines[-1]:
            lines.append(process.stdout.readline())
        banner = "".join(lines)
        reply = httpx.get(f"http://127.0.0.1:{port}/AP/Ping", timeout=5)
        assert reply.json() == {"msg": "PONG"}
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "ops" in banner and "'demo'" in banner and "secure" in banner and "Stopped." in out
        assert f"ws://127.0.0.1:{port}/WSGateway/" in banner
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_refuses_bad_settings_and_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    from apex_notebook.cli import main

    assert main(["simulate", "--accounts", "5", "--port", "0"]) == 2
    assert "at least 12" in capsys.readouterr().err
    assert main(["simulate", "--fill-race", "2", "--port", "0"]) == 2
    assert "fill_race" in capsys.readouterr().err
    assert main([]) == 2
    assert "simulate" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["simulate", "--instrument-key", "typo"])
