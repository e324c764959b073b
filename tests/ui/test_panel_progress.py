"""The panel's live verification progress: the hook it passes to execute, and what it shows per poll."""

from __future__ import annotations

from typing import Any

from ui_fakes import FakeClient

from apex_notebook.cancel.scope import ALL
from apex_notebook.ui.panel import CancelPanel
from apex_notebook.ui.panel.progress import ProgressView, accepts_progress, progress_words

STATUS = {"canceled": 40, "filled_before_cancel": 2, "pending": 5, "still_open": 3, "terminal": 42,
          "targets": 50, "seconds_left": 12.4, "poll": 3}


def test_progress_words_and_bar() -> None:
    assert progress_words(STATUS) == ("Verifying (poll 3): 40 canceled · 2 filled · 5 pending · 3 still open, "
                                      "of 50 — 12 s left")
    view = ProgressView()
    view.verification(STATUS)
    assert view.layout.display == "flex" and view.bar.value == 42 / 50 and view.bar.bar_style == "warning"
    view.verification({**STATUS, "still_open": 0, "terminal": 50})
    assert view.bar.value == 1.0 and view.bar.bar_style == "success"
    view.verification({"poll": "x", "targets": None})  # a malformed status is shown, never raised
    assert "poll 0" in view.text
    view.stop()
    assert view.layout.display == "none"


def test_accepts_progress() -> None:
    def with_hook(plan: object, *, progress: Any = None) -> None: ...
    def without(plan: object, *, reason: str) -> None: ...
    def forwarding(plan: object, **kwargs: Any) -> None: ...  # like Client.execute -> execute_plan

    assert accepts_progress(with_hook) and not accepts_progress(without)
    assert accepts_progress(forwarding)  # execute_plan takes progress=
    assert not accepts_progress(print)


def test_execute_passes_the_hook_and_the_budget_and_shows_each_poll(fake_client: FakeClient) -> None:
    panel = CancelPanel(fake_client, verify_timeout=7.5)
    seen: list[tuple[str, str]] = []
    shown = panel.progress.verification

    def spy(status: dict[str, Any]) -> None:
        shown(status)
        seen.append((panel.progress.layout.display, panel.progress.text))

    panel.progress.verification = spy  # type: ignore[method-assign]
    panel.set_scope(9, ALL)
    plan = panel.preview()
    panel.confirm.reason.value = "progress"
    panel.confirm.confirm.value = plan.confirmation_phrase
    panel.confirm.execute_button.click()
    call = next(c for c in fake_client.calls if c[0] == "execute")[1]
    assert call["verify_timeout"] == 7.5
    assert seen == [("flex", f"Verifying (poll 1): {plan.count} canceled · 0 filled · 0 pending · 0 still open, "
                             f"of {plan.count} — 8 s left")]
    assert panel.progress.layout.display == "none"  # hidden once the result is shown


def test_a_client_without_the_hook_still_executes() -> None:
    class OldClient(FakeClient):
        def execute(self, plan: Any, *, reason: str, confirm: str, mode: str = "cancel_all",  # type: ignore[override]
                    journal: Any = None) -> Any:
            return super().execute(plan, reason=reason, confirm=confirm, mode=mode, journal=journal)

    client = OldClient()
    panel = CancelPanel(client)
    panel.set_scope(9, ALL)
    plan = panel.preview()
    panel.confirm.reason.value = "old client"
    panel.confirm.confirm.value = plan.confirmation_phrase
    panel.confirm.execute_button.click()
    assert panel.result is not None and panel.banner.level == "ok"
