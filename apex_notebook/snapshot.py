"""Multi-account snapshots: accounts, instruments, open orders and order history as typed frames.

Per-account calls run concurrently on a bounded thread pool (``Client.max_concurrency``) over the
client's one shared ``httpx.Client``, within ``Client.max_rate`` requests per second, with a
``tqdm.auto`` progress bar when more than :data:`PROGRESS_THRESHOLD` accounts are fetched.

A failed account is never silently dropped: the snapshot raises :class:`PartialSnapshotError`
naming the failed accounts and why (``strict=False`` returns the partial frame, with the failures in
``df.attrs["accounts_failed"]``, and warns).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np
import pandas as pd

from apex_notebook.errors import ApexError, BadResponseError, PartialSnapshotError, ScopeError
from apex_notebook.frames import accounts_frame, instruments_frame, orders_frame
from apex_notebook.frames_build import OrdersBuilder
from apex_notebook.scope import ALL, _AllType, check_id

if TYPE_CHECKING:
    from apex_notebook.client import Client

__all__ = [
    "PROGRESS_THRESHOLD",
    "account_ids",
    "accounts",
    "fetch_each",
    "instruments",
    "open_orders",
    "order_history",
    "requested_accounts",
]

#: More accounts than this show a progress bar (when ``Client(progress=True)``).
PROGRESS_THRESHOLD = 20
_POSITIONS_PAGE = 500
_HISTORY_PAGE = 1000
T = TypeVar("T")
R = TypeVar("R")


@overload
def fetch_each(keys: Sequence[int], fetch: Callable[[int], T], *, max_workers: int, progress: bool,
               desc: str) -> tuple[dict[int, T], dict[int, ApexError]]:
    """The replies themselves are the results."""


@overload
def fetch_each(keys: Sequence[int], fetch: Callable[[int], T], *, max_workers: int, progress: bool,
               desc: str, consume: Callable[[T], R]) -> tuple[dict[int, R], dict[int, ApexError]]:
    """``consume(reply)`` is the result."""


def fetch_each(keys: Sequence[int], fetch: Callable[[int], Any], *, max_workers: int, progress: bool,
               desc: str, consume: Callable[[Any], Any] | None = None
               ) -> tuple[dict[int, Any], dict[int, ApexError]]:
    """Run ``fetch(key)`` for every key on a bounded pool; return (results, failures) by key.

    ``consume`` (default: keep the reply as the result) turns each reply into its result in the
    calling thread as soon as it arrives, while the other requests are still in flight.
    """
    from tqdm.auto import tqdm  # imported when used: no notebook machinery at package import

    keep = consume or (lambda reply: reply)
    results: dict[int, Any] = {}
    failures: dict[int, ApexError] = {}
    show = progress and len(keys) > PROGRESS_THRESHOLD
    with tqdm(total=len(keys), desc=desc, unit="account", disable=not show, leave=False) as bar:
        if max_workers <= 1 or len(keys) <= 1:
            for key in keys:
                try:
                    reply = fetch(key)
                except ApexError as exc:
                    failures[key] = exc
                else:
                    results[key] = keep(reply)
                bar.update(1)
            return results, failures
        with ThreadPoolExecutor(max_workers=min(max_workers, len(keys)),
                                thread_name_prefix="apex-snapshot") as pool:
            futures = {pool.submit(fetch, key): key for key in keys}
            try:
                for future in as_completed(futures):
                    key = futures[future]
                    try:
                        reply = future.result()
                    except ApexError as exc:
                        failures[key] = exc
                    else:
                        results[key] = keep(reply)
                    bar.update(1)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return results, failures


def account_ids(client: Client) -> list[int]:
    """Every account the user can see: an Operator's are enumerated with GetAllAccountPositions."""
    if not client.is_operator:
        rows = client._rpc.call("GetUserAccounts", {"OMSId": client.oms_id, "UserId": client.user_id,
                                                     "UserName": client.username}, expect=list)
        return sorted({_account_of(row, "GetUserAccounts") for row in rows})
    seen: set[int] = set()
    start = 0
    while True:
        rows = client._rpc.call("GetAllAccountPositions", {"OMSId": client.oms_id, "StartIndex": start,
                                                            "Limit": _POSITIONS_PAGE}, expect=list)
        ids = {_account_of(row, "GetAllAccountPositions") for row in rows}
        new = ids - seen
        seen |= ids
        if not new:  # an empty page (or only repeats): done. A short page is not proof of the end.
            return sorted(seen)
        start = max(ids) + 1


