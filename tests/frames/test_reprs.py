"""The reprs of plans and results: per-currency notional, formatted tables, outcome first, the ack in words."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import pytest
from client_fakes import order

import apex_notebook as apx
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.cancel.result import CancelResult, empty_result_frame, summarise, typed_result
from apex_notebook.cancel.result_html import ack_words
from apex_notebook.cancel.scope import ALL, CancelScope
from apex_notebook.frames.tables import orders_frame


def plan_of(records: list[dict[str, Any]]) -> CancelPlan:
    frame = orders_frame(records, instruments={1: "BTCUSD", 3: "BTCEUR", 6: "LTCBTC"},
                         quotes={1: "USD", 3: "EUR", 6: "BTC"})
    frame.attrs["price_decimals"] = {1: 2, 3: 2, 6: 6}
    return CancelPlan(scope=CancelScope(9, ALL), orders=frame, taken_at=pd.Timestamp("2026-11-30 07:25:41.86",
                      tz="UTC"), symbols={1: "BTCUSD", 3: "BTCEUR", 6: "LTCBTC"})


def test_notional_is_per_quote_currency_never_summed() -> None:
    plan = plan_of([order(1, 9, Price=100.0, Quantity=2.0), order(2, 9, Price=50.0, Quantity=1.0),
                    order(3, 9, instrument=3, Price=10.0, Quantity=1.0),
                    order(4, 9, instrument=6, Price=0.0021, Quantity=3.0),
                    order(5, 9, instrument=6, OrderType="Market", Quantity=3.0)])
    totals = plan.notional_by_currency
    assert totals.to_dict() == pytest.approx({"BTC": 0.0063, "EUR": 10.0, "USD": 250.0})
    assert plan.total_notional.equals(totals)  # the old name now tells the truth per currency
    assert plan.notional_text() == "250.00 USD · 10.00 EUR · 0.006300 BTC"
    page = plan._repr_html_()
    assert "250.00 USD · 10.00 EUR · 0.006300 BTC" in page and "2026-11-30 07:25:41 UTC" in page
    assert "07:25:41.86" not in page and "total notional" not in page
    assert "250.00 USD" in repr(plan)


def test_unknown_quote_currency_is_said() -> None:
    frame = orders_frame([order(1, 9)])
    plan = CancelPlan(scope=CancelScope(9, ALL), orders=frame, taken_at=pd.Timestamp.now(tz="UTC"), symbols={})
    assert plan.notional_by_currency.index.tolist() == ["(unknown currency)"]
    assert "(unknown currency)" in plan.notional_text()


def test_plan_table_is_formatted_for_people() -> None:
    plan = plan_of([order(1, 9, Price=61635.49, Quantity=0.0162),
                    order(2, 9, OrderType="StopMarket", StopPrice=60000.0, Price=0.0, Quantity=0.5)])
    page = plan._repr_html_()
    assert "61,635.49" in page and "0.0162" in page and "0.016200" not in page
    assert not re.search(r">0\.0+<", page) and ">nan<" not in page.lower() and "&lt;NA&gt;" not in page


def result_of(ack: dict[str, Any], **extra: Any) -> CancelResult:
    rows = pd.DataFrame([{"execution_id": "e1", "order_id": i, "account_id": 9, "instrument_id": 1,
                          "outcome": outcome, "final_state": state, "previewed": True,
                          "verified_at": pd.Timestamp("2026-11-30 07:25:41.123456", tz="UTC")}
                         for i, (outcome, state) in enumerate([("canceled", "Canceled")] * 3
                                                              + extra.pop("more", []), start=1)])
    orders = typed_result(rows)
    summary = summarise(orders, empty_result_frame(), ack=ack, mode="cancel_all", drift={}, stats={}, timings={})
    summary.update(extra)
    return CancelResult("e1", orders, empty_result_frame(), summary, "account 9")


def test_result_headline_outcome_first() -> None:
    ok = result_of({"status": "ok"})
    assert ok.headline == "verified OK: 3 canceled" and repr(ok).startswith("<CancelResult e1: verified OK")
    bad = result_of({"status": "ok"}, more=[("still_open", "Working")] * 2, unplanned=1)
    assert bad.headline.startswith("NOT OK: 1 unplanned, 2 still open")
    assert bad.headline.endswith("; 3 canceled")
    page = bad._repr_html_()
    assert page.index("NOT OK") < page.index("Cancel result e1") and "UNPLANNED" in page


def test_ack_in_words() -> None:
    assert ack_words({"ack_status": "ok"}) == "acknowledged"
    assert ack_words({"ack_status": "noop"}) == "nothing to cancel: no request sent"
    assert ack_words({"ack_status": "unknown", "ack_errormsg": "BadResponseError"}) == (
        "reply lost (BadResponseError) — verified instead")
    assert ack_words({"ack_status": "error", "ack_errormsg": "Not Authorized", "ack_errorcode": 20}) == (
        "refused by APEX: Not Authorized (errorcode 20)")
    lost = result_of({"status": "unknown", "errormsg": "BadResponseError"})
    assert "reply lost (BadResponseError) — verified instead" in lost._repr_html_()
    assert "Acknowledgement: unknown" not in lost._repr_html_()


def test_result_table_starts_with_outcome_and_shows_the_journal() -> None:
    result = result_of({"status": "ok"}, coverage_complete=False, coverage_note="account 12 could not be read")
    assert result.headline.startswith("NOT OK: coverage incomplete")
    page = result._repr_html_()
    header = re.findall(r"<th>(\w+)</th>", page.split("apex-orders-table", 1)[1])
    assert header[0] == "outcome" and "execution_id" not in header
    assert "2026-11-30 07:25:41<" in page and "account 12 could not be read" in page
    assert "not recorded on the result" in page
    object.__setattr__(result, "journal_path", "/tmp/apex-journal.sqlite")  # set by execute (lead's field)
    assert "/tmp/apex-journal.sqlite" in result._repr_html_() and "/tmp/apex-journal.sqlite" in repr(result)


def test_public_names_still_import() -> None:
    assert apx.CancelResult is CancelResult and apx.CancelPlan is CancelPlan


def test_a_plan_that_cannot_run_offers_no_phrase() -> None:
    frame = orders_frame([order(1, 9)], quotes={1: "USD"})
    plan = CancelPlan(scope=CancelScope(9, ALL), orders=frame, taken_at=pd.Timestamp.now(tz="UTC"), symbols={},
                      refusal="Not Authorized: this user may only read account 9")
    page = plan._repr_html_()
    assert "Cannot be executed" in page and "cannot be executed (see above)" in page
    assert "confirm with" not in page and "apex-orders-table" in page  # the orders in scope are still shown
