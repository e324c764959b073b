"""explain(): every error in one line (what happened, whether anything was sent, what next); the banner."""

from __future__ import annotations

import os
import re

import pytest
from ui_fakes import FakeClient, make_orders

from apex_notebook.cancel.scope import ALL
from apex_notebook.ui.panel import CancelPanel
from apex_notebook.ui.panel.banner import Banner
from apex_notebook.ui.panel.messages import core, details, explain
from apex_notebook.ui.panel.result_view import journal_location
from apex_notebook.wire import errors

CASES = [
    (errors.ConfirmationError("type exactly: CANCEL 4 ORDERS"), "does not match"),
    (errors.AlreadyExecutedError("x"), "already used"),
    (errors.NotPermittedError("Trading users cannot"), "You may not cancel in this scope: Trading users cannot"),
    (errors.PlanError("a reason is required; nothing was sent"), "The plan was refused: a reason is required"),
    (errors.PartialSnapshotError("partial", failed_accounts={10: "timeout", 9: "104"}),
     "account(s) 9, 10 could not be read"),
    (errors.ScopeError("account_id is NaN"), "not valid"),
    (errors.AuthenticationError("bad credentials"), "reconnect the client"),
    (errors.NotAuthorizedError("Not Authorized", errorcode=20), "permissions"),
    (errors.RateLimitedError("429"), "rate-limiting"),
    (errors.TransportError("timed out"), "did not answer in time"),
    (errors.ServerError("Server Error", errorcode=102), "answered with an error: Server Error"),
    (RuntimeError("Cannot send a request, as the client has been closed."), "The client is closed"),
    (ZeroDivisionError("division by zero"), "Something unexpected went wrong (ZeroDivisionError"),
]


def _one_line(text: str) -> None:
    assert "\n" not in text and text.count("Next:") == 1, text
    assert not re.search(r"\w\.\.( |$)", text), text
    assert text.lower().count("nothing was sent") <= 1, text


@pytest.mark.parametrize(("exc", "words"), CASES)
def test_explain_says_what_whether_sent_and_next(exc: BaseException, words: str) -> None:
    for action in ("preview", "execute"):
        line = explain(exc, action=action).line
        assert words in line and "Nothing was sent." in line, line
        _one_line(line)
    maybe = explain(exc, action="execute", sent="maybe").line
    assert "may have been sent" in maybe and "never re-sent" in maybe and "Nothing was sent" not in maybe
    verified = explain(exc, action="execute", sent="verified").line
    assert "verified afterwards" in verified and "Nothing was sent" not in verified


def test_drift_names_the_orders() -> None:
    added = make_orders([(7001, 9, 1, "Buy"), (7002, 9, 1, "Buy")])
    line = explain(errors.DriftError("drift", added=added, removed=added.iloc[0:0]), action="execute").line
    assert line.startswith("The orders in scope changed since the preview: 2 new in scope (7001, 7002), 0 gone.")
    assert "Nothing was sent." in line and "press Preview" in line
    assert "0 new in scope, 0 gone" in explain(errors.DriftError("d"), action="execute").line


def test_core_keeps_the_first_sentence_without_hints() -> None:
    exc = errors.ServerError("GetOpenOrders failed with HTTP 503 ('503 Service Unavailable') (after 4 attempts). "
                             "Next: the gateway failed; retry a read later, verify a write first.")
    assert core(exc) == "GetOpenOrders failed with HTTP 503 ('503 Service Unavailable') (after 4 attempts)"
    assert core(errors.PlanError("this plan cannot be executed (nothing was sent): read-only")) == \
        "this plan cannot be executed: read-only"


def test_details_never_hold_a_traceback() -> None:
    try:
        raise errors.ServerError("boom", call="GetOpenOrders", errorcode=102)
    except errors.ServerError as exc:
        exc.add_note("journalled as execution e1")
        text = details(exc)
    assert "Traceback" not in text and 'File "' not in text
    assert "ServerError: boom" in text and "call: GetOpenOrders" in text and "note: journalled as execution e1" in text


def test_banner_is_idempotent_clearable_and_folds_details() -> None:
    area = Banner()
    exc = ValueError("x")
    area.show_error(exc, action="preview")
    first = area.message.value
    assert "Preview failed" in first and area.accordion.selected_index is None
    assert area.accordion.layout.display == "block" and "ValueError" in area.details.value
    area.show_error(exc, action="execute", sent="maybe")  # the same exception again: the first words stay
    assert area.message.value == first
    area.show("ok", "Executed", "Verified OK: 3 cancelled.")
    assert area.level == "ok" and area.accordion.layout.display == "none"
    area.clear()
    assert area.text == "" and area.layout.display == "none"


def test_error_after_send_shows_the_verified_result(fake_client: FakeClient) -> None:
    panel = CancelPanel(fake_client)
    panel.set_scope(9, ALL)
    panel.preview()
    assert panel.plan is not None
    panel.confirm.reason.value = "incident 42"
    panel.confirm.confirm.value = panel.plan.confirmation_phrase
    real_execute = fake_client.execute

    def failing_execute(plan: object, **kwargs: object) -> object:
        result = real_execute(plan, **kwargs)  # type: ignore[arg-type]
        error = errors.OperationFailedError("Operation Failed", call="CancelAllOrders", errorcode=101)
        error.cancel_result = result  # type: ignore[attr-defined]
        raise error

    fake_client.execute = failing_execute  # type: ignore[method-assign]
    panel.confirm.execute_button.click()
    assert "Operation Failed" in panel.banner.text and panel.banner.level == "warning"
    assert "verified afterwards" in panel.banner.text and "Nothing was sent" not in panel.banner.text
    assert panel.result is not None and panel.result_view.layout.display == "flex"
    assert panel.state == "executed" and panel.confirm.execute_button.disabled
    assert "has been executed" in panel.confirm.phrase.value


def test_journal_location_words() -> None:
    assert os.path.abspath("apex-journal.sqlite") in journal_location(None, "e1")
    assert "e1" in journal_location(None, "e1")

    class Journal:
        path = "/data/j.sqlite"

    assert journal_location(Journal(), "e2") == "execution e2, journal /data/j.sqlite"


def test_error_before_the_send_says_nothing_was_sent(fake_client: FakeClient) -> None:
    """A failed pre-send drift check: the plan is not spent, and the panel must not say it ran."""
    fake_client.execute_error = errors.ServerError(
        "GetOpenOrders failed with HTTP 503 ('503 Service Unavailable') (after 4 attempts). "
        "Next: the gateway failed; retry a read later, verify a write first.", call="GetOpenOrders")
    fake_client.error_after_send = False
    panel = CancelPanel(fake_client)
    panel.set_scope(9, ALL)
    plan = panel.preview()
    panel.confirm.reason.value = "incident 42"
    panel.confirm.confirm.value = plan.confirmation_phrase
    panel.confirm.execute_button.click()
    text = panel.banner.text
    assert "Nothing was sent" in text and "may have been sent" not in text
    assert "Execute failed" in panel.banner.message.value
    assert "not executed" in panel.confirm.phrase.value and "has been executed" not in panel.confirm.phrase.value
    assert panel.confirm.execute_button.disabled  # still one click per plan
    _one_line(text)
