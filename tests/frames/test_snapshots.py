"""accounts(), instruments(), open_orders(), order_history() and the cancel-flow delegations (mock)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from client_fakes import URL, FakeGateway, order

import apex_notebook.client as client_module
from apex_notebook.cancel.scope import ALL
from apex_notebook.frames.schema import ACCOUNT_SCHEMA, ORDER_SCHEMA
from apex_notebook.wire.errors import NotAuthorizedError, PartialSnapshotError

MakeClient = Callable[..., Any]


def test_trading_user_accounts(gateway: FakeGateway, make_client: MakeClient) -> None:
    frame = make_client().accounts()
    assert list(frame.columns) == list(ACCOUNT_SCHEMA)
    assert frame["account_id"].tolist() == [9, 10]
    assert frame["account_name"].tolist() == ["acct-9", "acct-10"]
    assert set(frame["permission"]) == {"Trading"}


def test_operator_enumerates_every_account_with_paging(make_client: MakeClient) -> None:
    gateway = FakeGateway(accounts=tuple(range(1, 1201)), operator=True)
    from apex_notebook.client import Client

    with Client(URL, username="ops", password="s3cret-Pa55word", transport=gateway.transport(),
                progress=False) as client:
        assert client.is_operator
        frame = client.open_orders()
    assert frame.attrs["accounts_requested"] == list(range(1, 1201))
    starts = [p["StartIndex"] for n, p, _ in gateway.calls if n == "GetAllAccountPositions"]
    assert starts[0] == 0 and len(starts) >= 3 and starts == sorted(starts)
    assert len(frame) == 3600 and frame["account_id"].is_unique is False
    assert gateway.count("GetUserAccounts") == 0


def test_open_orders_attrs(gateway: FakeGateway, make_client: MakeClient) -> None:
    before = pd.Timestamp.now(tz="UTC")
    frame = make_client().open_orders(ALL, instrument_id=1)
    assert list(frame.columns) == list(ORDER_SCHEMA)
    attrs = frame.attrs
    assert attrs["oms_id"] == 1 and attrs["source_url"] == URL
    assert attrs["accounts_requested"] == [9, 10] and attrs["accounts_failed"] == {}
    assert attrs["instrument_id"] == 1 and attrs["extra_fields"] == []
    assert before <= attrs["taken_at"] <= pd.Timestamp.now(tz="UTC")
    assert str(attrs["taken_at"].tz) == "UTC"
    assert set(frame["symbol"]) == {"BTCUSD"}


def test_empty_snapshot_is_typed(gateway: FakeGateway, make_client: MakeClient) -> None:
    gateway.orders = {9: [], 10: []}
    frame = make_client().open_orders()
    assert len(frame) == 0
    assert {c: str(frame[c].dtype) for c in frame} == ORDER_SCHEMA
    assert frame.attrs["accounts_failed"] == {}


def test_single_account_failure_raises_the_typed_error(gateway: FakeGateway, make_client: MakeClient) -> None:
    client = make_client()
    gateway.script["GetOpenOrders"].append(
        lambda r, p: __import__("client_fakes").json_response(
            {"result": False, "errormsg": "Not Authorized", "errorcode": 20}))
    with pytest.raises(NotAuthorizedError, match="Not Authorized"):
        client.open_orders(11)


def test_accounts_failure_is_partial(gateway: FakeGateway, make_client: MakeClient) -> None:
    from client_fakes import json_response

    client = make_client()
    gateway.script["GetAccountInfo"].append(lambda r, p: json_response(
        {"result": False, "errormsg": "Server Error", "errorcode": 102}))
    with pytest.raises(PartialSnapshotError):
        client.accounts()


def test_progress_bar_for_many_accounts(gateway: FakeGateway, make_client: MakeClient,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    gateway.orders = {a: [order(a, a)] for a in range(1, 31)}
    make_client(progress=True).open_orders(list(range(1, 31)))
    assert "GetOpenOrders" in capsys.readouterr().err
    make_client(progress=True).open_orders(list(range(1, 11)))
    assert "GetOpenOrders" not in capsys.readouterr().err
    make_client(progress=False).open_orders(list(range(1, 31)))
    assert "GetOpenOrders" not in capsys.readouterr().err


def test_order_history(gateway: FakeGateway, make_client: MakeClient) -> None:
    frame = make_client().order_history(9, start="2023-11-14", end=pd.Timestamp("2023-11-15", tz="UTC"))
    assert len(frame) == 3 and list(frame.columns) == list(ORDER_SCHEMA)
    _, payload, _ = next(c for c in gateway.calls if c[0] == "GetOrdersHistory")
    assert payload["AccountId"] == 9 and payload["StartIndex"] == 0
    assert payload["StartTimestamp"] == 1699920000000 and payload["EndTimestamp"] == 1700006400000


def test_instruments_and_symbols(make_client: MakeClient) -> None:
    client = make_client()
    frame = client.instruments()
    assert frame["symbol"].tolist() == ["BTCUSD", "ETHUSD"]
    assert client.instrument_symbols() == {1: "BTCUSD", 2: "ETHUSD"}


def test_preview_execute_results_delegate(make_client: MakeClient, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Any) -> None:
    client = make_client()
    seen: dict[str, Any] = {}

    def execute_plan(c: Any, plan: Any, **kw: Any) -> str:
        seen["execute"] = (c, plan, kw)
        c._append_result(pd.DataFrame({"order_id": [1]}))
        c._append_result(pd.DataFrame({"order_id": [2]}))
        return "result"

    monkeypatch.setattr(client_module, "make_plan", lambda c, scope: seen.setdefault("plan", (c, scope)))
    monkeypatch.setattr(client_module, "execute_plan", execute_plan)
    monkeypatch.chdir(tmp_path)
    assert client.preview("scope") == (client, "scope")
    assert client.journal is None
    assert client.execute("plan", reason="r", confirm="c") == "result"
    # the default journal is opened in the working folder and becomes the client's: apex.journal names it
    assert client.journal is not None
    assert Path(client.journal.path).resolve() == (tmp_path / "apex-journal.sqlite").resolve()
    assert (tmp_path / "apex-journal.sqlite").exists()
    assert seen["execute"] == (client, "plan", {"reason": "r", "confirm": "c", "journal": client.journal})
    assert client.results["order_id"].tolist() == [1, 2]


def test_the_reply_as_sent_is_one_argument_away(gateway: FakeGateway, make_client: MakeClient) -> None:
    gateway.orders = {9: [order(1, 9, OrderType="StopMarket", Price=0.0, StopPrice=95.0)], 10: []}
    client = make_client()
    typed, as_sent = client.open_orders(), client.open_orders(raw=True)
    assert pd.isna(typed["price"][0]) and as_sent["price"][0] == 0.0
    assert client.order_history(9, raw=True)["client_order_id"].tolist() == [0] * len(gateway.orders[9])


def test_open_orders_are_ordered_by_instrument_then_account(make_client: MakeClient) -> None:
    gateway = FakeGateway(accounts=(9, 10, 11))
    gateway.orders = {a: [order(a * 100 + i, a, instrument=(2, 1, 3, 1)[i]) for i in range(4)]
                      for a in (9, 10, 11)}
    from apex_notebook.client import Client

    with Client(URL, username="ops", password="s3cret-Pa55word", transport=gateway.transport(),
                progress=False) as client:
        frame = client.open_orders(account_id=[11, 9, 10])
    pairs = list(zip(frame["instrument_id"], frame["account_id"], frame["order_id"], strict=True))
    # instrument first; within it the accounts as requested and each account's orders as APEX listed them
    assert pairs == sorted(pairs, key=lambda p: p[0])
    assert [p for p in pairs if p[0] == 1] == [(1, 11, 1101), (1, 11, 1103), (1, 9, 901), (1, 9, 903),
                                                (1, 10, 1001), (1, 10, 1003)]
    assert pairs[-1][0] == 3 and len(frame) == 12


def test_next_page_of_accounts_is_read_while_the_first_pages_orders_are_fetched(make_client: MakeClient) -> None:
    from apex_notebook.client import Client

    gateway = FakeGateway(accounts=tuple(range(1, 1201)), operator=True)
    with Client(URL, username="ops", password="s3cret-Pa55word", transport=gateway.transport(),
                progress=False) as client:
        frame = client.open_orders()
    names = [n for n, _, _ in gateway.calls]
    pages = [i for i, n in enumerate(names) if n == "GetAllAccountPositions"]
    first_orders = names.index("GetOpenOrders")
    # the orders of the first pages are on their way before the last pages are read (not after them)
    assert len(pages) >= 3 and pages[0] < first_orders < pages[2] < pages[-1] < names.index("GetOpenOrders", pages[-1])
    assert frame.attrs["accounts_requested"] == list(range(1, 1201)) and frame["account_id"].nunique() == 1200


def test_accounts_requested_is_a_list_each_derived_frame_copies_cheaply(make_client: MakeClient) -> None:
    import copy

    frame = make_client().open_orders()
    ids = frame.attrs["accounts_requested"]
    assert ids == [9, 10] and isinstance(ids, list)
    derived = frame[frame["account_id"] == 9]
    assert derived.attrs["accounts_requested"] == [9, 10]
    assert derived.attrs["accounts_requested"] is not ids  # its own copy: changing one leaves the other
    clone = copy.deepcopy(ids)
    clone.append(11)
    assert ids == [9, 10] and type(clone) is type(ids)


@pytest.mark.parametrize(("delay", "fewest", "most"), [(0.0, 1, 4), (0.03, 10, 16)])
def test_a_snapshot_uses_fewer_threads_when_the_gateway_answers_at_once(
        delay: float, fewest: int, most: int) -> None:
    import threading
    import time

    import httpx

    from apex_notebook.client import Client

    gateway = FakeGateway(accounts=tuple(range(1, 65)))
    threads: set[str] = set()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/GetOpenOrders"):
            threads.add(threading.current_thread().name)
        time.sleep(delay)
        return gateway.handle(request)

    with Client(URL, username="ops", password="s3cret-Pa55word", transport=httpx.MockTransport(handle),
                progress=False) as client:
        assert (client.quickest_reply >= delay) and client.max_concurrency == 16
        frame = client.open_orders()
    assert len(frame) == 64 * 3
    assert fewest <= len(threads) <= most, sorted(threads)
