"""What the gateway changed in the execution window: the post-send ``GetOrdersHistory`` reads.

APEX acknowledges ``CancelAllOrders`` without listing what it cancelled, so after the send the
history of the accounts that could have been hit is read over the *execution window* only:
``StartTimestamp`` is a proven lower bound of the gateway's clock at the send
(:class:`~apex_notebook.cancel.clock.GatewayClock`), in POSIX seconds rounded down (right whether
the gateway reads seconds or milliseconds). From these records verification learns the final state of
the targets, and finds every other order cancelled in the window (unplanned or collateral).

* Reads of many accounts run concurrently within the client's ``max_concurrency`` (the client's
  ``max_rate`` spaces them): a gateway under stress is never polled harder than the user allowed.
* An Operator's history can be read for the whole OMS at once (``GetOrdersHistory`` without
  ``AccountId``) where the gateway allows it: the only read that also sees accounts the account
  enumeration did not list. A gateway that refuses it is remembered, and per-account reads are used.
* A gateway that filters ``StartTimestamp`` on an order's *receive* time (not the time of its last
  change) would hide old orders cancelled in the window. This is detected: a target known to have
  been cancelled inside the window that a later bounded read of its account does not show switches
  the reads to unbounded (the whole history), and the result says so.
* A failed read never counts as "nothing cancelled": the account is listed in ``unchecked``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from operator import itemgetter
from typing import Any, Final

from apex_notebook.cancel.clock import GatewayClock
from apex_notebook.cancel.protocol import CancelClient
from apex_notebook.wire.errors import ApexError

__all__ = ["HISTORY_DEPTH", "MAX_PAGES", "OMS_DEPTH", "WindowReads", "lower_keys", "ms"]

#: Orders per GetOrdersHistory page of one account; per page of a whole-OMS read; pages per read at most.
HISTORY_DEPTH: Final = 1000
OMS_DEPTH: Final = 10_000
MAX_PAGES: Final = 200
_REFUSED_OMS_WIDE: Final = frozenset({20, 100, 104, 106})
#: Seconds re-read before the newest change an earlier read saw (changes that became visible late).
HIGH_WATER_SLACK: Final = 1.0
#: The same, when the gateway is known to read StartTimestamp in milliseconds.
MS_SLACK: Final = 0.25


def ms(value: Any) -> int | None:
    """A positive integer (an id or a millisecond time) from a JSON value, else None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


#: The fields verification reads from an order object, as APEX spells them.
_FIELDS: Final = ("OrderId", "Account", "Instrument", "OrderState", "LastUpdatedTime", "ReceiveTime", "Side",
                  "OrderType", "OrigQuantity", "Quantity", "QuantityExecuted", "ChangeReason", "Price", "StopPrice")
_LOWER: Final = tuple(f.lower() for f in _FIELDS)
_PICK: Final = itemgetter(*_FIELDS)


