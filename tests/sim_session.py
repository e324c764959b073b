"""Fixtures for the safety tests against the simulator (in process, ManualClock, tmp journal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.execute import execute_plan
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.result import CancelResult
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.simulator.catalog import User

POLL = 0.05


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(clock: ManualClock) -> FakeOMS:
    return FakeOMS.seeded(seed=7, accounts=14, orders_per_account=12, clock=clock)


def connect(sim: FakeOMS, user: str = "ops", **kwargs: Any) -> Client:
    return Client(sim.url, username=user, password="demo", transport=sim.transport(), progress=False,
                  **kwargs)


@pytest.fixture
def ops(sim: FakeOMS) -> Iterator[Client]:
    client = connect(sim)
    yield client
    client.close()


@pytest.fixture
def trader(sim: FakeOMS) -> Iterator[Client]:
    client = connect(sim, "trader")
    yield client
    client.close()


@pytest.fixture
def ops2(sim: FakeOMS) -> Iterator[Client]:
    """A second Operator on the same simulated OMS (the other person of a two-person release)."""
    user = User(6, "ops2", "Operator", (1,))
    sim.catalog.users[user.user_id] = user
    sim.catalog.users_by_name[user.name] = user
    client = connect(sim, "ops2")
    yield client
    client.close()


def run(client: Any, plan: CancelPlan, journal: Journal, clock: ManualClock, **kwargs: Any) -> CancelResult:
    """Execute with the test defaults: the ManualClock moves when verification sleeps."""
    kwargs.setdefault("reason", "test: runaway algo")
    kwargs.setdefault("confirm", plan.confirmation_phrase)
    kwargs.setdefault("verify_timeout", 5.0)
    kwargs.setdefault("poll_interval", POLL)
    return execute_plan(client, plan, journal=journal, sleep=clock.advance, monotonic=clock.now, **kwargs)


def sent(sim: FakeOMS, name: str) -> list[dict[str, Any]]:
    return [call.payload for call in sim.requests if call.name == name]