def _account_of(row: Any, call: str) -> int:
    value = row.get("AccountId", row.get("accountId")) if isinstance(row, dict) else row
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadResponseError(f"{call}: expected account ids, got {str(row)[:60]!r}", call=call)
    return value


def role(client: Client) -> str:
    """The user's role on its accounts: Operator, Trading or AccountReadOnly."""
    perms = {p.lower() for p in client.permissions}
    if client.is_operator:
        return "Operator"
    return "Trading" if "trading" in perms else "AccountReadOnly" if "accountreadonly" in perms else "None"


def accounts(client: Client) -> pd.DataFrame:
    """account_id, account_name, permission of every account the user can act on or see."""
    ids = account_ids(client)

    def info(account: int) -> str:
        data = client._rpc.call("GetAccountInfo", {"OMSId": client.oms_id, "AccountId": account}, expect=dict)
        return str(data.get("AccountName") or "")

    names, failures = fetch_each(ids, info, max_workers=client.max_concurrency,
                                 progress=client.progress, desc="GetAccountInfo")
    who = role(client)
    frame = accounts_frame([{"account_id": a, "account_name": names.get(a), "permission": who} for a in ids])
    _finish(frame, client, ids, failures, call="GetAccountInfo", strict=True)
    return frame


def instruments(client: Client) -> pd.DataFrame:
    """Every instrument of the OMS (GetInstruments)."""
    rows = client._rpc.call("GetInstruments", {"OMSId": client.oms_id}, expect=list)
    if not all(isinstance(r, dict) for r in rows):
        raise BadResponseError("GetInstruments: expected an array of instrument objects",
                               call="GetInstruments")
    return instruments_frame(rows)


def requested_accounts(account_id: object) -> list[int] | _AllType:
    """``ALL`` | id | iterable of ids -> ``ALL`` or validated, de-duplicated ids (no request made)."""
    if account_id is None or isinstance(account_id, int | np.integer | float | str | bytes | _AllType):
        checked = check_id(account_id, "account_id")
        return ALL if checked is ALL else [int(checked)]  # type: ignore[arg-type]
    if not isinstance(account_id, Iterable):
        raise ScopeError(f"account_id must be apx.ALL, an integer id or a list of ids, not "
                         f"{type(account_id).__name__}")
    ids = [int(check_id(a, "account_id in the list", allow_all=False)) for a in account_id]  # type: ignore[arg-type]
    if not ids:
        raise ScopeError("account_id is an empty list: name at least one account, or pass apx.ALL")
    return list(dict.fromkeys(ids))