def lower_keys(record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields verification reads, under lower-cased keys, and the object itself under ``raw``.

    Gateways differ in key case: the documented PascalCase is picked in one C call; any other
    spelling falls back to matching every key case-insensitively (missing fields are None).
    """
    try:
        picked = dict(zip(_LOWER, _PICK(record), strict=True))
    except (KeyError, TypeError):
        low = {str(k).lower(): v for k, v in record.items()}
        picked = {name: low.get(name) for name in _LOWER}
    picked["raw"] = record
    return picked


class WindowReads:
    """The window's history reads of one verification, their records and what could not be read."""

    def __init__(self, client: CancelClient, oms_id: int, clock: GatewayClock, *,
                 monotonic: Callable[[], float]) -> None:
        self.client, self.oms_id, self.clock, self.monotonic = client, oms_id, clock, monotonic
        self.workers = max(1, client.max_concurrency)
        #: order id -> newest record seen (lower-cased keys), from any read
        self.records: dict[int, dict[str, Any]] = {}
        #: account -> local time at which its last successful read started
        self.read_at: dict[int, float] = {}
        #: local time at which the last successful OMS-wide read started (None: never)
        self.oms_read_at: float | None = None
        #: account -> why its last read failed
        self.unchecked: dict[int, str] = {}
        self.oms_wide: bool | None = None  # None: not tried; False: the gateway refused it
        self.bounded = True
        self.unbounded_reason: str | None = None
        self.requests = 0
        self._expected: dict[int, tuple[int, float]] = {}  # order id -> (account, local time settled)
        #: the StartTimestamp of every read: the bound known at the send. Later, tighter bounds only judge
        #: what is inside the window; reading from the send's bound keeps changes made between the
        #: pre-send check and the send (a target that filled just before it) in every read.
        self.read_from = clock.start
        #: account (None: the whole OMS) -> newest LastUpdatedTime (ms) its last read returned: the next
        #: read of it asks only for what changed since (minus a slack for commit lag), not the window again
        self.high_water: dict[int | None, int] = {}
        #: account (None: the whole OMS) -> a lower bound of the gateway's clock when its last read began:
        #: anything that changed after that read began is newer than this
        self.read_began_gateway: dict[int | None, float] = {}
        self.in_ms: bool | None = None  # does the gateway read StartTimestamp in ms? (probed once)

    # -- reads -------------------------------------------------------------------------------------
    def _since(self, account: int | None) -> int | None:
        """StartTimestamp of the next read of ``account``: the window's start, or later (see ``_remember``).

        POSIX seconds, rounded down -- right whether the gateway reads seconds or milliseconds. Once a
        probe has shown that the gateway reads milliseconds, a repeated read asks in milliseconds, so it
        does not re-read the last second (the whole burst of a mass cancel).
        """
        if not self.bounded or self.read_from is None:
            return None
        marks = [m for m in (self._mark(account),) if m is not None]
        if marks and self.in_ms is None:
            self.in_ms = self._probe_ms(account, marks[0])
        slack = MS_SLACK if self.in_ms else HIGH_WATER_SLACK
        start = max([self.read_from, *(m - slack for m in marks)])
        return max(0, int(start * 1000)) if self.in_ms and marks else max(0, int(start))

    def _mark(self, account: int | None) -> float | None:
        """Gateway seconds before which an earlier read of ``account`` saw every change (None: never read)."""
        found = [t for t in (self.read_began_gateway.get(account),) if t is not None]
        mark = self.high_water.get(account)
        if mark is not None:
            found.append(mark / 1000.0)
        return max(found) if found else None

    def _probe_ms(self, account: int | None, mark: float) -> bool:
        """Does the gateway read StartTimestamp in milliseconds? Asked once: a millisecond value just below
        a change already seen returns that change from such a gateway, and nothing from one reading seconds."""
        newest = self.high_water.get(account)
        if newest is None:
            return False
        payload: dict[str, Any] = {"Depth": 1, "StartIndex": 0, "StartTimestamp": newest - 1}
        if account is not None:
            payload["AccountId"] = account
        self.requests += 1
        try:
            reply = self.client.call("GetOrdersHistory", OMSId=self.oms_id, **payload)
        except ApexError:
            return False
        return isinstance(reply, list) and len(reply) > 0

    def _page(self, account: int | None, index: int, since: int | None, depth: int) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"Depth": depth, "StartIndex": index}
        if account is not None:
            payload["AccountId"] = account
        if since is not None:
            payload["StartTimestamp"] = since
        self.requests += 1
        reply = self.client.call("GetOrdersHistory", OMSId=self.oms_id, **payload)
        if not isinstance(reply, list) or not all(isinstance(r, dict) for r in reply):
            raise ValueError("GetOrdersHistory did not answer an array of order objects")
        return [lower_keys(r) for r in reply]

    def _history(self, account: int | None, began: float) -> list[dict[str, Any]]:
        """Every record changed in the window (or since the last read) of one account, or of the OMS.

        One account: pages of :data:`HISTORY_DEPTH` until a short page. The whole OMS: larger pages
        (:data:`OMS_DEPTH`), until an EMPTY page -- a gateway that silently caps the page size must
        never make a truncated read look complete.
        """
        rows: list[dict[str, Any]] = []
        since = self._since(account)
        depth = HISTORY_DEPTH if account is not None else OMS_DEPTH
        for _ in range(MAX_PAGES):
            got = self._page(account, len(rows), since, depth)
            rows.extend(got)
            if not got or (account is not None and len(got) < depth):
                self._remember(account, rows, began)
                return rows
        where = "the OMS" if account is None else f"account {account}"
        raise ValueError(f"more than {len(rows):,} orders changed in {where} in the window; older ones were not read")

    def _remember(self, account: int | None, rows: list[dict[str, Any]], began: float) -> None:
        """Where the next read of ``account`` may start (see :meth:`_since`)."""
        stamps = [s for r in rows if (s := ms(r.get("lastupdatedtime"))) is not None]
        if stamps:
            self.high_water[account] = max([*stamps, self.high_water.get(account, 0)])
        start, sent_at = self.clock.start, self.clock.sent_at
        if start is not None and sent_at is not None:
            self.read_began_gateway[account] = start + max(0.0, began - sent_at)

    def _keep(self, rows: Iterable[dict[str, Any]], read_at: float) -> None:
        rows = list(rows)
        self.clock.observe(rows, read_at)
        for rec in rows:
            oid = ms(rec.get("orderid"))
            if oid is None:
                continue
            old = self.records.get(oid)
            if old is None or (ms(rec.get("lastupdatedtime")) or 0) >= (ms(old.get("lastupdatedtime")) or 0):
                self.records[oid] = rec

    def read_accounts(self, accounts: Iterable[int]) -> None:
        """Read the window history of each account, concurrently; failures go to ``unchecked``."""
        wanted = sorted(set(accounts))
        if not wanted:
            return

        def one(account: int) -> tuple[float, list[dict[str, Any]] | str]:
            began = self.monotonic()
            try:
                return began, self._history(account, began)
            except (ApexError, ValueError) as exc:
                return began, f"{type(exc).__name__}: {exc}"

        if len(wanted) == 1:
            outcomes = [one(wanted[0])]
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(wanted)),
                                    thread_name_prefix="apex-window") as pool:
                outcomes = list(pool.map(one, wanted))
        for account, (began, got) in zip(wanted, outcomes, strict=True):
            if isinstance(got, str):
                self.unchecked[account] = got
                continue
            self.unchecked.pop(account, None)
            self.read_at[account] = began
            self._keep(got, began)
        self._check_expected()

    def read_oms(self) -> bool:
        """One OMS-wide read (every account, enumerated or not); False when the gateway refuses it."""
        if self.oms_wide is False:
            return False
        began = self.monotonic()
        try:
            rows = self._history(None, began)
        except ApexError as exc:
            if exc.errorcode in _REFUSED_OMS_WIDE:
                self.oms_wide = False
                return False
            self.unchecked[0] = f"{type(exc).__name__}: {exc}"
            return False
        except ValueError as exc:
            self.unchecked[0] = f"ValueError: {exc}"
            return False
        self.oms_wide = True
        self.unchecked.pop(0, None)
        self.oms_read_at = began
        self._keep(rows, began)
        self._check_expected()
        return True

    # -- judging ---------------------------------------------------------------------------------
    def fresh_since(self, account: int, moment: float) -> bool:
        """True when ``account`` was read (alone or OMS-wide) at or after local time ``moment``."""
        times = [t for t in (self.read_at.get(account), self.oms_read_at) if t is not None]
        return any(t >= moment for t in times)

    def in_window(self, rec: Mapping[str, Any]) -> bool:
        """True when ``rec`` last changed at or after the window start."""
        start, updated = self.clock.start, ms(rec.get("lastupdatedtime"))
        return start is not None and updated is not None and updated >= start * 1000

    def expect(self, order_id: int, account: int, settled_at: float) -> None:
        """Self-check: ``order_id`` was seen cancelled inside the window by another read (at local time
        ``settled_at``), so every bounded read of its account made later must show it."""
        if self.bounded:
            self._expected[order_id] = (account, settled_at)

    def _check_expected(self) -> None:
        for order_id, (account, settled_at) in list(self._expected.items()):
            if not self.fresh_since(account, settled_at):
                continue
            del self._expected[order_id]
            if order_id not in self.records and self.bounded:
                self.bounded = False
                self.high_water.clear()
                self.read_began_gateway.clear()
                self.unbounded_reason = (
                    f"order {order_id} was cancelled in the window, but the gateway's StartTimestamp filter "
                    "hid it (it filters on receive time): the whole history is read instead")
