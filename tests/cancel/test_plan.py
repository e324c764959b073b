"""The binding preview (DESIGN §2.2, §2.7): CancelPlan from make_plan, with a fake client."""

from __future__ import annotations

import hashlib
import threading

import pandas as pd
import pytest
from cancel_fakes import FakeClient, mixed_records, record

from apex_notebook.cancel.plan import HTML_ROWS, CancelPlan, fingerprint, make_plan
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.wire.errors import AlreadyExecutedError, PartialSnapshotError, PlanError


def working(records: list[dict[str, object]], account: object = ALL, instrument: object = ALL) -> list[int]:
    return sorted(int(r["OrderId"]) for r in records if r["OrderState"] == "Working"  # type: ignore[call-overload]
                  and (account is ALL or r["Account"] == account)
                  and (instrument is ALL or r["Instrument"] == instrument))


def test_plan_freezes_the_scope_orders_with_facts() -> None:
    records = mixed_records()
    client = FakeClient(records)
    plan = make_plan(client, CancelScope(9, ALL))
    ids = working(records, 9)
    assert sorted(plan.orders["order_id"]) == ids and plan.count == len(ids) == 6
    assert plan.fingerprint == hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    assert plan.fingerprint == fingerprint(reversed(ids))
    assert plan.confirmation_phrase == "CANCEL 6 ORDERS ON ACCOUNT 9, ALL INSTRUMENTS"
    assert plan.by_account.to_dict() == {9: 6}
    assert plan.by_instrument.to_dict() == {"BTCUSD": 2, "ETHUSD": 2, "LTCUSD": 2}
    assert plan.by_side.sum() == 6 and plan.by_order_type.sum() == 6
    total = pytest.approx(float(plan.orders["notional"].sum()))
    assert plan.notional_by_currency.to_dict() == {"(unknown currency)": total}  # the fake lists no quotes
    assert plan.oldest_order is not None and int(plan.oldest_order["order_id"]) == min(ids)
    assert plan.newest_order is not None and int(plan.newest_order["order_id"]) == max(ids)
    assert plan.taken_at == pd.Timestamp("2026-01-01", tz="UTC")
    assert plan.executable and plan.refusal is None and not plan.executed
    assert client.fetches == [(9, ALL)]
    assert plan.describe() == "every order of account 9 on OMS 1, all instruments"
    assert len(plan.plan_id) == 12


def test_confirmation_phrases() -> None:
    records = mixed_records()
    client = FakeClient(records)
    assert (make_plan(client, CancelScope(ALL, 1)).confirmation_phrase
            == "CANCEL 6 ORDERS ON ALL ACCOUNTS OF OMS 1, INSTRUMENT BTCUSD (1)")
    assert (make_plan(client, CancelScope(0, 0)).confirmation_phrase
            == "CANCEL 18 ORDERS ON ALL ACCOUNTS OF OMS 1, ALL INSTRUMENTS")
    assert (make_plan(client, CancelScope(10, 2)).confirmation_phrase
            == "CANCEL 2 ORDERS ON ACCOUNT 10, INSTRUMENT ETHUSD (2)")
    one = FakeClient([record(1, 9, 1)])
    assert (make_plan(one, CancelScope(9, 1)).confirmation_phrase
            == "CANCEL 1 ORDER ON ACCOUNT 9, INSTRUMENT BTCUSD (1)")


def test_zero_is_all_in_plans_too() -> None:
    client = FakeClient(mixed_records())
    zero, explicit = make_plan(client, CancelScope(0, 1)), make_plan(client, CancelScope(ALL, 1))
    assert zero.confirmation_phrase == explicit.confirmation_phrase
    assert zero.fingerprint == explicit.fingerprint
    assert "WARNING" in zero._repr_html_()


def test_empty_scope_is_a_valid_zero_order_plan() -> None:
    plan = make_plan(FakeClient(mixed_records()), CancelScope(12, ALL))
    assert plan.count == 0 and plan.executable
    assert plan.confirmation_phrase == "CANCEL 0 ORDERS ON ACCOUNT 12, ALL INSTRUMENTS"
    assert plan.oldest_order is None and plan.notional_by_currency.empty
    assert "0</b> working orders" in plan._repr_html_()


def test_plan_selects_even_if_the_snapshot_is_wider() -> None:
    client = FakeClient(mixed_records())
    client.open_orders = lambda *a, **k: client.orders  # type: ignore[method-assign]  # every state, every account
    plan = make_plan(client, CancelScope(9, 1))
    assert sorted(plan.orders["order_id"]) == working(mixed_records(), 9, 1)


def test_partial_snapshot_never_makes_a_complete_plan() -> None:
    client = FakeClient(mixed_records(), failed={10: "timeout"})
    with pytest.raises(PartialSnapshotError):
        make_plan(client, CancelScope(ALL, ALL))