def open_orders(client: Client, account_id: object, instrument_id: object, *, strict: bool) -> pd.DataFrame:
    """The typed open-order snapshot of the given accounts (see ``Client.open_orders``)."""
    instrument = check_id(instrument_id, "instrument_id")
    single = not isinstance(account_id, _AllType) and isinstance(account_id, int | np.integer)
    requested = requested_accounts(account_id)  # bad ids are refused before any request
    taken_at = pd.Timestamp.now(tz="UTC")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="apex-instruments") as side:
        pending_symbols = side.submit(client.instrument_symbols)  # overlaps the account enumeration
        ids = account_ids(client) if isinstance(requested, _AllType) else requested
        symbols = pending_symbols.result()
    if instrument is not ALL and symbols and instrument not in symbols:
        raise ScopeError(f"instrument_id {instrument} is not an instrument of OMS {client.oms_id} "
                         f"(GetInstruments lists {sorted(symbols)}); check the id with client.instruments()")
    base = {"OMSId": client.oms_id} | ({} if instrument is ALL else {"InstrumentId": instrument})

    def fetch(account: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = client._rpc.call("GetOpenOrders", base | {"AccountId": account},
                                                      expect=list)
        if not all(isinstance(r, dict) for r in rows):
            raise BadResponseError(f"GetOpenOrders for account {account}: expected an array of order "
                                   "objects", call="GetOpenOrders", payload=base | {"AccountId": account})
        return rows

    builder = OrdersBuilder()  # each reply is typed as it arrives; the frame is built once at the end
    chunks, failures = fetch_each(ids, fetch, max_workers=client.max_concurrency, progress=client.progress,
                                  desc="GetOpenOrders", consume=builder.chunk)
    if single and failures:
        raise failures[ids[0]]
    frame = builder.frame([chunks[a] for a in ids if a in chunks], instruments=symbols)
    if instrument is not ALL and len(frame) and bool((frame["instrument_id"] != instrument).any()):
        extra = frame.attrs
        # the gateway ignored the InstrumentId filter: apply it here, never widen
        frame = frame[frame["instrument_id"] == instrument].reset_index(drop=True)
        frame.attrs.update(extra)
    frame.attrs.update(taken_at=taken_at, instrument_id=instrument)
    _finish(frame, client, ids, failures, call="GetOpenOrders", strict=strict)
    return frame


def _finish(frame: pd.DataFrame, client: Client, ids: list[int], failures: dict[int, ApexError], *,
            call: str, strict: bool) -> None:
    """Fill the provenance attrs; raise or warn when some accounts failed."""
    failed = {a: f"{type(e).__name__}: {e}" for a, e in sorted(failures.items())}
    frame.attrs.update(oms_id=client.oms_id, accounts_requested=list(ids), accounts_failed=failed,
                       source_url=client.base_url)
    frame.attrs.setdefault("taken_at", pd.Timestamp.now(tz="UTC"))
    if not failed:
        return
    names = ", ".join(map(str, list(failed)[:20])) + (" ..." if len(failed) > 20 else "")
    first = next(iter(failed.values())).rstrip(".")
    msg = (f"{call} failed for {len(failed)} of {len(ids)} accounts ({names}); first reason: {first}. "
           "The snapshot is incomplete: fix or exclude those accounts and take it again "
           "(strict=False returns the partial frame with the failures in df.attrs['accounts_failed']).")
    if strict or len(failed) == len(ids):
        raise PartialSnapshotError(msg, failed_accounts=failed, frame=frame, call=call)
    warnings.warn(msg, UserWarning, stacklevel=3)


def _ms(value: object, what: str) -> int:
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ScopeError(f"{what} must be a datetime, a Timestamp or an ISO string, not {value!r}") from exc
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def order_history(client: Client, account_id: object, start: object = None,
                  end: object = None) -> pd.DataFrame:
    """GetOrdersHistory of one account (newest first), paged, as the typed order frame."""
    account = int(check_id(account_id, "account_id", allow_all=False))  # type: ignore[arg-type]
    payload: dict[str, Any] = {"OMSId": client.oms_id, "AccountId": account, "Depth": _HISTORY_PAGE}
    if start is not None:
        payload["StartTimestamp"] = _ms(start, "start")
    if end is not None:
        payload["EndTimestamp"] = _ms(end, "end")
    start, end = (None if k not in payload else pd.Timestamp(payload[k], unit="ms", tz="UTC")
                  for k in ("StartTimestamp", "EndTimestamp"))
    taken_at = pd.Timestamp.now(tz="UTC")
    symbols = client.instrument_symbols()
    records: list[dict[str, Any]] = []
    seen: set[Any] = set()
    while True:
        rows = client._rpc.call("GetOrdersHistory", payload | {"StartIndex": len(records)}, expect=list)
        if not all(isinstance(r, dict) for r in rows):
            raise BadResponseError("GetOrdersHistory: expected an array of order objects",
                                   call="GetOrdersHistory")
        keys = {(r.get("OrderId"), r.get("LastUpdatedTime"), r.get("OrderState")) for r in rows}
        if keys <= seen:  # the gateway ignores StartIndex: no new rows
            break
        seen |= keys
        records.extend(rows)
        if len(rows) < _HISTORY_PAGE:
            break
    frame = orders_frame(records, instruments=symbols)
    frame.attrs.update(taken_at=taken_at, instrument_id=ALL, start=start, end=end)
    _finish(frame, client, [account], {}, call="GetOrdersHistory", strict=True)
    return frame
