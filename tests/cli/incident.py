"""A replayed incident journalled for real, for the report, export and CLI tests.

:func:`replay_incident` runs the simulator with a runaway algorithm (it keeps placing BTCUSD orders on
account 9 while the cancel goes out: *unplanned* orders), a gateway that ignores the instrument key
(*collateral* on the account's other instruments), a target that fills just before the cancel (*filled
first*) and one refused
attempt (a mistyped phrase) before the real execution. :func:`in_flight_incident` leaves an execution
``in_flight`` against a served simulator (the kernel "died" after the send) for ``reconcile``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.execute import execute_plan
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.client import Client
from apex_notebook.simulator import FakeOMS, ManualClock
from apex_notebook.wire.errors import ConfirmationError

REASON = "runaway algo <script>alert(1)</script> & friends"


@dataclass
class Incident:
    """What the replay did: the journal, the execution id, and the orders placed by the runaway."""

    path: Path | str
    execution_id: str
    runaway_ids: list[int]
    late_ids: list[int]


class RunawayClient:
    """A client whose ``send_cancel_all`` lets the runaway algorithm place orders just before the request
    leaves (unplanned) and just after (late arrivals: the cancel does not cover them)."""

    def __init__(self, inner: Client, sim: FakeOMS, placed: list[int]) -> None:
        self._inner, self._sim, self.placed = inner, sim, placed
        self.late: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def send_cancel_all(self, plan: Any) -> Any:
        self._sim.fill(int(plan.orders["order_id"].iloc[0]))  # a target fills just before the cancel lands
        for i in range(3):
            order = self._sim.place_order(9, 1, side="Buy", quantity=0.1, price=50_000.0 + i)
            self.placed.append(int(order))
        reply = self._inner.send_cancel_all(plan)
        self.late = [self._sim.place_order(9, 1, side="Sell", quantity=0.2, price=70_000.0) for _ in range(2)]
        return reply


def replay_incident(path: Path | str, *, executions: int = 1) -> Incident:
    """Journal the incident in a new journal ``path`` (a file, or a ``postgresql://`` URL; ``executions``
    runs, the last one reported on)."""
    clock = ManualClock()
    sim = FakeOMS.seeded(seed=7, accounts=14, orders_per_account=12, clock=clock)
    sim.config.instrument_key = "none"
    client = Client(sim.url, username="ops", password="demo", transport=sim.transport(), progress=False)
    placed: list[int] = []
    late: list[int] = []
    eid = ""
    with Journal(path, create=True) as journal:
        for account in [9, *[10 + i for i in range(executions - 1)]][::-1]:
            plan = client.preview(CancelScope(account, 1))
            with pytest.raises(ConfirmationError):
                client.execute(plan, reason="typo first", confirm="CANCEL", journal=journal)
            runner: Any = RunawayClient(client, sim, placed) if account == 9 else client
            eid = execute_plan(runner, plan, journal=journal, reason=REASON, confirm=plan.confirmation_phrase,
                               operator="alice (risk desk)", sleep=clock.advance, monotonic=clock.now,
                               verify_timeout=5.0, poll_interval=0.05).execution_id
            late = runner.late if account == 9 else late
    client.close()
    return Incident(path, eid, placed, late)


class KernelDiedError(Exception):
    """Raised in place of every journal write after the send: the kernel "died" right after it."""


def in_flight_incident(path: Path, url: str) -> str:
    """Journal an execution against the gateway at ``url`` and stop right after the send; its id."""
    client = Client(url, username="ops", password="demo", progress=False)
    journal = Journal(path, create=True)
    plan = client.preview(CancelScope(9, ALL))

    def died(*args: Any, **kwargs: Any) -> None:
        raise KernelDiedError

    journal.state = died  # type: ignore[method-assign]
    with pytest.raises(Exception):  # noqa: B017  (the send happened; the "kernel" died after it)
        execute_plan(client, plan, journal=journal, reason="runaway algo", confirm=plan.confirmation_phrase,
                     verify_timeout=0.5, poll_interval=0.05)
    (eid,) = Journal(path).in_flight()
    journal.close()
    client.close()
    return eid
