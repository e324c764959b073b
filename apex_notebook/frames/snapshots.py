"""Multi-account snapshots: accounts, instruments, open orders and order history as typed frames.

The reads of ``wire/`` (concurrent, rate-limited, with progress: :func:`~apex_notebook.wire.fetch.fetch_each`)
turned into the typed frames of ``tables.py``; each reply is typed as soon as it arrives.

A failed account is never silently dropped: the snapshot raises :class:`PartialSnapshotError`
naming the failed accounts and why (``strict=False`` returns the partial frame, with the failures in
``df.attrs["accounts_failed"]``, and warns).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from apex_notebook.frames.builder import OrdersBuilder
from apex_notebook.frames.display import price_decimals
from apex_notebook.frames.tables import accounts_frame, instrument_maps, instruments_frame, orders_frame
from apex_notebook.wire.accounts import AccountPages, account_ids, role
from apex_notebook.wire.errors import ApexError, BadResponseError, PartialSnapshotError, ScopeError
from apex_notebook.wire.fetch import fetch_each, workers_for
from apex_notebook.wire.gateway import Gateway
from apex_notebook.wire.ids import ALL, _AllType, check_id, requested_accounts

__all__ = ["AccountIdList", "accounts", "instruments", "open_orders", "order_history"]

_HISTORY_PAGE = 1000


def accounts(client: Gateway) -> pd.DataFrame:
    """account_id, account_name, permission of every account the user can act on or see."""
    ids = account_ids(client)

    def info(account: int) -> str:
        data = client.read("GetAccountInfo", {"OMSId": client.oms_id, "AccountId": account}, expect=dict)
        return str(data.get("AccountName") or "")

    names, failures = fetch_each(ids, info, max_workers=_workers(client), progress=client.progress,
                                 desc="GetAccountInfo")
    who = role(client)
    frame = accounts_frame([{"account_id": a, "account_name": names.get(a), "permission": who} for a in ids])
    _finish(frame, client, ids, failures, call="GetAccountInfo", strict=True)
    return frame


def instruments(client: Gateway) -> pd.DataFrame:
    """Every instrument of the OMS (GetInstruments)."""
    rows = client.read("GetInstruments", {"OMSId": client.oms_id}, expect=list)
    if not all(isinstance(r, dict) for r in rows):
        raise BadResponseError("GetInstruments: expected an array of instrument objects",
                               call="GetInstruments")
    return instruments_frame(rows)


def open_orders(client: Gateway, account_id: object, instrument_id: object, *, strict: bool,
                raw: bool = False) -> pd.DataFrame:
    """The typed open-order snapshot of the given accounts (see ``Client.open_orders``).

    ``raw=True``: zeros and sentinels as APEX sent them (``schema.NOT_APPLICABLE`` not applied).
    """
    instrument = check_id(instrument_id, "instrument_id")
    single = not isinstance(account_id, _AllType) and isinstance(account_id, int | np.integer)
    requested = requested_accounts(account_id)  # bad ids are refused before any request
    taken_at = pd.Timestamp.now(tz="UTC")
    pages = AccountPages(client) if isinstance(requested, _AllType) else None
    given: list[int] = [] if isinstance(requested, _AllType) else requested
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="apex-instruments") as side:
        pending = side.submit(instruments, client)  # overlaps the first page of the account enumeration
        first = given if pages is None else pages.next()
        listed = pending.result()
        symbols, quotes = instrument_maps(listed)
    if instrument is not ALL and symbols and instrument not in symbols:
        raise ScopeError(f"instrument_id {instrument} is not an instrument of OMS {client.oms_id} "
                         f"(GetInstruments lists {sorted(symbols)}); check the id with client.instruments()")
    base = {"OMSId": client.oms_id} | ({} if instrument is ALL else {"InstrumentId": instrument})

    def fetch(account: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = client.read("GetOpenOrders", base | {"AccountId": account},
                                                      expect=list)
        if not all(isinstance(r, dict) for r in rows):
            raise BadResponseError(f"GetOpenOrders for account {account}: expected an array of order "
                                   "objects", call="GetOpenOrders", payload=base | {"AccountId": account})
        return rows

    builder = OrdersBuilder()  # each reply is typed as it arrives; the frame is built once at the end
    # the next pages of accounts are read while the orders of the previous ones are being fetched
    chunks, failures = fetch_each(first, fetch, max_workers=_workers(client), progress=client.progress,
                                  desc="GetOpenOrders", consume=builder.chunk,
                                  more=None if pages is None else pages.next)
    ids = first if pages is None else sorted(chunks.keys() | failures.keys())
    if single and failures:
        raise failures[ids[0]]
    frame = builder.frame([chunks[a] for a in ids if a in chunks], instruments=symbols, quotes=quotes, raw=raw,
                          by_instrument=True)  # an instrument's orders contiguous: selecting it is a slice
    if instrument is not ALL and len(frame) and bool((frame["instrument_id"] != instrument).any()):
        extra = frame.attrs
        # the gateway ignored the InstrumentId filter: apply it here, never widen
        frame = frame[frame["instrument_id"] == instrument].reset_index(drop=True)
        frame.attrs.update(extra)
    frame.attrs.update(taken_at=taken_at, instrument_id=instrument, price_decimals=price_decimals(listed))
    _finish(frame, client, ids, failures, call="GetOpenOrders", strict=strict)
    return frame


def _workers(client: Gateway) -> int:
    """Threads for one snapshot of ``client`` (fewer than max_concurrency for a gateway that answers fast)."""
    return workers_for(client.max_concurrency, client.quickest_reply)


class AccountIdList(list[int]):
    """``df.attrs["accounts_requested"]``: a list of account ids that pandas copies cheaply.

    pandas deep-copies ``attrs`` into every frame or column derived from a snapshot; a plain list of
    10,000 ids costs 1.4 ms each time. Its ints cannot change, so a copy of the list is a deep copy.
    """

    def __deepcopy__(self, memo: dict[int, object]) -> AccountIdList:
        return AccountIdList(self)


def _finish(frame: pd.DataFrame, client: Gateway, ids: list[int], failures: dict[int, ApexError], *,
            call: str, strict: bool) -> None:
    """Fill the provenance attrs; raise or warn when some accounts failed."""
    failed = {a: f"{type(e).__name__}: {e}" for a, e in sorted(failures.items())}
    frame.attrs.update(oms_id=client.oms_id, accounts_requested=AccountIdList(ids), accounts_failed=failed,
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


def order_history(client: Gateway, account_id: object, start: object = None,
                  end: object = None, *, raw: bool = False) -> pd.DataFrame:
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
    listed = instruments(client)
    symbols, quotes = instrument_maps(listed)
    records: list[dict[str, Any]] = []
    seen: set[Any] = set()
    while True:
        rows = client.read("GetOrdersHistory", payload | {"StartIndex": len(records)}, expect=list)
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
    frame = orders_frame(records, instruments=symbols, quotes=quotes, raw=raw)
    frame.attrs.update(taken_at=taken_at, instrument_id=ALL, start=start, end=end,
                       price_decimals=price_decimals(listed))
    _finish(frame, client, [account], {}, call="GetOrdersHistory", strict=True)
    return frame
