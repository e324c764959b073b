"""CancelPanel in process: every state transition, guard and error path, driven by click() and methods."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import ipywidgets as widgets
import pandas as pd
import pytest
from ui_fakes import PASSWORD, TOKEN, FakeClient, make_orders

from apex_notebook.cancel.scope import ALL
from apex_notebook.ui.panel import CancelPanel
from apex_notebook.ui.panel.scope_picker import ALL_ACCOUNTS_LABEL, ALL_INSTRUMENTS_LABEL
from apex_notebook.wire.errors import DriftError, NotAuthorizedError, PlanError, ScopeError, TransportError


def walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def by_class(panel: CancelPanel, css: str) -> list[Any]:
    return [w for w in walk(panel) if css in getattr(w, "_dom_classes", ())]


def confirm_plan(panel: CancelPanel, reason: str = "runaway algo") -> None:
    panel.confirm.reason.value = reason
    assert panel.plan is not None
    panel.confirm.confirm.value = panel.plan.confirmation_phrase


def executes(client: FakeClient) -> list[Any]:
    return [c for c in client.calls if c[0] == "execute"]


@pytest.fixture
def panel(fake_client: FakeClient) -> CancelPanel:
    return CancelPanel(fake_client)


# --------------------------------------------------------------------------- construction
def test_starts_with_nothing_chosen_and_everything_disabled(panel: CancelPanel) -> None:
    assert panel.scope.account.value is None and panel.scope.instrument.value is None
    assert panel.state == "choosing"
    assert panel.preview_button.disabled
    assert panel.confirm.execute_button.disabled
    assert panel.confirm.execute_button.button_style == "danger"
    assert panel.plan is None and panel.result is None


def test_stable_css_classes_for_the_browser_test(panel: CancelPanel) -> None:
    for css in ("apex-panel", "apex-preview", "apex-execute", "apex-reason", "apex-confirm", "apex-account",
                "apex-instrument", "apex-plan", "apex-plan-phrase", "apex-results", "apex-mode", "apex-banner",
                "apex-banner-line", "apex-progress", "apex-collateral", "apex-plan-table", "apex-result-table"):
        assert by_class(panel, css) or [w for w in (panel.result_view.summary, panel.result_view.collateral,
                                                    panel.result_view.table, panel.orders_box.table)
                                        if css in w._dom_classes], css


def test_account_and_instrument_choices(panel: CancelPanel) -> None:
    labels = [label for label, _value in panel.scope.account.options]
    assert ALL_ACCOUNTS_LABEL in labels
    assert "9 — Account 9" in labels and "11 — Account 11" in labels
    instruments = dict(panel.scope.instrument.options)
    assert instruments[ALL_INSTRUMENTS_LABEL] is ALL
    assert instruments["BTCUSD (1)"] == 1


def test_all_accounts_is_last_after_a_separator_far_from_the_placeholder(panel: CancelPanel) -> None:
    options = list(panel.scope.account.options)
    assert options[0][1] is None and options[0][0].startswith("— choose")
    assert options[-1] == (ALL_ACCOUNTS_LABEL, ALL) and options[-2][1] is None and "operator only" in options[-2][0]
    assert ALL_ACCOUNTS_LABEL.startswith("⚠ ALL ACCOUNTS")
    panel.scope.account.index = len(options) - 2  # the separator chooses nothing
    assert panel.scope.selection is None and panel.preview_button.disabled


def test_trader_has_no_all_accounts_choice() -> None:
    client = FakeClient(is_operator=False, username="trader")
    panel = CancelPanel(client)
    values = [value for _label, value in panel.scope.account.options]
    assert ALL not in values
    assert ALL_ACCOUNTS_LABEL not in [label for label, _value in panel.scope.account.options]
    assert [v for v in values if v is not None] == [9, 10]
    with pytest.raises(ScopeError, match="only to an Operator"):
        panel.set_scope(ALL, ALL)
    assert "only to an Operator" in panel.banner.text
    assert panel.scope.account.value is None


def test_set_scope_refuses_unknown_and_bad_ids(panel: CancelPanel) -> None:
    with pytest.raises(ScopeError, match="not one of the choices"):
        panel.set_scope(99, ALL)
    with pytest.raises(ScopeError, match="None never means"):
        panel.set_scope(None, ALL)
    with pytest.raises(ScopeError):
        panel.set_scope(9, 1.0)
    assert panel.state == "choosing"


def test_all_accounts_choice_is_visibly_dangerous(panel: CancelPanel) -> None:
    panel.set_scope(0, ALL)  # 0 is a synonym of ALL
    assert panel.scope.account.value is ALL
    assert "apex-danger" in panel.scope.account._dom_classes
    assert panel.scope.danger.layout.display == "block"
    assert "EVERY ACCOUNT" in panel.scope.danger.value
    panel.set_scope(9, ALL)
    assert "apex-danger" not in panel.scope.account._dom_classes
    assert panel.scope.danger.layout.display == "none"


def test_accounts_failure_is_shown_not_raised() -> None:
    client = FakeClient()
    client.accounts_error = TransportError("connect failed to the gateway")
    panel = CancelPanel(client)
    assert "could not be reached" in panel.banner.text
    assert panel.banner.layout.display == "flex"
    assert [v for _l, v in panel.scope.account.options if isinstance(v, int)] == []


# --------------------------------------------------------------------------- preview
def test_preview_click_shows_the_plan(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.set_scope(9, ALL)
    assert panel.state == "ready" and not panel.preview_button.disabled
    panel.preview_button.click()
    plan = panel.plan
    assert plan is not None and plan.count == 4
    assert panel.state == "planned"
    assert fake_client.calls[0][1].account_id == 9
    assert ">4</b> orders" in panel.summary.value
    assert plan.confirmation_phrase in panel.confirm.phrase.value
    assert panel.confirm.confirm.placeholder == plan.confirmation_phrase
    assert "account 9" in panel.summary.value
    assert "9 — Account 9" in panel.summary.value
    assert panel.orders_box.chart.value.tobytes() == b""  # drawn only when its accordion is opened
    panel.orders_box.charts.selected_index = 0
    assert panel.orders_box.chart.value.tobytes().startswith(b"\x89PNG")
    assert panel.orders_box.table.value.count("<tr>") == 4  # one row per order (the header row is styled)
    assert "max-height:320px;overflow:auto" in panel.orders_box.table.value
    assert panel.confirm.execute_button.disabled  # no reason, no phrase yet


def test_progress_is_shown_while_the_snapshot_runs(panel: CancelPanel, fake_client: FakeClient) -> None:
    seen: list[tuple[str, str, bool, bool]] = []
    fake_client.during = lambda _action: seen.append(
        (panel.state, panel.progress.layout.display, panel.preview_button.disabled,
         panel.confirm.execute_button.disabled))
    panel.set_scope(9, 1)
    panel.preview()
    assert seen == [("busy", "flex", True, True)]
    assert panel.progress.layout.display == "none"
    assert not panel.preview_button.disabled


def test_all_accounts_plan_has_a_warning_banner(panel: CancelPanel) -> None:
    panel.set_scope(ALL, 1)
    plan = panel.preview()
    assert plan.count == 6
    assert "WARNING" in panel.summary.value
    assert "EVERY ACCOUNT" in panel.summary.value


def test_preview_without_a_scope_is_refused(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.preview_button.click()  # disabled, but click() fires anyway
    assert fake_client.calls == []
    assert "choose an account and an instrument" in panel.banner.text


def test_apex_error_from_preview_is_shown_in_the_panel(panel: CancelPanel, fake_client: FakeClient) -> None:
    fake_client.preview_error = NotAuthorizedError("Not Authorized for account 9", call="GetOpenOrders",
                                                   errorcode=20)
    panel.set_scope(9, ALL)
    panel.preview_button.click()  # must not raise
    assert panel.plan is None and panel.state == "ready"
    assert "Preview failed" in panel.banner.message.value
    assert "Not Authorized" in panel.banner.text and "permission" in panel.banner.text
    assert panel.banner.accordion.selected_index is None  # traceback collapsed
    assert "NotAuthorizedError" in panel.banner.details.value
    assert panel.progress.layout.display == "none"
    assert panel.confirm.execute_button.disabled
    fake_client.preview_error = None
    panel.preview_button.click()
    assert panel.banner.text == "" and panel.banner.layout.display == "none"


def test_unexpected_error_is_shown_with_its_traceback(panel: CancelPanel, fake_client: FakeClient) -> None:
    fake_client.preview_error = KeyError("Instrument")
    panel.set_scope(9, ALL)
    with pytest.raises(KeyError):
        panel.preview()  # the method raises to a caller in code ...
    assert "Something unexpected went wrong (KeyError" in panel.banner.text  # ... and the panel shows it
    assert "KeyError" in panel.banner.details.value and "Traceback" not in panel.banner.details.value


def test_refused_plan_cannot_be_executed() -> None:
    client = FakeClient(is_operator=False, username="viewer")
    client.permissions = frozenset({"AccountReadOnly"})
    panel = CancelPanel(client)
    panel.set_scope(9, ALL)
    plan = panel.preview()
    assert not plan.executable
    assert "Cannot execute:</b> Not Authorized" in panel.summary.value
    assert panel.confirm.phrase.value == "" and "CANCEL" not in panel.confirm.confirm.placeholder
    assert panel.confirm.reason.disabled and panel.confirm.confirm.disabled and panel.confirm.mode.disabled
    assert panel.confirm.execute_button.disabled
    panel.confirm.execute_button.click()  # click() fires even on a disabled button
    assert executes(client) == []
    assert panel.banner.text.startswith("This plan cannot run (Not Authorized")
    assert "ask an Operator" in panel.banner.text


def test_large_plan_shows_first_rows_and_totals() -> None:
    orders = make_orders([(i, 9 + i % 30, 1 + i % 2, "Buy") for i in range(1, 501)])
    panel = CancelPanel(FakeClient(orders=orders))
    panel.set_scope(ALL, ALL)
    panel.preview()
    table = panel.orders_box.table.value
    assert table.count("<tr>") == 500 and "max-height:320px;overflow:auto" in table  # all rows, in a bounded box
    assert "<i>25 more</i>" in panel.summary.value  # 30 accounts: the top 5 are listed
    assert ">500</b> orders" in panel.summary.value
    assert "100,000 USD" in panel.summary.value  # 500 x 100 x 2, per quote currency


def test_huge_plan_renders_only_the_first_thousand_rows() -> None:
    orders = make_orders([(i, 9, 1, "Buy") for i in range(1, 1502)])
    panel = CancelPanel(FakeClient(orders=orders))
    panel.set_scope(9, ALL)
    panel.preview()
    assert panel.orders_box.table.value.count("<tr>") == 1000
    assert "the first 1000 of 1501" in panel.orders_box.table.value


def test_notional_is_never_summed_across_currencies() -> None:
    orders = make_orders([(1, 9, 1, "Buy"), (2, 9, 3, "Sell"), (3, 9, 3, "Sell")])
    panel = CancelPanel(FakeClient(orders=orders))
    panel.set_scope(9, ALL)
    panel.preview()
    assert "400 EUR · 200 USD" in panel.summary.value.replace("&middot;", "·")
    assert "600" not in panel.summary.value


def test_empty_plan_is_shown_and_executes_as_a_no_op() -> None:
    client = FakeClient(orders=make_orders([]))
    panel = CancelPanel(client)
    panel.set_scope(9, 1)
    plan = panel.preview()
    assert plan.count == 0
    assert ">0</b> orders" in panel.summary.value
    assert panel.orders_box.chart.value.tobytes() == b""
    confirm_plan(panel)
    assert not panel.confirm.execute_button.disabled
    panel.confirm.execute_button.click()
    assert panel.result is not None and len(panel.result.orders) == 0


# --------------------------------------------------------------------------- the execute guard
def test_execute_without_a_plan_is_blocked(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.confirm.reason.value = "x"
    panel.confirm.execute_button.click()
    assert executes(fake_client) == []
    assert "Execute blocked:" in panel.banner.message.value and "press Preview" in panel.banner.text
    assert panel.banner.text.startswith("There is no plan")
    with pytest.raises(PlanError, match="no plan"):
        panel.execute()


def test_execute_enables_only_with_reason_and_exact_phrase(panel: CancelPanel,
                                                           fake_client: FakeClient) -> None:
    panel.set_scope(9, ALL)
    plan = panel.preview()
    button = panel.confirm.execute_button
    panel.confirm.confirm.value = plan.confirmation_phrase
    assert button.disabled and "reason" in panel.confirm.hint.value
    button.click()
    assert executes(fake_client) == [] and panel.banner.text.startswith("Give a reason")
    panel.confirm.reason.value = "   "
    assert button.disabled
    panel.confirm.reason.value = "runaway algo"
    assert not button.disabled
    panel.confirm.confirm.value = plan.confirmation_phrase.lower()
    assert button.disabled
    button.click()
    assert executes(fake_client) == []
    assert panel.banner.text.startswith(f"The typed phrase does not match; type exactly: {plan.confirmation_phrase}")
    assert "does not match" in panel.confirm.hint.value
    panel.confirm.confirm.value = plan.confirmation_phrase + "  "  # surrounding blanks are forgiven
    assert not button.disabled
    assert panel.blockers() == []


def test_execute_once_per_plan(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.set_scope(9, ALL)
    plan = panel.preview()
    confirm_plan(panel)
    panel.confirm.execute_button.click()
    assert len(executes(fake_client)) == 1
    call = executes(fake_client)[0][1]
    assert call["plan"] is plan and call["reason"] == "runaway algo"
    assert call["confirm"] == plan.confirmation_phrase and call["mode"] == "cancel_all"
    assert panel.state == "executed"
    assert panel.confirm.execute_button.disabled
    panel.confirm.confirm.value = plan.confirmation_phrase  # retyping does not re-arm it
    assert panel.confirm.execute_button.disabled
    panel.confirm.execute_button.click()
    assert len(executes(fake_client)) == 1
    assert "already used" in panel.banner.text
    panel.preview()  # a new plan re-arms it after typing its phrase
    confirm_plan(panel)
    assert not panel.confirm.execute_button.disabled


def test_exact_mode_is_passed_through(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.set_scope(10, 1)
    panel.preview()
    panel.confirm.mode.value = "exact"
    confirm_plan(panel)
    panel.execute()
    assert executes(fake_client)[0][1]["mode"] == "exact"


def test_changing_the_scope_discards_the_plan(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.set_scope(9, ALL)
    plan = panel.preview()
    confirm_plan(panel)
    assert not panel.confirm.execute_button.disabled
    panel.scope.instrument.value = 1  # what a person's dropdown change does
    assert panel.plan is None and panel.state == "ready"
    assert panel.confirm.execute_button.disabled
    assert panel.orders_box.layout.display == "none" and panel.summary.value == ""
    assert panel.confirm.confirm.value == ""
    panel.confirm.confirm.value = plan.confirmation_phrase
    panel.confirm.execute_button.click()
    assert executes(fake_client) == []
    panel.set_scope(9, ALL)  # going back does not resurrect the old plan
    assert panel.plan is None


def test_busy_panel_blocks_a_second_execute(panel: CancelPanel, fake_client: FakeClient) -> None:
    panel.set_scope(9, ALL)
    panel.preview()
    confirm_plan(panel)
    inner: list[str] = []

    def reenter(action: str) -> None:
        if action == "execute":
            assert panel.state == "busy" and panel.confirm.execute_button.disabled
            panel.confirm.execute_button.click()  # a second click while the first runs
            inner.append(panel.banner.text)

    fake_client.during = reenter
    panel.execute()
    assert len(executes(fake_client)) == 1
    assert "busy" in inner[0]


# --------------------------------------------------------------------------- results and errors
def test_result_is_shown_with_outcomes_collateral_and_journal(fake_client: FakeClient) -> None:
    fake_client.outcomes = {1001: "filled_before_cancel"}
    fake_client.collateral = make_orders([(5001, 12, 1, "Buy")])
    journal = SimpleNamespace(path="/tmp/incident.sqlite")
    panel = CancelPanel(fake_client, journal=journal)
    panel.set_scope(9, ALL)
    panel.preview()
    confirm_plan(panel)
    panel.confirm.execute_button.click()
    result = panel.result
    assert result is not None
    assert executes(fake_client)[0][1]["journal"] is journal
    headline = "NOT OK: 1 collateral; 3 canceled, 1 filled before the cancel"
    assert panel.result_view.headline == headline
    assert panel.banner.text == headline and panel.banner.level == "error"  # outcome first, in the banner too
    summary = panel.result_view.summary.value
    assert summary.index(headline) < summary.index("exec-1") < summary.index("/tmp/incident.sqlite")
    assert "Acknowledgement: acknowledged (mode cancel_all)" in summary
    assert "COLLATERAL: 1 order(s) OUTSIDE the scope" in panel.result_view.collateral.value
    collateral = panel.result_view.collateral.value
    assert "#b00020" in collateral and "accounts 12" in collateral
    table = panel.result_view.table.value
    assert table.count("filled_before_cancel") == 1 and "max-height:320px" in table
    assert table.index("<th>outcome</th>") < table.index("<th>order_id</th>")  # outcome first
    assert "executed" in panel.confirm.phrase.value


def test_clean_result_and_the_client_journal(fake_client: FakeClient) -> None:
    fake_client.journal = SimpleNamespace(path="apex-journal.sqlite")  # type: ignore[attr-defined]
    panel = CancelPanel(fake_client)
    panel.set_scope(11, 2)
    panel.preview()
    confirm_plan(panel)
    panel.execute()
    assert panel.result_view.headline == "verified OK: 2 canceled"
    assert panel.banner.level == "ok" and "verified OK" in panel.result_view.summary.value
    assert panel.result_view.collateral.value == ""
    assert "apex-journal.sqlite" in panel.result_view.summary.value
    panel.preview()  # the next preview clears the old result
    assert panel.result is None and panel.result_view.layout.display == "none"


def test_transport_error_on_execute_is_explained_and_not_retried(panel: CancelPanel,
                                                                 fake_client: FakeClient) -> None:
    fake_client.execute_error = TransportError("timed out after 10 s", call="CancelAllOrders")
    panel.set_scope(9, ALL)
    panel.preview()
    confirm_plan(panel)
    panel.confirm.execute_button.click()
    assert "Execute failed" in panel.banner.message.value
    assert "The cancel may have been sent" in panel.banner.text
    assert "never re-sent" in panel.banner.text and "Nothing was sent" not in panel.banner.text
    assert panel.state == "failed" and panel.confirm.execute_button.disabled
    panel.confirm.execute_button.click()
    assert len(executes(fake_client)) == 1


def test_drift_error_discards_the_plan(panel: CancelPanel, fake_client: FakeClient) -> None:
    added = make_orders([(7001, 9, 1, "Buy"), (7002, 9, 1, "Buy")])
    fake_client.execute_error = DriftError("drift", added=added, removed=added.iloc[0:0])
    panel.set_scope(9, ALL)
    panel.preview()
    confirm_plan(panel)
    with pytest.raises(DriftError):
        panel.execute()
    assert "2 new in scope (7001, 7002), 0 gone. Nothing was sent." in panel.banner.text
    assert "press Preview" in panel.banner.text
    assert panel.plan is None and panel.state == "ready"


def test_unexpected_error_on_execute(panel: CancelPanel, fake_client: FakeClient) -> None:
    fake_client.execute_error = RuntimeError("boom")
    panel.set_scope(9, ALL)
    panel.preview()
    confirm_plan(panel)
    panel.confirm.execute_button.click()
    assert "Something unexpected went wrong (RuntimeError: boom)" in panel.banner.text
    assert "never re-sent" in panel.banner.text
    assert "RuntimeError" in panel.banner.details.value


def test_an_interrupted_execute_is_said_and_the_click_returns(panel: CancelPanel, fake_client: FakeClient) -> None:
    fake_client.execute_error = KeyboardInterrupt()
    panel.set_scope(9, ALL)
    panel.preview()
    confirm_plan(panel)
    panel.confirm.execute_button.click()  # must not raise
    assert panel.banner.text.startswith("The action was interrupted")
    assert "may have been sent" in panel.banner.text and panel.state == "failed"
    assert panel.progress.layout.display == "none" and panel.confirm.execute_button.disabled


def _all_state(widget: Any) -> str:
    states = [json.dumps(w.get_state(), default=repr) for w in walk(widget) if isinstance(w, widgets.Widget)]
    return "\n".join(states)


def test_no_secret_in_any_widget_state(fake_client: FakeClient) -> None:
    fake_client.collateral = make_orders([(5001, 12, 1, "Buy")])
    panel = CancelPanel(fake_client)
    panel.set_scope(ALL, ALL)
    panel.preview()
    confirm_plan(panel)
    panel.execute()
    fake_client.preview_error = RuntimeError("boom")
    panel.preview_button.click()
    state = _all_state(panel)
    assert "ops" in state  # the walk really covers the panel
    assert PASSWORD not in state and TOKEN not in state
    assert "password" not in state.lower()
    assert PASSWORD not in panel.record() and TOKEN not in panel.record()  # nor in the saved record


def test_clicks_never_raise(panel: CancelPanel, fake_client: FakeClient) -> None:
    fake_client.preview_error = pd.errors.EmptyDataError("nothing")
    panel.set_scope(9, ALL)
    panel.preview_button.click()
    assert "Preview failed" in panel.banner.message.value
    panel.confirm.execute_button.click()
    assert "Execute blocked" in panel.banner.message.value