def test_trading_user_all_accounts_plan_is_not_executable() -> None:
    client = FakeClient(mixed_records(), operator=False, accounts=(9, 10))
    plan = make_plan(client, CancelScope(ALL, 1))
    assert not plan.executable and "Not Authorized" in (plan.refusal or "")
    assert client.fetches == [] and plan.count == 0
    assert "Cannot be executed" in plan._repr_html_()


def test_trading_user_unassociated_account_is_not_executable() -> None:
    client = FakeClient(mixed_records(), operator=False, accounts=(9, 10))
    refused = make_plan(client, CancelScope(11, ALL))
    assert not refused.executable and "not associated with account 11" in (refused.refusal or "")
    allowed = make_plan(client, CancelScope(10, ALL))
    assert allowed.executable and allowed.count == 6


def test_read_only_user_cannot_cancel() -> None:
    client = FakeClient(mixed_records(), operator=False, permissions=frozenset({"AccountReadOnly"}))
    assert "neither" in (make_plan(client, CancelScope(9, ALL)).refusal or "")


def test_operator_may_cancel_anywhere_but_only_on_its_oms() -> None:
    client = FakeClient(mixed_records())
    assert make_plan(client, CancelScope(ALL, ALL)).executable
    assert "OMS 2" in (make_plan(client, CancelScope(9, ALL, oms_id=2)).refusal or "")


def test_preview_needs_a_scope() -> None:
    with pytest.raises(PlanError):
        make_plan(FakeClient([]), (9, 1))  # type: ignore[arg-type]


def test_plan_owns_a_copy_of_its_orders() -> None:
    client = FakeClient(mixed_records())
    snapshot = client.open_orders(9, 1)
    plan = CancelPlan(scope=CancelScope(9, 1), orders=snapshot, taken_at=pd.Timestamp.now(tz="UTC"),
                      symbols={})
    snapshot.loc[0, "order_id"] = 999
    assert 999 not in plan.order_ids
    assert plan.fingerprint == fingerprint(plan.orders["order_id"])


def test_a_plan_is_claimed_at_most_once_across_threads() -> None:
    plan = make_plan(FakeClient(mixed_records()), CancelScope(9, ALL))
    wins: list[int] = []
    losses: list[int] = []
    barrier = threading.Barrier(16)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            plan._claim()
            wins.append(i)
        except AlreadyExecutedError:
            losses.append(i)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == 15


def test_claim_release_and_consume() -> None:
    plan = make_plan(FakeClient(mixed_records()), CancelScope(9, ALL))
    plan._claim()
    plan._release()            # refused before the send: may be retried
    plan._claim()
    plan._consume()            # intent journalled: spent forever
    plan._release()
    assert plan.executed
    with pytest.raises(AlreadyExecutedError, match="at most once"):
        plan._claim()
    assert "executed" in repr(plan) and "has been executed" in plan._repr_html_()


def test_html_has_words_banner_counts_and_only_first_rows() -> None:
    many = [record(i, 9 + i % 3, 1 + i % 2) for i in range(1, 201)]
    plan = make_plan(FakeClient(many), CancelScope(ALL, ALL))
    page = plan._repr_html_()
    assert "every order of every account on OMS 1, all instruments" in page
    assert "WARNING" in page and "EVERY ACCOUNT" in page
    assert "by account" in page and "by side" in page
    assert page.count("<tr>") <= HTML_ROWS + 2
    assert f"first {HTML_ROWS} of 200 orders" in page
    assert "CANCEL 200 ORDERS ON ALL ACCOUNTS OF OMS 1, ALL INSTRUMENTS" in page
    narrow = make_plan(FakeClient(many), CancelScope(9, 1))._repr_html_()
    assert "WARNING" not in narrow


def test_counts_list_only_what_the_plan_holds() -> None:
    # The symbol column is categorical: unused instruments must not appear as zero counts.
    plan = make_plan(FakeClient(mixed_records()), CancelScope(9, 1))
    assert plan.by_instrument.to_dict() == {"BTCUSD": 2}
    assert (plan.by_side > 0).all() and (plan.by_order_type > 0).all()


def test_a_client_that_cannot_tell_its_permissions_is_refused() -> None:
    # Fail closed: no permissions attribute must not be read as "Trading".
    client = FakeClient(mixed_records(), operator=False, accounts=(9, 10))
    del client.permissions
    plan = make_plan(client, CancelScope(9, ALL))
    assert not plan.executable and "neither" in (plan.refusal or "")


def test_oldest_and_newest_break_same_millisecond_ties_by_order_id() -> None:
    # A burst: several orders in one millisecond, listed in no particular order by the gateway.
    same_ms = 1_767_225_700_000
    records = [record(oid, 9, 1, receive_ms=same_ms) for oid in (42, 40, 44, 41)]
    records += [record(oid, 9, 1, receive_ms=same_ms - 5_000) for oid in (31, 30)]
    plan = make_plan(FakeClient(records), CancelScope(9, 1))
    assert plan.newest_order is not None and int(plan.newest_order["order_id"]) == 44
    assert plan.oldest_order is not None and int(plan.oldest_order["order_id"]) == 30
