"""explain(): every error class in words a person understands; the result of a failed-but-verified send."""

from __future__ import annotations

import os

import pytest
from ui_fakes import FakeClient

from apex_notebook.cancel.scope import ALL
from apex_notebook.ui.panel import CancelPanel
from apex_notebook.ui.panel.error_area import ErrorArea, explain
from apex_notebook.ui.panel.result_view import journal_location
from apex_notebook.wire import errors

CASES = [
    (errors.ConfirmationError("type exactly: CANCEL 4 ORDERS"), "does not match", False),
    (errors.AlreadyExecutedError("x"), "already executed", False),
    (errors.NotPermittedError("Trading users cannot"), "may not cancel", False),
    (errors.PlanError("a reason is required"), "Cannot execute: a reason is required", False),
    (errors.PartialSnapshotError("partial", failed_accounts={10: "timeout", 9: "104"}),
     "account(s) 9, 10 could not be read", False),
    (errors.ScopeError("account_id is NaN"), "not valid", False),
    (errors.AuthenticationError("bad credentials"), "Reconnect", False),
    (errors.NotAuthorizedError("Not Authorized", errorcode=20), "permission", False),
    (errors.RateLimitedError("429"), "rate-limiting", True),
    (errors.TransportError("timed out"), "could not be reached", True),
    (errors.ServerError("Server Error", errorcode=102), "verify a write before re-sending", True),
    (ZeroDivisionError("division by zero"), "Something unexpected went wrong (ZeroDivisionError", True),
]


@pytest.mark.parametrize(("exc", "words", "uncertain_on_send"), CASES)
def test_explain(exc: BaseException, words: str, uncertain_on_send: bool) -> None:
    assert words in explain(exc, action="preview")
    sent = explain(exc, action="execute")
    assert words in sent
    assert ("never re-sent" in sent) is uncertain_on_send


def test_explain_drift() -> None:
    text = explain(errors.DriftError("drift", added=None, removed=None))
    assert "0 new order(s)" in text and "Nothing was sent" in text


def test_error_area_show_is_idempotent_and_clearable() -> None:
    area = ErrorArea()
    exc = ValueError("x")
    area.show(exc, action="preview")
    first = area.message.value
    area.show(exc)  # the same exception again (a click routing an already-shown error)
    assert area.message.value == first and "Preview failed" in first
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
    assert "Operation Failed" in panel.errors.text
    assert "verified afterwards" in panel.errors.text and "never re-sent" not in panel.errors.text
    assert panel.result is not None and panel.result_view.layout.display == "flex"
    assert panel.state == "executed" and panel.confirm.execute_button.disabled


def test_journal_location_words() -> None:
    assert os.path.abspath("apex-journal.sqlite") in journal_location(None, "e1")
    assert "e1" in journal_location(None, "e1")

    class Journal:
        path = "/data/j.sqlite"

    assert "recorded in the journal in /data/j.sqlite" in journal_location(Journal(), "e2")


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
    text = panel.errors.text
    assert "Nothing was sent" in text and "may or may not" not in text
    assert "Execute failed" in panel.errors.message.value
    assert "not executed" in panel.plan_view.phrase.value and "has been executed" not in panel.plan_view.phrase.value
    assert panel.confirm.execute_button.disabled  # still one click per plan
    assert text.count("Next:") == 1 and ".." not in text


@pytest.mark.parametrize("exc", [
    errors.ServerError("GetOpenOrders failed with HTTP 503. Next: retry a read later.", errorcode=None),
    errors.NotAuthorizedError("GetOpenOrders failed: APEX said 'Not Authorized' (errorcode 20, HTTP 200); "
                              "request {}. Next: check the permission.", errorcode=20),
    errors.AuthenticationError("Basic login refused by the gateway. Check the credentials."),
    errors.TransportError("ReadTimeout after 10 s."),
])
def test_explain_does_not_repeat_the_hint_or_the_full_stop(exc: errors.ApexError) -> None:
    for action in ("preview", "execute"):
        text = explain(exc, action=action)
        assert text.count("Next:") <= 1 and ".." not in text, text
