"""Many connections, abrupt disconnects, slow consumers: the server keeps serving everyone else
and leaves no stale subscriptions, connections, pending replies or logged errors behind."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from apex_notebook.simulator import FakeOMS
from apex_notebook.simulator.server import ServerHandle, SimulatorApp
from apex_notebook.simulator.ws_gateway import Connection, WsGateway

from .conftest import Connect, WsClient, wait_until

ACCOUNT_9 = {"OMSId": 1, "AccountId": 9}


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app(sim: FakeOMS) -> SimulatorApp:
    return sim.app()


@pytest.fixture
def gateway(app: SimulatorApp) -> WsGateway:
    assert isinstance(app.websocket_handler, WsGateway)
    return app.websocket_handler


@pytest.fixture
def server(app: SimulatorApp) -> Iterator[ServerHandle]:
    """``sim.serve()`` does exactly this; here the test keeps the app to look at its gateway."""
    handle = ServerHandle(app, "127.0.0.1", 0)  # configures uvicorn's loggers: attach after it
    collect = _Collect()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "apex_notebook")]
    for logger in loggers:
        logger.addHandler(collect)
    try:
        with handle.start():
            yield handle
    finally:
        for logger in loggers:
            logger.removeHandler(collect)
    assert [record.getMessage() for record in collect.records] == []


def _abort(client: WsClient) -> None:
    """Drop the TCP connection without a closing handshake."""
    client.ws.socket.shutdown(socket.SHUT_RDWR)


def test_abrupt_disconnect_leaves_no_subscriptions_or_connections(ws_connect: Connect, gateway: WsGateway,
                                                                  sim: FakeOMS) -> None:
    bystander = ws_connect("trader2")
    bystander.call("SubscribeAccountEvents", ACCOUNT_9)
    for _ in range(3):
        leaver = ws_connect("trader")
        leaver.call("SubscribeAccountEvents", ACCOUNT_9)
        leaver.call("SubscribeOrderStateEvents", {"OMSId": 1, "AccountId": 10})
        assert sim.events.subscriptions.count() == 3
        _abort(leaver)
        wait_until(lambda: sim.events.subscriptions.count() == 1, "the leaver's subscriptions are dropped")
    wait_until(lambda: len(gateway.connections) == 1, "only the bystander is left")
    order_id = sim.place_order(9, 1)
    assert [event["o"]["OrderId"] for event in bystander.drain_events()] == [order_id]


def test_disconnect_during_a_call_and_with_a_delayed_reply(ws_connect: Connect, gateway: WsGateway,
                                                           sim: FakeOMS) -> None:
    client = ws_connect("trader")
    sim.faults.hang_next("GetOpenOrders", 30.0)
    client.send("GetOpenOrders", ACCOUNT_9)
    client.send("CancelAllOrders", ACCOUNT_9)
    client.send("SubscribeAccountEvents", ACCOUNT_9)
    _abort(client)
    wait_until(lambda: not gateway.connections, "the connection is gone")
    assert sim.events.subscriptions.count() == 0
    assert ws_connect("ops").call("Ping") == {"msg": "PONG"}


def test_closing_normally_also_cleans_up(ws_connect: Connect, gateway: WsGateway, sim: FakeOMS) -> None:
    client = ws_connect("viewer")
    client.call("SubscribeAccountEvents", ACCOUNT_9)
    client.close()
    wait_until(lambda: not gateway.connections and sim.events.subscriptions.count() == 0, "cleanup")


def test_fifty_concurrent_connections(ws_connect: Connect, server: ServerHandle, sim: FakeOMS,
                                      http: Callable[[str], httpx.Client]) -> None:
    users = ["trader", "trader2", "viewer", "ops"]
    clients = [ws_connect(seq="npm" if index % 2 else "ccxt") for index in range(50)]
    subscribed = threading.Barrier(51)

    def session(index: int) -> tuple[int, list[int]]:
        client = clients[index]
        client.login(users[index % len(users)])
        client.call("SubscribeAccountEvents", ACCOUNT_9)
        orders = client.call("GetOpenOrders", ACCOUNT_9)
        subscribed.wait()
        canceled = sorted(client.event()["o"]["OrderId"] for _ in orders)
        return len(orders), canceled

    with ThreadPoolExecutor(max_workers=50) as pool:
        futures = [pool.submit(session, index) for index in range(50)]
        subscribed.wait()
        targets = sorted(sim.open_order_ids(account_id=9))
        assert http("ops").post("/AP/CancelAllOrders", json=ACCOUNT_9).json()["result"] is True
        results = [future.result() for future in futures]
    assert all(count == len(targets) and canceled == targets for count, canceled in results)
    assert sim.events.subscriptions.count() == 50


def test_a_slow_consumer_is_cut_off_instead_of_blocking_the_engine() -> None:
    """Unit level, so it is deterministic: frames pile up faster than the writer sends them."""

    async def scenario() -> list[dict[str, object]]:
        conn = Connection(asyncio.get_running_loop(), queue_limit=3)
        # An engine thread delivers 10 frames while the loop is busy: it never waits.
        def produce() -> None:
            for n in range(10):
                conn.deliver(f"frame {n}")

        producer = threading.Thread(target=produce)
        producer.start()
        producer.join()
        await asyncio.sleep(0)  # the loop now runs the 10 queued offers
        sent: list[dict[str, object]] = []

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        await WsGateway._write(conn, send)  # type: ignore[arg-type]
        conn.deliver("after the cut")  # dropped silently
        return sent

    sent = asyncio.run(scenario())
    assert len(sent) == 1 and sent[0]["type"] == "websocket.close" and sent[0]["code"] == 1013
