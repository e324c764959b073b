"""The panel and the plots on the real Client, talking to the in-process simulator (no network)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
import pandas as pd
import pytest

from apex_notebook import client as client_module
from apex_notebook import simulator
from apex_notebook.audit.journal import Journal
from apex_notebook.cancel.scope import ALL
from apex_notebook.ui import plots
from apex_notebook.ui.panel import CancelPanel
from apex_notebook.ui.panel.scope_picker import ALL_ACCOUNTS_LABEL


@pytest.fixture
def sim() -> Any:
    return simulator.FakeOMS.seeded(seed=7)


def connect(sim: Any, username: str) -> Any:
    return client_module.Client(sim.url, username=username, password="demo", transport=sim.transport(),
                                progress=False)


@pytest.fixture
def ops(sim: Any) -> Iterator[Any]:
    client = connect(sim, "ops")
    yield client
    client.close()


def test_operator_previews_confirms_executes_and_sees_the_result(sim: Any, ops: Any,
                                                                 journal: Journal) -> None:
    panel = CancelPanel(ops, journal=journal)
    assert ALL_ACCOUNTS_LABEL in [label for label, _v in panel.scope.account.options]
    panel.set_scope(9, ALL)
    panel.preview_button.click()
    plan = panel.plan
    assert plan is not None and panel.banner.text == ""
    expected = sim.open_order_ids(account_id=9)
    assert plan.order_ids == expected and len(expected) > 0
    assert f">{len(expected)}</b>" in panel.summary.value
    currencies = set(plan.orders["quote_currency"].astype(str))
    assert len(currencies) > 1  # the summary lists each quote currency on its own
    assert all(f" {currency}" in panel.summary.value for currency in currencies)
    panel.confirm.reason.value = "runaway algo on account 9"
    panel.confirm.confirm.value = plan.confirmation_phrase
    assert not panel.confirm.execute_button.disabled
    panel.confirm.execute_button.click()
    assert panel.banner.level == "ok", panel.banner.text
    assert panel.banner.text == f"verified OK: {len(expected)} canceled"
    result = panel.result
    assert result is not None
    assert set(result.orders["order_id"].astype(int)) == expected
    sim.run_pending()
    assert sim.open_order_ids(account_id=9) == set()
    assert journal.path in panel.result_view.summary.value
    assert panel.confirm.execute_button.disabled
    timeline = journal.timeline(result.execution_id)
    ax = plots.incident_timeline(timeline)
    assert any("intent" in t.get_text() for t in ax.get_yticklabels())
    plots.outcome_breakdown(result)


def test_all_accounts_preview_on_the_whole_oms(sim: Any, ops: Any) -> None:
    panel = CancelPanel(ops)
    panel.set_scope(ALL, 1)
    plan = panel.preview()
    assert plan.order_ids == sim.open_order_ids(instrument_id=1)
    assert "EVERY ACCOUNT" in panel.summary.value
    assert "apex-danger" in panel.scope.account._dom_classes
    assert panel.orders_box.table.value.count("<tr>") == min(plan.count, 1000)


def test_drift_on_the_simulator_stops_execute_and_discards_the_plan(sim: Any, ops: Any,
                                                                    journal: Journal) -> None:
    panel = CancelPanel(ops, journal=journal)
    panel.set_scope(10, ALL)
    plan = panel.preview()
    before = sim.open_order_ids(account_id=10)
    new_id = sim.place_order(10, 1, side="Buy", quantity=1.0, price=99.0)
    panel.confirm.reason.value = "test drift"
    panel.confirm.confirm.value = plan.confirmation_phrase
    panel.confirm.execute_button.click()
    assert f"1 new in scope ({new_id}), 0 gone. Nothing was sent." in panel.banner.text
    assert panel.plan is None and panel.confirm.execute_button.disabled
    assert sim.open_order_ids(account_id=10) == before | {new_id}  # nothing was cancelled


def test_trader_sees_only_their_accounts_and_no_all_choice(sim: Any, journal: Journal) -> None:
    trader = connect(sim, "trader")
    try:
        panel = CancelPanel(trader, journal=journal)
        values = [v for _label, v in panel.scope.account.options if v is not None]
        assert ALL not in values
        assert sorted(values) == [9, 10]
        with pytest.raises(Exception, match="only to an Operator"):
            panel.set_scope(ALL, ALL)
        panel.set_scope(10, 1)
        plan = panel.preview()
        assert plan.executable and plan.order_ids == sim.open_order_ids(account_id=10, instrument_id=1)
        panel.confirm.mode.value = "exact"
        panel.confirm.reason.value = "trader cleans up BTCUSD"
        panel.confirm.confirm.value = plan.confirmation_phrase
        result = panel.execute()
        assert result.summary["mode"] == "exact"
        assert panel.banner.level == "ok" and panel.banner.text.startswith("verified OK")
    finally:
        trader.close()


def test_gateway_error_during_preview_is_shown(sim: Any, ops: Any) -> None:
    panel = CancelPanel(ops)
    panel.set_scope(9, ALL)
    sim.faults.fail_next("GetOpenOrders", 20, times=20)
    panel.preview_button.click()
    assert panel.plan is None and panel.state == "ready"
    assert panel.banner.text, "the error must be shown in the panel"
    assert panel.confirm.execute_button.disabled


def test_no_session_token_or_password_in_widget_state(sim: Any, ops: Any) -> None:
    panel = CancelPanel(ops)
    panel.set_scope(10, ALL)
    panel.preview()
    tokens = {str(getattr(ops._auth, name)) for name in ("token", "_token") if getattr(ops._auth, name, None)}
    assert tokens, "the session token should be findable, or this test checks nothing"
    state = "\n".join(json.dumps(w.get_state(), default=repr) for w in _walk(panel)
                      if isinstance(w, widgets.Widget))
    for secret in tokens:
        assert secret not in state
    assert "password" not in state.lower()
    assert "demo" not in {str(v) for w in _walk(panel) if isinstance(w, widgets.Text) for v in (w.value,)}


def test_plots_on_a_real_snapshot(sim: Any, ops: Any) -> None:
    before = ops.open_orders()
    assert len(before) > 0
    plots.open_orders_heatmap(before)
    plots.notional_by_instrument(before)
    plots.order_age_distribution(before, now=pd.Timestamp(sim.clock.now(), unit="s", tz="UTC"))
    after = before[before["account_id"] != 9]
    ax = plots.before_after_by_account(before, after)
    assert ax.patches


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_failed_drift_check_says_nothing_was_sent(sim: Any, journal: Journal) -> None:
    """The gateway fails the pre-send re-read: no cancel leaves, nothing is journalled, and the panel says so."""
    client = client_module.Client(sim.url, username="ops", password="demo", transport=sim.transport(),
                                  progress=False, max_retries=0)
    panel = CancelPanel(client, journal=journal)
    panel.set_scope(9, ALL)
    plan = panel.preview()
    panel.confirm.reason.value = "incident 7"
    panel.confirm.confirm.value = plan.confirmation_phrase
    sim.faults.http_status_next("GetOpenOrders", 503)
    panel.confirm.execute_button.click()
    assert not [r for r in sim.requests if r.name == "CancelAllOrders"]
    assert journal.executions().empty and not plan.executed
    assert "Nothing was sent" in panel.banner.text and "may or may not" not in panel.banner.text
    assert "has been executed" not in panel.confirm.phrase.value
    client.close()
