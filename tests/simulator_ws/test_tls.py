"""TLS: with a certificate, one port serves https:// and wss:// (a throwaway self-signed cert)."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.server import ServerHandle


@pytest.fixture
def tls_server(tls_cert: tuple[str, str]) -> Iterator[ServerHandle]:
    sim = FakeOMS.seeded(seed=7, accounts=12, orders_per_account=2)
    with sim.serve(certfile=tls_cert[0], keyfile=tls_cert[1]) as handle:
        yield handle


def test_https_and_wss_on_one_port(tls_server: ServerHandle, tls_cert: tuple[str, str]) -> None:
    assert tls_server.url.startswith("https://127.0.0.1:") and tls_server.tls
    assert tls_server.ws_url == "wss" + tls_server.url[5:] + "/WSGateway/"
    context = ssl.create_default_context(cafile=tls_cert[0])
    with httpx.Client(base_url=tls_server.url, verify=context) as client:
        assert client.get("/AP/Ping").json() == {"msg": "PONG"}
        token = client.get("/AP/Authenticate", auth=("trader", "demo")).json()["SessionToken"]
    with connect(tls_server.ws_url, ssl=context) as ws:
        ws.send(json.dumps({"m": 0, "i": 2, "n": "WebAuthenticateUser", "o": json.dumps({"SessionToken": token})}))
        reply = json.loads(ws.recv(timeout=10))
        assert reply["m"] == 1 and json.loads(reply["o"])["Authenticated"] is True
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=tls_server.url) as unverified:
        unverified.get("/AP/Ping")  # the self-signed cert is not trusted by default
    plain = tls_server.url.replace("https://", "http://")
    with pytest.raises(httpx.HTTPError), httpx.Client(base_url=plain, timeout=5) as cleartext:
        cleartext.get("/AP/Ping")


def test_keyfile_without_certfile_is_refused() -> None:
    with pytest.raises(ValueError, match="certfile"):
        ServerHandle(FakeOMS.seeded(accounts=12, orders_per_account=0).app(), keyfile=str(Path("key.pem")))
