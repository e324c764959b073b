"""Fixtures of the client tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from client_fakes import PASSWORD, URL, FakeGateway


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def make_client(gateway: FakeGateway) -> Iterator[Callable[..., Any]]:
    from apex_notebook.client import Client

    made: list[Client] = []

    def make(**kw: Any) -> Client:
        kw.setdefault("username", "ops")
        kw.setdefault("password", PASSWORD)
        kw.setdefault("backoff", 0.0)
        kw.setdefault("progress", False)
        client = Client(URL, transport=gateway.transport(), **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
