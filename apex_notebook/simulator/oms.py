"""``FakeOMS``: the front door of the simulator (state, helpers for tests, transports)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .catalog import Catalog, build_catalog
from .clock import Clock, SystemClock
from .config import SimConfig
from .dispatch import Dispatcher
from .engine import Engine
from .events import EventHub
from .faults import Faults
from .http_gateway import HttpGateway
from .orders import FIRST_ORDER_ID, ORDER_TYPES, SIDES
from .recording import RecordedCall
from .seeding import seed_orders
from .server import ServerHandle, SimulatorApp
from .transport import SimTransport
from .ws_gateway import WsGateway

__all__ = ["FakeOMS"]

DEFAULT_ACCOUNTS = 40
DEFAULT_ORDERS_PER_ACCOUNT = 75


class FakeOMS:
    """A stateful fake AlphaPoint APEX OMS (OMS 1) speaking the documented HTTP wire format.

    >>> sim = FakeOMS.seeded(seed=7)
    >>> client = httpx.Client(transport=sim.transport(), base_url=sim.url)  # doctest: +SKIP

    All state sits behind one lock, so the transport may be used from many threads at once.
    """

    #: Base URL to pair with :meth:`transport` (calls go to ``f"{url}/AP/{Name}"``).
    url = "http://apex-sim.local"

    def __init__(self, *, seed: int = 7, accounts: int = DEFAULT_ACCOUNTS,
                 orders_per_account: int = DEFAULT_ORDERS_PER_ACCOUNT, clock: Clock | None = None,
                 config: SimConfig | None = None) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.config = config if config is not None else SimConfig()
        self.seed = seed
        catalog = build_catalog(accounts)
        self._engine = Engine(catalog=catalog, config=self.config, clock=self.clock, seed=seed)
        seed_orders(self._engine.book, self._engine.catalog, seed, orders_per_account, self.clock.now())
        self._engine.ledger.fund_opening_balances(seed, round(self.clock.now() * 1000))
        self._engine.revisions.attach()
        self.dispatcher = Dispatcher(self._engine)
        self.gateway = HttpGateway(self.dispatcher, self.config)
        #: Account events for WebSocket subscribers (listens to every call and order change).
        self.events = EventHub.attached_to(self.dispatcher)

    @classmethod
    def seeded(cls, seed: int = 7, *, accounts: int = DEFAULT_ACCOUNTS,
               orders_per_account: int = DEFAULT_ORDERS_PER_ACCOUNT, clock: Clock | None = None,
               config: SimConfig | None = None) -> FakeOMS:
        """A simulator with deterministic open orders (same seed and sizes -> same orders).

        ``accounts`` must be >= 12 (the demo users use accounts 1..12); 10,000 accounts with
        100 orders each (1,000,000 orders) build in a few seconds and ~120 MB.
        """
        return cls(seed=seed, accounts=accounts, orders_per_account=orders_per_account, clock=clock,
                   config=config)

    # -- plumbing --------------------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        """Fault injection (see :mod:`apex_notebook.simulator.faults`)."""
        return self._engine.faults

    @property
    def requests(self) -> list[RecordedCall]:
        """Every call received, in order, with secrets masked (clear it freely)."""
        return self._engine.requests

    @property
    def catalog(self) -> Catalog:
        """Products, instruments, accounts and users (read-only by convention)."""
        return self._engine.catalog

    def transport(self) -> SimTransport:
        """An ``httpx`` transport serving this simulator in process."""
        return SimTransport(self.gateway)

    def app(self) -> SimulatorApp:
        """A fresh ASGI application serving this simulator: HTTP ``/AP/`` and WebSocket ``/WSGateway/``."""
        app = SimulatorApp(self.gateway)
        app.websocket_handler = WsGateway(self.dispatcher, self.events, self.config)
        return app

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0, *, certfile: str | None = None,
              keyfile: str | None = None) -> Iterator[ServerHandle]:
        """Run a real uvicorn server (background thread) for the block; ``port=0`` picks a free one.

        With ``certfile``/``keyfile`` (PEM) it serves ``https://`` and ``wss://`` on that port.
        """
        handle = ServerHandle(self.app(), host, port, certfile=certfile, keyfile=keyfile).start()
        try:
            yield handle
        finally:
            handle.stop()

    # -- state helpers for tests and demos -------------------------------------------------
    def order(self, order_id: int) -> dict[str, Any]:
        """The APEX order object (PascalCase) of any order, any state; KeyError if unknown."""
        with self._engine.lock:
            self._engine.apply_due()
            row = self._engine.book.row(order_id)
            if row is None:
                raise KeyError(order_id)
            return self._engine.book.render(row)

    def open_order_ids(self, account_id: int | None = None, instrument_id: int | None = None) -> set[int]:
        """OrderIds of Working orders, optionally of one account and/or one instrument."""
        with self._engine.lock:
            self._engine.apply_due()
            accounts = None if account_id is None else [account_id]
            rows = self._engine.book.open_rows(accounts, instrument_id)
            return {FIRST_ORDER_ID + row for row in rows}

    def place_order(self, account_id: int, instrument_id: int, side: str = "Buy", quantity: float = 1.0,  # noqa: PLR0917
                    price: float = 100.0, order_type: str = "Limit", *, stop_price: float = 0.0,
                    client_order_id: int = 0, entered_by: int | None = None) -> int:
        """Add a resting Working order now, bypassing permissions, funds and matching; returns its OrderId."""
        catalog = self._engine.catalog
        if account_id not in catalog.accounts or instrument_id not in catalog.instruments:
            raise ValueError(f"unknown account {account_id} or instrument {instrument_id}")
        if side not in SIDES[:2] or order_type not in ORDER_TYPES or quantity <= 0:
            raise ValueError("side must be Buy/Sell, order_type an APEX order type, quantity > 0")
        with self._engine.lock:
            self._engine.apply_due()
            return self._engine.book.place(
                account_id=account_id, instrument_id=instrument_id, side=side, order_type=order_type,
                price=0.0 if order_type in ("Market", "StopMarket") else price, stop_price=stop_price,
                quantity=quantity, at=self.clock.now(), client_order_id=client_order_id,
                entered_by=entered_by if entered_by is not None else catalog.traders_of(account_id)[0],
            )

    def fill(self, order_id: int, quantity: float | None = None) -> None:
        """Execute ``quantity`` (None = all that remains) of a Working order now."""
        with self._engine.lock:
            self._engine.apply_due()
            row = self._engine.book.row(order_id)
            if row is None:
                raise KeyError(order_id)
            self._engine.book.fill(row, quantity, self.clock.now())

    def expire(self, order_id: int) -> None:
        """Expire a Working order now, as a GTD/IOC order whose time ran out (OrderState Expired)."""
        with self._engine.lock:
            self._engine.apply_due()
            row = self._engine.book.row(order_id)
            if row is None:
                raise KeyError(order_id)
            if not self._engine.book.expire(row, self.clock.now()):
                raise ValueError(f"order {order_id} is not Working, so it cannot expire")

    def run_pending(self) -> int:
        """Apply scheduled (delayed) cancels and fills due at ``clock.now()``; returns how many."""
        with self._engine.lock:
            return self._engine.apply_due()

    @property
    def pending(self) -> int:
        """Number of scheduled cancels/fills not yet applied."""
        with self._engine.lock:
            return self._engine.book.pending

    def __repr__(self) -> str:
        return (f"FakeOMS(seed={self.seed}, accounts={len(self._engine.catalog.accounts)}, "
                f"orders={len(self._engine.book)}, clock={self.clock!r})")
